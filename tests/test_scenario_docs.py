"""docs/scenarios.md documents every key of the schema and its library scenarios load."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario import schema as S

DOC = Path(__file__).resolve().parents[1] / "docs" / "scenarios.md"

#: list sections: ``[[name]]`` in the docs
LISTS = ("messages", "platforms", "trending.buy")


@pytest.mark.parametrize("section", sorted(S.SECTIONS))
def test_every_key_is_documented(section):
    text = DOC.read_text()
    head = f"### `[[{section}]]`" if section in LISTS else f"### `[{section}]`"
    assert head in text, f"{head} missing from {DOC.name}"
    body = text.split(head, 1)[1].split("\n### ", 1)[0]
    missing = [k for k in S.SECTIONS[section].model_fields if f"| `{k}` |" not in body]
    assert not missing, (
        f"{DOC.name} [{section}] lacks {missing}: regenerate its tables from the schema "
        "(sim.scenario.load.field_rows)"
    )


def test_topic_presets_are_documented():
    text = DOC.read_text()
    for name in S.TOPIC_PRESETS:
        assert f"| `{name}` |" in text


def test_toml_examples_in_the_docs_load():
    import re
    import tomllib

    from sim.scenario.load import load_scenario

    blocks = re.findall(r"```toml\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert len(blocks) >= 10
    for block in blocks:
        load_scenario(tomllib.loads(block))
