"""Course code (read it, don't edit it): the explorer's figure, drawn once, and its pictures.

Drawing a whole matplotlib figure takes tens of milliseconds, too slow for a slider. So the
contours and axes are drawn once into an Agg canvas and kept as a background; a picture is then
the background restored, the trajectory lines moved with ``set_data`` and drawn on top of it
("blitting"), encoded as a JPEG (1 ms, where a PNG takes 7 ms). The loss panel's y axis is fixed
once, when the first runs are placed, and drawn into the background then.
"""
from __future__ import annotations

import io
from collections import OrderedDict

import numpy as np

from .. import plots
from .runs import diverged_at, summary


class Canvas:
    """One persistent Agg figure: the contour plot of ``surface`` and, with ``loss_panel``, the
    loss of each run against the step (0 to ``steps``). ``runs`` gives each line its label, colour
    and dash (a :class:`~descent.explorer.runs.Run`, or anything with ``label``, ``color``,
    ``dashed``); a run without a colour takes its method's (``descent.plots.COLORS``).

    ``place(results, n)`` puts the first ``n`` steps of some trajectories on the figure,
    ``picture()`` returns it as a JPEG, ``readout(results, n)`` says in words how each run ends.

    The loss panel's y axis is fixed once per explorer: its top from the surface (ten times the
    largest loss over the plotted area: a run above it for good has diverged), its bottom a
    two decades below the lowest loss the first runs placed reach (the runs at the sliders' initial
    values). It never rescales when a slider moves.
    """

    DECADES = (4, 16)  # the loss panel spans at least 4 and at most 16 decades

    def __init__(self, surface, runs, steps: int, loss_panel: bool = True, size=(9.0, 3.8),
                 dpi: int = 80, coordinate: int | None = None, also=()):
        # matplotlib is imported here, when a figure is first drawn: importing this module costs
        # no matplotlib (half a second), so a graded exercise, which draws nothing, starts faster
        from matplotlib import patheffects
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import NullLocator

        self.surface = surface
        self.floor = surface.min_loss
        spans = []
        for shown in (surface, *also):  # also: the surfaces problem sliders may make
            _, _, Z = plots._grid(shown, 240)
            spans.append(max(float(np.nanmax(Z)) - shown.min_loss, 1e-300))
        self.top = int(np.ceil(np.log10(max(spans)))) + 1  # decade: 10 × the largest plotted loss
        self.limit = 10.0 ** self.top  # a run whose loss stays above it has diverged
        self.labels = [run.label for run in runs]
        self.fig = Figure(figsize=size, dpi=dpi, layout="constrained")
        self.agg = FigureCanvasAgg(self.fig)
        self.coordinate = coordinate
        right = (["loss"] if loss_panel else []) + (["coord"] if coordinate else [])
        if right:  # the contours on the left, the panels against the step stacked on the right
            axes = self.fig.subplot_mosaic([["map", name] for name in right],
                                           width_ratios=[1.25, 1])
        else:
            axes = {"map": self.fig.subplots(1, 1)}
        self.ax, self.ax_loss, self.ax_coord = axes["map"], axes.get("loss"), axes.get("coord")
        plots.contour(self.ax, surface)
        self._first = self._drawn = surface  # the surface whose contours the figure holds
        colors = plots.colors_for([run.method_name() if hasattr(run, "method_name") else run.label
                                   for run in runs],
                                  fixed=[run.color for run in runs],
                                  styles=[run.dashed for run in runs])
        from matplotlib.colors import to_hex

        self.colors = [to_hex(c) for c in colors]  # as HTML colours too ("0.55" -> "#8c8c8c")
        self.lines, self.ends, self.starts, self.loss_lines = [], [], [], []
        self.halos, self.crosses, self.loss_crosses, self.coord_lines = [], [], [], []
        for run, color in zip(runs, colors):
            ls = "--" if run.dashed else "-"
            # animated: left out when the whole figure is drawn, drawn on top when blitting
            # under each path a halo: a white band edged in black, so that a path of any
            # colour (grey too) stands out on the darkest and the lightest contours alike
            (halo,) = self.ax.plot([], [], "-", lw=3.0, color="white", alpha=0.6, animated=True,
                                   path_effects=[patheffects.Stroke(linewidth=4.6, foreground="k",
                                                                    alpha=0.45),
                                                 patheffects.Normal()])
            (ln,) = self.ax.plot([], [], ls, marker=".", ms=3, lw=1.3, color=color,
                                 label=run.label, animated=True)
            (end,) = self.ax.plot([], [], "o", ms=6, color=color, markeredgecolor="white",
                                  animated=True)
            (st,) = self.ax.plot([], [], "o", ms=6, mfc="white", color=color, animated=True)
            (cross,) = self.ax.plot([], [], "X", ms=10, color=color, markeredgecolor="white",
                                    animated=True)
            self.halos.append(halo)
            self.lines.append(ln)
            self.ends.append(end)
            self.starts.append(st)
            self.crosses.append(cross)
            if self.ax_loss is not None:
                (ll,) = self.ax_loss.plot([], [], ls, lw=1.3, color=color, label=run.label,
                                          animated=True)
                # on the panel's top edge, not clipped; left out of the layout
                (lx,) = self.ax_loss.plot([], [], "X", ms=9, color=color, clip_on=False,
                                          animated=True, in_layout=False)
                self.loss_lines.append(ll)
                self.loss_crosses.append(lx)
            if self.ax_coord is not None:
                (cl,) = self.ax_coord.plot([], [], ls, lw=1.0, color=color, animated=True)
                self.coord_lines.append(cl)
        font = plots.FONT
        # the legend below the figure: it hides no path
        self.fig.legend(handles=self.lines, loc="outside lower center",
                        ncol=min(len(self.lines), 4) or 1, fontsize=font["legend"], frameon=False)
        if self.ax_loss is not None:
            self.ax_loss.set_yscale("log")
            self.ax_loss.set_xlabel("step t", fontsize=font["label"])
            self.ax_loss.set_ylabel("loss − min", fontsize=font["label"])
            self.ax_loss.tick_params(labelsize=font["tick"])
            self.ax_loss.set_xlim(0, max(steps, 1))
            self.ax_loss.yaxis.set_minor_locator(NullLocator())
            self.ax_loss.yaxis.tick_right()  # tick labels grow into the free right margin
            self.ax_loss.yaxis.set_label_position("right")
            self.ax_loss.set_ylim(10.0 ** (self.top - self.DECADES[1]), self.limit)
        if self.ax_coord is not None:
            self._coordinate_panel(steps)
        self.agg.draw()  # lay the figure out once with every axes in place, then freeze it
        self.fig.set_layout_engine("none")
        self._decades = None  # the loss panel's limits, in decades, once fixed
        self._kept = OrderedDict()  # id(surface) -> (surface, contours, background): drawn before
        self._draw_background()

    KEPT = 16  # backgrounds kept of the surfaces problem sliders made

    def _draw_background(self):
        """Draw the contours and the axes (the loss panel without its y axis) and keep them; the
        background a picture's lines are drawn over adds the loss panel's y axis once fixed."""
        if self.ax_loss is not None:
            self.ax_loss.yaxis.set_visible(False)
        self.agg.draw()
        self._contours = self.agg.copy_from_bbox(self.fig.bbox)
        if self.ax_loss is not None:
            self.ax_loss.yaxis.set_visible(True)
        self._background = self._contours
        if self._decades is not None:
            self.agg.restore_region(self._contours)
            self.fig.draw_artist(self.ax_loss.yaxis)
            self._background = self.agg.copy_from_bbox(self.fig.bbox)
        self._kept[id(self.surface)] = (self.surface, self._contours, self._background)
        self._kept.move_to_end(id(self.surface))
        while len(self._kept) > self.KEPT:
            self._kept.popitem(last=False)

    def use(self, surface):
        """Draw the runs on ``surface`` from now on (a problem slider made it): its contours as
        the background (drawn once per surface, the last 16 kept), its minimum as the loss
        panel's floor. The loss panel's limits stay as they are."""
        if surface is None or surface is self.surface:
            return
        self.surface, self.floor = surface, surface.min_loss
        kept = self._kept.get(id(surface))
        if kept is not None and kept[0] is surface:
            _, self._contours, self._background = kept
            self._kept.move_to_end(id(surface))
            return
        self._draw_map(surface)
        self._draw_background()

    def _draw_map(self, surface):
        """Put ``surface``'s contours on the figure in place of those it has."""
        for artist in [*self.ax.collections, *self.ax.texts, *self.ax.images,
                       *[ln for ln in self.ax.lines if not ln.get_animated()]]:
            artist.remove()
        plots.contour(self.ax, surface)
        self._drawn = surface
        if surface is not self._first:
            surface.__dict__.pop("_grids", None)  # its grid, drawn: not kept with every picture

    def _coordinate_panel(self, steps: int):
        """θ_k against the step t, on a symmetric log axis over the plot's range of θ_k: the
        slow approach from far off and a bounce of a hundredth of the range both show."""
        font = plots.FONT
        k = self.coordinate
        ax = self.ax_coord
        lo, hi = self.surface.xlim if k == 1 else self.surface.ylim
        ax.set_yscale("symlog", linthresh=1e-3 * (hi - lo), linscale=0.5)
        ax.set_ylim(lo, hi)
        ax.set_xlim(0, max(steps, 1))
        ax.axhline(0.0, color="0.6", lw=0.8, ls=":")
        ax.set_ylabel(f"θ{'₁₂'[k - 1]}", fontsize=font["label"])
        ax.yaxis.tick_right()
        ax.yaxis.set_label_position("right")
        ax.tick_params(labelsize=font["tick"])
        ax.set_xlabel("step t", fontsize=font["label"])
        if self.ax_loss is not None:  # one step axis for both, labelled below
            ax.sharex(self.ax_loss)
            self.ax_loss.set_xlabel("")
            self.ax_loss.tick_params(labelbottom=False)

    @property
    def loss_decades(self) -> tuple | None:
        """The loss panel's limits as powers of ten, (lo, hi); None until they are fixed (by
        the first runs placed with a finite loss)."""
        return self._decades

    def place(self, results: dict, n: int, surface=None):
        """Put the first ``n`` steps of ``results`` (label -> Trajectory) on the figure (over the
        contours of ``surface``, if given: see :meth:`use`); a label
        without a trajectory gets empty lines. A run that diverged (see ``runs.diverged_at``) ends
        with an ✕ at its last point before, and its loss line with an ✕ at the panel's top at
        the step it diverged. Nothing is drawn yet."""
        self.use(surface)
        floor, limit = self.floor, self.limit
        for i, label in enumerate(self.labels):
            traj = results.get(label)
            if traj is None:
                for artist in (self.halos[i], self.lines[i], self.ends[i], self.starts[i],
                               self.crosses[i]):
                    artist.set_data([], [])
                if self.loss_lines:
                    self.loss_lines[i].set_data([], [])
                    self.loss_crosses[i].set_data([], [])
                if self.coord_lines:
                    self.coord_lines[i].set_data([], [])
                continue
            k = diverged_at(traj, floor, limit)
            gone = k is not None and k <= n
            th = traj.theta[: (k if gone else n + 1)]
            self.halos[i].set_data(th[:, 0], th[:, 1])
            self.lines[i].set_data(th[:, 0], th[:, 1])
            self.starts[i].set_data(th[:1, 0], th[:1, 1])
            last = th[-1:] if len(th) else th
            if gone and len(th):  # the ✕ at its last point inside the plot, where it is seen
                (x0, x1), (y0, y1) = self.surface.xlim, self.surface.ylim
                seen = np.flatnonzero((th[:, 0] >= x0) & (th[:, 0] <= x1)
                                      & (th[:, 1] >= y0) & (th[:, 1] <= y1))
                last = th[seen[-1]:seen[-1] + 1] if seen.size else th[-1:]
            (self.crosses if gone else self.ends)[i].set_data(last[:, 0], last[:, 1])
            (self.ends if gone else self.crosses)[i].set_data([], [])
            if self.coord_lines:
                self.coord_lines[i].set_data(np.arange(len(th)), th[:, self.coordinate - 1])
            if self.loss_lines:
                with np.errstate(all="ignore"):
                    gap = np.asarray(traj.loss[: len(th)], dtype=float) - floor
                gap = np.clip(gap, 1e-300, limit)
                gap[~np.isfinite(gap)] = limit
                steps = np.arange(len(gap))
                if gone:  # up to the top of the panel at the step it diverged, an ✕ there
                    gap, steps = np.append(gap, limit), np.append(steps, k)
                    self.loss_crosses[i].set_data([k], [limit])
                else:
                    self.loss_crosses[i].set_data([], [])
                self.loss_lines[i].set_data(steps, gap)
        if self.ax_loss is not None and self._decades is None:
            self._fix_loss_axis(results)

    def _fix_loss_axis(self, results):
        """Fix the loss panel's limits from the first runs with a finite loss below the top
        (two decades below the lowest they reach), and draw its y axis into the background."""
        lows = []
        for traj in results.values():
            with np.errstate(all="ignore"):
                gap = np.asarray(traj.loss, dtype=float) - self.floor
            ok = gap[np.isfinite(gap) & (gap > 0) & (gap <= self.limit)]
            if ok.size:
                lows.append(ok.min())
        if not lows:
            return  # no finite loss: no y axis, as when first drawn
        self.fix_loss_axis(int(np.floor(np.log10(min(lows)))) - 2)  # a margin of two decades

    def fix_loss_axis(self, lo: int):
        """Fix the loss panel's limits to 10**lo .. the top (clamped to the decades allowed), and
        draw its y axis into the background; later pictures keep it."""
        lo = min(max(int(lo), self.top - self.DECADES[1]), self.top - self.DECADES[0])
        self.ax_loss.set_ylim(10.0 ** lo, self.limit)
        self.agg.restore_region(self._contours)
        self.fig.draw_artist(self.ax_loss.yaxis)  # ticks, tick labels and axis label
        self._background = self.agg.copy_from_bbox(self.fig.bbox)
        self._decades = (lo, self.top)
        self._kept = OrderedDict({id(self.surface): (self.surface, self._contours,
                                                     self._background)})  # others: no y axis

    def readout(self, results: dict, n: int) -> dict:
        """Label -> how the run's first ``n`` steps end, in words (``runs.summary``)."""
        return {label: summary(traj, n, self.floor, self.limit) for label, traj in results.items()}

    def _artists(self):
        return (*self.halos, *self.lines, *self.starts, *self.ends, *self.crosses,
                *self.loss_lines, *self.loss_crosses, *self.coord_lines)

    def picture(self) -> bytes:
        """The lines as placed, blitted over the kept background, as a JPEG."""
        self.agg.restore_region(self._background)
        for artist in self._artists():
            artist.axes.draw_artist(artist)
        return jpeg(self.agg)

    def full_picture(self) -> bytes:
        """The same picture drawn from scratch, the whole figure and then the lines (tens of
        milliseconds): what ``picture()`` saves drawing. The two differ by a few levels of grey in
        a few pixels, where the y axis's ticks meet the loss panel's edge."""
        if self._drawn is not self.surface:  # a background kept from before: its contours
            self._draw_map(self.surface)
        if self.ax_loss is not None:
            self.ax_loss.yaxis.set_visible(self._decades is not None)
        try:
            self.agg.draw()
        finally:
            if self.ax_loss is not None:
                self.ax_loss.yaxis.set_visible(True)
        for artist in self._artists():
            artist.axes.draw_artist(artist)
        return jpeg(self.agg)


def jpeg(agg) -> bytes:
    """An Agg canvas as a JPEG (quality 90): 1 ms and ~45 KiB, where a PNG takes 7 ms."""
    from PIL import Image

    w, h = agg.get_width_height()
    # Agg's RGBA pixels read as RGBX (the alpha byte skipped): JPEG-encoded without a copy
    img = Image.frombuffer("RGBX", (w, h), agg.buffer_rgba(), "raw", "RGBX", 0, 1)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90)
    return buf.getvalue()
