"""Course code (read it, don't edit it): a rate map, the final loss over a grid of (η, β).

``rate_map(rule, surface, etas, betas, ...)`` rolls out every setting of the grid at once: the
grid is one batch (η of shape (1, n_η), β of shape (n_β, 1)), so 40 × 40 settings cost one
Python loop over the steps, as one run does. :class:`MapCanvas` draws it once as a heat map
(Distill's rate maps) and then moves only the probe, blitted as the explorer's lines are.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .. import plots
from ..rollout import rollout


@dataclass
class Map:
    """The final loss − min after ``steps`` steps for every (β, η) of a grid: ``gap[i, j]`` for
    ``betas[i]``, ``etas[j]``; NaN where the run diverged (not finite, or above ``limit``)."""

    etas: np.ndarray
    betas: np.ndarray
    gap: np.ndarray
    steps: int
    beta_name: str
    limit: float
    seconds: float  # the roll-out's time
    error: str = ""  # the rule's error, where it raised (the map is then all NaN)

    @property
    def diverged(self) -> np.ndarray:
        return ~np.isfinite(self.gap)

    def best(self) -> tuple[float, float, float]:
        """(η, β, loss − min) of the setting that ends lowest."""
        if np.isnan(self.gap).all():
            return float("nan"), float("nan"), float("nan")
        i, j = np.unravel_index(np.nanargmin(self.gap), self.gap.shape)
        return float(self.etas[j]), float(self.betas[i]), float(self.gap[i, j])

    def at(self, eta: float, beta: float) -> float:
        """The value of the grid cell nearest to (η, β) (η compared in log)."""
        j = int(np.argmin(np.abs(np.log(self.etas) - np.log(eta))))
        i = int(np.argmin(np.abs(self.betas - beta)))
        return float(self.gap[i, j])


def rate_map(rule, surface, etas, betas, steps: int = 200, beta_name: str = "beta2",
             start=None, limit: float | None = None, **fixed) -> Map:
    """Roll out ``rule`` on ``surface`` for every (η, β) of the grid at once, ``steps`` steps
    each, and return the final loss − min of each (:class:`Map`). ``fixed``: the rule's other
    hyperparameters (``eps=1e-8``). ``limit``: a run ending above it counts as diverged
    (default: 10 × the largest loss over the surface's plotted area)."""
    etas, betas = np.asarray(etas, float), np.asarray(betas, float)
    if limit is None:
        _, _, Z = plots._grid(surface, 120)
        limit = 10.0 * max(float(np.nanmax(Z)) - surface.min_loss, 1e-300)
    began = time.perf_counter()
    error = ""
    try:
        with np.errstate(all="ignore"):
            traj = rollout(rule, surface, start, steps, every=steps,
                           **{"eta": etas[None, :], beta_name: betas[:, None]}, **fixed)
            gap = np.asarray(traj.loss[-1], dtype=float) - surface.min_loss
    except Exception as err:  # a student's rule not written yet, or broken: an empty map
        gap = np.full((len(betas), len(etas)), np.nan)
        error = f"{type(err).__name__}: {err}"
    seconds = time.perf_counter() - began
    with np.errstate(invalid="ignore"):
        gap = np.where(np.isfinite(gap) & (gap <= limit), np.maximum(gap, 0.0), np.nan)
    return Map(etas, betas, gap, steps, beta_name, limit, seconds, error)


class MapCanvas:
    """The heat map of a :class:`Map`, drawn once (log₁₀ of the final loss − min; diverged
    settings in dark red), with a probe (a ✕ at the sliders' (η, β)) blitted over it."""

    FLOOR = 1e-16  # losses below are drawn as this

    def __init__(self, data: Map, size=(4.6, 3.8), dpi: int = 80, title: str | None = None,
                 curves: dict | None = None):
        from matplotlib import colormaps
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.data = data
        self.fig = Figure(figsize=size, dpi=dpi, layout="constrained")
        self.agg = FigureCanvasAgg(self.fig)
        ax = self.ax = self.fig.subplots(1, 1)
        font = plots.FONT
        value = np.log10(np.maximum(data.gap, self.FLOOR))
        cmap = colormaps["viridis"].with_extremes(bad="#7f0000")
        mesh = ax.pcolormesh(data.etas, data.betas, np.ma.masked_invalid(value), cmap=cmap,
                             shading="nearest")
        bar = self.fig.colorbar(mesh, ax=ax, pad=0.02)
        bar.set_label(f"log₁₀(loss − min) after {data.steps} steps", fontsize=font["note"])
        bar.ax.tick_params(labelsize=font["tick"])
        for label, (x, y) in (curves or {}).items():  # theory drawn over the measurement
            ax.plot(x, y, color="white", lw=1.6, ls="--", label=label)
        ax.set_xscale("log")
        ax.set_xlim(data.etas[0], data.etas[-1])
        ax.set_ylim(data.betas[0], data.betas[-1])
        if data.betas[-1] > 0.9 and not np.allclose(np.diff(data.betas), data.betas[1] - data.betas[0]):
            # the memory 1/(1 − β) on a log axis: 0.9, 0.99, 0.999 evenly spaced, labelled as β
            ax.set_yscale("function", functions=(lambda b: -np.log10(np.maximum(1 - b, 1e-12)),
                                                 lambda y: 1 - 10.0 ** (-y)))
            ticks = [b for b in (0.0, 0.9, 0.99, 0.999, 0.9999) if data.betas[0] <= b <= data.betas[-1]]
            ax.set_yticks(ticks, [f"{b:g}" for b in ticks])
        from .sliders import label as greek

        ax.set_xlabel("η", fontsize=font["label"])
        ax.set_ylabel(greek(data.beta_name), fontsize=font["label"])
        ax.tick_params(labelsize=font["tick"])
        if title is None:
            eta, beta, gap = data.best()
            title = (f"{data.error.split(':')[0]}: no map yet" if data.error else
                     f"best: η = {eta:.3g}, {greek(data.beta_name)} = {beta:.3g}  "
                     f"(dark red: diverged)")
        ax.set_title(title, fontsize=font["note"])
        (self.probe,) = ax.plot([], [], "X", ms=11, color="white", markeredgecolor="black",
                                animated=True, clip_on=False)
        self.agg.draw()
        self.fig.set_layout_engine("none")
        self._background = self.agg.copy_from_bbox(self.fig.bbox)

    def picture(self, eta: float, beta: float) -> bytes:
        """The map with the probe at (η, β), as a JPEG."""
        from .canvas import jpeg

        self.probe.set_data([eta], [beta])
        self.agg.restore_region(self._background)
        self.ax.draw_artist(self.probe)
        return jpeg(self.agg)
