"""Bad scenarios give one clear line: the file, the key path, the value, what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import BuzzsimError, ScenarioError
from sim.scenario.load import load_scenario

# (scenario text, substrings the one-line message must contain)
BAD = {
    "toml syntax": ("[graph]\nn = 20 000\n", ["invalid TOML at line 2, column", "n = 20 000"]),
    "toml duplicate key": ("[run]\nseed = 1\nseed = 2\n", ["invalid TOML", "line 3"]),
    "unterminated string": ('description = "abc\n', ["invalid TOML at line 1"]),
    "unknown key": ("[graph]\nmean_dgree = 3\n", ["unknown key graph.mean_dgree",
                                                   "did you mean graph.mean_degree?"]),
    "key in wrong section": ("[graph]\nseed = 3\n", ["unknown key graph.seed",
                                                     "did you mean run.seed?"]),
    "unknown section": ("[grpah]\nn = 3\n", ["unknown key grpah", "did you mean graph?"]),
    "out of range": ("[population]\nactivity_mean = 1.5\n",
                     ["population.activity_mean = 1.5", "out of range",
                      "0 < activity_mean <= 1"]),
    "negative count": ("[graph]\nn = -5\n", ["graph.n = -5", "1 <= n <= 200000000"]),
    "bad choice": ('[crisis]\nstrategy = "apologise"\n',
                   ['crisis.strategy = "apologise"', "expected one of", '"deny"',
                    'did you mean "apologize"?']),
    "wrong type": ('[graph]\nn = "many"\n', ['graph.n = "many"', "expected an integer"]),
    "quoted number": ('[graph]\nn = "2000"\n', ['graph.n = "2000" is a string',
                                               "without quotes"]),
    "bool for number": ("[graph]\nn = true\n", ["graph.n = true", "expected an integer"]),
    "fraction for int": ("[run]\nreplicates = 2.5\n", ["run.replicates = 2.5",
                                                       "expected an integer"]),
    "union": ('[[messages]]\norigin = "nobody"\n',
              ['messages.0.origin = "nobody"', '"customer" or an integer']),
    "messages as table": ("[messages]\nvirality = 1\n", ["write [[messages]], not [messages]"]),
    "variants as table": ('[variants]\nname = "a"\n', ["write [[variants]], not [variants]"]),
    "section as value": ("graph = 3\n", ["graph = 3 must be a table"]),
    "cross-field rule": ("[graph]\nn = 10\nmean_degree = 20\n",
                         ["graph.mean_degree (20.0) must be below graph.n (10)"]),
    "several errors": ("[graph]\nn = 0\nkind = \"x\"\nnn = 1\n",
                       ["unknown key graph.nn", "(and 2 more)"]),
    "variant unknown key": ('[[variants]]\nname = "slow"\n"crisis.aproval_delay_h" = 3\n',
                            ["variant 'slow'", "unknown key crisis.aproval_delay_h",
                             "did you mean crisis.approval_delay_h?"]),
    "variant nested unknown key": ('[[variants]]\nname = "slow"\ncrisis.aproval_delay_h = 3\n',
                                   ["variant 'slow'", "did you mean crisis.approval_delay_h?"]),
    "variant bad value": ('[[variants]]\nname = "v"\n"crisis.approval_delay_h" = -3\n',
                          ["variant 'v'", "crisis.approval_delay_h = -3", "0 <= approval_delay_h <= 87600"]),
    "variant index out of range": ('[[variants]]\nname = "v"\nmessages.1.virality = 2\n',
                                   ["variant 'v'", "messages.1", "index 1 out of range"]),
    "variant unknown message": ('[[variants]]\nname = "v"\nmessages.ad.virality = 2\n',
                                ["variant 'v'", "no item named 'ad'"]),
    "variant below a value": ('[[variants]]\nname = "v"\nrun.seed.x = 2\n',
                              ["run.seed"]),
    "variant fixed key": ('[[variants]]\nname = "v"\n"run.replicates" = 2\n',
                          ["run.replicates cannot be set in a variant"]),
    "duplicate variant names": ('[[variants]]\nname = "a"\n[[variants]]\nname = "a"\n',
                                ["two variants are named 'a'"]),
    "variant bad topic": ('[[variants]]\nname = "v"\n"messages.0.topic" = "hot"\n',
                          ['messages.0.topic = "hot"', 'did you mean "hot_topic"?']),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenario_one_line(tmp_path: Path, case: str) -> None:
    text, expected = BAD[case]
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(f"{path}: "), msg
    for part in expected:
        assert part in msg, f"{part!r} not in {msg!r}"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BuzzsimError, match="scenario file not found: .*nope.toml"):
        load_scenario(tmp_path / "nope.toml")


def test_folder_is_not_a_scenario(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="is a folder"):
        load_scenario(tmp_path)


def test_not_utf8(tmp_path: Path) -> None:
    p = tmp_path / "bin.toml"
    p.write_bytes(b"name = 'x'\n\xff\xfe")
    with pytest.raises(ScenarioError, match="not a UTF-8 text file .*line 2"):
        load_scenario(p)


def test_dict_errors_have_no_file_prefix() -> None:
    with pytest.raises(ScenarioError, match=r"^graph\.n = 0 is out of range"):
        load_scenario({"graph": {"n": 0}})


def test_scenario_files_are_never_evaluated(tmp_path: Path) -> None:
    p = tmp_path / "evil.toml"
    p.write_text("name = \"__import__('os').system('false')\"\n[graph]\nn = 300\nmean_degree = 3\n")
    assert load_scenario(p).name.startswith("__import__")
