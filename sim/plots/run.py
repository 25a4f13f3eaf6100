"""Figures of a run folder.

Each figure function (``fan_chart``, ``survival_chart``, ``area_distribution``, ``crossing_distribution``,
``withdrawal_chart``, ``forces_chart``, ``sectors_chart``) takes the scenario and arrays already read
from the run folder and returns a matplotlib ``Figure``. ``run_figures`` reads a run folder and yields
its figures one at a time, so that only one is in memory; ``write_plots`` saves them into
``RUN_DIR/plots`` and ``sim report`` embeds them in HTML.

Memory stays bounded for big runs: only the needed columns are read, a batch at a time, and the
daily bands hold at most ``MAX_BAND_VALUES`` values per column (beyond that, an evenly spaced subset
of replications; the figure says so). Survival, crossing and withdrawal figures use every run
(``outcomes.parquet`` has one row per run).
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import pyarrow.dataset as ds  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from sim.results.readers import read_table, table_path  # noqa: E402
from sim.analysis.survival import kaplan_meier  # noqa: E402
from sim.results.store import atomic_path  # noqa: E402
from sim.results.columns import area_column, outcome_thresholds, threshold_column  # noqa: E402
from sim.errors import InputError  # noqa: E402
from sim.scenario.schema import Scenario  # noqa: E402

BANDS = ((0.95, "#c6dbef"), (0.80, "#9ecae1"), (0.50, "#6baed6"))
"""Central shares of runs drawn as bands, widest first, with their colours."""
MEDIAN_COLOUR = "#08306b"
OBSERVED_COLOUR = "#d62728"
SIDE_COLOURS = ("#1f77b4", "#d62728")
"""Holding side, then the other side."""
MAX_BAND_VALUES = 12_000_000
"""Most daily values held in memory per column for the bands (12 million float32 values: 48 MB)."""
DPI = 120
FORMATS = ("png", "svg")

REASON_LABELS = {
    "area_below": "held area fell below\nits limit (area_below)",
    "force_ratio_above": "enemy force ratio stayed\nabove its limit (force_ratio_above)",
    "supply_below": "supply stayed below\nits limit (supply_below)",
    "losses_above": "losses exceeded\ntheir limit (losses_above)",
}
"""Readable names of the withdrawal rules (the ``withdrawal_reason`` values)."""
_RULE_FIELDS = {
    "area_below": "area_below_km2",
    "force_ratio_above": "force_ratio_above",
    "supply_below": "supply_below",
    "losses_above": "losses_above",
}


# ------------------------------------------------------------------------------------ run folder
@dataclass(frozen=True)
class RunFolder:
    """A run folder opened for plotting: its manifest and rebuilt scenario.

    Attributes:
        directory: The folder.
        manifest: The parsed ``manifest.json``.
        scenario: The scenario rebuilt from the manifest.
        notes: Warnings about the folder (incomplete run, scenario not matching its sha256).
    """

    directory: Path
    manifest: dict[str, Any]
    scenario: Scenario
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The folder's own name (resolved, so ``.`` gives a real name)."""
        return self.directory.resolve().name

    @property
    def label(self) -> str:
        """How figures name the run."""
        return f"run folder {self.name}"

    @property
    def days(self) -> int:
        """Recorded days, 0 ... horizon."""
        return self.scenario.horizon_days + 1

    def has(self, table: str) -> bool:
        """Whether the run has that table (merged or as parts)."""
        return table_path(self.directory, table) is not None


def read_manifest(directory: Path) -> dict[str, Any]:
    """Return a folder's manifest.

    Raises:
        InputError: If the folder is missing, not a folder, or holds no readable manifest.
    """
    if not directory.exists():
        raise InputError("no such folder", str(directory))
    if not directory.is_dir():
        raise InputError("is not a folder (give the run folder that sim run wrote)", str(directory))
    path = directory / "manifest.json"
    if not path.is_file():
        raise InputError("holds no run (no manifest.json)", str(directory))
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"manifest.json is not valid JSON ({exc})", str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read manifest.json ({exc.strerror})", str(path)) from None
    if not isinstance(manifest, dict):
        raise InputError("manifest.json does not hold a JSON object", str(path))
    return manifest


def open_run_folder(directory: Path) -> RunFolder:
    """Open a run folder: read its manifest and rebuild the scenario it was run with.

    Unlike ``sim.batch.runner.open_run`` this accepts complete runs (and, with a note, running or
    failed ones that have finished chunks).

    Raises:
        InputError: If the folder holds no run, a sweep, or a scenario that no longer validates.
    """
    from pydantic import ValidationError

    from sim.batch.runner import scenario_hash

    manifest = read_manifest(directory)
    path = str(directory / "manifest.json")
    if manifest.get("kind") == "sweep":
        raise InputError("is a sweep folder, not a run folder", str(directory))
    if not isinstance(manifest.get("scenario"), dict):
        raise InputError("manifest.json has no scenario", path)
    try:
        scenario = Scenario.model_validate(manifest["scenario"])
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise InputError(
            f"the scenario in manifest.json does not validate: {where}: {first['msg']}{more}", path
        ) from None
    notes = []
    if scenario_hash(scenario) != manifest.get("scenario_sha256"):
        notes.append(
            "the scenario in manifest.json does not match its scenario_sha256 (edited by hand, or "
            "written by another version of sim)"
        )
    status = manifest.get("status")
    if status != "complete":
        if table_path(directory, "outcomes") is None:
            raise InputError(f"the run is {status} and has no finished replications yet", str(directory))
        notes.append(f"the run is {status}: the figures show its finished chunks only")
    return RunFolder(directory, manifest, scenario, tuple(notes))


# ----------------------------------------------------------------------------------- reading data
def _dataset(run: Path, name: str) -> ds.Dataset:
    path = table_path(run, name)
    if path is None:
        raise InputError(f"the run has no {name} table", str(run))
    if path.is_dir():
        return ds.dataset(sorted(path.glob(f"{name}-*.parquet")), format="parquet")
    return ds.dataset(path, format="parquet")


def _numpy(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return array.to_numpy(zero_copy_only=False)


def _evenly(replications: np.ndarray, limit: int) -> np.ndarray:
    """Return all replications, or ``limit`` of them evenly spaced by index."""
    if replications.size <= limit:
        return replications
    return replications[np.unique(np.linspace(0, replications.size - 1, max(limit, 1)).round().astype(int))]


@dataclass
class Matrices:
    """Daily values of some runs, one (runs, days) float32 array per column.

    Attributes:
        values: Column name to array; rows are ``replications`` in order.
        replications: The replication index of each row.
        total: Replications in the run (more than the rows if the bands use a subset).
    """

    values: dict[str, np.ndarray]
    replications: np.ndarray
    total: int

    @property
    def subset(self) -> bool:
        """Whether only some of the runs were read."""
        return self.replications.size < self.total


def daily_matrices(
    run: Path, columns: Sequence[str], days: int, max_values: int = MAX_BAND_VALUES
) -> Matrices:
    """Read daily columns of ``daily.parquet`` into (runs, days) arrays, a batch at a time.

    Args:
        run: The run folder.
        columns: Columns of the daily table.
        days: Recorded days.
        max_values: At most this many values in all; beyond it, an evenly spaced subset of runs.
    """
    dataset = _dataset(run, "daily")
    everyone = np.unique(_numpy(dataset.to_table(columns=["replication"], filter=ds.field("day") == 0)[0]))
    chosen = _evenly(everyone, max_values // (days * max(len(columns), 1)))
    out = {column: np.full((chosen.size, days), np.nan, dtype=np.float32) for column in columns}
    for batch in dataset.to_batches(columns=["replication", "day", *columns]):
        rows, keep = _rows(chosen, _numpy(batch.column(0)))
        day = _numpy(batch.column(1))
        keep &= day < days
        for index, column in enumerate(columns):
            out[column][rows[keep], day[keep]] = _numpy(batch.column(2 + index))[keep]
    return Matrices(out, chosen, int(everyone.size))


def sector_matrices(
    run: Path, sectors: Sequence[str], days: int, max_values: int = MAX_BAND_VALUES
) -> Matrices:
    """Read ``sectors.parquet`` into one (runs, days) array of held area per sector, a batch at a time."""
    dataset = _dataset(run, "sectors")
    first = (ds.field("day") == 0) & (ds.field("sector") == sectors[0])
    everyone = np.unique(_numpy(dataset.to_table(columns=["replication"], filter=first)[0]))
    chosen = _evenly(everyone, max_values // (days * max(len(sectors), 1)))
    out = {name: np.full((chosen.size, days), np.nan, dtype=np.float32) for name in sectors}
    names = pa.array(list(sectors), type=pa.string())
    for batch in dataset.to_batches(columns=["replication", "day", "sector", "area_km2"]):
        rows, keep = _rows(chosen, _numpy(batch.column(0)))
        day = _numpy(batch.column(1))
        which = _numpy(pc.fill_null(pc.index_in(batch.column(2), value_set=names), -1))
        area = _numpy(batch.column(3))
        keep &= day < days
        for index, name in enumerate(sectors):
            mask = keep & (which == index)
            out[name][rows[mask], day[mask]] = area[mask]
    return Matrices(out, chosen, int(everyone.size))


def _rows(chosen: np.ndarray, replication: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the row of each replication among ``chosen`` and whether it is one of them."""
    if chosen.size == 0:
        return np.zeros(replication.size, dtype=int), np.zeros(replication.size, dtype=bool)
    rows = np.minimum(np.searchsorted(chosen, replication), chosen.size - 1)
    return rows, chosen[rows] == replication


def crossing_days(
    run: Path, scenario: Scenario, thresholds: Sequence[float]
) -> tuple[dict[float, np.ndarray], list[str]]:
    """Return every run's first day below each threshold (NaN if never), and notes on skipped thresholds.

    The scenario's own thresholds come from ``outcomes.parquet``; any other is computed from
    ``daily.parquet``, a batch at a time, if the run has one.
    """
    outcomes = _dataset(run, "outcomes")
    present = set(outcomes.schema.names)
    stored = {t: threshold_column(t) for t in thresholds if threshold_column(t) in present}
    table = outcomes.to_table(columns=["replication", *dict.fromkeys(stored.values())])
    replications = _numpy(table["replication"])
    order = np.argsort(replications, kind="stable")
    result: dict[float, np.ndarray] = {}
    for threshold, column in stored.items():
        values = table[column].cast(pa.float64()).fill_null(np.nan)
        result[threshold] = _numpy(values)[order]
    missing = [t for t in thresholds if t not in stored]
    notes: list[str] = []
    if missing and table_path(run, "daily") is not None:
        ordered = replications[order]
        first = {t: np.full(ordered.size, np.inf) for t in missing}
        for batch in _dataset(run, "daily").to_batches(columns=["replication", "day", "area_km2"]):
            rows, keep = _rows(ordered, _numpy(batch.column(0)))
            day = _numpy(batch.column(1)).astype(float)
            area = _numpy(batch.column(2))
            for threshold in missing:
                mask = keep & (area < threshold)
                np.minimum.at(first[threshold], rows[mask], day[mask])
        for threshold in missing:
            result[threshold] = np.where(np.isinf(first[threshold]), np.nan, first[threshold])
    elif missing:
        notes.extend(
            f"below {t:,g} km2: skipped (not one of the run's outcome thresholds, and the run has no "
            "daily.parquet to compute it from)"
            for t in missing
        )
    return {t: result[t] for t in thresholds if t in result}, notes


# --------------------------------------------------------------------------------------- helpers
def _dates(scenario: Scenario, days: int) -> np.ndarray:
    return np.datetime64(scenario.start, "D") + np.arange(days).astype("timedelta64[D]")


def _date_number(scenario: Scenario, day: float) -> float:
    return float(mdates.date2num(np.datetime64(scenario.start, "D"))) + day


def _style_time_axis(axis: Axes, scenario: Scenario, label: bool = True) -> None:
    """Calendar dates on the x axis: month and year on each tick, spaced for the scenario's length."""
    span = scenario.horizon_days
    if span <= 100:
        axis.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO, interval=2))
        axis.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%Y"))
    elif span <= 460:
        axis.xaxis.set_major_locator(mdates.MonthLocator())
        axis.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    elif span <= 1100:
        axis.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
        axis.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    else:
        locator = mdates.AutoDateLocator()
        axis.xaxis.set_major_locator(locator)
        axis.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axis.set_xlim(_date_number(scenario, -2), _date_number(scenario, span + 2))
    if label:
        axis.set_xlabel("date")
    axis.grid(True, alpha=0.3)


def _title(figure: Figure, what: str, scenario: Scenario, run_label: str, runs: str) -> None:
    figure.suptitle(f"{scenario.name}: {what}\n{run_label} · {runs}", fontsize=11)


def _runs_text(total: int, used: int | None = None) -> str:
    if used is not None and used < total:
        return f"{total:,} runs (bands from {used:,} evenly spaced runs)"
    return f"{total:,} runs"


def _footnote(figure: Figure, text: str) -> None:
    """Add a note under the axes (as the figure's x label, so the layout keeps room for it)."""
    width = int(figure.get_figwidth() * 17)
    figure.supxlabel(textwrap.fill(text, width), fontsize=8, color="0.3", x=0.01, ha="left")


def _figure_legend(figure: Figure, axes: Iterable[Axes], columns: int, groups: Sequence[str] = ()) -> None:
    """One legend under the panels, with each label of ``axes`` once.

    Labels whose first word is one of ``groups`` are put together in that order (one column each when
    ``columns`` equals the number of groups).
    """
    seen: dict[str, Any] = {}
    for axis in axes:
        for handle, label in zip(*axis.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    handles, labels = list(seen.values()), list(seen)
    if groups:
        # One column per group: pad the groups to the same length with blank entries, since a legend
        # fills its columns top to bottom.
        order = {group: index for index, group in enumerate(groups)}
        members: list[list[tuple[Any, str]]] = [[] for _ in range(len(groups) + 1)]
        for handle, label in zip(handles, labels, strict=True):
            members[order.get(label.split(" ")[0].rstrip(":"), len(groups))].append((handle, label))
        if not members[-1]:
            members.pop()
        rows = max(len(group) for group in members)
        blank = (Line2D([], [], alpha=0), " ")
        padded = [entry for group in members for entry in group + [blank] * (rows - len(group))]
        handles, labels = [h for h, _ in padded], [t for _, t in padded]
        columns = len(members)
    figure.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=min(columns, max(len(labels), 1)),
        fontsize=9,
        frameon=False,
    )


def _n_runs(count: int) -> str:
    return f"{count:,} run" if count == 1 else f"{count:,} runs"


def _hide_unused(axes: np.ndarray, used: int) -> None:
    """Hide the empty panels of a grid; label the dates under every panel with no panel below it."""
    rows, columns = axes.shape
    for index, axis in enumerate(axes.flat):
        if index >= used:
            axis.set_visible(False)
        elif index + columns >= used:
            axis.xaxis.set_tick_params(labelbottom=True)
            axis.set_xlabel("date")


def _fmt_date(date: dt.date) -> str:
    return f"{date.day} {date:%b %Y}"


def _bands(values: np.ndarray, levels: Sequence[float]) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """Return, per level, the day-by-day range holding that central share of runs; level 0 is the median.

    All quantiles come from one pass over ``values`` (runs, days), so a big array is sorted once.
    """
    levels = [0.0, *levels]
    edges = sorted({q for level in levels for q in ((1 - level) / 2, (1 + level) / 2)})
    if values.size == 0:
        empty = np.full(values.shape[1] if values.ndim == 2 else 0, np.nan)
        return {level: (empty, empty) for level in levels}
    table = dict(zip(edges, np.quantile(values, edges, axis=0), strict=True))
    return {level: (table[(1 - level) / 2], table[(1 + level) / 2]) for level in levels}


def _observation_range(obs: Any, unit: str = "km²") -> tuple[float, float, str]:
    """Return an observation's low and high ends and how they were set."""
    if obs.sd is not None:
        return obs.value - 1.96 * obs.sd, obs.value + 1.96 * obs.sd, f"±1.96 × sd {obs.sd:,g} {unit}"
    low = obs.low if obs.low is not None else obs.value
    high = obs.high if obs.high is not None else obs.value
    if obs.low is None and obs.high is None:
        return low, high, "no range given"
    return low, high, "reported low–high"


def _observations(scenario: Scenario, metric: str, **match: str) -> list[Any]:
    """Return the observations of one metric, optionally of one sector or side.

    The schema keeps every observation within the scenario's dates.
    """
    return [
        obs
        for obs in scenario.observations
        if obs.metric == metric and all(getattr(obs, key, None) == value for key, value in match.items())
    ]


def _area_observations(scenario: Scenario) -> list[Any]:
    return _observations(scenario, "area_km2")


def _draw_observations(axis: Axes, observations: Sequence[Any], colour: str, unit: str, what: str) -> float:
    """Draw observations as points with 95% error bars; return the highest value drawn (0 if none)."""
    top = 0.0
    hows = {_observation_range(obs, unit)[2] for obs in observations}
    kinds = {"±1.96 sd" if obs.sd is not None else "reported low–high" for obs in observations}
    how = hows.pop() if len(hows) == 1 else " or ".join(sorted(kinds))
    for index, obs in enumerate(observations):
        low, high, _ = _observation_range(obs, unit)
        top = max(top, high)
        axis.errorbar(
            [np.datetime64(obs.date, "D")],
            [obs.value],
            yerr=[[obs.value - low], [high - obs.value]],
            fmt="o",
            color=colour,
            markeredgecolor="black",
            markersize=7,
            capsize=5,
            elinewidth=1.8,
            zorder=5,
            label=f"{what} reported (bar: 95% range, {how})" if index == 0 else None,
        )
    return top


def _place_legend(axis: Axes, x: np.ndarray, low: np.ndarray, high: np.ndarray, **options: Any) -> None:
    """Put the legend in the corner of the axes where it hides least of the band ``low``-``high``.

    Matplotlib's ``loc="best"`` looks at lines and markers but not at filled bands, so it would
    happily cover them.

    Args:
        axis: The axes.
        x: The band's x values (dates or numbers).
        low: The band's lower edge.
        high: The band's upper edge.
        **options: Passed to ``Axes.legend``.
    """
    legend = axis.legend(loc="upper right", **options)
    figure = axis.get_figure()
    figure.canvas.draw()
    box = legend.get_window_extent().transformed(axis.transAxes.inverted())
    width, height = min(box.width + 0.03, 1.0), min(box.height + 0.03, 1.0)
    to_axes = axis.transData + axis.transAxes.inverted()
    xs = mdates.date2num(x) if np.issubdtype(np.asarray(x).dtype, np.datetime64) else np.asarray(x, float)
    points = to_axes.transform(np.column_stack([xs, low]))
    position, low_fraction = points[:, 0], points[:, 1]
    high_fraction = to_axes.transform(np.column_stack([xs, high]))[:, 1]
    corners = {
        "upper right": (1 - width, 1, 1 - height, 1),
        "upper left": (0, width, 1 - height, 1),
        "lower left": (0, width, 0, height),
        "lower right": (1 - width, 1, 0, height),
    }
    hidden = {}
    for loc, (left, right, bottom, top) in corners.items():
        inside = (position >= left) & (position <= right)
        overlap = np.minimum(high_fraction[inside], top) - np.maximum(low_fraction[inside], bottom)
        hidden[loc] = float(np.clip(overlap, 0, None).sum())
    legend.set_loc(min(corners, key=lambda loc: (round(hidden[loc], 3), list(corners).index(loc))))


# --------------------------------------------------------------------------------------- figures
def fan_chart(
    scenario: Scenario,
    areas: np.ndarray,
    run_label: str,
    samples: int = 5,
    total: int | None = None,
    sample_ids: Sequence[int] | None = None,
) -> Figure:
    """Return the fan chart of held area over dates: median, 50/80/95% bands, sample runs, observations.

    Args:
        scenario: The run's scenario (dates, observations).
        areas: Held area, shape (runs, days).
        run_label: Names the run in the title.
        samples: How many single runs to draw.
        total: Runs in the whole run, if ``areas`` holds only a subset.
        sample_ids: Replication numbers of the rows of ``areas`` (for the legend).
    """
    count = len(areas)
    dates = _dates(scenario, areas.shape[1])
    figure, axis = plt.subplots(figsize=(10, 5.8), layout="constrained")
    bands = _bands(areas, [level for level, _ in BANDS])
    widest = bands[BANDS[0][0]] if count else None
    for level, colour in BANDS:
        axis.fill_between(
            dates, *bands[level], color=colour, linewidth=0, label=f"middle {level:.0%} of runs"
        )
    shown = min(samples, count)
    ids = list(sample_ids[:shown]) if sample_ids is not None else list(range(shown))
    for row in areas[:shown]:
        axis.plot(dates, row, color="0.25", linewidth=0.7, alpha=0.75)
    if shown:
        which = (
            f"replications {ids[0]}–{ids[-1]}" if ids == list(range(ids[0], ids[0] + shown)) else "examples"
        )
        axis.plot([], [], color="0.25", linewidth=0.7, label=f"{shown} single runs ({which})")
    axis.plot(dates, bands[0.0][0], color=MEDIAN_COLOUR, linewidth=2.2, label="median of runs")
    top = max(scenario.initial_area_km2, float(np.nanmax(areas)) if areas.size else 0.0)
    for obs in _area_observations(scenario):
        low, high, how = _observation_range(obs)
        top = max(top, high)
        axis.errorbar(
            [np.datetime64(obs.date, "D")],
            [obs.value],
            yerr=[[obs.value - low], [high - obs.value]],
            fmt="o",
            color=OBSERVED_COLOUR,
            markersize=7,
            capsize=5,
            elinewidth=1.8,
            zorder=5,
            label=f"reported {obs.value:,.0f} km² on {_fmt_date(obs.date)}; bar: 95% range, {how}",
        )
    axis.set_ylim(0, top * 1.05)
    axis.set_ylabel("held area (km²)")
    _style_time_axis(axis, scenario)
    _title(figure, "area held by the defender", scenario, run_label, _runs_text(total or count, count))
    if widest is not None:
        _place_legend(axis, dates, *widest, fontsize=9, framealpha=0.95)
    _footnote(
        figure,
        "Bands: on each day, the range holding the middle 50/80/95% of runs' held area; the median is "
        "taken day by day, so it is not itself one run.",
    )
    return figure


def survival_chart(
    scenario: Scenario, crossings: dict[float, np.ndarray], run_label: str, confidence: float = 0.95
) -> Figure:
    """Return the Kaplan-Meier probability that the held area has not yet fallen below each X, by date.

    Args:
        scenario: The run's scenario (dates, horizon).
        crossings: Threshold X to every run's first day below X (NaN if never: censored at the horizon).
        run_label: Names the run in the title.
        confidence: Level of the Greenwood confidence band.
    """
    figure, axis = plt.subplots(figsize=(12, 5.8), layout="constrained")
    horizon = scenario.horizon_days
    dates = _dates(scenario, horizon + 1)
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, max(len(crossings), 1)))
    half = round(scenario.initial_area_km2 / 2.0, 6)
    runs = 0
    for (threshold, days), colour in zip(crossings.items(), colours, strict=False):
        curve = kaplan_meier(days, horizon, threshold, confidence)
        runs = max(runs, curve.runs)
        axis.fill_between(dates, curve.low, curve.high, step="post", color=colour, alpha=0.25, linewidth=0)
        name = f"{threshold:,.0f}" if threshold >= 10 else f"{threshold:,g}"
        extra = " (half the start)" if np.isclose(threshold, half) else ""
        label = f"{name} km²{extra}\n{_n_runs(curve.crossed)} crossed, {curve.censored:,} never crossed"
        axis.step(dates, curve.sf, where="post", color=colour, linewidth=2, label=label)
    axis.axhline(0.5, color="0.4", linewidth=0.8, linestyle=":")
    axis.text(
        _date_number(scenario, horizon),
        0.51,
        "50%: median crossing date",
        ha="right",
        va="bottom",
        fontsize=8,
    )
    axis.fill_between([], [], [], color="0.6", alpha=0.35, label=f"{confidence:.0%} confidence band")
    axis.set_ylim(0, 1.02)
    axis.set_ylabel("probability held area not yet below X (0–1)")
    _style_time_axis(axis, scenario)
    _title(
        figure, "chance the held area has not yet fallen below X km²", scenario, run_label, f"{runs:,} runs"
    )
    figure.legend(
        loc="outside right upper",
        fontsize=9,
        title="held area not yet below",
        title_fontsize=9,
        labelspacing=0.9,
    )
    _footnote(
        figure,
        f"Kaplan–Meier estimate (scipy.stats.ecdf); runs that never fell below X are censored at the end "
        f'date {scenario.end}. Band: pointwise {confidence:.0%} Greenwood interval. "Fallen below" means '
        "at least once: ground won back later does not count.",
    )
    return figure


def area_distribution(scenario: Scenario, values: np.ndarray, date: dt.date, run_label: str) -> Figure:
    """Return a histogram of the held area on ``date`` across runs, with the ECDF on a second axis.

    Args:
        scenario: The run's scenario (observations on that date are drawn).
        values: Each run's held area on that date.
        date: The date.
        run_label: Names the run in the title.
    """
    figure, axis = plt.subplots(figsize=(10, 5.8), layout="constrained")
    values = np.asarray(values, dtype=float)
    top = max(float(values.max()) if values.size else 0.0, 1.0)
    bins = np.linspace(0.0, top * 1.0001, 41)
    axis.hist(values, bins=bins, color=BANDS[1][1], edgecolor="white", linewidth=0.5, label="runs per bin")
    axis.set_xlabel(f"held area on {_fmt_date(date)} (km²)")
    axis.set_ylabel(f"runs per {bins[1] - bins[0]:,.0f} km² bin (count)")
    axis.grid(True, alpha=0.3)
    ecdf = axis.twinx()
    ordered = np.sort(values)
    ecdf.step(
        np.concatenate([[0.0], ordered]),
        np.arange(ordered.size + 1) / max(ordered.size, 1),
        where="post",
        color=MEDIAN_COLOUR,
        linewidth=1.8,
    )
    ecdf.set_ylim(0, 1.02)
    ecdf.set_ylabel("share of runs at or below (0–1)")
    handles = [
        Patch(color=BANDS[1][1], label="runs per bin (left axis)"),
        Line2D([], [], color=MEDIAN_COLOUR, linewidth=1.8, label="cumulative share of runs (right axis)"),
    ]
    if values.size:
        median = float(np.median(values))
        axis.axvline(median, color=MEDIAN_COLOUR, linestyle="--", linewidth=1.2)
        handles.append(Line2D([], [], color=MEDIAN_COLOUR, linestyle="--", label=f"median {median:,.0f} km²"))
        zero = int(np.sum(values <= 0))
        if zero:
            handles.append(Patch(color="none", label=f"{zero:,} runs hold nothing (0 km²)"))
    for obs in _area_observations(scenario):
        if obs.date != date:
            continue
        low, high, how = _observation_range(obs)
        axis.axvspan(low, high, color=OBSERVED_COLOUR, alpha=0.12, linewidth=0, zorder=0)
        axis.axvline(obs.value, color=OBSERVED_COLOUR, linewidth=2)
        share = float(np.mean(values <= obs.value)) if values.size else float("nan")
        handles.append(
            Line2D(
                [],
                [],
                color=OBSERVED_COLOUR,
                linewidth=2,
                label=f"reported {obs.value:,.0f} km² ({share:.0%} of runs at or below it)",
            )
        )
        handles.append(Patch(color=OBSERVED_COLOUR, alpha=0.12, label=f"its 95% range ({how})"))
    axis.set_xlim(0, top * 1.03)
    axis.legend(handles=handles, loc="upper left", fontsize=9, framealpha=0.95)
    _title(figure, f"held area on {_fmt_date(date)}", scenario, run_label, f"{values.size:,} runs")
    return figure


def crossing_distribution(scenario: Scenario, crossings: dict[float, np.ndarray], run_label: str) -> Figure:
    """Return, per threshold X, a histogram of the date each run first fell below X, with its ECDF.

    Runs that never fell below X before the end date are counted in each panel's title; the ECDF is
    the share of *all* runs below X by each date, so it levels off at the share that crossed.

    Args:
        scenario: The run's scenario (dates).
        crossings: Threshold X to every run's first day below X (NaN if never).
        run_label: Names the run in the title.
    """
    count = max(len(crossings), 1)
    columns = 1 if count == 1 else 2
    rows = (count + columns - 1) // columns
    figure, axes = plt.subplots(
        rows, columns, figsize=(11, 1.9 + 3.3 * rows), layout="constrained", sharex=True, squeeze=False
    )
    horizon = scenario.horizon_days
    step = 7 if horizon >= 180 else max(1, horizon // 25)
    edges = np.arange(0, horizon + step + 1, step, dtype=float) - 0.5
    period = "week" if step == 7 else f"{step} days"
    start = _date_number(scenario, 0)
    half = round(scenario.initial_area_km2 / 2.0, 6)
    runs = 0
    for axis, (threshold, days) in zip(axes.flat, crossings.items(), strict=False):
        days = np.asarray(days, dtype=float)
        runs = max(runs, days.size)
        crossed = days[~np.isnan(days)]
        never = days.size - crossed.size
        axis.hist(start + crossed, bins=start + edges, color=BANDS[1][1], edgecolor="white", linewidth=0.4)
        axis.set_ylabel(f"runs per {period} (count)")
        _style_time_axis(axis, scenario, label=False)
        share = axis.twinx()
        ordered = np.sort(crossed)
        share.step(
            np.concatenate([[start - 2], start + ordered, [start + horizon + 2]]),
            np.concatenate([[0.0], np.arange(1, ordered.size + 1), [ordered.size]]) / max(days.size, 1),
            where="post",
            color=MEDIAN_COLOUR,
            linewidth=1.6,
        )
        share.set_ylim(0, 1.02)
        share.set_ylabel("share of all runs below X (0–1)", fontsize=9)
        median = np.quantile(np.where(np.isnan(days), np.inf, days), 0.5, method="inverted_cdf")
        if np.isfinite(median):
            axis.axvline(start + median, color=MEDIAN_COLOUR, linestyle="--", linewidth=1)
            date = scenario.start + dt.timedelta(days=float(median))
            when = f"median {_fmt_date(date)} (day {median:.0f})"
        else:
            when = "median: not reached (fewer than half the runs crossed)"
        name = f"{threshold:,.0f}" if threshold >= 10 else f"{threshold:,g}"
        extra = " (half the start)" if np.isclose(threshold, half) else ""
        axis.set_title(
            f"X = {name} km²{extra}: {_n_runs(crossed.size)} crossed, {_n_runs(never)} never crossed\n{when}",
            fontsize=10,
        )
    _hide_unused(axes, len(crossings))
    figure.legend(
        handles=[
            Patch(color=BANDS[1][1], label=f"runs first below X in that {period} (left axis)"),
            Line2D(
                [],
                [],
                color=MEDIAN_COLOUR,
                linewidth=1.6,
                label="share of all runs below X by then (right axis)",
            ),
            Line2D([], [], color=MEDIAN_COLOUR, linestyle="--", linewidth=1, label="median crossing date"),
        ],
        loc="outside lower center",
        ncols=3,
        fontsize=9,
        frameon=False,
    )
    _title(figure, "when the held area first fell below X km²", scenario, run_label, f"{runs:,} runs")
    return figure


def withdrawal_chart(
    scenario: Scenario, reasons: Sequence[str | None], withdrawal_days: np.ndarray, run_label: str
) -> Figure:
    """Return a bar chart of the rule that started each run's withdrawal, and the share withdrawn by date.

    Args:
        scenario: The run's scenario (which rules it has, dates).
        reasons: Each run's ``withdrawal_reason`` (None: no withdrawal).
        withdrawal_days: Each run's ``withdrawal_day`` (NaN: none).
        run_label: Names the run in the title.
    """
    count = len(reasons)
    rules = scenario.sides[scenario.holder].command.withdrawal
    names = [r for r, f in _RULE_FIELDS.items() if rules is not None and getattr(rules, f) is not None]
    names += sorted({r for r in reasons if r is not None and r not in names})
    reason_array = np.array([r if r is not None else "" for r in reasons], dtype=object)
    counts = [int(np.sum(reason_array == name)) for name in names] + [int(np.sum(reason_array == ""))]
    labels = [REASON_LABELS.get(n, n) for n in names] + ["no withdrawal\nby the end date"]
    palette = ["#d62728", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#bcbd22"]
    colours = [palette[i % len(palette)] for i in range(len(names))] + ["0.65"]
    figure, (bars, cumulative) = plt.subplots(
        1, 2, figsize=(12, 5.6), layout="constrained", gridspec_kw={"width_ratios": (1, 1.2)}
    )
    positions = np.arange(len(labels))[::-1]
    bars.barh(positions, counts, color=colours)
    bars.set_yticks(positions, labels, fontsize=9)
    for y, n in zip(positions, counts, strict=True):
        bars.text(n, y, f" {n:,} ({n / max(count, 1):.0%})", va="center", fontsize=9)
    bars.set_xlim(0, max(max(counts, default=0), 1) * 1.3)
    bars.set_xlabel("runs (count)")
    bars.set_title("rule that started the withdrawal", fontsize=10)
    bars.grid(True, axis="x", alpha=0.3)
    days = np.asarray(withdrawal_days, dtype=float)
    grid = np.arange(scenario.horizon_days + 1)
    dates = _dates(scenario, grid.size)
    layers = []
    for name in names:
        began = np.sort(days[(reason_array == name) & ~np.isnan(days)])
        layers.append(np.searchsorted(began, grid, side="right") / max(count, 1))
    if layers:
        cumulative.stackplot(
            dates,
            *layers,
            colors=colours[:-1],
            step="post",
            alpha=0.85,
            labels=[REASON_LABELS.get(n, n).replace("\n", " ") for n in names],
        )
        total = np.sum(layers, axis=0)
        cumulative.step(dates, total, where="post", color="0.15", linewidth=1.2, label="all rules together")
        cumulative.legend(loc="upper left", fontsize=8, framealpha=0.95)
    cumulative.set_ylim(0, 1.02)
    cumulative.set_ylabel("share of runs whose withdrawal has begun (0–1)")
    share_by_end = float(np.mean(~np.isnan(days))) if count else 0.0
    cumulative.set_title(
        f"withdrawal begun by date ({share_by_end:.0%} of runs by {_fmt_date(scenario.end)})", fontsize=10
    )
    _style_time_axis(cumulative, scenario)
    _title(figure, "the defender's withdrawal", scenario, run_label, f"{count:,} runs")
    if rules is not None:
        since = f" from {_fmt_date(rules.not_before)}" if rules.not_before else ""
        _footnote(
            figure,
            f"A withdrawal begins when the first of {scenario.holder}'s withdrawal rules fires (checked "
            f"daily{since}); limits given as distributions are drawn anew for each run.",
        )
    return figure


def forces_chart(
    scenario: Scenario, values: dict[str, np.ndarray], run_label: str, total: int | None = None
) -> Figure:
    """Return strength in theatre and cumulative casualties of each side over time: median and 80% band.

    Args:
        scenario: The run's scenario (sides, dates).
        values: ``strength_<side>`` and ``casualties_<side>`` arrays, shape (runs, days).
        run_label: Names the run in the title.
        total: Runs in the whole run, if the arrays hold only a subset.
    """
    figure, (strength, casualties) = plt.subplots(2, 1, figsize=(10, 8), layout="constrained", sharex=True)
    sides = sorted(scenario.sides, key=lambda s: s != scenario.holder)
    used = 0
    for side, colour in zip(sides, SIDE_COLOURS, strict=False):
        role = "holds the ground" if side == scenario.holder else "attacks"
        for axis, what in ((strength, "strength"), (casualties, "casualties")):
            data = values[f"{what}_{side}"]
            used = len(data)
            dates = _dates(scenario, data.shape[1])
            low, median, high = np.quantile(data, [0.1, 0.5, 0.9], axis=0)
            axis.fill_between(dates, low, high, color=colour, alpha=0.2, linewidth=0)
            axis.plot(dates, median, color=colour, linewidth=2, label=f"{side} ({role}): median")
            axis.fill_between([], [], [], color=colour, alpha=0.2, label=f"{side}: middle 80% of runs")
        _draw_observations(strength, _observations(scenario, "strength", side=side), colour, "soldiers", side)
    strength.set_ylabel("personnel in theatre (soldiers)")
    strength.set_title(
        "strength: every soldier who has arrived, in line, in reserve or refitting", fontsize=10
    )
    casualties.set_ylabel("cumulative casualties (soldiers)")
    casualties.set_title("casualties since the start", fontsize=10)
    for axis in (strength, casualties):
        axis.set_ylim(bottom=0)
        axis.yaxis.set_major_formatter(mticker.StrMethodFormatter("{x:,.0f}"))
        _style_time_axis(axis, scenario, label=axis is casualties)
    _figure_legend(figure, [strength], columns=len(sides), groups=sides)
    _title(figure, "forces and losses of each side", scenario, run_label, _runs_text(total or used, used))
    return figure


def sectors_chart(
    scenario: Scenario, values: dict[str, np.ndarray], run_label: str, total: int | None = None
) -> Figure:
    """Return small multiples of the held area per sector: median and 50%/80% bands.

    Args:
        scenario: The run's scenario (sectors, dates).
        values: Sector name to held area, shape (runs, days).
        run_label: Names the run in the title.
        total: Runs in the whole run, if the arrays hold only a subset.
    """
    count = max(len(values), 1)
    columns = min(count, 3 if count > 4 else 2)
    rows = (count + columns - 1) // columns
    figure, axes = plt.subplots(
        rows, columns, figsize=(11, 1.6 + 3.0 * rows), layout="constrained", sharex=True, squeeze=False
    )
    used = 0
    for axis, (name, data) in zip(axes.flat, values.items(), strict=False):
        used = len(data)
        dates = _dates(scenario, data.shape[1])
        bands = _bands(data, [level for level, _ in BANDS[1:]])
        for level, colour in BANDS[1:]:
            low, high = bands[level]
            axis.fill_between(
                dates, low, high, color=colour, linewidth=0, label=f"middle {level:.0%} of runs"
            )
        axis.plot(dates, bands[0.0][0], color=MEDIAN_COLOUR, linewidth=2, label="median of runs")
        start = float(np.median(data[:, 0])) if data.size else 0.0
        axis.set_title(f"{name} (starts at {start:,.0f} km²)", fontsize=10)
        reported = _observations(scenario, "sector_area_km2", sector=name)
        top = _draw_observations(axis, reported, OBSERVED_COLOUR, "km²", "sector area")
        axis.set_ylim(0, max(float(np.nanmax(data)) if data.size else 0.0, top, 1.0) * 1.05)
        axis.set_ylabel("held area (km²)")
        _style_time_axis(axis, scenario, label=False)
    _hide_unused(axes, len(values))
    _figure_legend(figure, axes.flat, columns=4)
    _title(figure, "held area per sector", scenario, run_label, _runs_text(total or used, used))
    return figure


# ------------------------------------------------------------------------------- a run's figures
@dataclass
class FigureItem:
    """One figure of a run, or why it was skipped.

    Attributes:
        name: File stem, e.g. ``fan_chart``.
        caption: What the figure shows, in a sentence.
        figure: The figure; None if skipped.
        note: Why it was skipped, if it was.
    """

    name: str
    caption: str
    figure: Figure | None = None
    note: str | None = None


FIGURES = (
    "fan_chart",
    "survival",
    "area_distribution",
    "crossing_days",
    "withdrawal_reasons",
    "forces",
    "sectors",
)
"""Every figure of a run, in order (file stems)."""


def default_date(scenario: Scenario) -> dt.date:
    """Return the date of the held-area distribution: the first observation's, else the end date."""
    dates = sorted(obs.date for obs in _area_observations(scenario))
    return dates[0] if dates else scenario.end


def default_thresholds(scenario: Scenario) -> list[float]:
    """Return the survival thresholds: the scenario's plus half the start (its outcome columns)."""
    return outcome_thresholds(scenario)


def run_figures(
    run: RunFolder, at: dt.date | None = None, thresholds: Sequence[float] | None = None
) -> Iterator[FigureItem]:
    """Yield a run's figures one at a time, each as soon as it is drawn (the caller closes it).

    Args:
        run: The opened run folder.
        at: Date of the held-area distribution (default ``default_date``).
        thresholds: Areas X for the survival and crossing figures (default ``default_thresholds``).

    Raises:
        InputError: If ``at`` is outside the run's dates.
    """
    scenario, directory, label = run.scenario, run.directory, run.label
    at = at or default_date(scenario)
    if not scenario.start <= at <= scenario.end:
        raise InputError(
            f"{at} is outside the run ({scenario.start} to {scenario.end})", str(directory), field="--at"
        )
    levels = sorted(set(thresholds), reverse=True) if thresholds else default_thresholds(scenario)
    has_daily = run.has("daily")
    no_daily = "skipped: the run has no daily.parquet (made with --daily none)"

    caption = "Held area over time: median and bands of the middle 50/80/95% of runs, with reported figures."
    if has_daily:
        data = daily_matrices(directory, ["area_km2"], run.days)
        figure = fan_chart(
            scenario, data.values["area_km2"], label, total=data.total, sample_ids=data.replications
        )
        del data
        yield FigureItem("fan_chart", caption, figure)
    else:
        yield FigureItem("fan_chart", caption, note=no_daily)

    crossings, notes = crossing_days(directory, scenario, levels)
    partly = "; ".join(notes) or None
    caption = "Kaplan–Meier probability that the held area has not yet fallen below each threshold, by date."
    if crossings:
        yield FigureItem("survival", caption, survival_chart(scenario, crossings, label), partly)
    else:
        yield FigureItem("survival", caption, note=f"skipped: {partly}")
    caption = "When each run's held area first fell below each threshold; runs that never did are counted."
    if crossings:
        yield FigureItem("crossing_days", caption, crossing_distribution(scenario, crossings, label))
    else:
        yield FigureItem("crossing_days", caption, note=f"skipped: {partly}")
    del crossings

    caption = f"Distribution of the held area across runs on {_fmt_date(at)}, with its cumulative share."
    values = _areas_on(run, at)
    if values is not None:
        yield FigureItem("area_distribution", caption, area_distribution(scenario, values, at, label))
    else:
        yield FigureItem(
            "area_distribution",
            caption,
            note="skipped: the run has no daily.parquet (made with --daily none) and keeps the held area "
            "as an outcome only on the first of each month, observation dates and the end date",
        )

    outcomes = read_table(directory, "outcomes", ["withdrawal_reason", "withdrawal_day"])
    reasons = outcomes["withdrawal_reason"].to_pylist()
    days = _numpy(outcomes["withdrawal_day"].fill_null(np.nan))
    caption = "Which withdrawal rule fired in each run, and the share of runs withdrawing by date."
    yield FigureItem("withdrawal_reasons", caption, withdrawal_chart(scenario, reasons, days, label))

    caption = "Strength in theatre and cumulative casualties of each side: median and middle 80% of runs."
    if has_daily:
        columns = [f"{what}_{side}" for side in scenario.sides for what in ("strength", "casualties")]
        data = daily_matrices(directory, columns, run.days)
        yield FigureItem("forces", caption, forces_chart(scenario, data.values, label, total=data.total))
        del data
    else:
        yield FigureItem("forces", caption, note=no_daily)

    caption = "Held area in each sector: median and middle 50/80% of runs."
    if run.has("sectors"):
        data = sector_matrices(directory, list(scenario.sectors), run.days)
        yield FigureItem("sectors", caption, sectors_chart(scenario, data.values, label, total=data.total))
        del data
    else:
        mode = "--daily none" if not has_daily else "--daily total"
        yield FigureItem(
            "sectors", caption, note=f"skipped: the run has no sectors.parquet (made with {mode})"
        )


def _areas_on(run: RunFolder, date: dt.date) -> np.ndarray | None:
    """Return every run's held area on ``date``, from an outcome column if there is one, else daily."""
    outcomes = _dataset(run.directory, "outcomes")
    names = set(outcomes.schema.names)
    for column in (area_column(date), "final_area_km2" if date == run.scenario.end else None):
        if column in names:
            return _numpy(outcomes.to_table(columns=[column])[column])
    if run.has("daily"):
        day = (date - run.scenario.start).days
        table = read_table(run.directory, "daily", ["area_km2"], filter=ds.field("day") == day)
        return _numpy(table["area_km2"])
    return None


def save(figure: Figure, path: Path) -> Path:
    """Save a figure (format from the suffix) atomically and close it."""
    try:
        with atomic_path(path) as temporary:
            figure.savefig(temporary, dpi=DPI, format=path.suffix.lstrip("."))
    finally:
        plt.close(figure)
    return path


@dataclass
class PlotResult:
    """What ``write_plots`` did.

    Attributes:
        written: Figure files written.
        notes: One line for each figure skipped, and any warning about the run folder.
    """

    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def write_plots(
    directory: Path,
    fmt: str = "png",
    at: dt.date | None = None,
    thresholds: Sequence[float] | None = None,
    run: RunFolder | None = None,
) -> PlotResult:
    """Write every figure of a run folder into ``directory/plots``.

    Args:
        directory: The run folder.
        fmt: ``png`` or ``svg``.
        at: Date of the held-area distribution.
        thresholds: Areas X for the survival and crossing figures.
        run: The folder already opened (else it is opened here).

    Raises:
        InputError: If the folder is not a usable run folder, or an option is out of range.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}", field="--format")
    run = run or open_run_folder(directory)
    result = PlotResult(notes=list(run.notes))
    out = directory / "plots"
    out.mkdir(exist_ok=True)
    for item in run_figures(run, at, thresholds):
        path = out / f"{item.name}.{fmt}"
        note = f"{item.name}: {item.note}" if item.note else None
        if item.figure is not None:
            result.written.append(save(item.figure, path))
        elif path.exists():
            path.unlink()
            note = f"{note} (removed the older {path.name}, drawn with other options)"
        if note:
            result.notes.append(note)
    return result


def write_run_plots(scenario: Scenario, directory: Path, fmt: str = "png") -> list[Path]:
    """Write a run folder's figures into ``directory/plots`` and return their paths (used by ``sim run``)."""
    manifest = read_manifest(directory)
    run = RunFolder(directory, manifest, scenario)
    return write_plots(directory, fmt, run=run).written
