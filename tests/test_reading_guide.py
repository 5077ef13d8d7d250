"""The reading table's guide (sim.engine.kernels.reading_guide): the guided search of
process_step finds the same age index as a binary search over the whole row, so the
reading delays are the same to the bit (exact, on tables with plateaus and jumps)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.kernels import reading_guide


def lower_bound(row: np.ndarray, x: float) -> int:
    """First index i >= 1 with row[i] >= x (a binary search over the whole row)."""
    return max(1, int(np.searchsorted(row, x, side="left")))


def guided(row: np.ndarray, guide: np.ndarray, h: float, x: float) -> int:
    """The search of process_step, written out as it is there."""
    cells = guide.shape[0] - 1
    inv = 1.0 / h if h > 0.0 else 0.0
    c = min(int(x * inv), cells - 1)
    while c > 0 and c * h > x:
        c -= 1
    while c < cells - 1 and (c + 1) * h < x:
        c += 1
    lo, hi = int(guide[c]), int(guide[c + 1])
    while lo < hi:
        mid = (lo + hi) // 2
        if row[mid] >= x:
            hi = mid
        else:
            lo = mid + 1
    return lo


def tables() -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    smooth = np.cumsum(rng.exponential(1.0, size=(3, 200)), axis=1)
    smooth[:, 0] = 0.0
    plateau = smooth.copy()
    plateau[:, 50:150] = plateau[:, 50:51]  # a night: no reading for 100 ages
    plateau[:, 150:] += np.arange(1, 51) * 1e-12  # then tiny steps
    jump = np.zeros((2, 60))
    jump[:, 30:] = 5.0  # all the hazard at one age
    return [smooth, plateau, np.maximum.accumulate(jump, axis=1)]


@pytest.mark.parametrize("cells", [1, 7, 64, 2048])
@pytest.mark.parametrize("k", range(3))
def test_guided_search_equals_the_binary_search(cells: int, k: int) -> None:
    table = tables()[k]
    guide, hx = reading_guide(table, cells)
    rng = np.random.default_rng(cells + k)
    for p in range(table.shape[0]):
        row = table[p]
        # values inside the row's range: random, every grid value, and its neighbours in floating point
        xs = np.concatenate([rng.uniform(0.0, row[-1], 300), row[1:], np.nextafter(row[1:], 0.0),
                             np.nextafter(row[1:], np.inf), np.arange(1, cells) * hx[p]])
        xs = xs[(xs > 0.0) & (xs <= row[-1])]
        assert xs.size > 0
        for x in xs:
            assert guided(row, guide[p], hx[p], float(x)) == lower_bound(row, float(x)), (p, x)
