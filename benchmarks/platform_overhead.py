"""Cost of the platform mechanisms of issue #17: a 14-day scenario at 10^6 accounts
with all three on — the limited, engagement-ranked feed, the trending list and
several platforms (Weibo, WeChat and a forum with their presets) — against the same
scenario with them off (the issue asks for at most 3x).

    python -m benchmarks.platform_overhead [--n 1000000] [--rounds 2] [--seed 0] [--only off,on]

One population graph is built and shared by every run (its build is not timed; the
platforms' own graphs are built with each model, also untimed); each round runs every
configuration with the same seed, and the CPU time of ``model.run()`` is measured
(``time.process_time``: the 2-core machine is shared). Prints one line per run and
the ratio of the medians, per run and per reading: with several platforms the same
accounts read on three platforms, so the run does more readings.
"""

from __future__ import annotations

import argparse
import statistics
import time


def scenario(n: int, on: bool | str) -> dict:
    """The 14-day scenario: a hot topic, a brand with a campaign post and a crisis;
    ``on``: True (feed, list and platforms), "feed", "trending", "platforms" or False."""
    sc = {
        "graph": {"kind": "scale_free", "n": n, "mean_degree": 10},
        "messages": [
            {"name": "topic", "topic": "hot_topic", "origin": "random", "n_origins": 20},
            {"name": "launch", "kind": "campaign", "origin": "brand", "start_h": 48, "virality": 0.8, "valence": 1},
        ],
        "crisis": {"start_h": 72, "strategy": "apologize"},
        "run": {"horizon_h": 336, "replicates": 1, "record_cascades": False},
    }
    if on in (True, "feed"):
        sc["feed"] = {"ranking": "engagement", "items_per_session": 20}
    if on in (True, "trending"):
        sc["trending"] = {"enabled": True, "list_size": 50,
                          "buy": [{"message": "launch", "rank": 3, "start_h": 48, "hours": 12}]}
    if on in (True, "platforms"):
        # the topic, the launch and the complaint start on Weibo and spread by cross-posting;
        # the brand answers on Weibo and WeChat
        sc["platforms"] = [{"name": "weibo", "kind": "broadcast"}, {"name": "wechat", "kind": "messaging"},
                           {"name": "forum", "kind": "forum"}]
        sc["crisis"]["response_platforms"] = ["weibo", "wechat"]
    return sc


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default="off,feed,trending,platforms,on",
                    help="configurations to run, comma-separated (off is always run)")
    a = ap.parse_args(argv)

    from sim import rng as rng_mod
    from sim.graph import build_graph
    from sim.model.buzz import BuzzModel
    from sim.scenario.load import load_scenario

    every = {"off": False, "feed": "feed", "trending": "trending", "platforms": "platforms", "on": True}
    wanted = {"off", *a.only.split(",")}
    configs = {k: v for k, v in every.items() if k in wanted}
    scs = {k: load_scenario(scenario(a.n, v)) for k, v in configs.items()}
    off = scs["off"]
    t0 = time.perf_counter()
    graph = build_graph(off.graph, rng_mod.generator(a.seed, "graph"))
    print(f"graph: {graph.n_nodes if hasattr(graph, 'n_nodes') else a.n} accounts, {graph.n_edges} edges, "
          f"{time.perf_counter() - t0:.1f} s")
    # compile the kernels outside the timing (a small run of each)
    for v in configs.values():
        BuzzModel(load_scenario(scenario(2000, v)), a.seed).run()
    times: dict[str, list[float]] = {k: [] for k in configs}
    per_read: dict[str, list[float]] = {k: [] for k in configs}
    for r in range(a.rounds):
        for name, sc in scs.items():
            model = BuzzModel(sc, a.seed + r, graph=graph)
            c0 = time.process_time()
            model.run()
            cpu = time.process_time() - c0
            times[name].append(cpu)
            reads = int(model.engine.counters.reads.sum())
            per_read[name].append(cpu / max(reads, 1) * 1e6)
            extra = ""
            if model.trending_lists:
                extra = f", trending readings {sum(int(x.readings.sum()) for x in model.trending_lists)}"
            print(f"round {r} {name}: {cpu:.2f} s CPU, {reads} readings{extra}", flush=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    pr = {k: statistics.median(v) for k, v in per_read.items()}
    for k in configs:
        print(f"{k}: median CPU {med[k]:.2f} s (x{med[k] / med['off']:.2f} of off), "
              f"{pr[k]:.2f} us per reading (x{pr[k] / pr['off']:.2f})")


if __name__ == "__main__":
    main()
