"""The linked rate map (widgets.RateMap, explorer/ratemap.py): every cell of the map is the run
it stands for, the whole grid is one batched roll-out, diverged settings are marked, the probe
follows the sliders and its trajectory is the run at the sliders' values, and a rule not
written yet gives an empty map with a note instead of an error."""
import numpy as np
import pytest
from conftest import reference_rule

from descent import surfaces, widgets
from descent.contract import NotYetImplemented, with_state
from descent.rollout import rollout

ETAS, BETAS = np.logspace(-3, 0, 40), np.linspace(0.0, 0.99, 40)


def test_each_cell_is_the_run_it_stands_for():
    valley = surfaces.valley()
    m = widgets.rate_map(reference_rule("rmsprop"), valley, ETAS, BETAS, steps=200, eps=1e-8)
    assert m.gap.shape == (40, 40)
    for i, j in [(0, 0), (5, 31), (39, 20), (27, 12)]:
        alone = rollout(reference_rule("rmsprop"), valley, steps=200, eta=ETAS[j],
                        beta2=BETAS[i], eps=1e-8)
        want = alone.loss[-1] - valley.min_loss
        assert m.gap[i, j] == pytest.approx(want, rel=1e-9, abs=1e-300)
    eta, beta, gap = m.best()
    assert gap == np.nanmin(m.gap) and m.at(eta, beta) == gap


def test_the_grid_is_one_roll_out():
    calls = []
    rule = reference_rule("rmsprop")

    @with_state(s=0.0)
    def counted(theta, g, state, **hyper):
        calls.append(theta.shape)
        return rule(theta, g, state, **hyper)

    widgets.rate_map(counted, surfaces.valley(), ETAS, BETAS, steps=200, eps=1e-8)
    assert len(calls) == 200 and set(calls) == {(40, 40, 2)}


def test_diverged_settings_are_marked_not_drawn_as_values():
    m = widgets.rate_map(reference_rule("momentum"), surfaces.quadratic(), np.logspace(-2, 1, 12),
                         np.linspace(0, 0.9, 5), steps=100, beta_name="alpha")
    assert m.diverged[:, -1].all()           # η = 10 on curvature 10: gone for every α
    assert not m.diverged[:, 0].any()        # η = 0.01: converging for every α
    assert np.isnan(m.gap[m.diverged]).all()


def test_the_probe_follows_the_sliders_and_its_run_is_drawn_beside_the_map():
    valley = surfaces.valley()
    rm = widgets.RateMap(reference_rule("rmsprop"), valley, eta=(1e-3, 1.0), beta=(0.0, 0.99),
                         n=40, steps=200, fixed={"eps": 1e-8})
    assert rm.map.gap.shape == (40, 40)
    assert rm.probe() == pytest.approx(rm.map.best()[:2], rel=0.07, abs=0.01)
    top = widgets.RateMap(reference_rule("rmsprop"), valley, beta=(0.0, 0.999), n=40,
                          fixed={"eps": 1e-8}, value=(0.1, 0.999))
    assert top.probe() == (0.1, 0.999)                   # the slider reaches the grid's top
    before, renders = rm.image.value, rm.renders
    rm.hyper_sliders["eta"].value = 0.01
    rm.hyper_sliders["beta2"].value = 0.5
    assert rm.renders == renders + 2 and rm.image.value != before
    assert rm.canvas.probe.get_data()[0][0] == pytest.approx(0.01)
    assert rm.canvas.probe.get_data()[1][0] == pytest.approx(0.5)
    want = rollout(reference_rule("rmsprop"), valley, steps=200, eta=0.01, beta2=0.5, eps=1e-8)
    np.testing.assert_allclose(np.c_[rm.explorer.lines[0].get_data()], want.theta)


def test_a_rule_not_written_yet_gives_an_empty_map_and_a_note():
    @with_state(s=0.0)
    def stub(theta, g, state, *, eta, beta2, eps):
        raise NotYetImplemented("rmsprop: write it in lib/descent/rules.py")

    rm = widgets.RateMap(stub, surfaces.valley(), n=40, fixed={"eps": 1e-8})
    assert np.isnan(rm.map.gap).all() and "NotYetImplemented" in rm.map.error
    assert "write it" in rm.explorer.status.value
    assert rm.image.value  # the map's axes and the probe are still drawn
