"""Cross-check values from torch.optim, an implementation independent of the course's.

Not run by the test suite (torch is not a course dependency); the values it writes are
committed in tests/data/torch_sgd.json and compared in tests/test_01_momentum.py and
tests/test_02_nesterov.py. To regenerate (torch 2.13 CPU, float64):

    python -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch==2.13.0 numpy
    /tmp/torchenv/bin/python tests/data/make_torch_fixtures.py

Setting: L(θ) = ½(θ₁² + 10θ₂²) from θ_0 = (1.5, 1.0), lr = 0.1, momentum 0.9, 8 steps (the
"quadratic" case of lib/descent/references/*.json). torch keeps b_t = μ·b_{t−1} + g_t; the course's
velocity is v_t = −lr·b_t while lr is constant.
"""
import json
from pathlib import Path

import torch

torch.set_default_dtype(torch.float64)
H = torch.tensor([1.0, 10.0])


def run(**options):
    p = torch.nn.Parameter(torch.tensor([1.5, 1.0]))
    opt = torch.optim.SGD([p], **options)
    thetas, buffers = [p.detach().clone().tolist()], [[0.0, 0.0]]
    for _ in range(8):
        opt.zero_grad()
        (0.5 * (H * p * p).sum()).backward()
        opt.step()
        thetas.append(p.detach().clone().tolist())
        buf = opt.state[p].get("momentum_buffer")
        buffers.append(buf.tolist() if buf is not None else [0.0, 0.0])
    return {"options": options, "theta": thetas, "momentum_buffer": buffers}


data = {
    "provenance": f"torch {torch.__version__} torch.optim.SGD, float64, by tests/data/make_torch_fixtures.py",
    "problem": "L = ½(θ₁² + 10θ₂²), θ_0 = (1.5, 1.0), 8 steps",
    "sgd": run(lr=0.1),
    "momentum": run(lr=0.1, momentum=0.9),
    "nesterov": run(lr=0.1, momentum=0.9, nesterov=True),
}
out = Path(__file__).with_name("torch_sgd.json")
out.write_text(json.dumps(data, indent=1) + "\n")
print("wrote", out)
