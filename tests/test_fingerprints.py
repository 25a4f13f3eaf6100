"""Every shipped scenario gives the results it gave when its fingerprint was stored.

A change meant to leave results alone (a faster model, a refactoring) must leave the digest of 40
replications of every scenario the project ships as it is (tests/golden/fingerprints.json): the daily
arrays, the withdrawal, the sampled parameters and the event trace. A deliberate change to the model
regenerates them (``python tests/golden/regenerate.py``) and says so.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "golden"
spec = importlib.util.spec_from_file_location("regenerate", HERE / "regenerate.py")
assert spec is not None and spec.loader is not None
regenerate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(regenerate)
REPO = Path(__file__).resolve().parent.parent
STORED: dict[str, str] = json.loads(regenerate.FINGERPRINTS.read_text(encoding="utf-8"))


def test_every_shipped_scenario_has_a_stored_fingerprint() -> None:
    shipped = {str(path.relative_to(REPO)) for path in regenerate.shipped_scenarios()}
    assert shipped == set(STORED), "run tests/golden/regenerate.py: the shipped scenarios changed"


@pytest.mark.slow
@pytest.mark.parametrize("scenario", sorted(STORED))
def test_a_shipped_scenario_gives_the_results_it_gave(scenario: str) -> None:
    count, seed = regenerate.FINGERPRINT_REPLICATIONS, regenerate.FINGERPRINT_SEED
    assert regenerate.digest(REPO / scenario, count) == STORED[scenario], (
        f"{scenario}: {count} replications (seed {seed}) no longer give the stored results; "
        "if the model changed on purpose, run tests/golden/regenerate.py"
    )
