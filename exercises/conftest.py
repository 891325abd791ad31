"""`pytest exercises --rule NAME` checks exactly one rule (``-k`` matches parts of names, so
``-k momentum`` also selects ``momentum_ema``)."""


def pytest_addoption(parser):
    parser.addoption("--rule", action="append", default=[], metavar="NAME",
                     help="check only this rule or schedule (repeat for more)")


def pytest_collection_modifyitems(config, items):
    wanted = config.getoption("--rule")
    if not wanted:
        return
    chosen = [item for item in items if item.callspec.params.get("name") in wanted]
    config.hook.pytest_deselected(items=[item for item in items if item not in chosen])
    items[:] = chosen
