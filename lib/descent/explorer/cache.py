"""Course code (read it, don't edit it): the pictures an explorer keeps, to show them again at once.

A picture depends on the slider values, the start point, the steps shown, the rules, and the code
the rules run. ``%autoreload`` loads an edited ``rules.py`` only when a cell runs, so the number of
cells run is part of every key: no picture from before an edit is ever shown again. An edited
function keeps its identity (autoreload replaces its code in place), so a rule enters a key by its
code. The last 48 pictures are kept (about 45 KiB each).
"""
from __future__ import annotations

from collections import OrderedDict

_CELLS = {"run": 0, "shell": None}  # cells run in the IPython shell we count in


def _count_cell(result=None):
    _CELLS["run"] += 1


def cells_run() -> int:
    """A count of the cells run in this IPython shell (0 outside IPython); it only grows."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None and shell is not _CELLS["shell"]:
        shell.events.register("post_run_cell", _count_cell)
        _CELLS["shell"] = shell
        _CELLS["run"] += 1
    return _CELLS["run"]


def identity(rule):
    """A rule in a key: its code where it has one (autoreload replaces an edited function's code
    in place), else the object itself, or its id where it cannot be hashed."""
    key = getattr(rule, "__code__", rule)
    try:
        hash(key)
    except TypeError:
        return id(rule)
    return key


class PictureCache:
    """The last ``size`` pictures (any objects) filed under :meth:`key`, oldest dropped first."""

    SIZE = 48

    def __init__(self, size: int = SIZE):
        self.size = size
        self._kept: OrderedDict = OrderedDict()

    @staticmethod
    def key(values: dict, start, n: int, rules) -> tuple:
        """What a picture depends on: the slider values, the start point, the steps shown, the
        rules, and the number of cells run."""
        return (tuple(values.values()), tuple(start), n, cells_run(),
                tuple(identity(r) for r in rules))

    def get(self, key):
        """The picture kept under ``key``, or None."""
        return self._kept.get(key)

    def keep(self, key, picture):
        """Keep ``picture`` under ``key`` as the newest, dropping the oldest beyond ``size``."""
        self._kept[key] = picture
        self._kept.move_to_end(key)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def __contains__(self, key) -> bool:
        return key in self._kept

    def __len__(self) -> int:
        return len(self._kept)

    def keys(self) -> list:
        """The keys kept, oldest first."""
        return list(self._kept)
