"""Course code (read it, don't edit it): an explorer's sliders and its Play button.

``log_slider(...)`` and ``slider(...)`` describe a slider; :class:`Controls` makes the widgets:
one slider per hyperparameter, the start point, the steps shown and the play button (played by the
kernel: ``player.py``). It reads their values as the explorer computes with them, and finds
the values next to a slider's value on its grid, which the explorer draws ahead.
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np
import traitlets

from .player import Player


# The explorer's widgets. The page sets their values; ipywidgets would send each value back
# ("echo"), one message more before every picture: they do not.
# Their readouts may trim trailing zeros (d3-format's "~", which the page understands but
# ipywidgets' own check of a format refuses).
class FloatLogSlider(W.FloatLogSlider):
    value = traitlets.CFloat(1.0).tag(sync=True, echo_update=False)
    readout_format = traitlets.Unicode(".3~r").tag(sync=True)


class FloatSlider(W.FloatSlider):
    value = traitlets.CFloat(0.0).tag(sync=True, echo_update=False)
    readout_format = traitlets.Unicode(".2~f").tag(sync=True)


class IntSlider(W.IntSlider):
    value = traitlets.CInt(0).tag(sync=True, echo_update=False)


def log_slider(lo, hi, value, description=None):
    """A spec for a log-scale slider (learning rates)."""
    return dict(kind="log", lo=lo, hi=hi, value=value, description=description)


def slider(lo, hi, value, step=0.01, description=None, integer=None):
    """A spec for a linear slider (momentum coefficients, ...); an integer slider where ``lo``,
    ``hi``, ``value`` and ``step`` are all integers (or with ``integer=True``)."""
    if integer is None:
        integer = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                      for v in (lo, hi, value, step))
    return dict(kind="int" if integer else "lin", lo=lo, hi=hi, value=value, step=step,
                description=description)


#: a hyperparameter's name as its slider shows it: the course's Greek letters
GREEK = {"eta": "η", "alpha": "α", "beta": "β", "beta1": "β₁", "beta2": "β₂", "eps": "ε",
         "epsilon": "ε", "rho": "ρ", "gamma": "γ", "lam": "λ", "lambda_": "λ", "kappa": "κ",
         "sigma": "σ", "mu": "μ", "tau": "τ", "delta": "δ", "theta": "θ"}


def label(name: str) -> str:
    """The label of the slider for hyperparameter ``name`` ("eta" -> "η")."""
    return GREEK.get(name, name)


def digits(step: float) -> int:
    """Decimals enough to show every value on a grid of ``step`` (0.005 -> 3)."""
    step = abs(float(step))
    if step == 0 or step >= 1:
        return 0
    return min(int(np.ceil(-np.log10(step) - 1e-9)), 6)


def exact(value) -> float:
    """A slider value to 12 significant digits, as the explorer computes with it. The page
    computes a log slider's value itself, and a picture drawn ahead for the next value must be
    exactly the picture for the value the page then sends, to the last bit."""
    return float(f"{float(value):.12g}")


LOG_STEP = 0.05  # a log slider's step in log10: a factor of 1.122


def log_grid(lo: float, hi: float, value: float, step: float = LOG_STEP) -> tuple[float, float]:
    """A log slider's ends in log10, on a grid of ``step`` through its first ``value`` and
    within ``lo``..``hi``: the slider starts exactly at the value given and shows it as given
    ("0.05", where a grid from 1e-3 would show 0.0501)."""
    at = float(np.log10(value))
    down = np.floor((at - np.log10(lo)) / step + 1e-9)
    up = np.floor((np.log10(hi) - at) / step + 1e-9)
    return round(float(at - down * step), 12), round(float(at + up * step), 12)


LABEL_WIDTH = "90px"  # every slider's label: the same width, so the sliders line up equally long


def look() -> dict:
    """How every slider looks: a label of the same width, 360 pixels wide in all."""
    return dict(style={"description_width": LABEL_WIDTH}, layout=W.Layout(width="360px"))


def make_slider(name, spec):
    """The widget for one ``log_slider(...)`` / ``slider(...)`` spec: a Greek label for a Greek
    name, numbers in the readout as a person writes them ("0.05", "0.9", "20", never "5.01e-2",
    "0.0500" or "2.000")."""
    desc = spec.get("description") or label(name)
    if spec["kind"] == "log":
        lo, hi = log_grid(spec["lo"], spec["hi"], spec["value"], LOG_STEP)
        return FloatLogSlider(value=spec["value"], base=10, min=lo, max=hi, step=LOG_STEP,
                                description=desc, readout_format=".3~r",
                                continuous_update=True, **look())
    if spec["kind"] == "int":
        return IntSlider(value=int(spec["value"]), min=int(spec["lo"]), max=int(spec["hi"]),
                           step=max(1, int(spec["step"])), description=desc,
                           continuous_update=True, **look())
    return FloatSlider(value=spec["value"], min=spec["lo"], max=spec["hi"], step=spec["step"],
                         description=desc, readout_format=f".{digits(spec['step'])}~f",
                         continuous_update=True, **look())


class Controls:
    """The sliders of an explorer: ``hyper_sliders`` (name -> slider), ``start_x``, ``start_y``,
    ``steps`` (steps shown) and ``play`` (a toggle button; ``player`` plays); ``box`` lays them
    out.

    A state of the controls is ``(values, start, n)``: the hyperparameters (name -> value), the
    start point and the number of steps shown.
    """

    def __init__(self, surface, sliders: dict, steps: int, start=None):
        start = surface.start if start is None else np.asarray(start, float)
        self.hyper_sliders = {k: make_slider(k, spec) for k, spec in sliders.items()}
        same = look()
        x0, x1 = surface.xlim
        y0, y1 = surface.ylim
        self.start_x = FloatSlider(value=start[0], min=x0, max=x1, step=(x1 - x0) / 200,
                                   description="start θ₁", readout_format=".2f", **same)
        self.start_y = FloatSlider(value=start[1], min=y0, max=y1, step=(y1 - y0) / 200,
                                   description="start θ₂", readout_format=".2f", **same)
        self.steps = IntSlider(value=steps, min=0, max=steps, description="steps shown", **same)
        # Play: the kernel moves the steps slider, one frame every 1/30 s (see player.py)
        self.play = W.ToggleButton(value=False, icon="play", tooltip="play the steps",
                                   layout=W.Layout(width="44px"))
        self.player = Player(self.play, self.steps)
        # the steps slider under the others, as long as they are; the play button after it
        self.box = W.VBox([*self.hyper_sliders.values(), self.start_x, self.start_y,
                           W.HBox([self.steps, self.play])])

    @property
    def trajectory_sliders(self) -> list:
        """The sliders that change the trajectories (the steps slider only shows more of them)."""
        return [*self.hyper_sliders.values(), self.start_x, self.start_y]

    def values(self) -> dict:
        """The hyperparameters, as the explorer computes with them."""
        return {k: s.value if isinstance(s, W.IntSlider) else exact(s.value)
                for k, s in self.hyper_sliders.items()}

    def start(self) -> tuple:
        return exact(self.start_x.value), exact(self.start_y.value)

    def state(self) -> tuple:
        """``(values, start, n)``, each read once: another thread may move a slider while a
        picture is drawn, and the picture must be filed under the state it was drawn for."""
        return self.values(), self.start(), self.steps.value

    def neighbours(self, slider, k: int = 2) -> list:
        """The states with ``slider`` moved 1, ..., ``k`` steps up and down its grid (as the page
        computes its values), nearest first, within the slider's range."""
        values, start, n = self.state()
        log = isinstance(slider, W.FloatLogSlider)
        lo, hi, step = slider.min, slider.max, slider.step
        at = round(((np.log10(slider.value) if log else slider.value) - lo) / step)
        name = next((key for key, s in self.hyper_sliders.items() if s is slider), None)
        states = []
        for j in range(1, k + 1):
            for i in (at + j, at - j):
                x = lo + i * step
                if not lo - 1e-9 * step <= x <= hi + 1e-9 * step:
                    continue
                x = int(round(x)) if isinstance(slider, W.IntSlider) else \
                    exact(10.0 ** x if log else x)
                v, st = dict(values), list(start)
                if name is not None:
                    v[name] = x
                else:
                    st[0 if slider is self.start_x else 1] = x
                states.append((v, tuple(st), n))
        return states
