"""Course code (read it, don't edit it): slider explorers that animate optimizer trajectories.

An explorer shows some runs of update rules on a contour plot, next to their loss curves, with a
slider per hyperparameter. Move a slider, and every run is rolled out again and drawn:

    from descent import widgets, surfaces, reference
    widgets.Explorer(surfaces.valley(), [widgets.Run("GD", reference.rule("gd"))],
                     sliders={"eta": widgets.log_slider(1e-4, 1e-1, 1e-2)})

``compare(name, your_rule, surface, sliders)`` shows your rule next to the reference.

This file says what an explorer does; how it does it fast enough for a slider lives in
``descent/explorer/``: the sliders, the runs rolled out, the figure drawn once and blitted, the
pictures kept and those drawn ahead while the kernel is idle.
"""
from __future__ import annotations

import html
import os

import ipywidgets as W
import numpy as np

from . import reference
from .explorer.canvas import Canvas
from .explorer.pictures import Frame, Pictures
from .explorer.runs import Run, lr_drop, roll_out  # noqa: F401 (widgets.lr_drop)
from .explorer.ratemap import MapCanvas, rate_map  # noqa: F401 (widgets.rate_map)
from .explorer.sliders import Controls, log_slider, slider  # noqa: F401 (widgets.slider, ...)


class Explorer:
    """Trajectories of several runs on one surface, driven by sliders.

    surface:   a :class:`descent.surfaces.Surface`
    runs:      a list of :class:`Run`
    sliders:   hyperparameter name -> ``log_slider(...)`` / ``slider(...)`` spec
    steps:     the largest number of steps (the Play button animates 0..steps)
    start:     start point (default: the surface's); sliders let the reader move it
    loss_panel: also plot the loss of each run against the step
    note:      a line shown above any message about the runs
    loss_decades: the loss panel's limits as powers of ten (lo, hi), to share another
               explorer's (``other.canvas.loss_decades``); default: fixed from the first runs
    coordinate: 1 or 2: also plot θ₁ or θ₂ of each run against the step t, under the loss
               panel (on a symmetric log axis). Where the map shows a narrow valley's path as
               one line, this panel shows whether the run settles onto the floor or bounces
               between the walls.
    problem:   sliders that set the problem itself: a function of some of the sliders (its
               parameters name them) that returns the surface for their values
               (``lambda kappa: surfaces.quadratic(1, kappa)``) or the roll-out's settings
               (``lambda s: {"noise": s}``: gradient noise of standard deviation s, the same
               draws for every run; a dict may also give ``"surface"`` and ``"seed"``). Those
               sliders go to the problem, not to the rules. Pictures are kept and drawn ahead
               as for any slider; the loss panel's axis covers the problems at the sliders' ends.
    """

    def __init__(self, surface, runs, sliders, steps: int = 200, start=None,
                 loss_panel: bool = True, note: str = "", size=None, dpi: int = 80,
                 loss_decades=None, coordinate: int | None = None, problem=None):
        if coordinate not in (None, 1, 2):
            raise ValueError(f"coordinate={coordinate!r}: 1 (θ₁) or 2 (θ₂), or None")
        if size is None:  # taller with a second panel under the loss panel
            size = (9.0, 3.8) if coordinate is None else (9.0, 5.0)
        self.surface = surface
        self.problem = Problem(problem, surface, sliders)
        self.runs = list(runs)
        self.max_steps = steps
        self.note = note
        self.results: dict = {}  # run label -> the Trajectory shown
        self.renders = 0  # pictures sent to the page

        # the sliders: one per hyperparameter, the start point, the steps shown, the Play button
        self.controls = Controls(surface, sliders, steps, start)
        self.hyper_sliders = self.controls.hyper_sliders  # name -> slider
        self.start_x, self.start_y = self.controls.start_x, self.controls.start_y
        self.steps, self.play = self.controls.steps, self.controls.play

        # the figure: contours and the loss panel, drawn once; the runs' lines move on it
        self.canvas = Canvas(surface, self.runs, steps, loss_panel, size, dpi, coordinate,
                             also=self.problem.extremes())
        if loss_decades is not None and self.canvas.ax_loss is not None:
            self.canvas.fix_loss_axis(loss_decades[0])
        self.fig, self.ax, self.ax_loss = self.canvas.fig, self.canvas.ax, self.canvas.ax_loss
        self.lines, self.loss_lines = self.canvas.lines, self.canvas.loss_lines
        self.starts, self.ends = self.canvas.starts, self.canvas.ends

        # what the page shows: the picture, under it a readout line per run in the run's colour
        # (final loss, ‖g‖, steps to the tolerance, or the step it diverged at), and a status
        # line (notes, a rule's errors)
        self.image = W.Image(format="jpeg", layout=W.Layout(width=f"{int(size[0] * dpi)}px"))
        # the readout is one HTML widget: one message per picture, not one per run
        self.readout = W.HTML(layout=W.Layout(width=f"{int(size[0] * dpi)}px"))
        self.readout.add_class("descent-readout")
        self.readouts: dict = {}  # run label -> its readout line, as shown
        self.status = W.HTML()
        self.status.add_class("descent-status")  # (the page tells it from the readout by it)
        self.pictures = Pictures(self.controls, self.canvas, self.runs, self.draw, self.send)

        for s in self.controls.trajectory_sliders:
            s.observe(self._on_change, names="value")
        self.steps.observe(self._on_steps, names="value")
        self.update()
        self.widget = W.VBox([self.controls.box, self.image, self.readout, self.status])

    def draw(self, values: dict, start, n: int) -> Frame:
        """The picture for these slider values and start point, showing ``n`` steps: every run
        rolled out, its lines placed on the figure, the figure drawn."""
        values, settings = self.problem.split(values)
        surface = settings.pop("surface", None)
        results, notes = roll_out(self.runs, surface or self.surface, start, self.max_steps,
                                  values, **settings)
        if self.note:
            notes.insert(0, self.note)
        self.canvas.place(results, n, surface)
        return Frame(self.canvas.picture(), results, "<br>".join(notes),
                     self.canvas.readout(results, n), surface)

    def send(self, frame: Frame):
        """Show ``frame`` on the page: the picture first, the readout and status line after."""
        self.results = frame.results
        self.image.value = frame.picture
        self.renders += 1
        self.readouts = {run.label: frame.readout.get(run.label, "no trajectory (see below)")
                         for run in self.runs}
        self.readout.value = readout_html(self.readouts, self.canvas.colors)
        self.status.value = frame.status

    def update(self):
        """Show the picture for the current slider values (drawn now, or kept from before)."""
        self.pictures.show_state()

    def redraw(self):
        """Show the first ``steps`` steps of the current trajectories (no recomputation)."""
        self.pictures.show_steps()

    def values(self) -> dict:
        """The hyperparameters' slider values (name -> value)."""
        return self.controls.values()

    def _on_change(self, change):
        self.update()
        self.pictures.draw_ahead(change["owner"])  # the next values of that slider, while idle

    def _on_steps(self, change=None):
        self.redraw()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def readout_html(lines: dict, colors) -> str:
    """The readout under the picture: a line per run, its label and how it ends, in its colour."""
    rows = "".join(
        f'<div style="color:{color};white-space:nowrap">'
        f'<span style="display:inline-block;width:170px">{html.escape(label)}:</span>'
        f'<span style="font-family:monospace">{html.escape(text)}</span></div>'
        for (label, text), color in zip(lines.items(), colors))
    return f'<div style="font-size:12px;line-height:1.6">{rows}</div>'


def compare(name: str, your_rule, surface, sliders, steps: int = 200, others=(), hyper=None,
            **kw) -> Explorer:
    """Your implementation of rule ``name`` next to the reference, with sliders.

    Before you have written the rule, it shows the reference alone with a note; afterwards both,
    labelled. ``others`` adds more runs for comparison: :class:`Run` objects, or names of
    reference rules (``"gd"``), which are left out where the reference is not available.
    ``hyper`` fixes the hyperparameters that have no slider, for yours and the reference
    (``{"phi": 0.05, "gain_min": 0.1, "gain_max": 10.0}``).
    """
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        return _NotDrawn()  # nothing to grade in a picture; saves a second per notebook
    runs = []
    note = ""
    if reference.available():
        runs.append(Run(f"reference {name}", reference.rule(name), dict(hyper or {}), method=name))
    else:
        note = "The reference rules are not on this machine: showing yours only."
    # yours dashed over the reference's solid line, both in the method's colour
    runs.append(Run(f"your {name}", your_rule, dict(hyper or {}), dashed=True, method=name))
    for other in others:
        if isinstance(other, Run):
            runs.append(other)
        elif reference.available():
            runs.append(Run(f"reference {other}", reference.rule(other), method=other))
    return Explorer(surface, runs, sliders, steps=steps, note=note, **kw)


class Problem:
    """An explorer's problem sliders (``Explorer(problem=...)``): which slider values set the
    problem, and the problem they set. The same values give the same surface object, so that its
    contours are drawn once."""

    KEPT = 16
    SETTINGS = ("surface", "noise", "seed")

    def __init__(self, make, surface, sliders: dict):
        import inspect

        self.make = make
        self.surface = surface
        self.sliders = sliders
        self.names = [] if make is None else list(inspect.signature(make).parameters)
        unknown = [n for n in self.names if n not in sliders]
        if unknown:
            raise ValueError(f"problem= takes {', '.join(unknown)}, which no slider sets: "
                             f"the sliders are {', '.join(sliders)}")
        self._made: dict = {}

    def split(self, values: dict) -> tuple[dict, dict]:
        """(the slider values the rules get, the roll-out's settings: surface, noise, seed)."""
        if self.make is None:
            return dict(values), {}
        key = tuple(values[n] for n in self.names)
        if key not in self._made:
            made = self.make(**dict(zip(self.names, key)))
            settings = dict(made) if isinstance(made, dict) else {"surface": made}
            wrong = [k for k in settings if k not in self.SETTINGS]
            if wrong:
                raise ValueError(f"problem= returned {', '.join(wrong)}: a surface, or a dict "
                                 f"of {', '.join(self.SETTINGS)}")
            self._made[key] = settings
            while len(self._made) > self.KEPT:
                self._made.pop(next(iter(self._made)))
        rest = {k: v for k, v in values.items() if k not in self.names}
        return rest, dict(self._made[key])

    def extremes(self) -> list:
        """The surfaces at the problem sliders' ends (every combination of lo and hi)."""
        import itertools

        if self.make is None:
            return []
        ends = [(self.sliders[n]["lo"], self.sliders[n]["hi"]) for n in self.names]
        found = []
        for corner in itertools.product(*ends):
            made = self.make(**dict(zip(self.names, corner)))
            surface = made.get("surface") if isinstance(made, dict) else made
            if surface is not None:
                found.append(surface)
        return found


class RateMap:
    """A rate map linked to a trajectory: the final loss of ``rule`` on ``surface`` over a grid
    of (η, β) (``n`` × ``n`` settings, ``steps`` steps each, from ONE batched roll-out), drawn as
    a heat map; the η and β sliders are a probe, a ✕ on the map, whose run is drawn beside it
    (an :class:`Explorer` without its loss panel).

    rule:      the rule (``beta_name`` and ``eta`` among its hyperparameters)
    eta, beta: the grid's ranges, (lo, hi): η on a log scale, β even in log(1 − β) when it
               reaches above 0.9 (its axis marks 0.9, 0.99, 0.999 evenly), else linear
    fixed:     the rule's other hyperparameters (``{"eps": 1e-8}``)
    value:     the probe's first (η, β); default the map's best setting
    curves:    theory drawn over the map: label -> (η values, β values)

    ``map`` holds the numbers (:class:`~descent.explorer.ratemap.Map`: ``etas``, ``betas``,
    ``gap``, ``best()``, ``at(η, β)``, ``seconds``).
    """

    def __init__(self, rule, surface, eta=(1e-4, 1.0), beta=(0.0, 0.99), n: int = 40,
                 steps: int = 200, beta_name: str = "beta2", fixed: dict | None = None,
                 value=None, label: str | None = None, method: str | None = None,
                 curves: dict | None = None, dpi: int = 80):
        self.fixed = dict(fixed or {})
        etas = np.logspace(np.log10(eta[0]), np.log10(eta[1]), n)
        # β close to 1 (a memory of 1/(1 − β) steps): the grid even in log(1 − β), so that 0.9,
        # 0.99 and 0.999 get rows alike; otherwise even in β
        betas = (1.0 - np.geomspace(1.0 - beta[0], 1.0 - beta[1], n) if beta[1] > 0.9
                 else np.linspace(beta[0], beta[1], n))
        self.map = rate_map(rule, surface, etas, betas, steps, beta_name, **self.fixed)
        best_eta, best_beta, _ = self.map.best()
        if value is None:
            value = (best_eta, best_beta) if np.isfinite(best_eta) else (etas[n // 2], betas[n // 2])
        name = getattr(rule, "__name__", "rule")
        self.label = label or name
        self.renders = 0
        if os.environ.get("NBGRADER_EXECUTION") == "autograde":  # nothing to grade in a picture
            self.widget = None
            return
        # β's slider: steps fine enough to reach the grid's top (0.999 needs 0.001)
        step = min(0.01, 10.0 ** np.floor(np.log10(max(1.0 - beta[1], 1e-6))))
        on_grid = float(f"{round(float(value[1]) / step) * step:.6g}")
        sliders = {"eta": log_slider(eta[0], eta[1], float(f"{value[0]:.3g}")),
                   beta_name: slider(beta[0], beta[1], min(max(on_grid, beta[0]), beta[1]),
                                     step=step)}
        run = Run(self.label, rule, hyper=self.fixed, method=method or name)
        note = (f"The map's rule raised {self.map.error}" if self.map.error else "")
        self.explorer = Explorer(surface, [run], sliders, steps=steps, loss_panel=False,
                                 size=(4.6, 3.8), dpi=dpi, note=note)
        self.hyper_sliders = self.explorer.hyper_sliders
        self.beta_name = beta_name
        self.canvas = MapCanvas(self.map, size=(4.6, 3.8), dpi=dpi, curves=curves)
        self.image = W.Image(format="jpeg", layout=W.Layout(width=f"{int(4.6 * dpi)}px"))
        for s in self.hyper_sliders.values():
            s.observe(self._move_probe, names="value")
        self._move_probe()
        ex = self.explorer
        self.widget = W.VBox([ex.controls.box, W.HBox([self.image, ex.image]), ex.readout,
                              ex.status])

    def probe(self) -> tuple[float, float]:
        """The probe's (η, β): the sliders' values."""
        values = self.explorer.values()
        return values["eta"], values[self.beta_name]

    def _move_probe(self, change=None):
        self.image.value = self.canvas.picture(*self.probe())
        self.renders += 1

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget if self.widget is not None else _NotDrawn())


class _NotDrawn:
    """Stands in for an explorer while nbgrader autogrades the notebook."""

    def __repr__(self):
        return "(The explorer is not drawn while the notebook is graded.)"
