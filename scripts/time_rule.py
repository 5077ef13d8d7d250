"""Time the spreading rule's kernels on one prebuilt graph (issue 13, item 3: the
parameter bundles must cost nothing). Usage:

    python scripts/time_rule.py [N] [REPS] [WORKLOAD ...]

Workloads at N accounts (default 10^6, scale-free, mean degree 10): the
independent-cascade preset (synchronous path), the default crisis (general
kernel; the complaint usually dies out), and the crisis from a KOL (general
kernel, the complaint spreads). Prints the median of REPS (default 3) wall
seconds of ``model.run()`` (and CPU seconds of this process, less sensitive to
other jobs on a shared machine) and exposures per second, one line per workload.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from sim.api import build_model
from sim.graph import scale_free

N = int(float(sys.argv[1])) if len(sys.argv) > 1 else 1_000_000
REPS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
WORK = {
    "ic": {"dynamics": {"preset": "independent_cascade", "p": 0.2, "seeds": 10}},
    "crisis_default": {"crisis": {}},
    "crisis_kol": {"crisis": {"origin": "kol"}},
}


def cfg(kind: str, n: int) -> dict:
    return {"graph": {"kind": "scale_free", "n": n, "mean_degree": 10.0}, **WORK[kind]}


def main() -> None:
    import sim

    print("sim from", sim.__file__, flush=True)
    kinds = [k for k in WORK if k in sys.argv[3:]] or list(WORK)
    for kind in kinds:  # compile / load every kernel first
        build_model(cfg(kind, 600), seed=1, graph=scale_free(600, 10.0, rng=np.random.default_rng(0))).run()
    graph = scale_free(N, 10.0, rng=np.random.default_rng(0))
    for kind in kinds:
        times, cpu, expo, shares = [], [], [], []
        for r in range(REPS):
            model = build_model(cfg(kind, N), seed=r, graph=graph)
            t0, c0 = time.perf_counter(), time.process_time()
            model.run()
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            c = model.engine.counters
            expo.append(int(c.exposures.sum()))
            shares.append(int(c.new_shares.sum()))
            del model
        med = statistics.median(times)
        rate = statistics.median(e / t for e, t in zip(expo, times)) / 1e6
        print(f"{kind:15s} run_s median {med:.3f}  all {[f'{x:.3f}' for x in times]}  "
              f"cpu_s median {statistics.median(cpu):.3f} all {[f'{x:.3f}' for x in cpu]}  "
              f"exposures {expo}  shares {shares}  M exposures/s {rate:.2f}",
              flush=True)


if __name__ == "__main__":
    main()
