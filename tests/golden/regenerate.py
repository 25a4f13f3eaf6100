"""Regenerate the golden reference outputs after a deliberate change to the model.

    python tests/golden/regenerate.py

Review the diff of tests/golden/*.csv before committing it: every changed number is a changed result.
"""

from __future__ import annotations

import csv
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


def main() -> None:
    for name, (path, replications) in CASES.items():
        with (HERE / f"{name}.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(FIELDS)
            writer.writerows(rows(path, replications))
        print(f"wrote {HERE / f'{name}.csv'}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
