"""Topic 08 · AdaMax: the specs of its rules (fields: descent_instructor/spec.py).

Values confirmed independently in tests/test_08_adamax.py (TODO: say how)."""
from descent_instructor.spec import Mistake, Rule, Schedule, Torch, common  # noqa: F401

RULES = (
    Rule(
        "adamax",
        # two sets of scalar hyperparameters, and one with a value per run of the batch case: vary
        # every hyperparameter, with values that make each mistake below visible (the release
        # stops on a mistake that no case tells apart, e.g. ε inside a root with ε = 1e-8)
        hyper=({'eta': 0.002, 'beta1': 0.9, 'beta2': 0.999, 'eps': 1e-08},
               {'eta': 0.00074, 'beta1': 0.9, 'beta2': 0.999, 'eps': 1e-08},
               {'eta': [0.0002, 0.001, 0.002, 0.004], 'beta1': [0.9, 0.9, 0.9, 0.9], 'beta2': [0.999, 0.999, 0.999, 0.999], 'eps': [1e-08, 1e-08, 1e-08, 1e-08]}),
        # checks from descent.checks.PROPERTIES, e.g. ("reduces_to_gd", {"off": {"beta": 0.0}}),
        # ("constant_gradient", {"gain": "eta / (1 - alpha)", "formula": "η/(1−α)"}): each tests values
        properties=("pure", "batch"),
        # common mistakes are built from the reference rule; add Mistake("name", "why", wrong_rule)
        # for the ones particular to this rule (write wrong_rule above, with @with_state)
        mistakes=(common.gradient_sign(), common.eta_left_out(), common.state_not_updated()),
        # torch.optim's counterpart, if any: its options for one run, and each state variable
        # of the course from torch's state (then make tests/data/torch/adamax.json: see
        # tests/data/make_torch_fixtures.py), e.g.
        # torch=Torch("SGD", options=lambda h: {"lr": h["eta"], "momentum": h["alpha"]},
        #             state={"v": lambda s, h: -h["eta"] * s["momentum_buffer"]}, note="..."),
    ),
)
