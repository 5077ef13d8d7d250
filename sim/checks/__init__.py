"""Does the model say what it should? Two kinds of checks.

* :mod:`sim.checks.claims` — the claim library (F1–F9...): each marketing claim is
  a library scenario whose variants are compared, with a verdict
  (``buzzsim compare --all``, results/library/);
* :mod:`sim.checks.theory` — the engine against exact theory, bond percolation, the
  reference engine and real reaction times (``buzzsim validate``).
"""
