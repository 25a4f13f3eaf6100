"""Back tests against stored reference output: the same seed must give the same numbers as when the
reference was made. A deliberate model change regenerates them (tests/golden/regenerate.py) and the diff
of the CSV files shows every result it changed."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "golden"
spec = importlib.util.spec_from_file_location("regenerate", HERE / "regenerate.py")
assert spec and spec.loader
regenerate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(regenerate)


@pytest.mark.parametrize("name", sorted(regenerate.CASES))
def test_results_match_the_stored_reference(name: str) -> None:
    path, replications = regenerate.CASES[name]
    with (HERE / f"{name}.csv").open(newline="") as handle:
        stored = list(csv.reader(handle))[1:]
    fresh = regenerate.rows(path, replications)
    assert len(fresh) == len(stored)
    for expected, actual in zip(stored, fresh, strict=True):
        assert actual[:2] == expected[:2]
        if actual[1] == "withdrawal":
            assert actual[2:4] == expected[2:4], f"replication {actual[0]}: withdrawal changed"
            continue
        for column, (want, got) in enumerate(zip(expected[2:], actual[2:], strict=True), start=2):
            assert float(got) == pytest.approx(float(want), rel=1e-12, abs=1e-9), (
                f"{name}: replication {actual[0]}, day {actual[1]}, {regenerate.FIELDS[column]}: "
                f"stored {want}, now {got}"
            )
