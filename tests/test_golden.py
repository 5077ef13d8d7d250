"""The library scenarios reproduce their golden outputs exactly, draw for draw.

``tests/golden/`` is written only by ``scripts/make_golden.py``. A refactor must
leave every number unchanged; a deliberate model change regenerates the files with
that script in a commit of its own whose message says why.
"""

from __future__ import annotations

import pandas as pd
import pytest
from golden_cases import CASES, GOLDEN_DIR, run_case


@pytest.mark.parametrize("name", list(CASES))
def test_golden(name):
    tables = run_case(name)
    for kind, df in tables.items():
        path = GOLDEN_DIR / f"{name}.{kind}.parquet"
        assert path.exists(), f"{path} is missing: run scripts/make_golden.py {name}"
        want = pd.read_parquet(path)
        got = df.reset_index(drop=True)
        # a new column is an addition (allowed); a lost or changed one is not
        missing = [c for c in want.columns if c not in got.columns]
        assert not missing, f"{name}.{kind}: columns gone: {missing}"
        pd.testing.assert_frame_equal(got[list(want.columns)], want, check_exact=True,
                                      check_dtype=False, obj=f"{name}.{kind}")
