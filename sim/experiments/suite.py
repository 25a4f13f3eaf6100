"""The validation suite: backtests of several scenarios, scored out of sample, with an ablation.

A suite file lists scenarios (the CDB90 campaign sequences under ``scenarios/campaigns/``, and Kursk)
with their backtest origins; ``auto`` puts a campaign's origin after the first third of its windows.
Each entry is backtested (``sim.experiments.backtest``: ABC-SMC on what was known at the origin, the
forecast scored on everything later against persistence and a straight line). With the ablation, each
mechanism a scenario uses (``sim.scenario.mechanisms``) is switched off in turn, in a variant scenario
that ``extends:`` the entry and changes nothing else, and backtested the same way with the same seed.

Folder: ``<entry>/<variant>/`` per backtest (``all`` for the scenario as written, ``without-<name>``
for each ablation, with the variant scenario beside it), then ``suite.json`` and ``suite.csv``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import Field

import sim
from sim.batch.executors import Executor
from sim.errors import InputError
from sim.experiments.backtest import BacktestResult, recorded_settings, run_backtest
from sim.experiments.calibration.problem import Settings
from sim.results.files import read_json
from sim.results.writing import write_csv, write_json
from sim.scenario import load_scenario
from sim.scenario.files import allowing_outside_files
from sim.scenario.loader import load_raw, validate
from sim.scenario.mechanisms import MECHANISMS, switch_off, used
from sim.scenario.observations import Frozen
from sim.scenario.paths import overlay
from sim.scenario.schema import Scenario

MAIN_METRICS = ("advance_km", "area_km2")
"""The quantity an entry is judged on: its windows of advance, else its held area."""


class SuiteEntry(Frozen):
    """One scenario of the suite and where its backtests start."""

    scenario: str = Field(max_length=1000, description="The scenario file, relative to the suite file.")
    origins: Literal["auto"] | Annotated[list[dt.date], Field(min_length=1, max_length=20)] = Field(
        "auto",
        description="Backtest origins; auto: after the first third of the scenario's advance_km windows.",
    )
    ablate: list[str] | None = Field(
        None,
        max_length=50,
        description="Mechanisms the ablation switches off for this entry ([]: none; absent: the suite's).",
    )


class SuiteFile(Frozen):
    """A validation suite: scenarios, origins, and how hard to calibrate each."""

    entries: list[SuiteEntry] = Field(min_length=1, max_length=100, description="The scenarios.")
    population: int = Field(300, ge=10, le=100_000, description="Particles per calibration generation.")
    generations: int = Field(6, ge=1, le=100, description="At most this many generations.")
    max_minutes: float = Field(10.0, gt=0, le=10_080, description="Time budget of each calibration.")
    replications: int = Field(400, ge=2, le=1_000_000, description="Replications of each forecast.")
    ablate: list[str] | None = Field(
        None, description="Mechanisms the ablation switches off (absent: every one a scenario uses)."
    )


@dataclass
class EntryScore:
    """How one scenario (as written, or with a mechanism off) did out of sample.

    Attributes:
        entry: The scenario's name.
        variant: ``all``, or ``without-<mechanism>``.
        what: The quantity judged ("held area", "km advanced in a window").
        rows: The scored rows of that quantity, every origin.
        campaign: Whether the entry is a campaign of the suite (its origin ``auto``); the others (Kursk)
            are scored origin by origin and not counted in the campaigns' mean.
    """

    entry: str
    variant: str
    what: str
    rows: list[dict[str, Any]]
    campaign: bool = True

    def mean(self, column: str) -> float:
        """Return a column's mean over the rows (NaN without rows)."""
        values = [row[column] for row in self.rows if row.get(column) is not None]
        return float(np.mean(values)) if values else math.nan

    @property
    def skill(self) -> float:
        """CRPS skill against the straight line: 1 - mean CRPS / the line's mean absolute error."""
        line = self.mean("line_crps")
        return 1.0 - self.mean("crps") / line if line > 0 else math.nan

    @property
    def inside_80(self) -> float:
        """Share of scored observations inside the model's central 80% band."""
        return self.mean("inside80")

    def by_origin(self) -> list[dict[str, Any]]:
        """Return the mean CRPS of the model and the line at each origin."""
        out = []
        for origin in dict.fromkeys(row["origin"] for row in self.rows):
            chosen = [row for row in self.rows if row["origin"] == origin]
            model = float(np.mean([row["crps"] for row in chosen]))
            line = float(np.mean([row["line_crps"] for row in chosen]))
            out.append({"origin": origin, "crps": model, "line_crps": line, "scored": len(chosen)})
        return out


@dataclass
class SuiteResult:
    """What a suite run did and wrote."""

    directory: Path
    scores: list[EntryScore] = field(default_factory=list)
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)


def read_suite(path: str | Path) -> SuiteFile:
    """Read and validate a suite file.

    Raises:
        InputError: For a missing or malformed file (the message names its line and field).
    """
    data, origins = load_raw(Path(path))
    return validate(data, origins, str(path), model=SuiteFile)


def auto_origin(scenario: Scenario) -> dt.date:
    """Return the date after the first third of the scenario's windows (the last of them to end).

    Raises:
        InputError: If the scenario has fewer than three windows.
    """
    ends = sorted(obs.date for obs in scenario.observations if obs.metric == "advance_km")
    if len(ends) < 3:
        raise InputError(
            "has fewer than three advance_km windows: give its origins", scenario.name, field="origins"
        )
    return ends[math.ceil(len(ends) / 3) - 1]


def variant_file(entry_file: Path, scenario: Scenario, mechanism: str, folder: Path) -> Path:
    """Write the scenario with ``mechanism`` switched off (an ``extends:`` of the entry) and return it."""
    changes = dict(switch_off(scenario, mechanism))
    data, _ = load_raw(entry_file)
    folder.mkdir(parents=True, exist_ok=True)
    document = {
        "extends": str(entry_file.resolve()),
        "name": f"{scenario.name}-without-{mechanism}",
        **overlay(data, list(changes), changes.__getitem__),
    }
    path = folder / f"{scenario.name}-without-{mechanism}.yaml"
    header = f"# {scenario.name} with {MECHANISMS[mechanism].label} switched off (sim suite's ablation).\n"
    path.write_text(header + yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def _main_rows(result: BacktestResult) -> tuple[str, list[dict[str, Any]]]:
    return _rows_of([row for origin in result.origins for row in origin.rows])


def finished_rows(
    folder: Path, settings: Settings, replications: int, origins: Sequence[dt.date]
) -> list[dict[str, Any]] | None:
    """Return the rows of a backtest already finished in ``folder`` with these settings, else None.

    A suite stopped part way resumes from its finished backtests: one counts only if its
    ``backtest.json`` reads, has every origin asked for, and records the same settings (``recorded_settings``:
    calibration, seed and forecast size; anything else is run again). It is read as every file read back is: a
    regular file of bounded size (a pipe there would otherwise hang the suite).
    """
    try:
        document = read_json(folder / "backtest.json")
        same = document["settings"] == recorded_settings(settings, replications) and [
            origin["origin"] for origin in document["origins"]
        ] == [d.isoformat() for d in origins]
        rows = document["rows"]
    except (InputError, KeyError, TypeError):
        return None
    return rows if same and isinstance(rows, list) else None


def set_aside(folder: Path) -> Path | None:
    """Rename a backtest folder that did not finish to ``<name>.unfinished[-n]``; return the new path.

    Its calibration would refuse the folder, and what it holds is kept rather than deleted.
    """
    if not folder.is_dir() or not any(folder.glob("origin-*")):
        return None
    target = folder.with_name(f"{folder.name}.unfinished")
    number = 1
    while target.exists():
        number += 1
        target = folder.with_name(f"{folder.name}.unfinished-{number}")
    return folder.rename(target)


def _rows_of(rows: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    for metric in MAIN_METRICS:
        chosen = [row for row in rows if row["metric"] == metric and row.get("line_crps") is not None]
        if chosen:
            return chosen[0]["what"], chosen
    return "", []


def run_suite(
    suite: SuiteFile,
    suite_file: Path,
    directory: Path,
    make_executor: Callable[[], Executor],
    settings: Settings,
    ablation: bool,
    announce: Callable[[str], None] | None = None,
) -> SuiteResult:
    """Backtest every entry of the suite (and, with ``ablation``, every variant) and write the tables.

    A backtest already finished in its folder with the same settings (``finished_rows``) is read, not
    run again, so a suite stopped part way resumes with the same ``--out``.

    Args:
        suite: The validated suite file.
        suite_file: Where it was read from (entries are relative to its folder).
        directory: The suite's output folder (must not hold a suite already).
        make_executor: Returns the executor of a forecast run.
        settings: Calibration settings (population, generations, seed, executor).
        ablation: Also backtest each entry with each mechanism it uses switched off.
        announce: Called with a line before each backtest.
    """
    if (directory / "suite.json").exists():
        raise InputError("already holds a suite; choose another --out", str(directory), field="--out")
    result = SuiteResult(directory)
    with allowing_outside_files():
        for entry in suite.entries:
            entry_file = (suite_file.parent / entry.scenario).resolve()
            scenario = load_scenario(entry_file)
            result.scenarios[scenario.name] = scenario
            origins = [auto_origin(scenario)] if entry.origins == "auto" else list(entry.origins)
            variants: list[str | None] = [None]
            if ablation:
                ablate = entry.ablate if entry.ablate is not None else suite.ablate
                variants += [name for name in used(scenario) if ablate is None or name in ablate]
            for mechanism in variants:
                label = "all" if mechanism is None else f"without-{mechanism}"
                folder = directory / scenario.name / label
                done = finished_rows(folder, settings, suite.replications, origins)
                if done is None:
                    set_aside(folder)
                scenario_file = (
                    entry_file if mechanism is None else variant_file(entry_file, scenario, mechanism, folder)
                )
                if announce is not None:
                    state = "read (finished before): origins" if done is not None else "origins"
                    announce(f"{scenario.name}, {label}: {state} {', '.join(map(str, origins))}")
                if done is not None:
                    what, rows = _rows_of(done)
                else:
                    backtest = run_backtest(
                        scenario_file, origins, settings, suite.replications, folder, make_executor
                    )
                    what, rows = _main_rows(backtest)
                result.scores.append(EntryScore(scenario.name, label, what, rows, entry.origins == "auto"))
    result.written.extend(write_suite(result, suite))
    return result


def summary_rows(scores: Sequence[EntryScore]) -> list[dict[str, Any]]:
    """Return one row per entry and variant: mean CRPS, the line's, persistence's, skill, 80% coverage."""
    return [
        {
            "entry": score.entry,
            "variant": score.variant,
            "campaign": score.campaign,
            "what": score.what,
            "scored": len(score.rows),
            "crps": score.mean("crps"),
            "line_crps": score.mean("line_crps"),
            "persistence_crps": score.mean("persistence_crps"),
            "skill_vs_line": score.skill,
            "inside_80": score.inside_80,
        }
        for score in scores
    ]


def write_suite(result: SuiteResult, suite: SuiteFile) -> list[Path]:
    """Write ``suite.json`` (settings, per-entry scores, per-origin scores, rows) and ``suite.csv``."""
    rows = summary_rows(result.scores)
    document = {
        "package_version": sim.__version__,
        "settings": suite.model_dump(mode="json"),
        "scores": rows,
        "by_origin": {f"{s.entry}/{s.variant}": s.by_origin() for s in result.scores},
        "rows": {f"{s.entry}/{s.variant}": s.rows for s in result.scores},
    }
    json_path = result.directory / "suite.json"
    csv_path = result.directory / "suite.csv"
    write_json(json_path, document)
    write_csv(csv_path, rows)
    return [json_path, csv_path]
