"""Course code (read it, don't edit it): the course's real data set, shipped with the lib.

``digits()`` loads scikit-learn's copy of the UCI 8×8 handwritten digits (1797 images; provenance,
checksum and licence in ``lib/descent/data/README.md``) without needing scikit-learn.
"""
from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np

DIGITS = Path(__file__).with_name("digits.csv.gz")
#: sha256 of digits.csv.gz, as in the scikit-learn 1.9.1 wheel's RECORD
DIGITS_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"


@lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    raw = DIGITS.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != DIGITS_SHA256:
        raise ValueError(f"{DIGITS} is not the course's file (sha256 {digest}, expected {DIGITS_SHA256})")
    table = np.loadtxt(gzip.decompress(raw).decode("ascii").splitlines(), delimiter=",", dtype=np.int64)
    images, labels = table[:, :-1], table[:, -1]
    images.flags.writeable = labels.flags.writeable = False
    return images, labels


def digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 digits: pixels of shape (1797, 64), integers 0–16 (an 8×8 image row by row),
    and labels of shape (1797,), the digit 0–9. Read-only arrays (copy them to change them)."""
    return _digits()
