"""Topic 10 · Learning-rate schedules and warm-up: the specs of its rules (fields: descent_instructor/spec.py).

Values confirmed independently in tests/test_10_lr_schedules.py (TODO: say how)."""
from descent_instructor.spec import Mistake, Rule, Schedule, Torch, common  # noqa: F401

RULES = (
)

SCHEDULES = (
    Schedule(
        "step_decay",
        hyper=({'eta': 0.5773502691896258, 'gamma': 0.7, 'every': 3},),  # one case per set of hyperparameters
        steps=12,
        mistakes=(common.schedule_t_off_by_one(),),
    ),
    Schedule(
        "inv_sqrt",
        hyper=({'eta': 0.5773502691896258},),  # one case per set of hyperparameters
        steps=12,
        mistakes=(common.schedule_t_off_by_one(),),
    ),
    Schedule(
        "warmup_linear",
        hyper=({'eta': 0.5773502691896258, 'warmup': 7},),  # one case per set of hyperparameters
        steps=12,
        mistakes=(common.schedule_t_off_by_one(),),
    ),
    Schedule(
        "transformer",
        hyper=({'d_model': 7, 'warmup': 3},),  # one case per set of hyperparameters
        steps=12,
        mistakes=(),  # TODO (topic 10): t − 1 divides by zero at t = 1: name it another way
    ),
    Schedule(
        "warmup_cosine",
        hyper=({'eta': 0.5773502691896258, 'warmup': 3, 'total': 10},),  # one case per set of hyperparameters
        steps=12,
        mistakes=(common.schedule_t_off_by_one(),),
    ),
)
