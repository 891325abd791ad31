"""Topic 10 · Learning-rate schedules and warm-up: the specs of its schedules (fields: descent_instructor/spec.py).

A schedule is η_t = schedule(t, **hyper) with t = 1 for the first step (the course's counter,
the one Adam's bias correction uses). torch's schedulers and optax count the first update as 0:
the torch mappings below feed torch epoch k = t − 1, and the values agree with
torch.optim.lr_scheduler 2.13 in float64 (tests/data/torch/schedules/) wherever the conventions
coincide; where they do not (CosineAnnealingLR past T_max climbs back, the course's cosine stays
at 0) the difference is named and measured. Values confirmed independently in
tests/test_10_lr_schedules.py (first values by hand, the staircase's stages, the Transformer's
peak 6.988e-4 and its two branches meeting at `warmup`, the cosine's symmetry about its middle)."""
import numpy as np

from descent_instructor.spec import Mistake, Schedule, TorchSchedule, common


# -- step decay -------------------------------------------------------------------------------------
def _stage_early(t, *, eta, gamma, every):
    return eta * gamma ** (t // every)


def _not_floored(t, *, eta, gamma, every):
    return eta * gamma ** ((t - 1) / every)


def _every_step(t, *, eta, gamma, every):
    return eta * gamma ** (t - 1)


# -- 1/√t -------------------------------------------------------------------------------------------
def _inv_t(t, *, eta):
    return eta / t


def _sqrt_t(t, *, eta):
    return eta * np.sqrt(t)


# -- linear warm-up ---------------------------------------------------------------------------------
def _warmup_one_late(t, *, eta, warmup):
    return eta * np.minimum(1.0, t / (warmup + 1))


def _warmup_not_capped(t, *, eta, warmup):
    return eta * t / warmup


# -- the Transformer --------------------------------------------------------------------------------
def _transformer_from_zero(t, *, d_model, warmup):
    # torch's LambdaLR passes 0 for the first update; in floats 0^(−1/2) = inf and the min is 0
    n = np.float64(t - 1)
    with np.errstate(divide="ignore"):
        return d_model ** -0.5 * np.minimum(n ** -0.5, n * warmup ** -1.5)


def _transformer_max(t, *, d_model, warmup):
    return d_model ** -0.5 * np.maximum(t ** -0.5, t * warmup ** -1.5)


def _transformer_precedence(t, *, d_model, warmup):
    return d_model ** -0.5 * np.minimum(t ** -0.5, t * warmup ** -3 / 2)


# -- warm-up, then cosine ---------------------------------------------------------------------------
def _cosine_from_zero(t, *, eta, warmup, total):
    cosine = eta * 0.5 * (1 + np.cos(np.pi * np.clip(t / total, 0.0, 1.0)))
    return np.where(t <= warmup, eta * t / warmup, cosine)


def _cosine_not_clamped(t, *, eta, warmup, total):
    cosine = eta * 0.5 * (1 + np.cos(np.pi * (t - warmup) / (total - warmup)))
    return np.where(t <= warmup, eta * t / warmup, cosine)


def _cosine_ends_late(t, *, eta, warmup, total):
    progress = np.clip((t - warmup) / (total - warmup + 1), 0.0, 1.0)
    return np.where(t <= warmup, eta * t / warmup, eta * 0.5 * (1 + np.cos(np.pi * progress)))


ETA = 0.5773502691896258  # 1/√3: an irrational η, so no value is a short decimal
WARMUP_END = ("your warm-up reaches η one step late: step `warmup` must already use the full η "
              "(the first step uses η/warmup). {equation}.")

SCHEDULES = (
    Schedule(
        "step_decay",
        hyper=({"eta": ETA, "gamma": 0.7, "every": 3},
               {"eta": 0.1 * np.pi, "gamma": 0.1, "every": 1},
               {"eta": [ETA, 0.01 * np.e, 1.3 * np.pi, 2 ** -0.5], "gamma": [0.5, 0.9, 0.3, 0.99],
                "every": [2, 4, 5, 12]}),
        steps=12,
        mistakes=(
            common.schedule_t_off_by_one(),
            Mistake("stage off by one",
                    "your rate drops one step early: the first drop must come after `every` full "
                    "steps, at t = every + 1, so count the stage from t − 1, as torch's StepLR "
                    "counts its epochs from 0. {equation}.", _stage_early),
            Mistake("stage not floored",
                    "your rate decays smoothly (an exponential decay): step decay keeps η constant "
                    "within a stage, so the exponent is the whole number of finished stages "
                    "(round it down). {equation}.", _not_floored),
            Mistake("decay every step",
                    "your rate is multiplied by γ at every step: `every` is the number of steps per "
                    "stage. {equation}.", _every_step),
        ),
        torch=TorchSchedule(
            "StepLR", lambda h: {"step_size": h["every"], "gamma": h["gamma"]},
            note="StepLR(step_size=every, gamma=γ), lr = η, epoch k = t − 1: the same values"),
    ),
    Schedule(
        "inv_sqrt",
        hyper=({"eta": ETA},
               {"eta": 0.01 * np.e},
               {"eta": [ETA, 0.1 * np.pi, 1e-3 * np.e, 3.7 * np.sqrt(np.pi)]}),
        steps=12,
        mistakes=(
            common.schedule_t_off_by_one(),
            Mistake("η/t instead of η/√t",
                    "your rate falls like 1/t: the schedule divides η by the square root of t (at "
                    "t = 4 it is η/2, not η/4). {equation}.", _inv_t),
            Mistake("η·√t instead of η/√t",
                    "your rate grows with t: divide η by √t, do not multiply. {equation}.", _sqrt_t),
        ),
        torch=TorchSchedule(
            "LambdaLR", lambda h: {"lr_lambda": "lambda k: (k + 1) ** -0.5"},
            note="LambdaLR(lambda k: (k + 1)^−½), lr = η: the +1 maps torch's k = t − 1"),
    ),
    Schedule(
        "warmup_linear",
        hyper=({"eta": ETA, "warmup": 7},
               {"eta": 0.01 * np.e, "warmup": 3},
               {"eta": [ETA, 0.1 * np.pi, 1e-3 * np.e, 3.7 * np.sqrt(np.pi)], "warmup": [2, 5, 10, 4]}),
        steps=12,
        mistakes=(
            common.schedule_t_off_by_one(),
            Mistake("warm-up ends one step late", WARMUP_END, _warmup_one_late),
            Mistake("warm-up never stops",
                    "your rate keeps growing after the warm-up: from step `warmup` on the rate "
                    "stays at η (take the smaller of t/warmup and 1). {equation}.",
                    _warmup_not_capped),
        ),
        torch=TorchSchedule(
            "LinearLR", lambda h: {"start_factor": 1 / h["warmup"], "end_factor": 1.0,
                                   "total_iters": h["warmup"] - 1},
            note="LinearLR(start_factor=1/warmup, end_factor=1, total_iters=warmup − 1), lr = η: "
                 "factor (k + 1)/warmup at epoch k = t − 1, the same values"),
    ),
    Schedule(
        "transformer",
        hyper=({"d_model": 7, "warmup": 3},
               {"d_model": 512, "warmup": 10},
               {"d_model": [16, 64, 512, 3], "warmup": [2, 5, 8, 11]}),
        steps=12,
        mistakes=(
            Mistake("t off by one",
                    "your η_t is the course's η_{t−1}: the schedule was counted from t = 0 (torch's "
                    "LambdaLR calls it with 0 for the first step), where t^(−1/2) divides by zero. "
                    "The course's first step is t = 1: {equation}.", _transformer_from_zero),
            Mistake("min's branches swapped (max)",
                    "you took the larger of the two branches: each is then used on the wrong side "
                    "of the peak (1/√t during warm-up, a rate growing without end after it). The "
                    "schedule is the smaller of the two: {equation}.", _transformer_max),
            Mistake("warmup^(−3/2) read as warmup^(−3)/2",
                    "your warm-up branch is far too small: in Python `w ** -3/2` is (w^(−3))/2, "
                    "because the power binds before the division; the exponent is −1.5, in "
                    "parentheses. {equation}.", _transformer_precedence),
        ),
        torch=TorchSchedule(
            "LambdaLR", lambda h: {"lr_lambda": "lambda k: d_model ** -0.5 * min((k + 1) ** -0.5, "
                                                "(k + 1) * warmup ** -1.5)"},
            lr=lambda h: 1.0,
            note="LambdaLR with lr = 1 and the paper's formula at n = k + 1 (the Annotated "
                 "Transformer's rate(step) maps step 0 to 1 instead and runs one step behind)"),
    ),
    Schedule(
        "warmup_cosine",
        hyper=({"eta": ETA, "warmup": 3, "total": 10},
               {"eta": 0.01 * np.e, "warmup": 2, "total": 7},
               {"eta": [ETA, 0.1 * np.pi, 1e-3 * np.e, 3.7 * np.sqrt(np.pi)], "warmup": [2, 4, 3, 5],
                "total": [9, 11, 6, 20]}),
        steps=12,
        mistakes=(
            common.schedule_t_off_by_one(),
            Mistake("decay during warm-up",
                    "your cosine started at t = 0, so it had already decayed during the warm-up "
                    "and the rate drops at once after it: the cosine starts at η at the end of "
                    "the warm-up and runs over the remaining total − warmup steps. {equation}.",
                    _cosine_from_zero),
            Mistake("cosine not clamped after total",
                    "your rate climbs back after step `total` (as torch's CosineAnnealingLR does "
                    "past T_max): once the cosine has reached 0 it stays there. {equation}.",
                    _cosine_not_clamped),
            Mistake("cosine ends one step late",
                    "your cosine reaches 0 one step after `total`: it runs over total − warmup "
                    "steps, from η at t = warmup to 0 at t = total. {equation}.", _cosine_ends_late),
        ),
        torch=TorchSchedule(
            "SequentialLR", lambda h: {
                "schedulers": [["LinearLR", {"start_factor": 1 / h["warmup"], "end_factor": 1.0,
                                             "total_iters": h["warmup"] - 1}],
                               ["CosineAnnealingLR", {"T_max": h["total"] - h["warmup"],
                                                      "eta_min": 0.0}]],
                "milestones": [h["warmup"] - 1]},
            coincide=lambda t, h: t <= h["total"],
            note="SequentialLR(LinearLR(1/warmup → 1 over warmup − 1 epochs), "
                 "CosineAnnealingLR(T_max = total − warmup), milestone warmup − 1), lr = η: the "
                 "same values up to t = total; after it torch's cosine climbs back"),
    ),
)
