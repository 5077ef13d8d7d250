"""The tactic registry (sim.model.tactics.registry): every tactic declares real schema
keys and distinct outputs, and the run summary carries each declared output."""

from __future__ import annotations

import pytest

from sim.model.tactics import TACTICS, Tactic
from sim.scenario.build import schema_paths


def _known(key: str, paths: set[str]) -> bool:
    section, _, rest = key.partition(".")
    return key in paths or f"{section}.0.{rest}" in paths


@pytest.mark.parametrize("cls", TACTICS, ids=lambda c: c.name)
def test_tactic_declares_schema_keys(cls: type[Tactic]):
    paths = set(schema_paths())
    assert cls.name and cls.parameters
    unknown = [k for k in cls.parameters if not _known(k, paths)]
    assert unknown == []


def test_names_and_outputs_are_distinct():
    names = [c.name for c in TACTICS]
    outputs = [o for c in TACTICS for o in c.outputs]
    assert len(set(names)) == len(names) and len(set(outputs)) == len(outputs)


def test_the_check_sees_a_typo():
    assert not _known("brand.no_such_key", set(schema_paths()))
    assert _known("messages.repeats", set(schema_paths()))
