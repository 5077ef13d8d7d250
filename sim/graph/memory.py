"""Memory estimates of a graph build and of a whole model, checked before anything
large is allocated."""

from __future__ import annotations

from sim.errors import GraphError

__all__ = [
    "BYTES_PER_EDGE",
    "BYTES_PER_NODE",
    "available_memory_bytes",
    "check_memory",
    "estimate_memory_bytes",
    "estimate_model_bytes",
]

#: Peak bytes per stored edge while a graph is generated: the candidate edge
#: arrays (2 × int32), the packed int64 sort keys of the radix-sort CSR build and
#: the int32 indices it writes (8 + 8 + 4 = 20 bytes), plus slack for the deficit
#: rounds and the final merge (which holds two int32 index arrays, after the
#: candidates are freed). Measured peak RSS of ``scale_free`` (mean degree 10)
#: above the interpreter: 214 MB at 10^6 nodes / 10^7 edges and 2,062 MB at
#: 10^7 / 10^8, i.e. 21.6–22.5 bytes per edge with the node arrays included;
#: the estimate (24 per edge + 32 per node + 64 MB) is above both.
BYTES_PER_EDGE = 24
#: Peak bytes per node: indptr (int64), the two rank permutations (int32) and
#: the degree or community arrays some generators keep.
BYTES_PER_NODE = 32

#: Bytes in a gibibyte (messages say GB).
GB = 1024**3

#: Bytes per account outside the graph: population traits (interest, propensity,
#: sentiment, session rate as float64; role, target, person flags), the engine's
#: copy of the sentiment, the unfollow and lost flags, and slack.
BYTES_PER_ACCOUNT = 96
#: Bytes per (message, account): reading status and exposure count (uint8) and the
#: share-hazard modifier (float64).
BYTES_PER_ACCOUNT_MESSAGE = 10
#: Bytes per step and message of the counters (shares, aware, target, KOL shares, ...).
BYTES_PER_STEP_MESSAGE = 64
#: Bytes per event drawn by an external source (a trend's outside posts): account
#: ids, times and queue entries.
BYTES_PER_EXTERNAL_EVENT = 48
#: Messages a crisis or the tactics add to the scenario's own (complaint, response,
#: cover-up; trend, giveaway, hijack...).
EXTRA_MESSAGES = 6


def estimate_memory_bytes(n: int, n_edges: int) -> int:
    """Peak memory (bytes) needed to build a graph of ``n`` nodes and ``n_edges`` stored edges.

    Parameters
    ----------
    n : int
        Number of accounts.
    n_edges : int
        Number of stored directed edges (an undirected edge counts twice).

    Returns
    -------
    int
        ``BYTES_PER_EDGE * n_edges + BYTES_PER_NODE * n`` plus a fixed 64 MB.
    """
    return int(BYTES_PER_EDGE * max(int(n_edges), 0) + BYTES_PER_NODE * max(int(n), 0) + 64 * 2**20)


def available_memory_bytes() -> int:
    """Memory available to this process now (``psutil.virtual_memory().available``)."""
    import psutil

    return int(psutil.virtual_memory().available)


def check_memory(n: int, n_edges: int, *, available: int | None = None) -> int:
    """Refuse (``GraphError``) a graph that does not fit in the available memory.

    Parameters
    ----------
    n, n_edges : int
        Size of the graph to build (stored directed edges).
    available : int, optional
        Bytes available; by default ``psutil.virtual_memory().available``.

    Returns
    -------
    int
        The estimate, in bytes, when it fits.
    """
    need = estimate_memory_bytes(n, n_edges)
    avail = available_memory_bytes() if available is None else int(available)
    if need > avail:
        raise GraphError(
            f"graph of {int(n):,} accounts and {int(n_edges):,} edges needs about "
            f"{need / GB:,.1f} GB, more than the {avail / GB:,.1f} GB available"
        )
    return need


def estimate_model_bytes(
    n: int, n_edges: int, n_messages: int, n_steps: int, external_events: float = 0.0
) -> int:
    """Peak memory (bytes) of a whole model: graph build, population, per-message state,
    counters and the external sources' events.

    Parameters
    ----------
    n, n_edges : int
        Accounts and stored directed edges of the graph.
    n_messages : int
        Messages that spread (the scenario's, plus those a crisis or tactics add).
    n_steps : int
        Steps of the run.
    external_events : float
        Expected number of posts drawn from external sources over the run.

    Returns
    -------
    int
        The graph estimate (:func:`estimate_memory_bytes`) plus the terms of the
        ``BYTES_PER_*`` constants above.
    """
    n, m = max(int(n), 0), max(int(n_messages), 0)
    return int(
        estimate_memory_bytes(n, n_edges)
        + BYTES_PER_ACCOUNT * n
        + BYTES_PER_ACCOUNT_MESSAGE * n * m
        + BYTES_PER_STEP_MESSAGE * max(int(n_steps), 1) * m
        + BYTES_PER_EXTERNAL_EVENT * max(float(external_events), 0.0)
    )
