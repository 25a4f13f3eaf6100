"""Where each lever of a study fails: PRIM over the futures in which it misses a goal.

The cases are the study's futures, the inputs their uncertainties' values, and the cases of interest
those in which the lever misses at least one goal. PRIM (``sim.analysis.discovery.run_prim``, EMA
Workbench's implementation, the ``discover`` extra) peels a box over the uncertainties; the box with the
most coverage whose density reaches the threshold is chosen, and said in words: "no_change misses a
goal in 91% of the futures in which advance_km is at least 0.62 and readiness_days at most 31".
A lever that misses in no future, or in every one, has no box, and its sentence says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.analysis.conditions import Condition
from sim.analysis.prim_box import MAIN_CUT, Box, run_prim

DENSITY = 0.8
"""The least density of the chosen box (as ``sim discover``'s default)."""
PEEL_ALPHA = 0.05
MASS_MIN = 0.05


@dataclass(frozen=True)
class Failure:
    """Where one lever misses its goals.

    Attributes:
        lever: The lever.
        futures: The study's futures.
        failed: The futures in which it misses at least one goal (a boolean per future).
        box: PRIM's chosen box (None if it fails in no future or in all of them).
        chosen_by: How the box was chosen.
        trajectory: PRIM's peeling trajectory (empty without a box).
        sentence: Where it fails, in words.
    """

    lever: str
    futures: int
    failed: np.ndarray
    box: Box | None
    chosen_by: str
    trajectory: list[dict[str, float]]
    sentence: str

    @property
    def count(self) -> int:
        """The number of futures in which the lever misses a goal."""
        return int(self.failed.sum())

    def record(self, names: Mapping[str, str]) -> dict[str, Any]:
        """Return the failure as JSON-ready data (``failures.json``)."""
        box = self.box
        data: dict[str, Any] = {
            "lever": self.lever,
            "futures": self.futures,
            "futures_failed": self.count,
            "share_failed": self.count / self.futures if self.futures else None,
            "sentence": self.sentence,
            "box": None,
        }
        if box is not None:
            data["box"] = {
                "index": box.index,
                "chosen_by": self.chosen_by,
                "coverage": box.coverage,
                "density": box.density,
                "mass": box.mass,
                "futures_in_box": box.cases,
                "futures_in_box_failed": box.of_interest,
                "limits": [
                    {
                        "uncertainty": limit.name,
                        "short_name": names.get(limit.name, limit.name),
                        "lower": limit.low if limit.qp_low is not None else None,
                        "upper": limit.high if limit.qp_high is not None else None,
                        "minimum": limit.minimum,
                        "maximum": limit.maximum,
                        "share_of_range_cut": limit.cut,
                        "quasi_p_lower": limit.qp_low,
                        "quasi_p_upper": limit.qp_high,
                    }
                    for limit in box.limits
                ],
            }
        return data


def lever_failure(
    lever: str,
    inputs: Mapping[str, np.ndarray],
    failed: np.ndarray,
    names: Mapping[str, str],
    threshold: float = DENSITY,
) -> Failure:
    """Find the futures in which a lever misses a goal, as a PRIM box over the uncertainties.

    Args:
        lever: The lever's name.
        inputs: Each uncertainty's value per future (dotted path to an array of futures).
        failed: Whether the lever misses at least one goal in each future.
        names: Short names of the uncertainties, for the sentence.
        threshold: The least density of the chosen box.

    Raises:
        InputError: If the ``discover`` extra (EMA Workbench) is not installed.
    """
    failed = np.asarray(failed, dtype=bool)
    futures, count = failed.size, int(failed.sum())
    if count == 0:
        return Failure(
            lever, futures, failed, None, "", [], f"{lever} meets every goal in all {futures} futures."
        )
    if count == futures:
        return Failure(
            lever, futures, failed, None, "", [], f"{lever} misses a goal in all {futures} futures."
        )
    varying = {name: np.asarray(v, dtype=float) for name, v in inputs.items() if np.ptp(v) > 0}
    if not varying:
        share = f"{lever} misses a goal in {count} of {futures} futures ({count / futures:.0%})"
        return Failure(lever, futures, failed, None, "", [], f"{share}; no uncertainty varies across them.")
    condition = Condition(f"{lever}_misses_a_goal", "==", 1.0)
    found = run_prim(varying, failed, condition, threshold, None, PEEL_ALPHA, MASS_MIN)
    sentence = failure_sentence(lever, futures, count, found.box, names)
    return Failure(lever, futures, failed, found.box, found.chosen_by, found.trajectory, sentence)


def failure_sentence(lever: str, futures: int, count: int, box: Box, names: Mapping[str, str]) -> str:
    """Return where a lever fails in one sentence, naming the limits that cut at least 10% of a range."""
    share = f"{lever} misses a goal in {count} of {futures} futures ({count / futures:.0%})"
    if not box.limits:
        return (
            f"{share}, across the whole range of the uncertainties: PRIM's box limits none of them "
            f"(its density, {box.density:.0%}, already reaches the threshold)."
            if box.density >= DENSITY
            else f"{share}; PRIM found no region of the uncertainties where it fails more often."
        )
    main = [limit for limit in box.limits if limit.cut >= MAIN_CUT] or list(box.limits[:1])
    said = [limit.words(names.get(limit.name)) for limit in main]
    listed = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
    rest = len(box.limits) - len(main)
    more = f" (and {rest} slighter limit{'s' if rest > 1 else ''})" if rest else ""
    return (
        f"{share}; it misses one in {box.density:.0%} of the futures (density) when {listed}{more}, futures "
        f"that hold {box.coverage:.0%} of its misses (coverage) and are {box.mass:.0%} of all (mass)."
    )
