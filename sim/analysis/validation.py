"""Scoring a run's predictions of held area against observations (``sim validate``).

For each observed date the run's replications give a predictive distribution (an ensemble) of the
held area. Each observation is scored by

* its **PIT**, the predictive quantile it falls at (ties with ensemble members count half);
* whether it lies inside the **central 50/80/95% bands** of the ensemble (the same empirical
  quantiles the fan chart draws);
* the **CRPS** of the ensemble, ``E|X - y| - E|X - X'| / 2`` over the ensemble's empirical
  distribution, in km2 (smaller is better; for a point forecast it is the absolute error).

Two naive point forecasts set the bar: **persistence** (the last value known before the date) and a
**straight line** fitted by least squares to the values known before the date. "Known" means the
scenario's own calibration data: the initial area at its start and its ``area_km2`` observations.
Only points dated strictly before an observation are used, so a naive forecast never sees the value it
is scored against; when only the start is known, the line is flat. Both are clipped at zero (no held
area is negative).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import InputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.scenario.schema import Scenario

# pyarrow, matplotlib and the scenario schema are imported where they are used, so that a mistake in
# the command line or the CSV is reported at once.

LEVELS = (0.50, 0.80, 0.95)
"""Central bands whose coverage is scored."""
BAND_COLOURS = {0.95: "#c6dbef", 0.80: "#9ecae1", 0.50: "#6baed6"}
MEDIAN_COLOUR = "#08306b"
OBSERVED_COLOUR = "#d62728"
PERSISTENCE_COLOUR = "#6a3d9a"
LINE_COLOUR = "#e6550d"
FORMATS = ("png", "svg")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _level_key(level: float) -> str:
    return f"{round(level * 100):d}"


# ------------------------------------------------------------------------------------------ scores
def crps_ensemble(samples: Sequence[float] | np.ndarray, observed: float) -> float:
    """Return the CRPS of an ensemble forecast for one observed value, in O(n log n).

    The ensemble stands for its empirical distribution, so ``CRPS = E|X - y| - E|X - X'| / 2`` with
    ``X, X'`` drawn independently from the members. With the members sorted,
    ``E|X - X'| = 2 / n^2 * sum_i (2i - n - 1) x_(i)`` (i from 1), which needs only the sort.

    Args:
        samples: The ensemble members (at least one, all finite).
        observed: The observed value.

    Raises:
        ValueError: If the ensemble is empty.
    """
    x = np.sort(np.asarray(samples, dtype=float).ravel())
    n = x.size
    if n == 0:
        raise ValueError("an ensemble needs at least one member")
    rank = np.arange(1, n + 1, dtype=float)
    spread = 2.0 * float(np.dot(2.0 * rank - n - 1.0, x)) / (n * n)
    return float(np.mean(np.abs(x - observed))) - 0.5 * spread


def crps_brute_force(samples: Sequence[float] | np.ndarray, observed: float) -> float:
    """Return the ensemble CRPS straight from its definition, in O(n^2) (a check on ``crps_ensemble``)."""
    x = np.asarray(samples, dtype=float).ravel()
    return float(np.mean(np.abs(x - observed)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :])))


def crps_normal(mean: float, sd: float, observed: float) -> float:
    """Return the closed-form CRPS of the normal distribution N(mean, sd) for an observed value."""
    z = (observed - mean) / sd
    cdf = 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
    pdf = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return sd * (z * (2.0 * cdf - 1.0) + 2.0 * pdf - 1.0 / math.sqrt(math.pi))


def pit(samples: Sequence[float] | np.ndarray, observed: float) -> float:
    """Return the predictive quantile an observed value falls at (probability integral transform).

    The share of members below the value, with members equal to it counted half, so an observation
    tied with every member (say, all runs at 0 km2 and 0 observed) sits at 0.5.
    """
    x = np.asarray(samples, dtype=float).ravel()
    if x.size == 0:
        raise ValueError("an ensemble needs at least one member")
    below = np.count_nonzero(x < observed)
    tied = np.count_nonzero(x == observed)
    return float((below + 0.5 * tied) / x.size)


def central_band(samples: Sequence[float] | np.ndarray, level: float) -> tuple[float, float]:
    """Return the central ``level`` band of an ensemble: its (1-level)/2 and (1+level)/2 quantiles.

    The quantiles are numpy's default (linear between order statistics), as in the fan charts.
    """
    low, high = np.quantile(np.asarray(samples, dtype=float), [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


# ------------------------------------------------------------------------------------------ naive
@dataclass(frozen=True)
class CalibrationPoint:
    """A held area the scenario knows: its initial area, or one of its ``area_km2`` observations."""

    date: dt.date
    value: float
    source: str


def calibration_points(scenario: Scenario) -> list[CalibrationPoint]:
    """Return the scenario's own held-area data: the initial area at the start, then each observation.

    Only ``area_km2`` observations within the scenario's dates count; the list is in date order (the
    initial area first on a tie).
    """
    points = [CalibrationPoint(scenario.start, scenario.initial_area_km2, "initial area (scenario start)")]
    observed = [
        CalibrationPoint(obs.date, obs.value, f"scenario observation: {obs.source}".rstrip(": "))
        for obs in scenario.observations
        if obs.metric == "area_km2"
    ]
    return points + sorted(observed, key=lambda point: point.date)


def known_before(points: Sequence[CalibrationPoint], date: dt.date) -> list[CalibrationPoint]:
    """Return the points a forecast for ``date`` may use: those dated before it, and always the first."""
    return [point for index, point in enumerate(points) if index == 0 or point.date < date]


def persistence_forecast(points: Sequence[CalibrationPoint], date: dt.date) -> float:
    """Return the last value known before ``date``, carried forward.

    Args:
        points: Calibration points in date order, the first being the initial area.
        date: The date forecast.
    """
    return max(known_before(points, date)[-1].value, 0.0)


def line_forecast(points: Sequence[CalibrationPoint], date: dt.date) -> float:
    """Return a least-squares straight line through the values known before ``date``, extrapolated to it.

    With a single known date the line is flat (its mean). The result is clipped at zero.

    Args:
        points: Calibration points in date order, the first being the initial area.
        date: The date forecast.
    """
    known = known_before(points, date)
    origin = known[0].date
    x = np.array([(point.date - origin).days for point in known], dtype=float)
    y = np.array([point.value for point in known], dtype=float)
    if np.unique(x).size < 2:
        return max(float(y.mean()), 0.0)
    slope, intercept = np.polyfit(x, y, 1)
    return max(float(intercept + slope * (date - origin).days), 0.0)


# ------------------------------------------------------------------------------------ observations
@dataclass(frozen=True)
class ObservedArea:
    """One row of an observations CSV.

    Attributes:
        line: The row's line number in the file (1 is the header).
        date: The date observed.
        value: The held area observed, km2.
        low: Low end of its 95% range, if given.
        high: High end of its 95% range, if given.
        source: The ``source`` column, if any.
    """

    line: int
    date: dt.date
    value: float
    low: float | None
    high: float | None
    source: str


def _number(text: str, name: str, where: tuple[str, int]) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{text!r} is not a number", where[0], where[1], name) from None
    if not math.isfinite(value):
        raise InputError(f"{text!r} is not a finite number", where[0], where[1], name)
    if value < 0:
        raise InputError(f"must be >= 0 (a held area), got {text}", where[0], where[1], name)
    return value


def _date(text: str, where: tuple[str, int]) -> dt.date:
    try:
        if not _ISO_DATE.match(text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        hint = "" if _ISO_DATE.match(text) else " (expected YYYY-MM-DD)"
        raise InputError(f"{text!r} is not a date{hint}", where[0], where[1], "date") from None


def read_observations(path: Path) -> list[ObservedArea]:
    """Read an observations CSV: columns ``date`` and ``value``, optionally ``low``, ``high``, ``source``.

    Column names are matched without regard to case or surrounding spaces; other columns are ignored,
    as are blank lines. ``low``-``high`` is read as a 95% range and must contain the value.

    Raises:
        InputError: If the file is missing or unreadable, lacks a column, or a cell is not a date or a
            non-negative number (naming the line and column).
    """
    name = str(path)
    if not path.exists():
        raise InputError("no such file", name)
    if path.is_dir():
        raise InputError("is a folder, not a CSV file", name)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("is not UTF-8 text (save the CSV as UTF-8)", name) from None
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", name) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise InputError("is empty (expected a header line with date,value)", name)
        header_line = reader.line_num
        columns = [cell.strip().lower() for cell in header]
        missing = [column for column in ("date", "value") if column not in columns]
        if missing:
            found = ", ".join(repr(cell.strip()) for cell in header)
            raise InputError(
                f"needs columns 'date' and 'value' (missing {', '.join(map(repr, missing))}; found {found})",
                name,
                header_line,
            )
        if ("low" in columns) != ("high" in columns):
            raise InputError("give both columns 'low' and 'high', or neither", name, header_line)
        wanted = ("date", "value", "low", "high", "source")
        for column in wanted:
            if columns.count(column) > 1:
                raise InputError(f"column {column!r} appears more than once", name, header_line)
        index = {column: columns.index(column) for column in wanted if column in columns}
        rows: list[ObservedArea] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            line = reader.line_num
            where = (name, line)
            get = {
                column: (cells[position].strip() if position < len(cells) else "")
                for column, position in index.items()
            }
            for column in ("date", "value"):
                if not get[column]:
                    raise InputError("missing", name, line, column)
            date = _date(get["date"], where)
            value = _number(get["value"], "value", where)
            low_text, high_text = get.get("low", ""), get.get("high", "")
            if bool(low_text) != bool(high_text):
                raise InputError("give both low and high, or leave both empty", name, line, "low")
            low = _number(low_text, "low", where) if low_text else None
            high = _number(high_text, "high", where) if high_text else None
            if low is not None and high is not None and not low <= value <= high:
                raise InputError(
                    f"the range {low_text}-{high_text} must contain the value {get['value']}",
                    name,
                    line,
                    "low",
                )
            rows.append(ObservedArea(line, date, value, low, high, get.get("source", "")))
    except csv.Error as exc:
        raise InputError(f"is not valid CSV ({exc})", name, reader.line_num) from None
    if not rows:
        raise InputError("has no observations (only a header)", name)
    return rows


# --------------------------------------------------------------------------------------------- run
@dataclass(frozen=True)
class Run:
    """A complete run folder opened for validation."""

    directory: Path
    manifest: dict[str, Any]
    scenario: Scenario

    @property
    def name(self) -> str:
        """The folder's own name."""
        return self.directory.resolve().name

    @property
    def replications(self) -> int:
        """The number of replications the manifest records."""
        return int(self.manifest.get("replications") or 0)


def open_run(directory: Path) -> Run:
    """Open a complete run folder and rebuild its scenario from the manifest.

    Raises:
        InputError: If the folder is missing, holds no run, holds a sweep, or its run is not complete.
    """
    from pydantic import ValidationError

    from sim.scenario.schema import Scenario

    name = str(directory)
    if not directory.exists():
        raise InputError("no such folder", name)
    if not directory.is_dir():
        raise InputError("is not a folder (give the run folder that sim run wrote)", name)
    path = directory / "manifest.json"
    if not path.is_file():
        raise InputError("holds no run (no manifest.json)", name)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"manifest.json is not valid JSON ({exc})", str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read manifest.json ({exc.strerror})", str(path)) from None
    if not isinstance(manifest, dict):
        raise InputError("manifest.json does not hold a JSON object", str(path))
    if manifest.get("kind") == "sweep":
        raise InputError("is a sweep folder; give one run folder", name)
    if not isinstance(manifest.get("scenario"), dict):
        raise InputError("manifest.json has no scenario", str(path))
    try:
        scenario = Scenario.model_validate(manifest["scenario"])
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(
            f"the scenario in manifest.json does not validate: {where}: {first['msg']}", str(path)
        ) from None
    status = manifest.get("status")
    if status != "complete":
        raise InputError(
            f"the run is not complete (status {status}); finish it first with sim run --resume {name}", name
        )
    return Run(directory, manifest, scenario)


def predictive_sample(run: Run, date: dt.date, where: tuple[str, int]) -> tuple[np.ndarray, str]:
    """Return every replication's held area on ``date`` and the file it came from.

    From ``daily.parquet`` when the run kept one (reading only that day's rows), else from the
    outcome column ``area_km2_on_<date>`` (or ``final_area_km2`` on the end date).

    Args:
        run: The run.
        date: A date within the run's horizon.
        where: File and line of the observation, for the error.

    Raises:
        InputError: If the run kept neither.
    """
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    from sim.results.readers import read_table, table_path
    from sim.results.columns import area_column

    scenario = run.scenario
    day = (date - scenario.start).days
    if table_path(run.directory, "daily") is not None:
        table = read_table(run.directory, "daily", ["area_km2"], filter=ds.field("day") == day)
        values = table["area_km2"].to_numpy(zero_copy_only=False).astype(float)
        if values.size:
            return values, "daily.parquet"
    columns: list[str] = [area_column(date)] + (["final_area_km2"] if date == scenario.end else [])
    outcomes = run.directory / "outcomes.parquet"
    if outcomes.is_file():
        names = set(pq.read_schema(outcomes).names)
        for column in columns:
            if column in names:
                table = read_table(run.directory, "outcomes", [column])
                values = table[column].to_numpy(zero_copy_only=False).astype(float)
                return values[np.isfinite(values)], f"outcomes.parquet:{column}"
    raise InputError(
        f"the run kept no held area for {date.isoformat()}: it has no daily.parquet (sim run --daily total "
        f"or full keeps one) and no outcome column {area_column(date)}",
        where[0],
        where[1],
        "date",
    )


# ------------------------------------------------------------------------------------------ scoring
def score_observation(
    samples: np.ndarray, obs: ObservedArea, points: Sequence[CalibrationPoint]
) -> dict[str, Any]:
    """Return the scores of one observation against an ensemble and the two naive forecasts."""
    persistence = persistence_forecast(points, obs.date)
    line = line_forecast(points, obs.date)
    row: dict[str, Any] = {
        "line": obs.line,
        "date": obs.date.isoformat(),
        "observed": obs.value,
        "low": obs.low,
        "high": obs.high,
        "source": obs.source,
        "n": int(samples.size),
        "mean": float(np.mean(samples)),
        "median": float(np.median(samples)),
    }
    for level in LEVELS:
        low, high = central_band(samples, level)
        key = _level_key(level)
        row[f"band{key}_low"] = low
        row[f"band{key}_high"] = high
    row["pit"] = pit(samples, obs.value)
    for level in LEVELS:
        key = _level_key(level)
        row[f"inside{key}"] = bool(row[f"band{key}_low"] <= obs.value <= row[f"band{key}_high"])
    row["crps"] = crps_ensemble(samples, obs.value)
    row["persistence"] = persistence
    row["persistence_crps"] = abs(persistence - obs.value)
    row["line_forecast"] = line
    row["line_crps"] = abs(line - obs.value)
    row["naive_points"] = len(known_before(points, obs.date))
    row["calibration_date"] = any(
        point.date == obs.date for point in points[1:]
    )  # the scenario was tuned to a value on this date
    return row


def _skill(model: float, naive: float) -> float | None:
    return None if naive <= 0.0 else 1.0 - model / naive


def summarise(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Return mean CRPS, band coverage, mean PIT and the skill against each naive forecast."""
    count = len(rows)
    mean_crps = float(np.mean([row["crps"] for row in rows]))
    summary: dict[str, Any] = {"observations": count, "mean_crps": mean_crps}
    summary["mean_pit"] = float(np.mean([row["pit"] for row in rows]))
    summary["coverage"] = {}
    for level in LEVELS:
        key = _level_key(level)
        inside = sum(row[f"inside{key}"] for row in rows)
        summary["coverage"][key] = {"nominal": level, "inside": inside, "share": inside / count}
    summary["naive"] = {}
    for name, column in (("persistence", "persistence_crps"), ("line", "line_crps")):
        naive = float(np.mean([row[column] for row in rows]))
        summary["naive"][name] = {"mean_crps": naive, "skill": _skill(mean_crps, naive)}
    return summary


@dataclass
class Validation:
    """What ``validate`` found and wrote.

    Attributes:
        result: The document written to validation.json.
        table: The readable table printed by the command.
        written: Files written.
    """

    result: dict[str, Any]
    table: str
    written: list[Path]


def validate(
    run_dir: Path, observations_file: Path, out_dir: Path | None = None, fmt: str = "png"
) -> Validation:
    """Score a run against an observations CSV; write validation.json, validation.csv and the figure.

    Args:
        run_dir: A complete run folder.
        observations_file: The CSV of observed held areas.
        out_dir: Where to write (default ``run_dir``); the figure goes to its ``plots/``.
        fmt: Image format of the figure, ``png`` or ``svg``.

    Raises:
        InputError: For a missing or malformed file, a date outside the run's horizon, a run that
            kept no held area on a date, or a folder that holds no complete run.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r} (png or svg)", field="--format")
    observations = read_observations(observations_file)
    run = open_run(run_dir)
    scenario = run.scenario
    name = str(observations_file)
    for obs in observations:
        if not scenario.start <= obs.date <= scenario.end:
            raise InputError(
                f"{obs.date.isoformat()} is outside the run's horizon ({scenario.start.isoformat()} to "
                f"{scenario.end.isoformat()})",
                name,
                obs.line,
                "date",
            )
    out = out_dir if out_dir is not None else run_dir
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a folder", str(out), field="--out")

    points = calibration_points(scenario)
    samples: dict[dt.date, tuple[np.ndarray, str]] = {}
    for obs in observations:
        if obs.date not in samples:
            values, origin = predictive_sample(run, obs.date, (name, obs.line))
            if values.size == 0:
                raise InputError(f"the run holds no replications on {obs.date}", name, obs.line, "date")
            samples[obs.date] = values, origin
    rows = []
    for obs in sorted(observations, key=lambda obs: (obs.date, obs.line)):
        values, origin = samples[obs.date]
        row = score_observation(values, obs, points)
        row["predicted_from"] = origin
        rows.append(row)
    result: dict[str, Any] = {
        "scenario": scenario.name,
        "run": run.name,
        "run_dir": str(run_dir),
        "observations_file": name,
        "replications": run.replications,
        "start": scenario.start.isoformat(),
        "end": scenario.end.isoformat(),
        "metric": "area_km2",
        "unit": "km2",
        "levels": list(LEVELS),
        "calibration_points": [
            {"date": point.date.isoformat(), "value": point.value, "source": point.source} for point in points
        ],
        "observations": rows,
        "summary": summarise(rows),
    }

    from sim.results.store import write_json

    plots = out / "plots"
    try:
        plots.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the folder ({exc.strerror})", str(plots)) from None
    json_path = out / "validation.json"
    csv_path = out / "validation.csv"
    write_json(json_path, result)
    _write_csv(csv_path, rows)
    figure_path = plots / f"validation.{fmt}"
    figure = validation_chart(run, observations, points, result)
    _save(figure, figure_path, fmt)
    return Validation(result, format_table(result), [json_path, csv_path, figure_path])


def _write_csv(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    from sim.results.store import atomic_path

    with atomic_path(path) as temporary, temporary.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({key: "" if value is None else value for key, value in row.items()})


# ------------------------------------------------------------------------------------------- table
def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _km2(value: float) -> str:
    return f"{value:,.0f}"


def _band(row: dict[str, Any], level: float) -> str:
    key = _level_key(level)
    return f"{_km2(row[f'band{key}_low'])}-{_km2(row[f'band{key}_high'])}"


def _skill_text(skill: float | None) -> str:
    return "n/a (naive error 0)" if skill is None else f"{skill:+.2f}"


def _columns(header: Sequence[str], body: Sequence[Sequence[str]], left: int = 1) -> list[str]:
    """Return aligned lines: the first ``left`` columns left-aligned, the rest right-aligned."""
    widths = [max(len(cells[i]) for cells in (header, *body)) for i in range(len(header))]
    return [
        "  ".join(
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()
        for cells in (header, *body)
    ]


def format_table(result: dict[str, Any]) -> str:
    """Return the readable account of a validation: one row per observation, then the summary."""
    rows = result["observations"]
    summary = result["summary"]
    count = summary["observations"]
    lines = [
        f"{result['scenario']}, run {result['run']} ({result['replications']:,} replications): "
        f"{_plural(count, 'observation')} of held area (km2) from {result['observations_file']}",
        "",
    ]
    header = [
        "date",
        "observed",
        "95% range",
        "median",
        "50% band",
        "80% band",
        "95% band",
        "PIT",
        "in 50/80/95",
        "CRPS",
        "persistence",
        "line",
    ]
    body = []
    for row in rows:
        inside = "/".join("yes" if row[f"inside{_level_key(level)}"] else "no" for level in LEVELS)
        body.append(
            [
                row["date"],
                _km2(row["observed"]),
                f"{_km2(row['low'])}-{_km2(row['high'])}" if row["low"] is not None else "-",
                _km2(row["median"]),
                _band(row, 0.50),
                _band(row, 0.80),
                _band(row, 0.95),
                f"{row['pit']:.2f}",
                inside,
                f"{row['crps']:,.1f}",
                _km2(row["persistence"]),
                _km2(row["line_forecast"]),
            ]
        )
    lines += _columns(header, body)
    lines.append("")
    naive = summary["naive"]
    lines.append(
        f"mean CRPS (km2): model {summary['mean_crps']:,.1f}, persistence "
        f"{naive['persistence']['mean_crps']:,.1f}, straight line {naive['line']['mean_crps']:,.1f} "
        "(a point forecast's CRPS is its absolute error)"
    )
    lines.append(
        f"skill 1 - CRPS(model)/CRPS(naive): vs persistence {_skill_text(naive['persistence']['skill'])}, "
        f"vs straight line {_skill_text(naive['line']['skill'])}"
    )
    coverage = summary["coverage"]
    lines.append(
        "inside the central band: "
        + ", ".join(
            f"{key}%: {coverage[key]['inside']}/{count} ({coverage[key]['share']:.0%})"
            for key in (_level_key(level) for level in LEVELS)
        )
        + f"; mean PIT {summary['mean_pit']:.2f} (0.50 if calibrated)"
    )
    lines.append(
        "naive forecasts use only the scenario's start area and its own area_km2 observations dated "
        "before each observed date"
    )
    shared = sorted({row["date"] for row in rows if row["calibration_date"]})
    if shared:
        lines.append(
            f"note: the scenario itself has an area_km2 observation on {', '.join(shared)} (its calibration "
            "data), so the model is not tested out of sample there"
        )
    if count < 10:
        lines.append(f"note: coverage and skill from {_plural(count, 'observation')} are only indicative")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------ figure
def _fan(run: Run) -> tuple[np.ndarray, np.ndarray, str]:
    """Return the dates and a (runs, dates) array of held area for the fan chart, and where from.

    Every day from daily.parquet when there is one, else the dated outcome columns.
    """
    from sim.results.readers import area_matrix, read_table, table_path

    scenario = run.scenario
    if table_path(run.directory, "daily") is not None:
        days = scenario.horizon_days + 1
        matrix = area_matrix(run.directory, days)
        dates = np.datetime64(scenario.start, "D") + np.arange(days).astype("timedelta64[D]")
        return dates, matrix, "every day"
    table = read_table(run.directory, "outcomes")
    dated: dict[dt.date, str] = {}
    for column in table.column_names:
        if column.startswith("area_km2_on_"):
            try:
                dated[dt.date.fromisoformat(column.removeprefix("area_km2_on_"))] = column
            except ValueError:
                continue
    if "final_area_km2" in table.column_names:
        dated.setdefault(scenario.end, "final_area_km2")
    order = sorted(dated)
    matrix = np.column_stack(
        [table[dated[date]].to_numpy(zero_copy_only=False).astype(float) for date in order]
    )
    dates = np.array([np.datetime64(date, "D") for date in order])
    return dates, matrix, "dates kept in outcomes.parquet only"


def _naive_paths(
    scenario: Scenario, points: Sequence[CalibrationPoint]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return every day's date and both naive forecasts for it."""
    days = np.arange(scenario.horizon_days + 1)
    dates = [scenario.start + dt.timedelta(days=int(day)) for day in days]
    persistence = np.array([persistence_forecast(points, date) for date in dates])
    line = np.array([line_forecast(points, date) for date in dates])
    return np.datetime64(scenario.start, "D") + days.astype("timedelta64[D]"), persistence, line


def validation_chart(
    run: Run, observations: Sequence[ObservedArea], points: Sequence[CalibrationPoint], result: dict[str, Any]
) -> Figure:
    """Return the fan chart of held area with the observations and both naive forecasts.

    Args:
        run: The run.
        observations: The observations scored.
        points: The scenario's calibration points (drawn, and the naive forecasts' basis).
        result: The validation document (for the summary line).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import StrMethodFormatter

    scenario = run.scenario
    dates, matrix, basis = _fan(run)
    figure, axis = plt.subplots(figsize=(12.5, 6.4), layout="constrained")
    marker = "" if basis == "every day" else "o"
    for level in sorted(LEVELS, reverse=True):
        low, high = np.nanquantile(matrix, [(1 - level) / 2, (1 + level) / 2], axis=0)
        axis.fill_between(
            dates, low, high, color=BAND_COLOURS[level], linewidth=0, label=f"middle {level:.0%} of runs"
        )
    axis.plot(
        dates,
        np.nanmedian(matrix, axis=0),
        color=MEDIAN_COLOUR,
        linewidth=2.2,
        marker=marker,
        label="median of runs",
    )
    naive_dates, persistence, line = _naive_paths(scenario, points)
    axis.plot(
        naive_dates,
        persistence,
        linestyle="--",
        color=PERSISTENCE_COLOUR,
        linewidth=1.6,
        label="naive: persistence\n(last known value)",
    )
    axis.plot(
        naive_dates,
        line,
        linestyle=(0, (6, 3, 1, 3)),
        color=LINE_COLOUR,
        linewidth=1.6,
        label="naive: least-squares line\nthrough known values",
    )
    axis.plot(
        [np.datetime64(point.date, "D") for point in points],
        [point.value for point in points],
        "D",
        color="black",
        markerfacecolor="none",
        markeredgewidth=1.6,
        markersize=11,
        zorder=8,
        label="known to the scenario:\nstart area, its own observations",
    )
    top = float(np.nanmax(matrix)) if matrix.size else 0.0
    top = max(top, max(point.value for point in points))
    for index, obs in enumerate(observations):
        low = obs.low if obs.low is not None else obs.value
        high = obs.high if obs.high is not None else obs.value
        top = max(top, high)
        axis.errorbar(
            [np.datetime64(obs.date, "D")],
            [obs.value],
            yerr=[[obs.value - low], [high - obs.value]],
            fmt="o",
            color=OBSERVED_COLOUR,
            markeredgecolor="black",
            markersize=8,
            capsize=6,
            elinewidth=2,
            zorder=7,
            label="observed\n(bar: 95% range, where given)" if index == 0 else None,
        )
    axis.set_ylim(0, top * 1.08)
    axis.set_ylabel("held area (km²)")
    axis.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axis.set_xlabel("date")
    axis.set_xlim(
        np.datetime64(scenario.start, "D") - np.timedelta64(2, "D"),
        np.datetime64(scenario.end, "D") + np.timedelta64(2, "D"),
    )
    _date_ticks(axis, scenario.horizon_days)
    axis.grid(True, alpha=0.3)
    summary = result["summary"]
    naive = summary["naive"]
    figure.suptitle(
        f"{scenario.name}: held area against observations\nrun {run.name} · "
        f"{run.replications:,} runs · mean CRPS {summary['mean_crps']:,.0f} km² "
        f"(persistence {naive['persistence']['mean_crps']:,.0f}, line {naive['line']['mean_crps']:,.0f})",
        fontsize=11,
    )
    figure.legend(loc="outside right upper", fontsize=9, frameon=False, labelspacing=0.9)
    figure.supxlabel(
        f"Bands: on each date, the range holding the middle 50/80/95% of runs ({basis}). Naive forecasts use "
        "only values known before each date, so they jump where a new value becomes known.",
        fontsize=8,
        color="0.3",
        x=0.01,
        ha="left",
    )
    return figure


def _date_ticks(axis: Axes, span_days: int) -> None:
    """Calendar ticks spaced for the horizon: every other Monday, each month, or automatic."""
    import matplotlib.dates as mdates

    if span_days <= 100:
        axis.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO, interval=2))
        axis.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%Y"))
    elif span_days <= 460:
        axis.xaxis.set_major_locator(mdates.MonthLocator())
        axis.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    else:
        locator = mdates.AutoDateLocator()
        axis.xaxis.set_major_locator(locator)
        axis.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _save(figure: Figure, path: Path, fmt: str) -> None:
    import matplotlib.pyplot as plt

    from sim.results.store import atomic_path

    try:
        with atomic_path(path) as temporary:
            figure.savefig(temporary, dpi=120, format=fmt)
    finally:
        plt.close(figure)
