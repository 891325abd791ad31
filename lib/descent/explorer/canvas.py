"""Course code (read it, don't edit it): the explorer's figure, drawn once, and its pictures.

Drawing a whole matplotlib figure takes tens of milliseconds, too slow for a slider. So the
contours and axes are drawn once into an Agg canvas and kept as a background; a picture is then
the background restored, the trajectory lines moved with ``set_data`` and drawn on top of it
("blitting"), encoded as a JPEG (1 ms, where a PNG takes 7 ms). The loss panel's y axis changes
with its limits, which move in whole decades: it is drawn the first time a decade range is
needed and kept for the next time.
"""
from __future__ import annotations

import io

import numpy as np

from .. import plots


class Canvas:
    """One persistent Agg figure: the contour plot of ``surface`` and, with ``loss_panel``, the
    loss of each run against the step (0 to ``steps``). ``runs`` gives each line its label, colour
    and dash (a :class:`~descent.explorer.runs.Run`, or anything with ``label``, ``color``,
    ``dashed``).

    ``place(results, n)`` puts the first ``n`` steps of some trajectories on the figure,
    ``picture()`` returns it as a JPEG.
    """

    KEPT_Y_AXES = 32  # decade ranges whose y axis is kept (~0.1 MB each)

    def __init__(self, surface, runs, steps: int, loss_panel: bool = True, size=(9.0, 3.8),
                 dpi: int = 80):
        # matplotlib is imported here, when a figure is first drawn: importing this module costs
        # no matplotlib (half a second), so a graded exercise, which draws nothing, starts faster
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import NullLocator
        from matplotlib.transforms import Bbox

        self.surface = surface
        self.labels = [run.label for run in runs]
        self.fig = Figure(figsize=size, dpi=dpi, layout="constrained")
        self.agg = FigureCanvasAgg(self.fig)
        if loss_panel:
            self.ax, self.ax_loss = self.fig.subplots(1, 2, width_ratios=[1.25, 1])
        else:
            self.ax, self.ax_loss = self.fig.subplots(1, 1), None
        plots.contour(self.ax, surface)
        self.lines, self.ends, self.starts, self.loss_lines = [], [], [], []
        for run, color in zip(runs, plots.COLORS):
            color = run.color or color
            ls = "--" if run.dashed else "-"
            # animated: left out when the whole figure is drawn, drawn on top when blitting
            (ln,) = self.ax.plot([], [], ls, marker=".", ms=3, lw=1.3, color=color,
                                 label=run.label, animated=True)
            (end,) = self.ax.plot([], [], "o", ms=6, color=color, animated=True)
            (st,) = self.ax.plot([], [], "o", ms=6, mfc="white", color=color, animated=True)
            self.lines.append(ln)
            self.ends.append(end)
            self.starts.append(st)
            if self.ax_loss is not None:
                (ll,) = self.ax_loss.plot([], [], ls, lw=1.3, color=color, label=run.label,
                                          animated=True)
                self.loss_lines.append(ll)
        self.ax.legend(handles=self.lines, loc="upper right", fontsize=8)
        if self.ax_loss is not None:
            self.ax_loss.set_yscale("log")
            self.ax_loss.set_xlabel("step t")
            self.ax_loss.set_ylabel("loss − min")
            self.ax_loss.set_xlim(0, max(steps, 1))
            self.ax_loss.yaxis.set_minor_locator(NullLocator())
            self.ax_loss.yaxis.tick_right()  # tick labels grow into the free right margin
            self.ax_loss.yaxis.set_label_position("right")
            self.ax_loss.set_ylim(1e-8, 1e2)
        self.agg.draw()  # lay the figure out once with every axes in place, then freeze it
        self.fig.set_layout_engine("none")
        if self.ax_loss is not None:
            self.ax_loss.yaxis.set_visible(False)
        self.agg.draw()  # the contour and the axes, once (the loss panel without its y axis)
        self._contours = self.agg.copy_from_bbox(self.fig.bbox)
        self._background = self._contours  # what a picture's lines are drawn over
        self._decades = None  # the loss panel's limits, in decades, when it has a y axis
        self._y_axes: dict = {}  # decade range -> its y axis, as pixels
        if self.ax_loss is not None:
            self.ax_loss.yaxis.set_visible(True)
            # the loss panel's y axis lies right of the panel: one strip per decade range
            x0 = int(np.floor(self.ax_loss.bbox.x1)) - 3
            self._y_strip = Bbox.from_extents(x0, 0, self.fig.bbox.x1, self.fig.bbox.y1)

    @property
    def loss_decades(self) -> tuple | None:
        """The loss panel's limits as powers of ten, (lo, hi); None while it has no y axis."""
        return self._decades

    @property
    def kept_y_axes(self) -> tuple:
        """The decade ranges whose y axis is kept, oldest first."""
        return tuple(self._y_axes)

    def place(self, results: dict, n: int):
        """Put the first ``n`` steps of ``results`` (label -> Trajectory) on the figure; a label
        without a trajectory gets empty lines. Nothing is drawn yet."""
        floor = self.surface.min_loss
        lo, hi = np.inf, -np.inf
        first = [t.loss[0] - floor for t in results.values() if np.isfinite(t.loss[0])]
        cap = 1e3 * max(first, default=1.0)  # diverging runs leave the panel at the top
        for i, label in enumerate(self.labels):
            traj = results.get(label)
            if traj is None:
                for artist in (self.lines[i], self.ends[i], self.starts[i]):
                    artist.set_data([], [])
                if self.loss_lines:
                    self.loss_lines[i].set_data([], [])
                continue
            th = traj.theta[: n + 1]
            self.lines[i].set_data(th[:, 0], th[:, 1])
            self.ends[i].set_data(th[-1:, 0], th[-1:, 1])
            self.starts[i].set_data(th[:1, 0], th[:1, 1])
            if self.loss_lines:
                gap = np.clip(traj.loss[: n + 1] - floor, 1e-300, cap)
                gap[~np.isfinite(gap)] = cap
                self.loss_lines[i].set_data(np.arange(len(gap)), gap)
                ok = gap[np.isfinite(gap) & (gap > 0)]
                if ok.size:
                    lo, hi = min(lo, ok.min()), max(hi, ok.max())
        if self.ax_loss is not None and np.isfinite(lo):
            self._set_loss_limits(max(lo, hi * 1e-14), hi)
        elif self.ax_loss is not None:  # no finite loss: no y axis, as when first drawn
            self._background, self._decades = self._contours, None

    def _set_loss_limits(self, lo, hi):
        """Loss-panel limits in whole decades; a new background only when they change, with
        the y axis drawn for these limits (once per decade range: then it is kept)."""
        decades = (int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))))
        decades = (min(decades[0], decades[1] - 1), decades[1])
        if decades == self._decades:
            return
        self.ax_loss.set_ylim(10.0 ** decades[0], 10.0 ** decades[1])
        self.agg.restore_region(self._contours)
        strip = self._y_axes.get(decades)
        if strip is None:
            self.fig.draw_artist(self.ax_loss.yaxis)  # ticks, tick labels and axis label
            strip = self.agg.copy_from_bbox(self._y_strip)
            if len(self._y_axes) >= self.KEPT_Y_AXES:
                self._y_axes.pop(next(iter(self._y_axes)))
            self._y_axes[decades] = strip
        else:
            self.agg.restore_region(strip)
        self._background = self.agg.copy_from_bbox(self.fig.bbox)
        self._decades = decades  # last: if anything above failed, it is done again next time

    def picture(self) -> bytes:
        """The lines as placed, blitted over the kept background, as a JPEG."""
        self.agg.restore_region(self._background)
        for artist in (*self.lines, *self.starts, *self.ends, *self.loss_lines):
            artist.axes.draw_artist(artist)
        return jpeg(self.agg)

    def full_picture(self) -> bytes:
        """The same picture drawn from scratch, the whole figure and then the lines (tens of
        milliseconds): what ``picture()`` saves drawing. The two differ by a few levels of grey in
        a few pixels, where the y axis's ticks meet the loss panel's edge."""
        if self.ax_loss is not None:
            self.ax_loss.yaxis.set_visible(self._decades is not None)
        try:
            self.agg.draw()
        finally:
            if self.ax_loss is not None:
                self.ax_loss.yaxis.set_visible(True)
        for artist in (*self.lines, *self.starts, *self.ends, *self.loss_lines):
            artist.axes.draw_artist(artist)
        return jpeg(self.agg)


def jpeg(agg) -> bytes:
    """An Agg canvas as a JPEG (quality 90): 1 ms and ~45 KiB, where a PNG takes 7 ms."""
    from PIL import Image

    w, h = agg.get_width_height()
    img = Image.frombuffer("RGBA", (w, h), agg.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="JPEG", quality=90)
    return buf.getvalue()
