"""The pictures an explorer keeps (descent.explorer.cache): filed under the slider values, start,
steps shown, rules and cells run; the last 48 kept; none survives a cell run or an edited rule."""
from descent.explorer.cache import PictureCache, cells_run

VALUES = {"eta": 0.01, "alpha": 0.9}
START = (1.5, 1.0)


def gd(theta, g, state, *, eta):
    return theta - eta * g, state


def momentum(theta, g, state, *, eta, alpha):
    return theta, state


def test_a_key_is_what_a_picture_depends_on():
    key = PictureCache.key
    assert key(VALUES, START, 60, [gd]) == key(dict(VALUES), list(START), 60, [gd])
    others = [key({"eta": 0.02, "alpha": 0.9}, START, 60, [gd]), key(VALUES, (1.5, 0.5), 60, [gd]),
              key(VALUES, START, 59, [gd]), key(VALUES, START, 60, [momentum]),
              key(VALUES, START, 60, [gd, momentum])]
    assert len({key(VALUES, START, 60, [gd]), *others}) == 1 + len(others)


def test_a_rule_enters_a_key_by_its_code():
    """%autoreload 2 replaces an edited function's code in place: the key changes with it."""
    def mine(theta, g, state, *, eta):
        return theta - eta * g, state

    before = PictureCache.key(VALUES, START, 60, [mine])
    mine.__code__ = momentum.__code__
    assert PictureCache.key(VALUES, START, 60, [mine]) != before


def test_unhashable_callable_rules():
    class Rule:
        __hash__ = None

        def __call__(self, theta, g, state, *, eta):
            return theta, state

    a, b = Rule(), Rule()
    assert PictureCache.key(VALUES, START, 60, [a]) == PictureCache.key(VALUES, START, 60, [a])
    assert PictureCache.key(VALUES, START, 60, [a]) != PictureCache.key(VALUES, START, 60, [b])


def test_the_last_48_pictures_are_kept():
    kept = PictureCache()
    assert kept.size == PictureCache.SIZE == 48
    for i in range(50):
        kept.keep(i, f"picture {i}")
    assert len(kept) == 48 and kept.keys() == list(range(2, 50))
    assert 0 not in kept and kept.get(0) is None and kept.get(2) == "picture 2"
    kept.keep(2, "picture 2")  # shown again: the newest
    kept.keep(50, "picture 50")
    assert kept.keys() == [*range(4, 50), 2, 50]


def test_no_picture_outlives_a_cell_run():
    """autoreload loads an edited rules.py before a cell runs: a key made before never matches."""
    from IPython.core.interactiveshell import InteractiveShell

    outside = PictureCache.key(VALUES, START, 60, [gd])
    assert PictureCache.key(VALUES, START, 60, [gd]) == outside  # no cell runs outside IPython
    shell = InteractiveShell.instance()
    try:
        keys = [PictureCache.key(VALUES, START, 60, [gd])]
        assert keys[0] != outside
        shell.run_cell("pass")
        keys.append(PictureCache.key(VALUES, START, 60, [gd]))
        assert keys[1] != keys[0] and PictureCache.key(VALUES, START, 60, [gd]) == keys[1]
        ran = cells_run()
        shell.run_cell("1 + 1")
        assert cells_run() == ran + 1
    finally:
        InteractiveShell.clear_instance()
    assert PictureCache.key(VALUES, START, 60, [gd]) not in (outside, *keys)
