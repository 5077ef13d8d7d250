"""Write the golden outputs in ``tests/golden/`` (run only on purpose).

The golden outputs pin the numbers of every library scenario (all variants, a few
paired replicates, fast engine), the reference engine on a small crisis and the
tiny validation cases. ``tests/test_golden.py`` compares a fresh run with them
exactly, draw for draw. A refactor must reproduce them; a deliberate model change
regenerates them with this script in a commit of its own whose message says why::

    .venv/bin/python scripts/make_golden.py            # all cases
    .venv/bin/python scripts/make_golden.py crisis_response   # one case
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from golden_cases import CASES, GOLDEN_DIR, run_case  # noqa: E402


def main(argv: list[str]) -> int:
    names = argv or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        print(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(CASES)}", file=sys.stderr)
        return 2
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    for name in names:
        tables = run_case(name)
        for kind, df in tables.items():
            path = GOLDEN_DIR / f"{name}.{kind}.parquet"
            df.to_parquet(path, index=False)
            print(f"wrote {path.relative_to(ROOT)} ({len(df)} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
