"""Work-arounds for known bugs of the Mesa release we depend on.

Mesa 3.3 keeps a class-level ``Agent._ids = defaultdict(itertools.count)`` keyed by
model, which holds every model ever built (with its agents and state arrays)
alive for the life of the process: running replicates in a loop leaks memory
(mesa/mesa#3179, fixed upstream by #3180, not yet released). We replace it with a
table keyed by weak references: unique ids still count per model, and a finished
model can be garbage-collected.
"""

from __future__ import annotations

import itertools
import weakref

import mesa

__all__ = ["install"]


class _WeakIdCounters(weakref.WeakKeyDictionary):
    """``defaultdict(itertools.count(1))`` keyed by weak references to models."""

    def __getitem__(self, model):
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = itertools.count(1)
            self[model] = counter
            return counter


def install() -> None:
    """Swap Mesa's strong per-model id table for a weak one (idempotent)."""
    ids = getattr(mesa.Agent, "_ids", None)
    if ids is not None and not isinstance(ids, _WeakIdCounters):
        mesa.Agent._ids = _WeakIdCounters()


install()
