"""Cross-check values from torch.optim, an implementation independent of the course's.

One file per rule, tests/data/torch/<rule>.json, for every rule whose topic spec
(solutions/topics/NN_slug.py) gives a torch mapping (`Rule(..., torch=Torch(...))`): torch's
optimizer run on every case of the rule's reference file (lib/descent/references/<rule>.json),
one torch parameter per run of the case, each in its own parameter group with that run's options.
torch is given the case's gradients g_1..g_T, except on the quadratic case, where it computes its
own gradients by autograd at its own iterates (an independent path end to end).

Learning-rate schedules whose spec gives a mapping (`Schedule(..., torch=TorchSchedule(...))`)
get tests/data/torch/schedules/<schedule>.json: for every run of every case, the lr that torch's
scheduler gives the optimizer before each of the case's updates (torch's epoch k = 0, 1, ...,
the course's t = k + 1), read from the optimizer's param group, with SGD taking the steps.

Not run by the test suite (torch is not a course dependency); tests/test_rules.py compares the
committed files with the reference values through the spec's mapping. To regenerate (torch 2.13
CPU, float64), after `python3 course.py release`:

    python3 -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install torch==2.13.0 numpy
    /tmp/torchenv/bin/pip install --no-deps -e lib -e solutions
    /tmp/torchenv/bin/python tests/data/make_torch_fixtures.py [NAME ...]

(with names: only those rules and schedules).
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch

from descent_instructor import topics
from descent_instructor.paths import REFERENCES

torch.set_default_dtype(torch.float64)
OUT = Path(__file__).with_name("torch")
H = torch.tensor([1.0, 10.0])  # the quadratic case: L = ½(θ₁² + 10θ₂²)


def _runs(case: dict) -> list[tuple]:
    """(θ_0, g_1..g_T, hyperparameters) of each run: a batch case's runs are its rows."""
    theta0, grads = np.array(case["theta0"]), np.array(case["grads"])
    if not any(isinstance(v, list) for v in case["hyper"].values()):
        return [(theta0, grads, case["hyper"])]
    return [(theta0[i], grads[:, i],
             {k: (v[i][0] if isinstance(v, list) else v) for k, v in case["hyper"].items()})
            for i in range(theta0.shape[0])]


def _value(x):
    if x is None:
        return None
    return x.detach().clone().tolist() if torch.is_tensor(x) else x


def run_case(mapping, case: dict) -> list[dict]:
    runs = _runs(case)
    quadratic = case["name"].startswith("quadratic")
    params = [torch.nn.Parameter(torch.tensor(th, dtype=torch.float64)) for th, _, _ in runs]
    options = [mapping.options(hyper) for _, _, hyper in runs]
    optimizer = getattr(torch.optim, mapping.optimizer)(
        [{"params": [p], **o} for p, o in zip(params, options)], **options[-1])
    out = [{"hyper": hyper, "options": o, "theta": [p.detach().clone().tolist()], "state": {}}
           for (_, _, hyper), o, p in zip(runs, options, params)]
    for t in range(len(runs[0][1])):
        optimizer.zero_grad()
        for p, (_, grads, _) in zip(params, runs):
            if quadratic:  # torch's own gradient at torch's own iterate
                (0.5 * (H * p * p).sum()).backward()
                assert np.allclose(p.grad.numpy(), grads[t], rtol=1e-12, atol=1e-14)
            else:
                p.grad = torch.tensor(grads[t], dtype=torch.float64)
        optimizer.step()
        for p, run in zip(params, out):
            run["theta"].append(p.detach().clone().tolist())
            for key, value in optimizer.state[p].items():
                run["state"].setdefault(key, [None] * (t + 1)).append(_value(value))
            for key in run["state"]:
                if len(run["state"][key]) < t + 2:
                    run["state"][key].append(None)
    return out


def _scheduler(optimizer, name: str, options: dict):
    """torch's scheduler ``name`` from a spec's JSON arguments (lambdas as text, nested
    schedulers as [name, arguments] pairs)."""
    sched = torch.optim.lr_scheduler
    options = dict(options)
    if "lr_lambda" in options:
        options["lr_lambda"] = eval(options["lr_lambda"], dict(options.pop("_names", {})))
    if "schedulers" in options:
        options["schedulers"] = [getattr(sched, n)(optimizer, **o) for n, o in options["schedulers"]]
    return getattr(sched, name)(optimizer, **options)


def schedule_case(spec, case: dict) -> list[dict]:
    """The lr torch's scheduler gives each update k = 0..T−1 of every run of the case."""
    hyper = case["hyper"]
    n = max((len(v) for v in hyper.values() if isinstance(v, list)), default=0)
    runs = [hyper] if not n else [{k: (v[i] if isinstance(v, list) else v) for k, v in hyper.items()}
                                  for i in range(n)]
    out = []
    for h in runs:
        options = spec.torch.options(h)
        if options.get("lr_lambda"):  # the lambda's free names are the hyperparameters
            options = {**options, "_names": h}
        p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
        optimizer = torch.optim.SGD([p], lr=spec.torch.lr(h))
        scheduler = _scheduler(optimizer, spec.torch.scheduler, options)
        lrs = []
        for _ in case["t"]:
            lrs.append(optimizer.param_groups[0]["lr"])
            p.grad = torch.ones(1, dtype=torch.float64)
            optimizer.step()
            scheduler.step()
        out.append({"hyper": h, "options": spec.torch.options(h), "lr": lrs})
    return out


def main(names=()) -> None:
    OUT.mkdir(exist_ok=True)
    for name, (slug, spec) in topics.schedules().items():
        if spec.torch is None or (names and name not in names):
            continue
        reference = json.loads((REFERENCES / f"{name}.json").read_text("utf-8"))
        data = {
            "provenance": f"torch {torch.__version__} torch.optim.lr_scheduler.{spec.torch.scheduler}, "
                          "float64, by tests/data/make_torch_fixtures.py, on the cases of "
                          f"lib/descent/references/{name}.json",
            "schedule": name, "scheduler": spec.torch.scheduler, "note": spec.torch.note,
            "cases": [{"name": c["name"], "runs": schedule_case(spec, c)} for c in reference["cases"]],
        }
        path = OUT / "schedules" / f"{name}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print("wrote", path)
    for name, (slug, rule) in topics.rules().items():
        if rule.torch is None or (names and name not in names):
            continue
        reference = json.loads((REFERENCES / f"{name}.json").read_text("utf-8"))
        data = {
            "provenance": f"torch {torch.__version__} torch.optim.{rule.torch.optimizer}, float64, "
                          "by tests/data/make_torch_fixtures.py, on the cases of "
                          f"lib/descent/references/{name}.json",
            "rule": name, "optimizer": rule.torch.optimizer, "note": rule.torch.note,
            "cases": [{"name": c["name"], "runs": run_case(rule.torch, c)}
                      for c in reference["cases"]],
        }
        path = OUT / f"{name}.json"
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print("wrote", path)


if __name__ == "__main__":
    main(tuple(sys.argv[1:]))
