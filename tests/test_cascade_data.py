"""Cascade data in (issue 15, item 1): the table format, Weibo DeepHawkes, sizes only, errors."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from sim.checks.theory import DATA_DIR
from sim.cli import main
from sim.data import load_cascades
from sim.errors import BuzzsimError, DataError

TABLE = """cascade,node,parent,delay_min,label
a,0,-1,0,true
a,1,0,5,true
a,2,1,30,true
a,3,0,90,true
b,0,,0,false
b,2,0,2.5,false
b,1,0,1,false
"""


def write(tmp_path, name, text):
    p = tmp_path / name
    if name.endswith(".gz"):
        with gzip.open(p, "wt") as f:
            f.write(text)
    else:
        p.write_text(text)
    return p


def test_table_format_reads_trees_and_attributes(tmp_path):
    d = load_cascades(write(tmp_path, "c.csv", TABLE))
    assert d.kind == "trees" and d.n_cascades == 2
    assert d.sizes.to_dict() == {"a": 4, "b": 3}
    b = d.nodes[d.nodes.cascade == "b"]
    assert b.node.tolist() == [0, 1, 2]  # ordered by delay
    assert b.parent.tolist() == [-1, 0, 0]  # empty parent = original
    assert d.attributes().loc["b", "label"] == "false"
    assert d.within(1.0).sizes.to_dict() == {"a": 3, "b": 3}
    assert d.at_least(4).sizes.to_dict() == {"a": 4}


def test_parquet_and_gzip_and_no_parent(tmp_path):
    df = pd.read_csv(write(tmp_path, "c.csv", TABLE), dtype={"parent": "Int64"})
    df.to_parquet(tmp_path / "c.parquet")
    assert load_cascades(tmp_path / "c.parquet").sizes.to_dict() == {"a": 4, "b": 3}
    assert load_cascades(write(tmp_path, "c.csv.gz", TABLE)).kind == "trees"
    timing = "\n".join(",".join(x for i, x in enumerate(r.split(",")) if i != 2) for r in TABLE.splitlines())
    d = load_cascades(write(tmp_path, "t.csv", timing + "\n"))
    assert d.kind == "timing" and "parent" not in d.nodes.columns


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("cascade,node,parent\na,0,-1\n", "line 1: missing column delay_min"),
        ("cascade,node,parent,delay_min\na,0,-1,0\na,x,0,4\n", "line 3, column node: expected a number"),
        ("cascade,node,parent,delay_min\na,0,-1,0\na,1,0,-4\n", "line 3, column delay_min: must be >= 0"),
        ("cascade,node,parent,delay_min\na,0,-1,0\na,1,7,4\n", "line 3, column parent: node 7 is not a node"),
        ("cascade,node,parent,delay_min\na,0,-1,0\na,1,0,4\na,1,0,5\n", "line 4, column node: node 1 appears twice"),
        ("cascade,node,parent,delay_min\na,1,0,4\n", "line 2, column cascade: cascade a has no node 0"),
        ("cascade,node,parent,delay_min\na,0,-1,3\n", "line 2, column delay_min: node 0 is the original"),
        ("cascade,node,parent,delay_min\na,0,-1,0\na,1,2,4\na,2,0,9\n", "line 3, column parent: node 1 (delay 4 min)"),
        ("cascade,node,parent,delay_min\na,0,-1,0\na,1,2,4\na,2,1,4\n", "does not lead back to node 0"),
        ("cascade,node,parent,delay_min\na,0,-1,0\na,1.5,0,4\n", "line 3, column node: expected an integer"),
        ("user,whatever\n1,2\n", "line 1: missing columns cascade, node, delay_min"),
        ("user,size\n1,2\n2,0\n", "line 3, column size: must be >= 1"),
    ],
)
def test_malformed_table_is_one_line_naming_file_line_column(tmp_path, text, where):
    p = write(tmp_path, "bad.csv", text)
    with pytest.raises(DataError) as e:
        load_cascades(p)
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(str(p)) and where in msg, msg
    assert isinstance(e.value, BuzzsimError)


WEIBO = (
    "7\t1\t1464739201\t4\t1:0 1/2:60 1/2/3:600 1/4:120\n"
    "8\t5\t1464782401\t3\t5:0 5/6:30 5/6/7:3600 5/7:4000\n"
)


def test_weibo_format(tmp_path):
    d = load_cascades(write(tmp_path, "w.txt", WEIBO))
    assert d.kind == "trees" and d.sizes.to_dict() == {"7": 4, "8": 3}
    c7 = d.nodes[d.nodes.cascade == "7"]
    assert c7.delay_min.tolist() == [0, 1, 2, 10] and c7.parent.tolist() == [-1, 0, 0, 1]
    assert d.start_hour.to_dict() == pytest.approx({"7": 8.0 + 1 / 3600, "8": 20.0 + 1 / 3600})
    assert any("repeated" in n for n in d.notes)  # user 7 of cascade 8 counted once, earliest


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("9\t1\t1464739201\t4\n", "line 1: expected 5 tab-separated columns"),
        ("9\t1\tnoon\t2\t1:0 1/2:60\n", "line 1, column 3 (publish time)"),
        ("9\t1\t1464739201\t2\t1:0 1/2:6x0\n", "line 1, column 5 (paths), path 2"),
        ("9\t1\t1464739201\t2\t1:0 9/2:60\n", "path 2: starts at user 9"),
        ("9\t1\t1464739201\t2\t1:0 1/3/2:60\n", "user 2 shared from 3, who is not in the cascade"),
    ],
)
def test_malformed_weibo(tmp_path, text, where):
    p = write(tmp_path, "w.txt", WEIBO + text)
    with pytest.raises(DataError) as e:
        load_cascades(p)
    assert where.replace("line 1", "line 3") in str(e.value) and str(p) in str(e.value)


def test_sizes_table(tmp_path):
    d = load_cascades(write(tmp_path, "s.csv.gz", "user,distinct_retweeters\n1,10\n2,1\n"))
    assert d.kind == "sizes" and d.sizes.tolist() == [11, 2] and d.nodes is None
    d = load_cascades(write(tmp_path, "s2.csv", "cascade,size\nx,3\n"))
    assert d.sizes.to_dict() == {"x": 3}


def test_cli_error_exit_2(tmp_path, capsys):
    p = write(tmp_path, "bad.csv", "cascade,node,parent,delay_min\na,0,-1,0\na,1,0,soon\n")
    assert main(["validate", "--data", str(p), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "line 3, column delay_min" in err


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_cascades(tmp_path / "nope.csv")


@pytest.mark.skipif(not (DATA_DIR / "weibo_cascades_sample.txt").exists(), reason="shared data absent")
def test_shared_files_load():
    w = load_cascades(DATA_DIR / "weibo_cascades_sample.txt")
    assert w.n_cascades == 30 and w.kind == "trees"
    h = load_cascades(DATA_DIR / "higgs_retweeters_per_user.csv.gz")
    assert h.kind == "sizes" and h.n_cascades == 41_426 and int(h.sizes.max()) == 14_061
    assert np.all(h.sizes >= 2)
