"""Tests of the graph layer (sim.graph): CSR, generators, IO, builder, memory guard.

Statistical tests use fixed seeds; each states its tolerance next to the check.
"""

from __future__ import annotations

import time
import tracemalloc

import networkx as nx
import numpy as np
import pytest
from scipy import stats
from scipy.optimize import minimize_scalar
from scipy.special import zeta

from sim.errors import GraphError
from sim.graph import (
    FollowerGraph,
    build_graph,
    check_memory,
    communities,
    configuration,
    erdos_renyi,
    estimate_memory_bytes,
    from_networkx,
    load_edgelist,
    load_graphml,
    sample_degree_sequence,
    save_edgelist,
    scale_free,
    small_world,
)
from sim.graph import io as gio
from sim.scenario.schema import GraphConfig

N = 20_000


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def edge_keys(g: FollowerGraph) -> np.ndarray:
    s, d = g.edges()
    return s.astype(np.int64) * g.n + d


def labelled_edge_set(g: FollowerGraph) -> set[tuple[object, object]]:
    s, d = g.edges()
    lab = g.labels if g.labels is not None else np.arange(g.n)
    return set(zip(lab[s].tolist(), lab[d].tolist(), strict=True))


def assert_simple(g: FollowerGraph) -> None:
    """No self-loops, no duplicate edges, rows sorted, consistent CSR."""
    s, d = g.edges()
    assert g.indptr.dtype == np.int64 and g.indices.dtype == np.int32
    assert g.indptr[0] == 0 and g.indptr[-1] == g.indices.size
    assert not np.any(s == d), "self-loop"
    assert np.all((d >= 0) & (d < g.n))
    # strictly increasing within each row <=> sorted and no duplicates
    same_row = s[1:] == s[:-1]
    assert np.all(d[1:][same_row] > d[:-1][same_row]), "unsorted row or duplicate edge"
    assert np.unique(edge_keys(g)).size == g.n_edges


def assert_reciprocal(g: FollowerGraph) -> None:
    t = g.transpose()
    assert np.array_equal(t.indptr, g.indptr) and np.array_equal(t.indices, g.indices)


# name -> callable(directed, seed) at n = N
GENERATORS = {
    "erdos_renyi": lambda directed, seed, d=10.0: erdos_renyi(
        N, d, directed=directed, rng=rng(seed)
    ),
    "scale_free": lambda directed, seed, d=10.0: scale_free(N, d, directed=directed, rng=rng(seed)),
    "small_world": lambda directed, seed, d=10.0: small_world(
        N, d, rewire_p=0.2, directed=directed, rng=rng(seed)
    ),
    "communities": lambda directed, seed, d=10.0: communities(
        N, d, n_communities=8, homophily=0.8, directed=directed, rng=rng(seed)
    ),
    "configuration": lambda directed, seed, d=10.0: configuration(
        N, distribution="poisson", mean_degree=d, directed=directed, rng=rng(seed)
    ),
}


# --------------------------------------------------------------------------- CSR


def test_from_edges_drops_self_loops_and_duplicates():
    g = FollowerGraph.from_edges([0, 0, 1, 2, 2, 2, 3], [1, 1, 0, 2, 0, 1, 3], 5)
    assert g.n == 5 and g.n_edges == 4
    assert g.followers(2).tolist() == [0, 1]
    assert g.followers(0).tolist() == [1]
    assert g.followers(4).tolist() == []
    assert g.follower_count().tolist() == [1, 1, 2, 0, 0]
    assert g.following_count().tolist() == [2, 2, 0, 0, 0]
    assert g.follower_count().dtype == np.int64 and g.following_count().dtype == np.int64
    assert_simple(g)


def test_from_edges_rows_sorted_from_shuffled_input():
    r = rng(3)
    s = r.integers(0, 500, 20_000)
    d = r.integers(0, 500, 20_000)
    g = FollowerGraph.from_edges(s, d, 500)
    assert_simple(g)
    expected = {(a, b) for a, b in zip(s.tolist(), d.tolist(), strict=True) if a != b}
    assert labelled_edge_set(g) == expected


def _csr_by_lexsort(src, dst, n, symmetric=False):
    """The CSR the old counting-sort build produced, written with plain numpy:
    drop self-loops, add reverse edges if symmetric, sort by (row, column), drop repeats."""
    s = np.asarray(src, np.int64)
    d = np.asarray(dst, np.int64)
    keep = s != d
    s, d = s[keep], d[keep]
    if symmetric:
        s, d = np.concatenate([s, d]), np.concatenate([d, s])
    order = np.lexsort((d, s))
    s, d = s[order], d[order]
    new = np.ones(s.size, bool)
    new[1:] = (s[1:] != s[:-1]) | (d[1:] != d[:-1])
    s, d = s[new], d[new]
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(s, minlength=n), out=indptr[1:])
    return indptr, d.astype(np.int32)


@pytest.mark.parametrize(
    ("n", "m", "hub", "symmetric", "dtype"),
    [
        (1, 5, False, False, np.int32),  # only self-loops
        (2, 0, False, False, np.int32),  # no edges
        (3, 40, False, True, np.int64),
        (700, 3_000, False, False, np.int32),  # fewer edges than a bucket
        (5_000, 300_000, False, False, np.int32),  # many buckets, many repeats
        (5_000, 300_000, True, True, np.int64),  # a hub's huge bucket, symmetric
        (1 << 16, 200_000, True, False, np.int32),  # power-of-two n
        ((1 << 16) + 3, 200_000, False, True, np.int32),
    ],
)
def test_csr_build_equals_lexsort_construction(n, m, hub, symmetric, dtype):
    """Exact: the radix-sort CSR equals the sorted, de-duplicated edge list built with numpy."""
    from sim.graph import build_csr

    r = rng(n + m)
    s = r.integers(0, n, m)
    d = r.integers(0, n, m)
    if hub:  # a third of the edges leave (and, with symmetric, enter) node 7
        s[: m // 3] = 7
    indptr, indices = build_csr(s.astype(dtype), d.astype(dtype), n, symmetric=symmetric)
    ref_ptr, ref_idx = _csr_by_lexsort(s, d, n, symmetric)
    assert indptr.dtype == np.int64 and indices.dtype == np.int32
    assert np.array_equal(indptr, ref_ptr)
    assert np.array_equal(indices, ref_idx)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_merge_in_place_equals_copying_merge(seed):
    """Exact: the in-place merge (used while a graph is built) gives the copying merge's arrays."""
    from sim.graph import build_csr, merge_csr

    r = rng(seed)
    n = [1, 50, 3000][seed]
    m_a, m_b = [(0, 3), (400, 60), (30_000, 900)][seed]
    a = build_csr(r.integers(0, n, m_a), r.integers(0, n, m_a), n)
    b = build_csr(r.integers(0, n, m_b), r.integers(0, n, m_b), n)
    if seed == 2:  # b repeats some of a's edges, and the last rows of b are empty
        s, d = FollowerGraph(*a).edges()
        b = merge_csr(b, build_csr(s[:500], d[:500], n))
    expected = merge_csr(a, b)
    got = merge_csr((a[0].copy(), a[1].copy()), b, in_place=True)
    assert np.array_equal(got[0], expected[0]) and np.array_equal(got[1], expected[1])


def test_undirected_input_is_reciprocal():
    g = FollowerGraph.from_edges([0, 1, 2], [1, 2, 0], 4, directed=False)
    assert g.n_edges == 6
    assert_reciprocal(g)
    assert g.followers(1).tolist() == [0, 2]


def test_from_edges_rejects_bad_ids():
    with pytest.raises(GraphError, match="outside 0..2"):
        FollowerGraph.from_edges([0, 5], [1, 1], 3)
    with pytest.raises(GraphError, match="outside"):
        FollowerGraph.from_edges([0, -1], [1, 1], 3)
    with pytest.raises(GraphError, match="differ in length"):
        FollowerGraph.from_edges([0, 1], [1], 3)


def test_add_edges_and_add_nodes():
    g = FollowerGraph.from_edges([0, 1], [1, 2], 3, community=[0, 0, 1])
    g2 = g.add_edges([0, 2, 0, 1], [2, 0, 1, 1])  # (0,1) exists, (1,1) is a self-loop
    assert g.n_edges == 2  # the original is untouched
    assert labelled_edge_set(g2) == {(0, 1), (1, 2), (0, 2), (2, 0)}
    assert_simple(g2)
    g3 = g2.add_nodes(2)
    assert g3.n == 5 and g3.n_edges == g2.n_edges
    assert g3.follower_count().tolist()[-2:] == [0, 0]
    assert g3.community.tolist() == [0, 0, 1, -1, -1]
    g4 = g3.add_edges([3, 3], [0, 1], reciprocal=True)  # brand node 3 with two fans
    assert g4.followers(3).tolist() == [0, 1] and 3 in g4.followers(0).tolist()
    # labels are extended without collisions
    lab = FollowerGraph.from_edges([0], [1], 2, labels=[10, 20]).add_nodes(2)
    assert lab.labels.tolist() == [10, 20, 21, 22]
    assert FollowerGraph.from_edges([0], [1], 2).add_nodes(3).community is None


def test_to_networkx_keeps_edges_and_communities():
    g = communities(300, 4, n_communities=3, homophily=0.7, rng=rng(1))
    G = g.to_networkx()
    assert isinstance(G, nx.DiGraph)
    assert G.number_of_nodes() == g.n and G.number_of_edges() == g.n_edges
    assert set(G.edges()) == labelled_edge_set(g)
    assert [G.nodes[v]["community"] for v in range(g.n)] == g.community.tolist()


# --------------------------------------------------------------------------- generators


@pytest.mark.parametrize("directed", [True, False])
@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_mean_degree_within_2_percent(name, directed):
    for d in (10.0, 7.5):
        g = GENERATORS[name](directed, 1, d)
        assert g.n == N
        mean = g.n_edges / g.n  # stored directed edges per node, for both kinds
        assert abs(mean / d - 1) < 0.02, (name, directed, d, mean)
        if name != "configuration":  # redraws deficits: exact up to rounding
            assert (
                abs(mean * g.n - round(g.n * d / (1 if directed else 2)) * (1 if directed else 2))
                <= 1
            )


@pytest.mark.parametrize("directed", [True, False])
@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generated_graphs_are_simple(name, directed):
    g = GENERATORS[name](directed, 2)
    assert_simple(g)
    if not directed:
        assert_reciprocal(g)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_seeded_reproducibility(name):
    a = GENERATORS[name](True, 7)
    b = GENERATORS[name](True, 7)
    c = GENERATORS[name](True, 8)
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    if a.community is not None:
        assert np.array_equal(a.community, b.community)
    assert not (a.indices.size == c.indices.size and np.array_equal(a.indices, c.indices))


def test_generators_need_a_seeded_rng():
    with pytest.raises(GraphError, match="rng"):
        erdos_renyi(100, 3, rng=None)  # type: ignore[arg-type]
    with pytest.raises(GraphError, match="mean_degree"):
        scale_free(100, 150, rng=rng())


def test_erdos_renyi_degrees_are_binomial():
    g = erdos_renyi(N, 10, rng=rng(4))
    for deg in (g.follower_count(), g.following_count()):
        # Binomial(n-1, p): variance/mean = 1 - p ~ 1; tolerance 5 % (sd of the ratio ~ 1 %)
        assert abs(deg.var() / deg.mean() - 1) < 0.05


def powerlaw_pmf(gamma: float, k_min: int, k_max: int) -> tuple[np.ndarray, np.ndarray]:
    k = np.arange(k_min, k_max + 1)
    p = k.astype(float) ** -gamma
    return k, p / p.sum()


def binned_chisquare(sample: np.ndarray, k: np.ndarray, p: np.ndarray) -> float:
    """Chi-square p-value with adjacent degree values merged until each bin expects >= 20."""
    counts = np.bincount(sample - k[0], minlength=k.size)[: k.size]
    expected = p * sample.size
    obs_b, exp_b, o, e = [], [], 0.0, 0.0
    for ci, ei in zip(counts, expected, strict=True):
        o += ci
        e += ei
        if e >= 20:
            obs_b.append(o)
            exp_b.append(e)
            o = e = 0.0
    obs_b[-1] += o
    exp_b[-1] += e
    return stats.chisquare(obs_b, exp_b).pvalue


def test_powerlaw_degree_sequence_matches_law():
    # P(k) ∝ k^-2.5 on [1, 1000]: chi-square p-value above 1e-3 (fixed seed)
    k, p = powerlaw_pmf(2.5, 1, 1000)
    seq = sample_degree_sequence(100_000, rng=rng(5), exponent=2.5, k_min=1, k_max=1000)
    assert seq.min() >= 1 and seq.max() <= 1000
    assert binned_chisquare(seq, k, p) > 1e-3
    # power of the test: the law of exponent 2.45 is clearly rejected
    _, p_wrong = powerlaw_pmf(2.45, 1, 1000)
    assert binned_chisquare(seq, k, p_wrong) < 1e-6
    # another support (k_min = 3, default k_max = n - 1), same check
    k3, p3 = powerlaw_pmf(2.2, 3, 49_999)
    seq3 = sample_degree_sequence(50_000, rng=rng(6), exponent=2.2, k_min=3)
    assert seq3.min() >= 3 and seq3.max() <= 49_999
    assert binned_chisquare(seq3, k3, p3) > 1e-3


def test_configuration_graph_degrees_follow_the_law():
    # erased configuration model: degree CDF within KS distance 0.006 of the law
    # (KS 1 % critical value at n = 1e5 is 0.005; erasure lowers a few hub degrees)
    n = 100_000
    k, p = powerlaw_pmf(2.5, 1, 1000)
    g = configuration(n, rng=rng(7), exponent=2.5, k_min=1, k_max=1000)
    assert_reciprocal(g)
    deg = g.follower_count()
    emp = np.bincount(deg, minlength=1001)[1:1001] / n
    assert np.abs(np.cumsum(emp) - np.cumsum(p)).max() < 0.006
    # mean degree: the law's mean within 2 %
    assert abs(g.n_edges / n / (k * p).sum() - 1) < 0.02


def test_configuration_directed_in_and_out_follow_the_law():
    n = 50_000
    g = configuration(n, rng=rng(8), exponent=3.0, k_min=2, k_max=500, directed=True)
    k, p = powerlaw_pmf(3.0, 2, 500)
    for deg in (g.follower_count(), g.following_count()):
        emp = np.bincount(deg, minlength=501)[2:501] / n
        assert np.abs(np.cumsum(emp) - np.cumsum(p)).max() < 0.01
    assert abs(g.n_edges / n / (k * p).sum() - 1) < 0.02


def discrete_powerlaw_mle(k: np.ndarray, k_min: int) -> float:
    """Maximum-likelihood exponent of P(k) ∝ k^-γ for k >= k_min (Hurwitz zeta normaliser)."""
    x = k[k >= k_min]
    s = np.log(x).sum()
    res = minimize_scalar(
        lambda g: g * s + x.size * np.log(zeta(g, k_min)), bounds=(1.05, 6.0), method="bounded"
    )
    return float(res.x)


@pytest.mark.parametrize("gamma", [2.2, 2.5])
def test_scale_free_tail_exponents(gamma):
    # MLE above k_min = 40 at n = 1e5 (about 2500 tail nodes, sd ~ 0.03):
    # out-degree (followers) within 0.1 of the target, in-degree within 0.15
    g = scale_free(100_000, 10, rng=rng(9), exponent=gamma, in_exponent=gamma + 0.5)
    assert g.n_edges == 1_000_000
    assert abs(discrete_powerlaw_mle(g.follower_count(), 40) - gamma) < 0.1
    assert abs(discrete_powerlaw_mle(g.following_count(), 40) - (gamma + 0.5)) < 0.15


def test_scale_free_is_heavy_tailed_and_independent_in_out():
    g = scale_free(N, 10, rng=rng(10), exponent=2.5, in_exponent=3.0)
    out, inn = g.follower_count(), g.following_count()
    assert out.max() > 50 * out.mean()  # hubs
    assert out.max() > 2 * inn.max()  # heavier tail for followers than for followings
    assert abs(stats.spearmanr(out, inn)[0]) < 0.05  # independent rank permutations


@pytest.mark.parametrize("directed", [True, False])
@pytest.mark.parametrize("h", [0.8, 0.3])
def test_communities_homophily(h, directed):
    g = communities(N, 10, n_communities=10, homophily=h, rng=rng(11), directed=directed)
    s, d = g.edges()
    intra = np.mean(g.community[s] == g.community[d])
    assert abs(intra - h) < 0.01  # sd of the fraction ~ 0.001
    sizes = np.bincount(g.community)
    assert sizes.size == 10 and sizes.max() - sizes.min() <= 1


def test_small_world_lattice_and_rewiring():
    n = 1000
    lattice = small_world(n, 6, rewire_p=0.0, rng=rng(12))  # undirected ring, K = 3
    for u in (0, 500, 999):
        expected = sorted((u + j) % n for j in (-3, -2, -1, 1, 2, 3))
        assert lattice.followers(u).tolist() == expected
    dlat = small_world(n, 4, rewire_p=0.0, rng=rng(12), directed=True)
    assert dlat.followers(10).tolist() == [8, 9, 11, 12]
    g = small_world(N, 6, rewire_p=0.25, rng=rng(13))
    s, d = g.edges()
    dist = np.minimum((s - d) % N, (d - s) % N)
    # an undirected edge is a lattice edge unless rewired (to a node at random distance)
    frac_far = np.mean(dist > 3)
    assert abs(frac_far - 0.25 * (1 - 6 / N)) < 0.01


# --------------------------------------------------------------------------- memory guard


def test_memory_guard_refuses_impossible_graph_without_allocating():
    cfg = GraphConfig(kind="scale_free", n=200_000_000, mean_degree=1000)
    tracemalloc.start()
    t0 = time.perf_counter()
    with pytest.raises(GraphError, match=r"GB") as info:
        build_graph(cfg, rng(0))
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 1.0 and peak < 10 * 2**20
    msg = str(info.value)
    assert "\n" not in msg and "200,000,000 accounts" in msg and "available" in msg
    with pytest.raises(GraphError, match="GB"):  # the generators check too
        scale_free(200_000_000, 1000, rng=rng())


def test_memory_estimate_and_check():
    assert estimate_memory_bytes(10**6, 10**7) < estimate_memory_bytes(10**6, 2 * 10**7)
    # 10^7 edges: a few hundred MB, as measured
    assert 2e8 < estimate_memory_bytes(10**6, 10**7) < 1e9
    with pytest.raises(GraphError, match="more than the 0.5 GB available"):
        check_memory(10**6, 10**8, available=2**29)
    assert check_memory(100, 1000, available=2**30) > 0


# --------------------------------------------------------------------------- build_graph


@pytest.mark.parametrize(
    "kind", ["erdos_renyi", "configuration", "scale_free", "small_world", "communities"]
)
def test_build_graph_dispatch(kind):
    cfg = GraphConfig(kind=kind, n=2000, mean_degree=6, communities=4, k_min=2, k_max=100)
    g = build_graph(cfg, rng(1))
    assert g.n == 2000 and g.n_edges > 0
    assert_simple(g)
    again = build_graph(cfg, rng(1))
    assert np.array_equal(g.indices, again.indices)
    if kind in ("erdos_renyi", "scale_free", "small_world", "communities"):
        assert g.n_edges == 12_000
    if kind == "communities":
        assert g.community is not None and set(np.unique(g.community)) == {0, 1, 2, 3}


def test_build_graph_from_files(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("source,target\na,b\nb,c\n")
    g = build_graph(GraphConfig(kind="file", path=str(path), directed=False), rng())
    assert g.n == 3 and g.n_edges == 4 and g.labels.tolist() == ["a", "b", "c"]
    gml = tmp_path / "g.graphml"
    nx.write_graphml(nx.path_graph(4), gml)  # undirected file
    g = build_graph(GraphConfig(kind="file", path=str(gml)), rng())  # follows the file
    assert g.n_edges == 6
    with pytest.raises(GraphError, match="undirected"):
        build_graph(GraphConfig(kind="file", path=str(gml), directed=True), rng())
    with pytest.raises(GraphError, match="not found"):
        build_graph(GraphConfig(kind="file", path=str(tmp_path / "nope.csv")), rng())


# --------------------------------------------------------------------------- edge lists


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".txt"])
def test_edgelist_round_trip(tmp_path, suffix):
    g = scale_free(3000, 5, rng=rng(14))
    path = save_edgelist(g, tmp_path / f"g{suffix}")
    back = load_edgelist(path)
    # ids 0..n-1 with no isolated node map back to themselves
    assert back.labels is not None
    assert labelled_edge_set(back) == labelled_edge_set(g)
    # labelled (string) graphs keep their labels
    named = FollowerGraph(g.indptr, g.indices, labels=np.array([f"user{i}" for i in range(g.n)]))
    back2 = load_edgelist(save_edgelist(named, tmp_path / f"named{suffix}"))
    assert labelled_edge_set(back2) == labelled_edge_set(named)


VARIANTS = {
    "header_comments.csv": "# exported graph\n\nsource,target\n1,2\n# a comment\n2,3\n\n3,1\n",
    "plain.tsv": "1\t2\n2\t3\n3\t1\n",
    "header.tsv": "from\tto\n1\t2\n2\t3\n3\t1\n",
    "spaces.txt": "1 2\n  2   3\n3\t1  \n",
    "snap.txt": "# Directed graph\n# Nodes: 3 Edges: 3\n# FromNodeId\tToNodeId\n1\t2\n2\t3\n3\t1\n",
    "weights.csv": "u,v,weight\n1,2,0.5\n2,3,1.0\n3,1,2\n",
    "padded.csv": "1, 2\n2 ,3\n 3,1\n",
    "semicolon.csv": "1;2\n2;3\n3;1\n",
    "crlf.csv": "1,2\r\n2,3\r\n3,1\r\n",
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_edgelist_format_variants(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(VARIANTS[name].encode())
    g = load_edgelist(path)
    assert g.labels.tolist() == [1, 2, 3]
    assert labelled_edge_set(g) == {(1, 2), (2, 3), (3, 1)}


def test_edgelist_string_ids_and_undirected(tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("alice bob\nbob carol\n# dave erin\ncarol alice\nalice bob\n")
    g = load_edgelist(path)
    assert g.labels.tolist() == ["alice", "bob", "carol"]
    assert labelled_edge_set(g) == {("alice", "bob"), ("bob", "carol"), ("carol", "alice")}
    u = load_edgelist(path, directed=False)
    assert u.n_edges == 6
    assert_reciprocal(u)
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("1,x\n2,1\n")
    m = load_edgelist(mixed)
    assert m.labels.tolist() == ["1", "2", "x"]
    assert labelled_edge_set(m) == {("1", "x"), ("2", "1")}


def test_fast_path_and_line_parser_agree(tmp_path, monkeypatch):
    r = rng(15)
    s = r.integers(0, 5000, 30_000)
    d = r.integers(0, 5000, 30_000)
    path = tmp_path / "big.csv"
    path.write_text("source,target\n" + "".join(f"{a},{b}\n" for a, b in zip(s, d, strict=True)))
    spath = tmp_path / "big_str.tsv"
    spath.write_text("".join(f"n{a}\tn{b}\n" for a, b in zip(s, d, strict=True)))
    fast = [load_edgelist(path), load_edgelist(spath)]

    def no_line_parser(*args, **kwargs):
        raise AssertionError("the fast path should have handled this file")

    monkeypatch.setattr(gio, "_read_lines", no_line_parser)
    load_edgelist(path)  # proves the fast path is taken
    monkeypatch.undo()

    def no_fast_path(*args, **kwargs):
        raise gio._FastPathFailed

    monkeypatch.setattr(gio, "_read_pyarrow", no_fast_path)
    slow = [load_edgelist(path), load_edgelist(spath)]
    for a, b in zip(fast, slow, strict=True):
        assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
        assert a.labels.tolist() == b.labels.tolist()


def test_malformed_line_names_file_and_line(tmp_path):
    path = tmp_path / "edges.csv"
    lines = [f"{i},{i + 1}" for i in range(1, 17)] + ["a,b,c,d"] + ["20,21"]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(GraphError) as info:
        load_edgelist(path)
    msg = str(info.value)
    assert f"{path}:17:" in msg and "'a,b,c,d'" in msg and "\n" not in msg
    one = tmp_path / "one.txt"
    one.write_text("# header comment\n1 2\n3\n4 5\n")
    with pytest.raises(GraphError, match=r"one\.txt:3: expected two node ids, got '3'"):
        load_edgelist(one)
    empty_id = tmp_path / "empty.csv"
    empty_id.write_text("1,2\n,3\n")
    with pytest.raises(GraphError, match=r"empty\.csv:2: empty node id"):
        load_edgelist(empty_id)


def test_missing_or_empty_edge_list(tmp_path):
    with pytest.raises(GraphError, match="nope.csv not found"):
        load_edgelist(tmp_path / "nope.csv")
    blank = tmp_path / "blank.csv"
    blank.write_text("# nothing here\n\n")
    with pytest.raises(GraphError, match="no edges"):
        load_edgelist(blank)
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"1,2\n\xff\xfe,3\n")
    with pytest.raises(GraphError, match=r"bin\.csv:2: not UTF-8"):
        load_edgelist(binary)


# --------------------------------------------------------------------------- networkx / GraphML


def test_networkx_round_trip():
    G = nx.karate_club_graph()  # undirected, attribute "club"
    g = from_networkx(G)
    assert g.n == 34 and g.n_edges == 2 * G.number_of_edges()
    assert_reciprocal(g)
    assert g.labels.tolist() == list(range(34))
    back = g.to_networkx()
    assert set(back.edges()) == {e for u, v in G.edges() for e in ((u, v), (v, u))}
    D = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("a", "a")])
    gd = from_networkx(D)
    assert gd.n_edges == 3 and gd.labels.tolist() == ["a", "b", "c"]
    assert set(gd.to_networkx().edges()) == {("a", "b"), ("b", "c"), ("c", "a")}
    sbm = nx.stochastic_block_model([30, 40], [[0.3, 0.01], [0.01, 0.3]], seed=1)
    gs = from_networkx(sbm)
    assert gs.community.tolist() == [0] * 30 + [1] * 40


def test_graphml_round_trip(tmp_path):
    g = communities(500, 4, n_communities=5, homophily=0.9, rng=rng(16))
    path = tmp_path / "g.graphml"
    nx.write_graphml(g.to_networkx(), path)
    back = load_graphml(path)
    assert back.labels.tolist() == list(range(500))  # GraphML ids "0".."499" come back as ints
    assert np.array_equal(back.indptr, g.indptr) and np.array_equal(back.indices, g.indices)
    assert np.array_equal(back.community, g.community)
    und = tmp_path / "u.graphml"
    nx.write_graphml(nx.cycle_graph(["x", "y", "z"]), und)
    gu = load_graphml(und)
    assert gu.n_edges == 6 and gu.labels.tolist() == ["x", "y", "z"]
    bad = tmp_path / "bad.graphml"
    bad.write_text("<graphml><graph>")
    with pytest.raises(GraphError, match="bad.graphml: not a valid GraphML"):
        load_graphml(bad)
    with pytest.raises(GraphError, match="not found"):
        load_graphml(tmp_path / "missing.graphml")
