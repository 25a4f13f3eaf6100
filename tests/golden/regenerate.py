"""Regenerate the golden reference outputs after a deliberate change to the model.

    python tests/golden/regenerate.py

Review the diff of tests/golden/*.csv before committing it: every changed number is a changed result.
``fingerprints.json`` holds a digest of 40 replications of every shipped scenario (daily arrays,
withdrawal, sampled parameters, the event trace of every second one): a change meant to leave results
alone (a faster model) must leave every digest as it is.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np

from sim.batch.seeding import replication_seed
from sim.model.replication import Replication
from sim.scenario import load_scenario

HERE = Path(__file__).parent
CASES = {
    "small": (HERE.parent / "scenarios" / "small.yaml", 8),
    "kursk_2024": (HERE.parent.parent / "scenarios" / "kursk_2024.yaml", 4),
    "donetsk_2024": (HERE.parent.parent / "scenarios" / "donetsk_2024.yaml", 4),
}
FIELDS = [
    "replication",
    "day",
    "area_km2",
    "strength_0",
    "strength_1",
    "casualties_0",
    "casualties_1",
    "supply_0",
    "supply_1",
]
FINGERPRINT_REPLICATIONS = 40
FINGERPRINT_SEED = 11
FINGERPRINTS = HERE / "fingerprints.json"
EVERY = 10  # keep every tenth day: enough to catch any change, small enough to read in a diff


def rows(scenario_path: Path, replications: int) -> list[list[str]]:
    """Return the reference rows of a scenario: seed 0, every tenth day of each replication."""
    scenario = load_scenario(scenario_path)
    out = []
    for i in range(replications):
        trajectory = Replication(scenario, replication_seed(0, i)).run()
        for day in range(0, len(trajectory.area_km2), EVERY):
            values = [
                trajectory.area_km2[day],
                *trajectory.strength[:, day],
                *trajectory.casualties[:, day],
                *trajectory.supply[:, day],
            ]
            out.append([str(i), str(day), *(repr(float(v)) for v in values)])
        withdrawal = -1.0 if trajectory.withdrawal_day is None else trajectory.withdrawal_day
        out.append(
            [str(i), "withdrawal", repr(float(withdrawal)), str(trajectory.withdrawal_reason), *[""] * 5]
        )
    return out


def shipped_scenarios() -> list[Path]:
    """Return every scenario the project ships (scenarios/, its variants and campaigns), sorted."""
    root = HERE.parent.parent / "scenarios"
    return sorted(
        [*root.glob("*.yaml"), *(root / "variants").glob("*.yaml"), *(root / "campaigns").glob("*.yaml")]
    )


def digest(scenario_path: Path, replications: int, seed: int = FINGERPRINT_SEED) -> str:
    """Return a SHA-256 of every output of ``replications`` replications (every second one traced)."""
    scenario = load_scenario(scenario_path)
    hashed = hashlib.sha256()
    for index in range(replications):
        trajectory = Replication(scenario, replication_seed(seed, index), trace=index % 2 == 0).run()
        for array in (
            trajectory.area_km2,
            trajectory.sector_area_km2,
            trajectory.strength,
            trajectory.casualties,
            trajectory.supply,
            trajectory.sector_casualties,
        ):
            hashed.update(np.ascontiguousarray(array).tobytes())
        hashed.update(repr((trajectory.withdrawal_day, trajectory.withdrawal_reason)).encode())
        hashed.update(repr(sorted(trajectory.parameters.items())).encode())
        events = [
            (event.day, event.sector, event.kind, event.side, event.subject, sorted(event.numbers.items()))
            for event in trajectory.events
        ]
        hashed.update(repr(events).encode())
    return hashed.hexdigest()


def fingerprints() -> dict[str, str]:
    """Return the digest of every shipped scenario, by its path under the repository."""
    root = HERE.parent.parent
    return {
        str(path.relative_to(root)): digest(path, FINGERPRINT_REPLICATIONS) for path in shipped_scenarios()
    }


def main() -> None:
    for name, (path, replications) in CASES.items():
        with (HERE / f"{name}.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(FIELDS)
            writer.writerows(rows(path, replications))
        print(f"wrote {HERE / f'{name}.csv'}")
    FINGERPRINTS.write_text(json.dumps(fingerprints(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {FINGERPRINTS}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
