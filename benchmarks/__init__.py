"""The buzzsim benchmark suite (``make bench``, ``buzzsim bench``, ``python -m benchmarks``).

A run writes ``results/benchmarks/<timestamp>/`` with ``measurements.csv``,
``run.json``, figures and ``report.md``. See :mod:`benchmarks.suite` for what is
measured and ``docs/performance.md`` for the latest numbers.
"""

from benchmarks.suite import Plan, plan_for, run_suite

__all__ = ["Plan", "plan_for", "run_suite"]
