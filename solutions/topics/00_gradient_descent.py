"""Topic 00 · Gradient descent: the spec of its rule `gd` (see descent_instructor/spec.py).

Values confirmed independently in tests/test_00_gradient_descent.py (first step by hand, the
closed form θ_t = θ_0 − η Σ g_k) and against torch.optim.SGD (tests/data/torch/gd.json)."""
from descent_instructor.spec import Rule, Torch, common

RULES = (
    Rule(
        "gd",
        hyper=({"eta": 0.1}, {"eta": 0.037}, {"eta": [0.01, 0.05, 0.1, 0.3]}),
        properties=("pure", "batch", ("constant_gradient", {"gain": "eta", "formula": "η"})),
        mistakes=(
            common.gradient_sign("Gradient descent subtracts: {equation}."),
            common.eta_left_out("Multiply the gradient by η: {equation}."),
        ),
        torch=Torch("SGD", options=lambda h: {"lr": h["eta"]}),
    ),
)
