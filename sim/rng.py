"""Randomness: one root SeedSequence per run, named child streams, and a
counter-based generator for the engine.

Habit from starsim: each stochastic process draws from its own stream keyed by a
stable hash of its name, so adding a process does not reshuffle the draws of the
others (common random numbers across the variants of a scenario).

The engine's draws are *counter-based*: a draw is a pure function (a hash) of
``(key, stream, step, message, account, source)``. Results therefore do not
depend on the order of work or the number of threads.
"""

from __future__ import annotations

import hashlib

import numba as nb
import numpy as np

__all__ = [
    "STREAM_READ",
    "STREAM_SHARE",
    "STREAM_SEED",
    "child_seed_sequence",
    "generator",
    "engine_key",
    "replicate_seeds",
    "hash_uniform",
    "hash_uniform_many",
    "hash_uniform_py",
]

# Engine draw streams (small integers mixed into the hash).
STREAM_READ = 1  # when (if ever) a follower reads a post in its feed
STREAM_SHARE = 2  # whether a reading leads to a share
STREAM_SEED = 3  # choice of seed accounts inside the engine
STREAM_REPLY = 4  # whether a reader of a complaint also sees the brand's reply under it


def _name_key(name: str) -> int:
    """A stable 32-bit integer for a stream name (independent of PYTHONHASHSEED)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "little")


def child_seed_sequence(seed: int | np.random.SeedSequence, name: str) -> np.random.SeedSequence:
    """The named child stream ``name`` of the run's root ``SeedSequence(seed)``."""
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, _name_key(name)))


def generator(seed: int | np.random.SeedSequence, name: str) -> np.random.Generator:
    """A numpy ``Generator`` for the named stream of a run."""
    return np.random.default_rng(child_seed_sequence(seed, name))


def engine_key(seed: int | np.random.SeedSequence) -> np.uint64:
    """The 64-bit key of the engine's counter-based draws for a run."""
    return np.uint64(child_seed_sequence(seed, "engine").generate_state(1, np.uint64)[0])


def replicate_seeds(seed: int, n: int) -> list[int]:
    """Seeds of ``n`` replicates, spawned from ``SeedSequence(seed)``.

    Replicate ``i`` gets the same seed in every variant of a scenario, so variant
    differences are paired (common random numbers).
    """
    children = np.random.SeedSequence(seed).spawn(n)
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]


_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0


@nb.njit(inline="always", cache=True)
def _mix(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@nb.njit(inline="always", cache=True)
def hash_prefix(key, stream, step, msg):
    """The first three rounds of :func:`hash_uniform`, shared by every draw of one
    (stream, step, message): a kernel that makes many such draws hoists them."""
    h = _mix(key ^ (np.uint64(stream) * _GOLD))
    h = _mix(h ^ (np.uint64(step) + _GOLD))
    return _mix(h ^ (np.uint64(msg) * _M1 + _GOLD))


@nb.njit(inline="always", cache=True)
def hash_finish(prefix, acc, src):
    """The last two rounds of :func:`hash_uniform` on a :func:`hash_prefix`."""
    h = _mix(prefix ^ (np.uint64(acc) + _GOLD * np.uint64(3)))
    h = _mix(h ^ (np.uint64(src) * _M2 + _GOLD))
    return ((h >> _S11) + np.uint64(1)) * _INV53 * (1.0 - _INV53)


@nb.njit(inline="always", cache=True)
def hash_uniform(key, stream, step, msg, acc, src):
    """Uniform in (0, 1) from a hash of the six counters (splitmix64 rounds)."""
    return hash_finish(hash_prefix(key, stream, step, msg), acc, src)


@nb.njit(cache=True)
def hash_uniform_many(key, stream, step, msg, acc, src):
    """Vectorised :func:`hash_uniform` over account ids ``acc`` (testing and seeding)."""
    out = np.empty(acc.shape[0])
    for i in range(acc.shape[0]):
        out[i] = hash_uniform(key, stream, step, msg, acc[i], src)
    return out


def hash_uniform_py(key: int, stream: int, step: int, msg: int, acc: int, src: int) -> float:
    """Pure-Python mirror of :func:`hash_uniform`, the specification of the hash."""
    mask = (1 << 64) - 1

    def mix(z: int) -> int:
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    gold, m1, m2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
    h = mix(key ^ ((stream * gold) & mask))
    h = mix(h ^ ((step + gold) & mask))
    h = mix(h ^ ((msg * m1 + gold) & mask))
    h = mix(h ^ ((acc + gold * 3) & mask))
    h = mix(h ^ ((src * m2 + gold) & mask))
    inv53 = 1.0 / 9007199254740992.0
    return ((h >> 11) + 1) * inv53 * (1.0 - inv53)


