"""Scenario discovery on a sweep or a run with sampled inputs: PRIM boxes and feature scores.

Every replication is a case. Its inputs are the sweep point's varied values (``points.parquet``)
and every sampled parameter that varies (the dotted-path columns of ``outcomes.parquet``). A
condition on an outcome (``COLUMN OP NUMBER``) marks the cases of interest; EMA Workbench's PRIM
peels and pastes a box over the inputs, and one box of its trajectory is chosen: by default the one
with the most coverage whose density reaches the threshold. Feature scores (EMA Workbench's
extra-trees scoring, fixed random state) rank the inputs for every outcome.

The library is the ``discover`` extra; it is imported only when needed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import inspect
import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

import sim
from sim.errors import InputError, missing_extra
from sim.results.columns import refuse_renamed
from sim.results.folder import folder_kind, open_folder
from sim.results.locate import read_side_table
from sim.results.readers import numpy_of, read_table
from sim.results.writing import write_csv, write_json
from sim.scenario.parameters import distribution_leaves
from sim.scenario.schema import Scenario

OPERATORS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}
OPERATORS |= {"==": np.equal, "!=": np.not_equal}
_WORDS = {">": "more than", ">=": "at least", "<": "less than", "<=": "at most", "==": "exactly"}
_WORDS["!="] = "other than"
_EXPRESSION = re.compile(
    r"^\s*(?P<column>[A-Za-z_][A-Za-z0-9_.\-]*)\s*(?P<op><=|>=|==|!=|<|>)\s*"
    r"(?P<value>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*$"
)
MAIN_CUT = 0.10
"""A box limit that removes at least this share of an input's range is named in the sentence."""
SCORED_PREFIXES = ("final_area_km2", "area_km2_on_", "day_below_", "casualties_")


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


@dataclass
class Cases:
    """One row per replication: the inputs that vary and the outcomes table.

    Attributes:
        scenario: The run's (or the sweep's base) scenario.
        kind: ``run``, ``sweep`` or ``study``.
        inputs: Input name (dotted path) to its value per case, varied inputs first.
        varied: The sweep's varied inputs, or a study's uncertainties (none in a run).
        outcomes: Outcome column to its values per case (numbers only, as stored).
        points: Sweep points (0 in a run).
        notes: Notes about the folder (an unfinished run read as it stands).
    """

    scenario: Scenario
    kind: str
    inputs: dict[str, np.ndarray]
    varied: list[str]
    outcomes: dict[str, np.ndarray]
    points: int = 0
    notes: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        """The number of cases (replications, over all points)."""
        return len(next(iter(self.outcomes.values())))

    @property
    def sampled(self) -> list[str]:
        """The sampled inputs."""
        return [name for name in self.inputs if name not in self.varied]


def read_cases(directory: Path) -> Cases:
    """Read a run or sweep folder's cases.

    Raises:
        InputError: If the folder cannot be read or has no varied or sampled input.
    """
    kind = folder_kind(directory)
    folder = open_folder(directory, "read", kind=kind)
    table = read_table(directory, "outcomes")
    keys = [numpy_of(table["replication"])]
    if "point" in table.column_names:
        keys.append(numpy_of(table["point"]))
    order = np.lexsort(keys)
    columns = {name: numpy_of(table[name])[order] for name in table.column_names}
    inputs: dict[str, np.ndarray] = {}
    varied: list[str] = []
    points = 0
    if kind in ("sweep", "study"):
        grid = read_side_table(directory, "points")
        where = np.searchsorted(numpy_of(grid["point"]), columns["point"])
        points = grid.num_rows
        for name in folder.manifest.varied or []:
            values = numpy_of(grid[name]).astype(float)
            if np.ptp(values) > 0:
                inputs[name] = values[where]
                varied.append(name)
    parameters = [path for path, _ in distribution_leaves(folder.scenario)]
    for name in parameters:
        if name in columns and name not in inputs and np.nanmax(columns[name]) > np.nanmin(columns[name]):
            inputs[name] = columns[name].astype(float)
    if not inputs:
        raise InputError(
            "has no varied or sampled inputs: nothing to discover (give a sweep, or a run of a scenario "
            "with distributions)",
            str(directory),
        )
    skip = {"point", "replication", *parameters}
    outcomes = {
        name: values.astype(float)
        for name, values in columns.items()
        if name not in skip and np.issubdtype(values.dtype, np.number)
    }
    return Cases(folder.scenario, kind, inputs, varied, outcomes, points, folder.notes)


# --- outcomes and conditions -------------------------------------------------------------------


def _threshold_of(name: str) -> float | None:
    try:
        return float(name.removeprefix("day_below_"))
    except ValueError:
        return None


def outcome_values(cases: Cases, column: str) -> np.ndarray:
    """Return one value per case of an outcome column or a derived one.

    ``withdrawal_began_by_<date>`` (or ``withdrawal_began_by_end``) is 1 if the holder's withdrawal began
    on or before that date, else 0; ``day_below_<X>`` and ``withdrawal_day`` count runs that never got
    there at the horizon.

    Raises:
        InputError: For a column the folder does not have, with the closest names and the valid ones.
    """
    scenario = cases.scenario
    refuse_renamed(column, "--condition")
    if column.startswith("withdrawal_began_by_") and "withdrawal_day" in cases.outcomes:
        when = column.removeprefix("withdrawal_began_by_")
        try:
            date = scenario.end if when == "end" else dt.date.fromisoformat(when)
        except ValueError:
            raise InputError(
                f"{column!r}: expected withdrawal_began_by_YYYY-MM-DD or withdrawal_began_by_end",
                field="--condition",
            ) from None
        if not scenario.start <= date <= scenario.end:
            raise InputError(
                f"{column!r}: the date is outside the run ({scenario.start} to {scenario.end})",
                field="--condition",
            )
        withdrawal = cases.outcomes["withdrawal_day"]
        return np.where(np.isnan(withdrawal), 0.0, (withdrawal <= (date - scenario.start).days) * 1.0)
    name = column
    if column.startswith("day_below_") and column not in cases.outcomes:
        threshold = _threshold_of(column)
        stored = {_threshold_of(c): c for c in cases.outcomes if c.startswith("day_below_")}
        name = stored.get(threshold, column) if threshold is not None else column
    if name not in cases.outcomes:
        raise InputError(_unknown(column, cases), field="--condition")
    values = cases.outcomes[name]
    if name.startswith("day_below_") or name == "withdrawal_day":
        values = np.where(np.isnan(values), float(scenario.horizon_days), values)
    return values


def _unknown(column: str, cases: Cases) -> str:
    names = list(cases.outcomes)
    dates = [c.removeprefix("area_km2_on_") for c in names if c.startswith("area_km2_on_")]
    derived = ["withdrawal_began_by_end", *(f"withdrawal_began_by_{d}" for d in dates)]
    close = difflib.get_close_matches(column, names + derived, n=3, cutoff=0.6)
    hint = f"; did you mean {_either(close)}?" if close else ""
    below = [c.removeprefix("day_below_") for c in names if c.startswith("day_below_")]
    others = [c for c in names if not c.startswith(("area_km2_on_", "day_below_"))]
    valid = [
        *others,
        f"area_km2_on_<date> ({', '.join(dates)})",
        f"day_below_<km2> ({', '.join(below)})",
        "withdrawal_began_by_<date> or withdrawal_began_by_end",
    ]
    return f"unknown outcome {column!r}{hint} (outcomes: {'; '.join(valid)})"


def _either(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


@dataclass(frozen=True)
class Condition:
    """A condition on one outcome: ``COLUMN OP NUMBER``."""

    column: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.column} {self.op} {self.value:g}"

    def test(self, values: np.ndarray) -> np.ndarray:
        """Return whether each value meets the condition."""
        return np.asarray(OPERATORS[self.op](values, self.value), dtype=bool)


def parse_condition(text: str, cases: Cases) -> Condition:
    """Parse ``COLUMN OP NUMBER`` (OP one of < <= > >= == !=) and check the column exists.

    Raises:
        InputError: If the expression is malformed or names an unknown outcome.
    """
    match = _EXPRESSION.match(text)
    if match is None:
        raise InputError(
            f"{text!r} is not a condition: expected COLUMN OP NUMBER with OP one of < <= > >= == != "
            "(for example 'area_km2_on_2025-02-01 > 300')",
            field="--condition",
        )
    condition = Condition(match["column"], match["op"], float(match["value"]))
    outcome_values(cases, condition.column)
    return condition


def number(value: float) -> str:
    """Return a number to three significant digits, without an exponent below a billion."""
    return f"{value:,.0f}" if 1e3 <= abs(value) < 1e9 else f"{value:.3g}"


def _date_words(date: dt.date) -> str:
    return f"{date.day} {date:%b %Y}"


def describe_condition(condition: Condition, scenario: Scenario) -> str:
    """Return the condition in words, e.g. "Ukraine holds more than 300 km² on 1 Feb 2025"."""
    column, op, value = condition.column, condition.op, condition.value
    holder = scenario.holder.replace("_", " ").capitalize()
    words = f"{_WORDS[op]} {value:,g}"
    if column.startswith("area_km2_on_"):
        date = dt.date.fromisoformat(column.removeprefix("area_km2_on_"))
        return f"{holder} holds {words} km² on {_date_words(date)}"
    if column == "final_area_km2":
        return f"{holder} holds {words} km² at the end ({_date_words(scenario.end)})"
    if column.startswith("withdrawal_began_by_"):
        when = column.removeprefix("withdrawal_began_by_")
        date = scenario.end if when == "end" else dt.date.fromisoformat(when)
        yes, no = bool(condition.test(np.array([1.0]))[0]), bool(condition.test(np.array([0.0]))[0])
        if yes != no:
            return f"{holder}'s withdrawal has{'' if yes else ' not'} begun by {_date_words(date)}"
    if column.startswith("day_below_") or column == "withdrawal_day":
        what = (
            f"the held area falls below {column.removeprefix('day_below_')} km²"
            if column.startswith("day_below_")
            else f"{holder}'s withdrawal begins"
        )
        day = f"day {value:g} ({_date_words(scenario.start + dt.timedelta(days=value))})"
        timing = {">": f"after {day} or never", ">=": f"on {day} or later, or never", "<": f"before {day}"}
        timing |= {"<=": f"by {day}", "==": f"on {day}", "!=": f"on a day other than {day}"}
        return f"{what} {timing[op]}"
    if column.startswith("casualties_"):
        return f"{column.removeprefix('casualties_').capitalize()}'s casualties are {words}"
    return str(condition)


# --- PRIM --------------------------------------------------------------------------------------


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
    table = result.peeling_trajectory
    trajectory = [
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
    if box is not None:
        if not 0 <= box < len(trajectory):
            raise InputError(f"the trajectory has boxes 0 to {len(trajectory) - 1}", field="--box")
        chosen, how = box, "chosen with --box"
    else:
        reaching = [row for row in trajectory if row["density"] >= threshold]
        if reaching:
            best = max(reaching, key=lambda r: (r["coverage"], r["density"], -r["restricted"], -r["box"]))
            how = f"the box with the most coverage whose density reaches {threshold:.0%}"
        else:
            best = max(trajectory, key=lambda r: (r["density"], r["coverage"], -r["box"]))
            how = f"no box reaches a density of {threshold:.0%}: the densest box"
        chosen = int(best["box"])
    limits = []
    initial, lims = found.box_init, result.box_lims[chosen]
    for name, (qp_low, qp_high) in result.qp[chosen].items():
        limits.append(
            Limit(
                str(name),
                float(lims[name].iloc[0]),
                float(lims[name].iloc[1]),
                float(initial[name].iloc[0]),
                float(initial[name].iloc[1]),
                None if qp_low < 0 else float(qp_low),
                None if qp_high < 0 else float(qp_high),
            )
        )
    limits.sort(key=lambda limit: (-limit.cut, limit.name))
    row = trajectory[chosen]
    chosen_box = Box(
        chosen,
        row["coverage"],
        row["density"],
        row["mass"],
        int(row["cases"]),
        int(row["of_interest"]),
        tuple(limits),
    )
    return Discovery(condition, trajectory, chosen_box, how, y.size, hits, threshold, peel_alpha, mass_min, y)


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


# --- feature scores ----------------------------------------------------------------------------


def scored_outcomes(cases: Cases) -> dict[str, np.ndarray]:
    """Return the outcomes to score that vary: areas, days below, withdrawal by the end, casualties."""
    chosen = [name for name in cases.outcomes if name.startswith(SCORED_PREFIXES)]
    if "withdrawal_day" in cases.outcomes:
        chosen.insert(len([c for c in chosen if not c.startswith("casualties_")]), "withdrawal_began_by_end")
    values = {name: outcome_values(cases, name) for name in chosen}
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
    box = discovery.box

    def qp(value: float | None) -> float | None:
        return None if value is None or math.isnan(value) else value

    write_json(
        written[1],
        {
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
            "limits": [
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
            ],
            "sentence": box_sentence(discovery, scenario, names),
            "prim": {
                "library": "ema_workbench",
                "peel_alpha": discovery.peel_alpha,
                "mass_min": discovery.mass_min,
                "density_threshold": discovery.threshold,
            },
        },
    )
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


def library_version() -> str:
    """Return EMA Workbench's version."""
    from importlib.metadata import version

    return version("ema_workbench")
