"""Course code (read it, don't edit it): contour plots of a surface with trajectories, and curves.

Static pictures: a surface's contours with trajectories on them, and loss / gradient-norm curves.
The same drawing code serves the lectures (matplotlib inline) and the slider widgets.

One colour per method across the course: ``color("momentum")``, or ``COLORS["momentum"]``.
``COLORS`` is also a sequence (``COLORS[0]``, ``zip(runs, COLORS)``) for curves that are not
methods (two learning rates, say).
"""
from __future__ import annotations

import re

import numpy as np


class Palette(tuple):
    """Colours in a fixed order (a tuple: ``COLORS[0]``, ``COLORS[1:3]``) that can also be looked
    up by method name (``COLORS["adam"]``)."""

    def __new__(cls, named: dict):
        palette = super().__new__(cls, named.values())
        palette.named = dict(named)
        return palette

    def __getitem__(self, key):
        if isinstance(key, str):
            return self.named[key]
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:
        return key in self.named or tuple.__contains__(self, key)

    def keys(self):
        return self.named.keys()

    def items(self):
        return self.named.items()

    def get(self, key, default=None):
        return self.named.get(key, default)


#: one colour per method, the same in every lecture, exercise and explorer. The first eight are
#: matplotlib's (and this module's) former cycle, so ``COLORS[i]`` keeps its colour.
COLORS = Palette({
    "gd": "#1f77b4",            # blue
    "momentum": "#d62728",      # red
    "momentum_ema": "#2ca02c",  # green
    "nesterov": "#ff7f0e",      # orange
    "adagrad": "#9467bd",       # purple
    "rmsprop": "#8c564b",       # brown
    "adadelta": "#e377c2",      # pink
    "adam": "#17becf",          # cyan
    "adamax": "#00585e",        # deep teal (Adam's family in cyan shades; olive went to local gains)
    "nadam": "#98df8a",         # light green
    "radam": "#000080",         # navy (lavender read as Adagrad's purple)
    "amsgrad": "#7f7f7f",       # grey (free since AdaMax took deep teal)
    "adamw": "#e6ab02",         # gold: AdamW (and lecture 12's recipe, AdamW with a schedule)
    "local_gains": "#bcbd22",   # olive (light orange read as Nesterov's orange, violet as Adagrad's purple)
    "reference": "#111111",     # a reference curve (theory, a bound): near black, on a white halo
})

#: words a label may start with that name a method ("GD (α = 0)" is drawn in gd's colour)
ALIASES = {"gd": "gd", "sgd": "gd", "momentum": "momentum", "heavy": "momentum",
           "ema": "momentum_ema", "nesterov": "nesterov", "nag": "nesterov"}

#: font sizes (points) readable at the width JupyterLab shows a notebook's figures
FONT = dict(title=11, label=11, tick=10, legend=9, note=9)

#: how each kind of critical point is marked: marker, size, face colour
CRITICAL = {"minimum": ("*", 15, "gold"), "saddle": ("X", 11, "#33c3ff"),
            "maximum": ("^", 10, "#ff5c5c"), "flat": ("D", 8, "white")}


def color(name: str, default=None) -> str:
    """The colour of method ``name`` (``"gd"``, ``"adam"``, ...; a label like ``"GD (α = 0)"``
    or ``"reference momentum"`` works too). An unknown name gives ``default`` if one is given."""
    key = method(name)
    if key is None:
        if default is not None:
            return default
        raise KeyError(f"no colour for {name!r}: methods are {', '.join(COLORS.keys())}")
    return COLORS[key]


def method(name) -> str | None:
    """The method a rule name or a label names (``"GD (α = 0)"`` -> ``"gd"``), or None."""
    if not isinstance(name, str):
        return None
    text = name.strip().lower()
    if text in COLORS.named:
        return text
    text = re.sub(r"^(reference|your|my|torch)\s+", "", text)
    if text in COLORS.named:
        return text
    word = re.match(r"[a-z_]+", text)
    if word is None:
        return None
    word = word.group(0)
    return word if word in COLORS.named else ALIASES.get(word)


def colors_for(names, fixed=None, styles=None) -> list:
    """A colour for each of ``names`` (labels or rule names): its method's colour, or where two
    curves drawn alike (same ``styles`` entry) would share one, or no method is named, the next
    colour of ``COLORS`` not yet taken. ``fixed`` colours (not None) are kept as given."""
    names = list(names)
    fixed = list(fixed) if fixed is not None else [None] * len(names)
    styles = list(styles) if styles is not None else [None] * len(names)
    taken = {(c, s) for c, s in zip(fixed, styles) if c is not None}
    used = {c for c in fixed if c is not None}
    out = []
    for name, col, style in zip(names, fixed, styles):
        if col is None:
            key = method(name)
            col = COLORS[key] if key is not None else None
            if col is None or (col, style) in taken:
                col = next((c for c in COLORS if c not in used and c != COLORS["reference"]),
                           COLORS[len(out) % len(COLORS)])
        taken.add((col, style))
        used.add(col)
        out.append(col)
    return out


def _grid(surface, n: int):
    """(X, Y, Z) on an n×n grid over the plot limits with every critical point's coordinates
    among the grid lines (a valley's floor narrower than a grid cell is then on the grid)."""
    cache = surface._grids
    key = ("critical", n)
    if key not in cache:
        pts = np.array([p.theta for p in _critical(surface)]).reshape(-1, 2)
        x = np.linspace(*surface.xlim, n)
        y = np.linspace(*surface.ylim, n)
        x = np.union1d(x, pts[:, 0][(pts[:, 0] >= x[0]) & (pts[:, 0] <= x[-1])])
        y = np.union1d(y, pts[:, 1][(pts[:, 1] >= y[0]) & (pts[:, 1] <= y[-1])])
        X, Y = np.meshgrid(x, y)
        with np.errstate(all="ignore"):
            cache[key] = (X, Y, surface.loss_fn(X, Y))
    return cache[key]


def _critical(surface) -> list:
    points = getattr(surface, "critical_points", None)
    if points is None:  # a surface-like object without the list: its minimizer
        from .surfaces import CriticalPoint
        points = [CriticalPoint(np.asarray(surface.minimizer, float), "minimum")]
    return list(points)


def contour_levels(surface, levels: int = 25) -> np.ndarray:
    """The filled contours' levels: the lowest at the surface's minimum loss (that region is
    filled too), then log-spaced above it where the surface spans decades, from a millionth of
    its range up (so a valley's gently sloping floor shows in bands), else evenly spaced."""
    _, _, Z = _grid(surface, 240)
    lo = min(float(np.nanmin(Z)), surface.min_loss)
    hi = float(np.nanmax(Z))
    if hi <= lo:
        hi = lo + 1.0
    if surface.log_levels:
        span = hi - lo
        return lo + np.concatenate([[0.0], np.geomspace(1e-6 * span, span, levels - 1)])
    return np.linspace(lo, hi, levels)


def contour(ax, surface, n: int = 240, levels: int = 25, cmap="Greys_r"):
    """Filled contours of ``surface`` on ``ax`` with every critical point marked: the lowest
    region filled, log-spaced levels where the surface spans decades; θ₁, θ₂ on the axes."""
    import matplotlib

    X, Y, Z = _grid(surface, n)
    lev = contour_levels(surface, levels)
    shades = matplotlib.colormaps[cmap] if isinstance(cmap, str) else cmap
    # from a dark grey, not black: paths stay visible on the lowest region
    fills = shades(np.linspace(0.16, 0.97, len(lev) - 1))
    ax.contourf(X, Y, Z, levels=lev, colors=fills)
    # thin lines a shade darker than the fills: where the levels crowd (a valley's walls, its
    # floor) they darken a little instead of drawing a white streak
    ax.contour(X, Y, Z, levels=lev[1:], colors="k", linewidths=0.25, alpha=0.18)
    mark_critical_points(ax, surface)
    ax.set_xlim(surface.xlim)
    ax.set_ylim(surface.ylim)
    ax.set_xlabel("θ₁", fontsize=FONT["label"])
    ax.set_ylabel("θ₂", fontsize=FONT["label"])
    ax.tick_params(labelsize=FONT["tick"])
    ax.set_title(surface.title, fontsize=FONT["title"])
    return ax


def mark_critical_points(ax, surface) -> list:
    """Mark every critical point of ``surface``: a star at a minimum, ✕ at a saddle, a diamond at
    a flat critical point, each named beside it but the minima. Returns the markers (their gid is
    ``"critical:<kind>"``)."""
    import matplotlib.patheffects as pe

    marks = []
    for point in _critical(surface):
        marker, size, face = CRITICAL.get(point.kind, ("o", 8, "white"))
        (mark,) = ax.plot(point.theta[0], point.theta[1], marker=marker, markersize=size,
                          color=face, markeredgecolor="k", linestyle="none", zorder=5,
                          gid=f"critical:{point.kind}")
        marks.append(mark)
        if point.kind != "minimum":
            ax.annotate(point.kind, point.theta, xytext=(6, 6), textcoords="offset points",
                        fontsize=FONT["note"], color="white", zorder=5,
                        path_effects=[pe.withStroke(linewidth=2, foreground="k")])
    return marks


def path(ax, theta, label=None, color=None, marker=".", **kw):
    """Draw one trajectory θ_0..θ_T (shape (T+1, 2)) with its start and end marked, on a thin
    white halo (visible on the darkest contours). Points that are not finite (a run that
    diverged) are left out, and the last finite point gets an ✕."""
    theta = np.asarray(theta)
    ok = np.isfinite(theta).all(axis=-1)
    diverged = not ok.all()
    if diverged:
        theta = theta[: int(np.argmin(ok))]  # up to the last finite point
    kw.setdefault("markersize", 3)
    kw.setdefault("lw", 1.2)
    if color is None and method(label) is not None:
        color = COLORS[method(label)]
    (line,) = ax.plot(theta[:, 0], theta[:, 1], marker=marker, label=label, color=color, zorder=3,
                      **kw)
    ax.plot(theta[:, 0], theta[:, 1], color="white", lw=line.get_linewidth() + 1.2,
            alpha=kw.get("alpha", 1.0) * 0.45, zorder=2.9, solid_capstyle="round")
    if len(theta):
        ax.plot(theta[0, 0], theta[0, 1], "o", color=line.get_color(), markersize=6, mfc="white",
                zorder=3.1)
        if diverged:
            ax.plot(theta[-1, 0], theta[-1, 1], "X", color=line.get_color(), markersize=9,
                    markeredgecolor="white", zorder=3.1)
    return line


def legend_outside(ax, handles=None, where: str = "below", **kw):
    """A legend outside the axes (``"below"`` or ``"right"``), so that it hides no path."""
    kw.setdefault("fontsize", FONT["legend"])
    kw.setdefault("frameon", False)
    if handles is not None:
        kw["handles"] = handles
    n = len(handles) if handles is not None else len(ax.get_legend_handles_labels()[0])
    if where == "right":
        return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, **kw)
    kw.setdefault("ncol", min(max(n, 1), 3))
    return ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), borderaxespad=0.0, **kw)


def trajectories(surface, runs: dict, ax=None, legend=True, colors=None, styles=None):
    """Contour plot of ``surface`` with one trajectory per entry of ``runs`` (label -> (T+1, 2)),
    each in its method's colour where the label names one (or ``colors[i]``, line style
    ``styles[i]``: several runs of one method in its shades); the legend below the axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5), layout="constrained")
    contour(ax, surface)
    colors = list(colors) if colors is not None else colors_for(runs, styles=styles)
    styles = list(styles) if styles is not None else ["-"] * len(runs)
    for (label, theta), col, ls in zip(runs.items(), colors, styles):
        path(ax, theta, label=label, color=col, ls=ls)
    if legend and runs:
        legend_outside(ax)
    return ax


def curves(ax, series: dict, steps=None, ylabel="loss", log=True):
    """Line plot of several series (label -> values over steps) on ``ax``, each in its method's
    colour where the label names one."""
    for (label, values), col in zip(series.items(), colors_for(series)):
        x = np.arange(len(values)) if steps is None else steps
        ax.plot(x, values, label=label, color=col, lw=1.3)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step t", fontsize=FONT["label"])
    ax.set_ylabel(ylabel, fontsize=FONT["label"])
    ax.tick_params(labelsize=FONT["tick"])
    ax.legend(fontsize=FONT["legend"])
    return ax


# --- figures of the lectures: panels, shades of one method, finished axes --------------------

#: a figure's width (inches) at notebook width for one and for two panels in a row
WIDTH = {1: 6.4, 2: 10.5}


def panels(n: int = 2, height: float = 3.9, width: float | None = None, **kw):
    """A figure of ``n`` panels, at most two in a row (three or four panels: two rows), with a
    constrained layout (legends below the axes keep their room). Returns (fig, axes): one Axes
    for ``n = 1``, else a flat array of ``n`` Axes."""
    import matplotlib.pyplot as plt

    if n < 1:
        raise ValueError("a figure has at least one panel")
    ncols = 1 if n == 1 else 2
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width or WIDTH[ncols], height * nrows),
                             layout="constrained", squeeze=False, **kw)
    axes = axes.ravel()
    for ax in axes[n:]:
        ax.remove()
    return (fig, axes[0]) if n == 1 else (fig, axes[:n])


def shades(name: str, n: int, lightest: float = 0.5, darkest: float = -0.4) -> list:
    """``n`` shades of method ``name``'s colour, light to dark: several runs of one method (several
    η or α) stay recognisably that method. Positive fractions mix in white, negative ones black;
    one shade is the method's colour itself."""
    from matplotlib.colors import to_hex, to_rgb

    base = np.array(to_rgb(color(name)))
    fractions = [0.0] if n == 1 else np.linspace(lightest, darkest, n)
    return [to_hex(base + (1 - base) * f if f > 0 else base * (1 + f)) for f in fractions]


#: line styles for several runs of one method, next to its shades
STYLES = ("-", "--", ":", "-.")


def finish(ax, title=None, xlabel=None, ylabel=None, legend: str | None = "below", xlog=False,
           ylog=False, **legend_kw):
    """Title, axis labels and log scales in the course's font sizes, and the legend outside the
    axes (``"below"``, ``"right"``; ``"inside"``: matplotlib's best place; None: no legend)."""
    if title is not None:
        ax.set_title(title, fontsize=FONT["title"])
    if xlabel is not None:
        ax.set_xlabel(xlabel, fontsize=FONT["label"])
    if ylabel is not None:
        ax.set_ylabel(ylabel, fontsize=FONT["label"])
    if xlog:
        ax.set_xscale("log")
    if ylog:
        ax.set_yscale("log")
    ax.tick_params(labelsize=FONT["tick"])
    has_labels = bool(ax.get_legend_handles_labels()[0])
    if legend in ("below", "right") and has_labels:
        legend_outside(ax, where=legend, **legend_kw)
    elif legend == "inside" and has_labels:
        legend_kw.setdefault("fontsize", FONT["legend"])
        ax.legend(**legend_kw)
    elif ax.get_legend() is not None:
        ax.get_legend().remove()
    return ax


def series(ax, data: dict, x=None, colors=None, styles=None, markers=None, lw: float = 1.3, **kw):
    """One line per entry of ``data`` (label -> values) against ``x`` (default 0, 1, ...): each in
    ``colors[i]`` if given, else its method's colour (or the next free one); ``styles`` and
    ``markers`` per line. Returns the lines. No axis decoration: see ``finish``."""
    labels = list(data)
    colors = list(colors) if colors is not None else colors_for(labels, styles=styles)
    styles = list(styles) if styles is not None else ["-"] * len(labels)
    markers = list(markers) if markers is not None else [None] * len(labels)
    lines = []
    for label, col, ls, mk in zip(labels, colors, styles, markers):
        values = np.asarray(data[label])
        xs = np.arange(len(values)) if x is None else np.asarray(x)
        (line,) = ax.plot(xs, values, color=col, ls=ls, marker=mk, lw=lw, label=label, **kw)
        lines.append(line)
    return lines


def trajectories_and_curves(surface, runs: dict, data: dict, colors=None, styles=None,
                            titles=(None, None), ylabel="loss", steps=None, ylog=True, xlog=False,
                            height: float = 4.2, legend: str = "below"):
    """The course's most common figure: trajectories on the contours (left) and a curve per run
    over the steps (right: ``data``, label -> values; the same labels and colours as ``runs``, or
    its own labels in the same order). ``colors`` / ``styles`` default to each method's colour /
    solid lines. One legend, below the right panel (the left one would repeat it). Returns
    (fig, (ax, ax2))."""
    fig, (ax, ax2) = panels(2, height=height)
    labels = list(runs)
    colors = list(colors) if colors is not None else colors_for(labels, styles=styles)
    styles = list(styles) if styles is not None else ["-"] * len(labels)
    trajectories(surface, runs, ax=ax, legend=False, colors=colors, styles=styles)
    series(ax2, data, x=steps, colors=colors[: len(data)], styles=styles[: len(data)])
    finish(ax, title=titles[0], legend=None)
    finish(ax2, title=titles[1], xlabel="step t", ylabel=ylabel, xlog=xlog, ylog=ylog,
           legend=legend)
    return fig, (ax, ax2)


def rate_curves(ax, h, rates: dict, colors=None, styles=None, measured: dict | None = None,
                h_measured=None, xlabel="h = ηλ (log axis)", ylabel="per-step rate ρ",
                title=None, ylim=(0, 1.3), legend: str | None = "below"):
    """Per-step rates ρ(h) on a log axis of h, one curve per entry of ``rates`` (label -> ρ over
    ``h``) in its method's colour (or ``colors``), measured rates (label -> values over
    ``h_measured``) as dots in their method's colour, and the line ρ = 1 (above it a run
    diverges)."""
    labels = list(rates)
    colors = list(colors) if colors is not None else colors_for(labels, styles=styles)
    series(ax, rates, x=h, colors=colors, styles=styles)
    if measured:
        dots = colors_for(list(measured), styles=["o"] * len(measured))
        for (label, values), col in zip(measured.items(), dots):
            ax.plot(h_measured, values, "o", ms=3, color=col, label=label)
    ax.axhline(1, color="k", lw=0.6, ls=":")
    if ylim is not None:
        ax.set_ylim(*ylim)
    return finish(ax, title=title, xlabel=xlabel, ylabel=ylabel, xlog=True, legend=legend)


def measured_vs_theory(ax, x, measured: dict, theory: dict, x_theory=None, colors=None,
                       title=None, xlabel=None, ylabel=None, xlog=True, ylog=True,
                       legend: str | None = "below", **legend_kw):
    """Measurements as dots (label -> values over ``x``) with the formulas they test drawn as lines
    (label -> values over ``x_theory``, default ``x``), on log axes by default. The i-th line is
    drawn in the colour of the i-th dots (its method's colour, or ``colors[i]``); lines beyond the
    measured ones (an approximation, a limit) are drawn dotted in the reference colour. A legend
    below the axes has one column per pair (the dots above their line), the extra lines in the last."""
    labels = list(measured)
    colors = list(colors) if colors is not None else colors_for(labels)
    dots = [ax.plot(x, values, "o", ms=4, color=col, label=label, zorder=3)[0]
            for (label, values), col in zip(measured.items(), colors)]
    paired, extra = min(len(theory), len(labels)), max(len(theory) - len(labels), 0)
    lines = series(ax, theory, x=x if x_theory is None else x_theory,
                   colors=colors[:paired] + [COLORS["reference"]] * extra, styles=["-"] * paired + [":"] * extra)
    if legend == "below":
        handles = []
        for i, dot in enumerate(dots):
            handles += [dot, lines[i]] if i < paired else [dot]
        legend_kw.setdefault("handles", handles + lines[paired:])
        legend_kw.setdefault("ncol", len(dots) + (extra > 0))
    return finish(ax, title=title, xlabel=xlabel, ylabel=ylabel, xlog=xlog, ylog=ylog,
                  legend=legend, **legend_kw)


def figure_legend(fig, ax=None, ncol: int | None = None, **kw):
    """One legend below all the panels of ``fig`` (a constrained layout) for panels that share
    their entries: the entries of ``ax`` (default: the first panel)."""
    ax = ax if ax is not None else fig.axes[0]
    handles, labels = ax.get_legend_handles_labels()
    kw.setdefault("fontsize", FONT["legend"])
    kw.setdefault("frameon", False)
    return fig.legend(handles, labels, loc="outside lower center",
                      ncol=ncol or min(max(len(handles), 1), 4), **kw)


def race(result, height: float = 3.4):
    """The race (:mod:`descent.race`): one panel per track, the loss above the track's floor
    against the step for each entry's best run (its own tuned η), on a log axis; each title
    names the winner. Two entries of one method (Adadelta untuned and with ε tuned) share its
    colour, the second dashed. Returns the figure."""

    fig, axes = panels(len(result.tracks), height=height)
    axes = np.atleast_1d(axes).ravel()
    labels = [e.label for e in result.entries]
    names = [e.method or e.label for e in result.entries]
    keys = [method(n) or n for n in names]
    styles = [STYLES[keys[:i].count(k) % len(STYLES)] for i, k in enumerate(keys)]
    colors = colors_for(names, styles=styles)
    for ax, track in zip(axes, result.tracks):
        tuned = result.tuned[track.name]
        with np.errstate(all="ignore"):
            data = {e.label: np.maximum(tuned[e.label].best.loss - track.floor, 1e-16) for e in result.entries}
        series(ax, data, colors=colors, styles=styles)
        noisy = f", noise {track.noise:g}" if track.noise else ""
        finish(ax, title=f"{track.name}{noisy}: {result.winner(track.name)} ahead", xlabel="step t",
               ylabel="loss − min", ylog=True, legend=None)
    figure_legend(fig, axes[0], ncol=min(len(labels), 4))
    return fig


def effective_rates(ax, rates: dict, ideal, coordinate: int, colors=None):
    """The learning rate coordinate θ_i actually got at each step (:func:`rollout.effective_rates`,
    label -> (T, d)) for each run, against the ideal 1/λ_i (a dotted reference line), log axis."""
    i = coordinate - 1
    data = {label: r[:, i] for label, r in rates.items()}
    series(ax, data, x=np.arange(1, len(next(iter(data.values()))) + 1), colors=colors)
    ax.axhline(float(ideal[i]), color=COLORS["reference"], ls=":", lw=1.5, label=f"ideal 1/λ{'₁₂'[i]}")
    finish(ax, xlabel="step t", ylabel=f"rate of θ{'₁₂'[i]}", ylog=True, legend=None)



def bars(ax, groups: dict, categories, colors=None, title=None, ylabel=None, ylog=True,
         legend: str | None = "below"):
    """Grouped bars: for each entry of ``groups`` (label -> one value per category) a bar in each
    of ``categories`` (e.g. the coordinates θ₁, θ₂), side by side; a log axis by default (one
    step decomposed per coordinate: GD's step, a method's, the ideal one). Returns the axes."""
    labels = list(groups)
    colors = list(colors) if colors is not None else colors_for(labels)
    width = 0.8 / len(labels)
    x = np.arange(len(categories))
    for i, (label, col) in enumerate(zip(labels, colors)):
        ax.bar(x + (i - (len(labels) - 1) / 2) * width, np.abs(groups[label]), width, color=col,
               label=label)
    ax.set_xticks(x, list(categories))
    return finish(ax, title=title, ylabel=ylabel, ylog=ylog, legend=legend)


def bands(ax, steps, runs: dict, colors=None, title=None, xlabel="step t", ylabel="loss",
          ylog=True, legend: str | None = "below"):
    """Runs over several seeds (label -> values of shape (len(steps), seeds)): the median as a
    line and the band from the lowest to the highest seed, in the method's colour. Returns ax."""
    labels = list(runs)
    colors = list(colors) if colors is not None else colors_for(labels)
    for (label, values), col in zip(runs.items(), colors):
        values = np.asarray(values, dtype=float).reshape(len(steps), -1)
        ax.fill_between(steps, values.min(axis=1), values.max(axis=1), color=col, alpha=0.2, lw=0)
        ax.plot(steps, np.median(values, axis=1), color=col, lw=1.5, label=label)
    return finish(ax, title=title, xlabel=xlabel, ylabel=ylabel, ylog=ylog, legend=legend)


def race_map(ax, labels, tracks, scores, title=None):
    """The race as a heat map: one row per entry, one column per track, each cell coloured by
    log10(score / the track's best score) (0: the winner; lighter: further behind) and labelled
    with the entry's place on that track. ``scores``: shape (entries, tracks), ∞ for a diverged
    run. Returns the image."""
    scores = np.asarray(scores, dtype=float)
    with np.errstate(all="ignore"):
        best = np.min(np.where(np.isfinite(scores), scores, np.inf), axis=0)
        gap = np.log10(np.maximum(scores, 1e-300) / np.maximum(best, 1e-300))
    shown = np.clip(np.where(np.isfinite(gap), gap, 12.0), 0.0, 12.0)
    image = ax.imshow(shown, cmap="viridis_r", vmin=0.0, vmax=12.0, aspect="auto")
    places = np.argsort(np.argsort(np.where(np.isfinite(scores), scores, np.inf), axis=0, kind="stable"),
                        axis=0, kind="stable") + 1
    for (i, j), place in np.ndenumerate(places):
        ax.text(j, i, str(place), ha="center", va="center", fontsize=FONT["note"],
                color="white" if shown[i, j] > 6 else "black")
    ax.set_xticks(range(len(tracks)), list(tracks), fontsize=FONT["tick"])
    ax.set_yticks(range(len(labels)), list(labels), fontsize=FONT["tick"])
    ax.tick_params(length=0)
    cbar = ax.figure.colorbar(image, ax=ax, fraction=0.04)
    cbar.set_label("decades behind the best", fontsize=FONT["label"])
    if title:
        ax.set_title(title, fontsize=FONT["title"])
    return image
