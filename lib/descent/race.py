"""Course code (read it, don't edit it): the race, the course's running comparison of optimizers.

Every optimizer runs on the same four tracks (the valley, the banana, a noisy bowl and the
plateau), each with its own learning rate: never one shared η. How η is tuned, on each track and
for each optimizer: one batched roll-out over a grid of values (every value × every seed in one
call of ``rollout``), scored by the mean loss above the track's minimum over the last tenth of the
steps (averaged over the seeds on the noisy track), and the lowest score wins. A run that
diverges scores ∞.

    entries = [race.Entry("GD", R.gd), race.Entry("momentum", R.momentum, {"alpha": 0.9})]
    result = race.run(entries)           # every entry tuned and run on every track
    print(result.table())                # tuned η and score per track
    plots.race(result)                   # the best run of each entry, per track

A rule without a learning rate tunes another hyperparameter (``Entry(..., sweep="eps")``) or none
(``sweep=None``: run as given).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import surfaces
from .rollout import Trajectory, rollout

#: the learning rates tried by default: 10⁻⁵ … 1, five per decade
ETAS = np.logspace(-5, 0, 26)


@dataclass(frozen=True)
class Track:
    """A problem to race on: its steps, its gradient noise (standard deviation) and seeds; on a
    problem with mini-batches (``minibatch_grad``), ``batch_size`` examples per step, and every
    seed its own draws. ``every``: keep every k-th iterate only (a long run of a large model)."""

    name: str
    problem: object
    steps: int
    noise: float = 0.0
    seeds: int = 1
    batch_size: int | None = None
    every: int = 1

    @property
    def floor(self) -> float:
        """The lowest loss: at the problem's minimizer, or the problem's ``floor`` where it has
        no minimizer (softmax regression on classes that separate: 0)."""
        if getattr(self.problem, "floor", None) is not None:
            return float(self.problem.floor)
        return float(self.problem.loss(self.problem.minimizer))


TRACKS = (
    Track("valley", surfaces.valley(), 300),
    Track("banana", surfaces.rosenbrock(), 500),
    Track("noisy bowl", surfaces.quadratic(1, 4), 300, noise=1.0, seeds=20),
    Track("plateau", surfaces.plateau(), 300),
)


@dataclass(frozen=True)
class Entry:
    """An optimizer in the race: its label, rule, fixed hyperparameters, and the hyperparameter
    tuned (``sweep``) over ``values``; ``method`` names its colour (default: from the label)."""

    label: str
    rule: object
    hyper: dict = field(default_factory=dict)
    sweep: str | None = "eta"
    values: np.ndarray = field(default_factory=lambda: ETAS)
    method: str | None = None
    #: a learning-rate schedule: η_t = η·schedule(t, steps), the tuned η its peak, ``steps`` the
    #: track's length (a cosine decay to 0 at the last step: lecture 10)
    schedule: object = None


@dataclass(frozen=True)
class Tuned:
    """One entry on one track: the value tuned, its score, every value's score, the best run
    (its first seed) and ``runs``, every seed at the tuned value (for error bands)."""

    value: float | None
    score: float
    scores: np.ndarray
    best: Trajectory
    runs: Trajectory | None = None


def score(traj: Trajectory, track: Track) -> np.ndarray:
    """The mean loss above the track's floor over the last tenth of the steps, averaged over the
    seeds (the last axis of the batch); ∞ for a run that diverged. Shape: the batch without seeds."""
    last = traj.loss[-max(1, len(traj.loss) // 10):] - track.floor
    with np.errstate(all="ignore"):
        s = np.where(np.isfinite(last).all(axis=0), last.mean(axis=0), np.inf)
    return s.mean(axis=-1)


def arrival(traj: Trajectory, track: Track, tol: float = 1e-10) -> np.ndarray:
    """The first step from which the loss stays within ``tol`` of the track's floor (the number of
    steps if never), the latest over the seeds: it breaks ties between equal scores."""
    with np.errstate(all="ignore"):
        near = (traj.loss - track.floor) <= tol
    stays = np.flip(np.logical_and.accumulate(np.flip(near, axis=0), axis=0), axis=0)
    first = np.where(stays.any(axis=0), np.argmax(stays, axis=0), len(traj.loss))
    return traj.steps[np.minimum(first, len(traj.steps) - 1)].max(axis=-1) + (~stays.any(axis=0)).max(axis=-1)


def tune(entry: Entry, track: Track, seed: int = 0) -> Tuned:
    """Run ``entry`` on ``track`` for every value of its sweep (and every seed) in one roll-out;
    the value with the lowest :func:`score`."""
    values = np.atleast_1d(np.asarray(entry.values if entry.sweep else [np.nan], dtype=float))
    start = np.broadcast_to(track.problem.start, (len(values), track.seeds, len(track.problem.start)))
    hyper = dict(entry.hyper)
    if entry.sweep:
        hyper[entry.sweep] = values[:, None]
    if entry.schedule is not None:  # every run's η (tuned or fixed) times the schedule's factor
        peak, shape = hyper["eta"], entry.schedule
        hyper["eta"] = lambda t: np.asarray(peak) * shape(t, track.steps)
    with np.errstate(all="ignore"):
        traj = rollout(entry.rule, track.problem, start, steps=track.steps, noise=track.noise,
                       seed=seed, batch_size=track.batch_size, every=track.every, **hyper)
    scores = score(traj, track)
    i = int(np.lexsort((arrival(traj, track), np.round(scores, 12)))[0])   # ties: the fastest
    return Tuned(float(values[i]) if entry.sweep else None, float(scores[i]), scores, traj.run(i, 0),
                 traj.run(i))


@dataclass(frozen=True)
class Result:
    """Every entry tuned on every track: ``tuned[track name][entry label]``."""

    entries: tuple
    tracks: tuple
    tuned: dict

    def table(self) -> str:
        """One row per entry: per track, the tuned value and the score (lines of ≤ 90 characters)."""
        width = max(len(e.label) for e in self.entries)
        lines = [" " * width + "".join(f"  {t.name:>16s}" for t in self.tracks),
                 " " * width + "".join(f"  {'tuned':>7s} {'score':>8s}" for _ in self.tracks)]
        for e in self.entries:
            cells = []
            for t in self.tracks:
                r = self.tuned[t.name][e.label]
                value = "—" if r.value is None else f"{r.value:.2g}"
                cells.append(f"  {value:>7s} {r.score:8.1e}")
            lines.append(f"{e.label:<{width}s}" + "".join(cells))
        return "\n".join(lines)

    def winner(self, track: str) -> str:
        """The label of the entry with the lowest score on ``track`` (equal scores: the one that
        arrives within 1e-10 of the floor first)."""
        track_ = next(t for t in self.tracks if t.name == track)
        runs = self.tuned[track]
        return min(runs, key=lambda label: (round(runs[label].score, 12),
                                            int(arrival(runs[label].best, track_)[()])))


def run(entries, tracks=TRACKS, seed: int = 0) -> Result:
    """Tune and run every entry on every track."""
    entries, tracks = tuple(entries), tuple(tracks)
    return Result(entries, tracks, {t.name: {e.label: tune(e, t, seed) for e in entries} for t in tracks})
