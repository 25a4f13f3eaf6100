"""PRIM (the patient rule induction method) over the cases' inputs: a trajectory of boxes and one chosen.

EMA Workbench's PRIM peels and pastes a box over the inputs around the cases of interest (those meeting
a condition); one box of its trajectory is chosen, by default the one with the most coverage whose
density reaches the threshold, and said in a sentence. The library is the ``discover`` extra; it is
imported only when needed.
"""

from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from sim.analysis.conditions import Condition, describe_condition, number
from sim.errors import InputError, missing_extra
from sim.scenario.schema import Scenario

MAIN_CUT = 0.10
"""A box limit that removes at least this share of an input's range is named in the sentence."""


def library() -> tuple[ModuleType, ModuleType]:
    """Return EMA Workbench's ``prim`` and ``feature_scoring`` modules.

    Raises:
        InputError: If the ``discover`` extra is not installed.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # optional parts it lacks (ipyparallel, altair)
            from ema_workbench.analysis import feature_scoring, prim
    except ImportError:
        raise missing_extra("sim discover", "discover") from None
    return prim, feature_scoring


def library_version() -> str:
    """Return EMA Workbench's version."""
    from importlib.metadata import version

    return version("ema_workbench")


@dataclass(frozen=True)
class Limit:
    """A box's limit on one input: its range in the box, in all cases, and the quasi-p-values.

    A quasi-p-value (Bryant and Lempert 2010) is a one-sided binomial test of the box against the box
    without that end of the limit; None where that end is not restricted.
    """

    name: str
    low: float
    high: float
    minimum: float
    maximum: float
    qp_low: float | None
    qp_high: float | None

    @property
    def cut(self) -> float:
        """The share of the input's range the limit removes."""
        span = self.maximum - self.minimum
        return 1.0 - (self.high - self.low) / span if span > 0 else 0.0

    def words(self, name: str | None = None) -> str:
        """Return the limit in words, e.g. "advance_km at most 0.55"."""
        name = name or self.name
        if self.qp_low is not None and self.qp_high is not None:
            return f"{name} between {number(self.low)} and {number(self.high)}"
        if self.qp_high is not None:
            return f"{name} at most {number(self.high)}"
        return f"{name} at least {number(self.low)}"


@dataclass(frozen=True)
class Box:
    """One box of the trajectory: its statistics and limits (most restrictive first)."""

    index: int
    coverage: float
    density: float
    mass: float
    cases: int
    of_interest: int
    limits: tuple[Limit, ...]


@dataclass
class Discovery:
    """PRIM's result: the trajectory, the chosen box and how it was chosen."""

    condition: Condition
    trajectory: list[dict[str, float]]
    box: Box
    chosen_by: str
    total: int
    of_interest: int
    threshold: float
    peel_alpha: float
    mass_min: float
    y: np.ndarray = field(repr=False)


def run_prim(
    inputs: dict[str, np.ndarray],
    y: np.ndarray,
    condition: Condition,
    threshold: float = 0.8,
    box: int | None = None,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
) -> Discovery:
    """Run PRIM for the cases where ``y`` is true, and choose one box of its trajectory.

    EMA Workbench 2.x keeps a final box only if its density reaches its threshold; here it is given
    the share of cases of interest (always reached), so the whole peeling and pasting trajectory is
    kept, and ``threshold`` chooses the box: the one with the most coverage whose density reaches it (the
    densest box if none does). ``box`` chooses one by its index instead.

    Raises:
        InputError: If the condition holds in every case or none, or ``box`` is not on the trajectory.
    """
    import pandas as pd

    prim, _ = library()
    y = np.asarray(y, dtype=bool)
    hits = int(y.sum())
    if hits in (0, y.size):
        raise InputError(
            f"{condition} holds in {'none' if hits == 0 else 'all'} of the {y.size:,} runs: nothing to "
            "discover (choose a value inside the outcome's range)",
            field="--condition",
        )
    x = pd.DataFrame({name: np.asarray(values, dtype=np.float64) for name, values in inputs.items()})
    options: dict[str, Any] = {"peel_alpha": peel_alpha, "mass_min": mass_min}
    if "threshold" in inspect.signature(prim.Prim).parameters:  # 2.x; 3.0 keeps every final box
        options["threshold"] = hits / y.size
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the library's own deprecation warnings (pandas)
        found = prim.Prim(x, y.astype(int), **options)
        result = found.find_box()
    trajectory = _trajectory(result.peeling_trajectory)
    chosen, how = choose_box(trajectory, threshold, box)
    limits = _limits(found.box_init, result.box_lims[chosen], result.qp[chosen])
    row = trajectory[chosen]
    chosen_box = Box(
        chosen,
        row["coverage"],
        row["density"],
        row["mass"],
        int(row["cases"]),
        int(row["of_interest"]),
        limits,
    )
    return Discovery(condition, trajectory, chosen_box, how, y.size, hits, threshold, peel_alpha, mass_min, y)


def _trajectory(table: Any) -> list[dict[str, float]]:
    """Return PRIM's peeling trajectory (a DataFrame) as one row per box."""
    return [
        {
            "box": int(i),
            "coverage": float(table["coverage"].iloc[i]),
            "density": float(table["density"].iloc[i]),
            "mass": float(table["mass"].iloc[i]),
            "restricted": int(table["res_dim"].iloc[i]),
            "cases": int(table["n"].iloc[i]),
            "of_interest": int(table["k"].iloc[i]),
        }
        for i in range(len(table))
    ]


def choose_box(trajectory: list[dict[str, float]], threshold: float, box: int | None) -> tuple[int, str]:
    """Return the chosen box's index on the trajectory and how it was chosen.

    Raises:
        InputError: If ``box`` is given and not on the trajectory.
    """
    if box is not None:
        if not 0 <= box < len(trajectory):
            raise InputError(f"the trajectory has boxes 0 to {len(trajectory) - 1}", field="--box")
        return box, "chosen with --box"
    reaching = [row for row in trajectory if row["density"] >= threshold]
    if reaching:
        best = max(reaching, key=lambda r: (r["coverage"], r["density"], -r["restricted"], -r["box"]))
        return int(best["box"]), f"the box with the most coverage whose density reaches {threshold:.0%}"
    best = max(trajectory, key=lambda r: (r["density"], r["coverage"], -r["box"]))
    return int(best["box"]), f"no box reaches a density of {threshold:.0%}: the densest box"


def _limits(initial: Any, lims: Any, quasi_p: dict[Any, tuple[float, float]]) -> tuple[Limit, ...]:
    """Return a box's limits, most restrictive first, from PRIM's initial box, box limits and quasi-p-values.

    The library gives a negative quasi-p-value for an end of a limit that is not restricted.
    """
    limits = [
        Limit(
            str(name),
            float(lims[name].iloc[0]),
            float(lims[name].iloc[1]),
            float(initial[name].iloc[0]),
            float(initial[name].iloc[1]),
            None if qp_low < 0 else float(qp_low),
            None if qp_high < 0 else float(qp_high),
        )
        for name, (qp_low, qp_high) in quasi_p.items()
    ]
    return tuple(sorted(limits, key=lambda limit: (-limit.cut, limit.name)))


def box_sentence(discovery: Discovery, scenario: Scenario, names: dict[str, str]) -> str:
    """Return the chosen box in one sentence, naming the limits that cut at least 10% of a range."""
    box = discovery.box
    phrase = describe_condition(discovery.condition, scenario)
    if not box.limits:
        return f"{phrase} in {box.density:.0%} of all runs; PRIM found no box that does better."
    main = [limit for limit in box.limits if limit.cut >= MAIN_CUT] or list(box.limits[:1])
    said = [limit.words(names.get(limit.name)) for limit in main]
    listed = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
    rest = len(box.limits) - len(main)
    more = (
        f" (and {rest} slighter limit{'s' if rest > 1 else ''}, each cutting less than "
        f"{MAIN_CUT:.0%} of an input's range)"
        if rest
        else ""
    )
    phrase = phrase[0].upper() + phrase[1:]
    return (
        f"{phrase} in {box.density:.0%} of runs (density) when {listed}{more}; these runs are "
        f"{box.coverage:.0%} of all runs in which it happens (coverage), and {box.mass:.0%} of all runs "
        "(mass)."
    )
