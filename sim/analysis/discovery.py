"""Scenario discovery on a sweep or a run with sampled inputs: PRIM boxes and feature scores.

Every replication is a case (``sim.analysis.cases``). Its inputs are the sweep point's varied values
(``points.parquet``) and every sampled parameter that varies (the dotted-path columns of
``outcomes.parquet``). A condition on an outcome (``COLUMN OP NUMBER``, ``sim.analysis.conditions``)
marks the cases of interest; EMA Workbench's PRIM peels and pastes a box over the inputs, and one box of
its trajectory is chosen: by default the one with the most coverage whose density reaches the threshold
(``sim.analysis.prim_box``). Feature scores (EMA Workbench's extra-trees scoring, fixed random state)
rank the inputs for every outcome. This module scores the features and writes the files; it also names
what ``sim discover`` uses from the others, so ``sim.analysis.discovery`` is the one place to read it by.

The library is the ``discover`` extra; it is imported only when needed.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np

import sim
from sim.analysis.cases import Cases, read_cases
from sim.analysis.conditions import OPERATORS, Condition, describe_condition, number, parse_condition
from sim.analysis.outcomes import WITHDRAWAL_BEGAN_BY
from sim.analysis.prim_box import (
    MAIN_CUT,
    Box,
    Discovery,
    Limit,
    box_sentence,
    choose_box,
    library,
    library_version,
    run_prim,
)
from sim.results.writing import write_csv, write_json
from sim.scenario.schema import Scenario

__all__ = [
    "MAIN_CUT",
    "OPERATORS",
    "SCORED_PREFIXES",
    "Box",
    "Cases",
    "Condition",
    "Discovery",
    "Limit",
    "box_record",
    "box_sentence",
    "choose_box",
    "describe_condition",
    "feature_scores",
    "library",
    "library_version",
    "number",
    "outcome_values",
    "parse_condition",
    "read_cases",
    "run_prim",
    "save",
    "scored_outcomes",
]

SCORED_PREFIXES = ("final_area_km2", "area_km2_on_", "day_below_", "casualties_")


def outcome_values(cases: Cases, column: str) -> np.ndarray:
    """Return one value per case of an outcome, stored or derived: ``cases.values(column)``.

    Raises:
        InputError: As ``sim.analysis.outcomes.outcome_values``.
    """
    return cases.values(column)


def scored_outcomes(cases: Cases) -> dict[str, np.ndarray]:
    """Return the outcomes to score that vary: areas, days below, withdrawal by the end, casualties."""
    chosen = [name for name in cases.outcomes if name.startswith(SCORED_PREFIXES)]
    if "withdrawal_day" in cases.outcomes:
        by_end = f"{WITHDRAWAL_BEGAN_BY}end"
        chosen.insert(len([c for c in chosen if not c.startswith("casualties_")]), by_end)
    values = {name: cases.values(name) for name in chosen}
    return {name: v for name, v in values.items() if np.nanmax(v) > np.nanmin(v)}


def feature_scores(
    inputs: dict[str, np.ndarray], outcomes: dict[str, np.ndarray], seed: int = 0
) -> np.ndarray:
    """Return extra-trees feature scores, one row per input and one column per outcome.

    EMA Workbench's ``get_feature_scores_all`` with its defaults (100 trees, a third of the inputs per
    split, leaves growing with the square root of the cases), ``random_state=seed``.
    """
    import pandas as pd

    _, scoring = library()
    x = pd.DataFrame({name: np.asarray(values, dtype=np.float64) for name, values in inputs.items()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = scoring.get_feature_scores_all(
            x, outcomes, max_features=max(1, round(x.shape[1] / 3)), random_state=seed
        )
    return np.asarray(table.reindex(index=list(inputs), columns=list(outcomes)).to_numpy(), dtype=float)


# --- files -------------------------------------------------------------------------------------


def box_record(discovery: Discovery, scenario: Scenario, names: dict[str, str]) -> dict[str, Any]:
    """Return what ``box.json`` holds: the condition, the chosen box, its limits and PRIM's settings."""
    box = discovery.box

    def qp(value: float | None) -> float | None:
        return None if value is None or math.isnan(value) else value

    limits = [
        {
            "input": limit.name,
            "short_name": names.get(limit.name, limit.name),
            "lower": limit.low if limit.qp_low is not None else None,
            "upper": limit.high if limit.qp_high is not None else None,
            "minimum": limit.minimum,
            "maximum": limit.maximum,
            "share_of_range_cut": limit.cut,
            "quasi_p_lower": qp(limit.qp_low),
            "quasi_p_upper": qp(limit.qp_high),
        }
        for limit in box.limits
    ]
    return {
        "package_version": sim.__version__,
        "condition": str(discovery.condition),
        "condition_in_words": describe_condition(discovery.condition, scenario),
        "runs": discovery.total,
        "runs_meeting_condition": discovery.of_interest,
        "box": box.index,
        "chosen_by": discovery.chosen_by,
        "coverage": box.coverage,
        "density": box.density,
        "mass": box.mass,
        "runs_in_box": box.cases,
        "runs_in_box_meeting_condition": box.of_interest,
        "limits": limits,
        "sentence": box_sentence(discovery, scenario, names),
        "prim": {
            "library": "ema_workbench",
            "peel_alpha": discovery.peel_alpha,
            "mass_min": discovery.mass_min,
            "density_threshold": discovery.threshold,
        },
    }


def save(
    out: Path,
    discovery: Discovery,
    scenario: Scenario,
    names: dict[str, str],
    scores: tuple[list[str], list[str], np.ndarray] | None,
) -> list[Path]:
    """Write ``prim_trajectory.csv``, ``box.json`` and ``feature_scores.csv``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "prim_trajectory.csv", out / "box.json"]
    chosen = discovery.box.index
    write_csv(written[0], [{**row, "chosen": int(row["box"] == chosen)} for row in discovery.trajectory])
    write_json(written[1], box_record(discovery, scenario, names))
    if scores is not None:
        inputs, outcomes, matrix = scores
        written.append(out / "feature_scores.csv")
        write_csv(
            written[-1],
            [
                {"input": name, **{o: float(v) for o, v in zip(outcomes, row, strict=True)}}
                for name, row in zip(inputs, matrix, strict=True)
            ],
        )
    return written
