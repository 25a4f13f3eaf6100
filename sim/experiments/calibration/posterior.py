"""A calibration's outputs: the weighted posterior, its summaries, diagnostics and the calibrated scenario."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import yaml

import sim
from sim.experiments.calibration.problem import (
    POSTERIOR_FILE,
    WEIGHT_COLUMN,
    Problem,
    Settings,
    statistic_name,
)
from sim.results.writing import atomic_path, write_json, write_table
from sim.scenario.json_schema import MODELINE
from sim.scenario.loader import deep_merge, load_raw
from sim.scenario.paths import overlay


@dataclass
class Generation:
    """One ABC-SMC generation as recorded in the diagnostics."""

    generation: int
    epsilon: float
    acceptance_rate: float
    effective_sample_size: float
    particles: int
    samples: int
    seconds: float
    elapsed_seconds: float


@dataclass
class CalibrationResult:
    """What a calibration did and wrote.

    Attributes:
        directory: The output folder.
        generations: Per-generation diagnostics.
        posterior: The last generation: one array per path, plus ``weight``.
        stop_reason: Why it stopped: ``generations``, ``min_epsilon`` or ``time``.
        seconds: Wall time of the whole calibration.
        written: Files written.
        epsilon_floor: The threshold it was to stop at.
    """

    directory: Path
    generations: list[Generation]
    posterior: dict[str, np.ndarray]
    stop_reason: str
    seconds: float
    written: list[Path] = field(default_factory=list)
    epsilon_floor: float = 0.0


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, probabilities: Sequence[float]) -> np.ndarray:
    """Return weighted quantiles (linear between the midpoints of the sorted values' weights)."""
    order = np.argsort(values)
    ordered = np.asarray(values, dtype=float)[order]
    w = np.asarray(weights, dtype=float)[order]
    cumulative = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(probabilities, cumulative, ordered)


def weighted_correlation(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> float:
    """Return the weighted Pearson correlation of two columns."""
    w = weights / weights.sum()
    mx, my = np.sum(w * x), np.sum(w * y)
    cov = np.sum(w * (x - mx) * (y - my))
    sx, sy = math.sqrt(np.sum(w * (x - mx) ** 2)), math.sqrt(np.sum(w * (y - my) ** 2))
    return float(cov / (sx * sy)) if sx > 0 and sy > 0 else math.nan


def parameter_summary(problem: Problem, posterior: Mapping[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Return, per path, the prior's and the posterior's median and 10-90% range, and their ratio."""
    weights = posterior[WEIGHT_COLUMN]
    summary = {}
    for path in problem.paths:
        prior = problem.block.parameters[path]
        p10, p50, p90 = (prior.ppf(q) for q in (0.1, 0.5, 0.9))
        q10, q50, q90 = weighted_quantiles(posterior[path], weights, (0.1, 0.5, 0.9))
        mean = float(np.sum(weights * posterior[path]))
        summary[path] = {
            "prior_p10": p10,
            "prior_median": p50,
            "prior_p90": p90,
            "posterior_p10": float(q10),
            "posterior_median": float(q50),
            "posterior_p90": float(q90),
            "posterior_mean": mean,
            "posterior_sd": float(math.sqrt(np.sum(weights * (posterior[path] - mean) ** 2))),
            "width_ratio": float((q90 - q10) / (p90 - p10)) if p90 > p10 else math.nan,
        }
    return summary


def correlations(problem: Problem, posterior: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Return the weighted posterior correlation of every pair of paths (``a | b`` keys)."""
    out = {}
    for i, a in enumerate(problem.paths):
        for b in problem.paths[i + 1 :]:
            out[f"{a} | {b}"] = weighted_correlation(posterior[a], posterior[b], posterior[WEIGHT_COLUMN])
    return out


def posterior_table(paths: Sequence[str], posterior: Mapping[str, np.ndarray]) -> pa.Table:
    """Return the posterior as an Arrow table: one column per path, then ``weight``."""
    return pa.table({name: pa.array(posterior[name], type=pa.float64()) for name in (*paths, WEIGHT_COLUMN)})


DIAGNOSTIC_COLUMNS = (
    "generation",
    "epsilon",
    "acceptance_rate",
    "effective_sample_size",
    "particles",
    "samples",
    "seconds",
    "elapsed_seconds",
)


def diagnostics_csv(generations: Sequence[Generation]) -> str:
    """Return the per-generation diagnostics as CSV text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DIAGNOSTIC_COLUMNS)
    for g in generations:
        writer.writerow(
            [
                g.generation,
                f"{g.epsilon:.6g}",
                f"{g.acceptance_rate:.6g}",
                f"{g.effective_sample_size:.6g}",
                g.particles,
                g.samples,
                f"{g.seconds:.3f}",
                f"{g.elapsed_seconds:.3f}",
            ]
        )
    return buffer.getvalue()


def calibrated_document(
    base_document: Mapping[str, Any],
    base_file: str,
    posterior_file: str,
    paths: Sequence[str],
    name: str,
) -> dict[str, Any]:
    """Return the calibrated scenario as plain data: it extends the base and reads the posterior.

    Each path becomes ``{dist: empirical, file: posterior_file, column: path, weights: weight}``
    (``sim.scenario.paths.overlay``: a path through a list carries the whole list from the base).
    """

    def empirical(path: str) -> dict[str, str]:
        return {"dist": "empirical", "file": posterior_file, "column": path, "weights": WEIGHT_COLUMN}

    return {"extends": base_file, "name": name, "calibrate": None, **overlay(base_document, paths, empirical)}


def write_calibrated_scenario(
    target: Path,
    base_file: Path,
    posterior_file: Path,
    problem: Problem,
    header: str = "",
    name: str | None = None,
) -> Path:
    """Write a calibrated scenario YAML that ``extends:`` the base and draws from the posterior.

    Paths to the base scenario and the posterior are written relative to ``target``'s folder.
    Every empirical column reads the same file, so a replication draws one posterior row for all of
    them (the joint posterior, with its correlations).

    Args:
        target: The YAML file to write.
        base_file: The scenario that was calibrated.
        posterior_file: The posterior Parquet file.
        problem: The calibration problem (paths, base document).
        header: Comment lines written at the top.
        name: The calibrated scenario's name [default: ``<name>_calibrated``].
    """
    folder = target.resolve().parent
    base = os.path.relpath(base_file.resolve(), folder)
    posterior = os.path.relpath(posterior_file.resolve(), folder)
    raw, _ = load_raw(problem.scenario_file)
    document = calibrated_document(
        raw, base, posterior, problem.paths, name or f"{problem.scenario.name}_calibrated"
    )
    # A calibration made with --set changes: the calibrated scenario carries them (the calibrated inputs,
    # set after them, win).
    for override in problem.overrides:
        text, _, value = override.partition("=")
        parsed: Any = yaml.safe_load(value) if value.strip() else None

        def leaf(_path: str, parsed: Any = parsed) -> Any:
            return parsed

        changed = overlay(raw, [text.strip()], leaf)
        head = {key: document.pop(key) for key in ("extends", "name", "calibrate")}
        document = {**head, **deep_merge(changed, document)}
    body = yaml.safe_dump(document, sort_keys=False, default_flow_style=None, width=1000, allow_unicode=True)
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    with atomic_path(target) as temporary:
        temporary.write_text(_schema_line(base_file, folder) + comment + body, encoding="utf-8")
    return target


def _schema_line(base_file: Path, folder: Path) -> str:
    """Return the base scenario's editor schema line, its path re-pointed from ``folder`` ("" if none)."""
    first = base_file.read_text(encoding="utf-8").split("\n", 1)[0]
    if not first.startswith(MODELINE):
        return ""
    reference = first.removeprefix(MODELINE).strip()
    if "://" in reference:
        return first + "\n"
    schema = (base_file.resolve().parent / reference).resolve()
    return f"{MODELINE}{os.path.relpath(schema, folder)}\n" if schema.is_file() else ""


def _header(problem: Problem, settings: Settings, result: CalibrationResult) -> str:
    last = result.generations[-1]
    lines = [
        f"{problem.scenario.name}, calibrated by sim calibrate (ABC-SMC, pyabc) on "
        f"{dt.date.today().isoformat()}.",
        f"Posterior: {last.particles} weighted particles of generation {last.generation} "
        f"(threshold {last.epsilon:.3g}, ESS {last.effective_sample_size:.0f});",
        f"population {settings.population}, {settings.replications} replication(s) per particle, "
        f"seed {settings.seed}, {result.seconds / 60:.1f} min.",
        "Each calibrated input is drawn from the posterior file, one row per replication for all of them",
        "(the joint posterior). Everything else comes from the base scenario; its calibrate: block is",
        "switched off here (calibrate the base file again to redo the calibration).",
    ]
    return "\n".join(lines)


def write_outputs(problem: Problem, settings: Settings, result: CalibrationResult) -> list[Path]:
    """Write posterior, diagnostics, calibrated scenario and plots into the result's folder."""
    directory = result.directory
    written = []
    posterior_path = directory / POSTERIOR_FILE
    write_table(posterior_path, posterior_table(problem.paths, result.posterior))
    written.append(posterior_path)
    summary = parameter_summary(problem, result.posterior)
    record = {
        "package_version": sim.__version__,
        "scenario": problem.scenario.name,
        "scenario_file": str(problem.scenario_file),
        "settings": {
            "population": settings.population,
            "generations": settings.generations,
            "min_epsilon": settings.min_epsilon,
            "epsilon_floor": settings.epsilon_floor(len(problem.observed)),
            "max_minutes": settings.max_minutes,
            "replications": settings.replications,
            "seed": settings.seed,
            "executor": settings.executor,
            "workers": settings.workers,
        },
        "priors": {
            path: problem.block.parameters[path].model_dump(mode="json", by_alias=True)
            for path in problem.paths
        },
        "observations": [
            {
                "statistic": statistic_name(i),
                "date": obs.date.isoformat(),
                "metric": obs.metric,
                "side": obs.side,
                "sector": obs.sector,
                "value": obs.value,
                "scale": obs.scale,
            }
            for i, obs in enumerate(problem.scenario.observations)
        ],
        "stop_reason": result.stop_reason,
        "seconds": round(result.seconds, 3),
        "generations": [{name: getattr(g, name) for name in DIAGNOSTIC_COLUMNS} for g in result.generations],
        "parameters": summary,
        "correlations": correlations(problem, result.posterior),
    }
    write_json(directory / "diagnostics.json", record)
    written.append(directory / "diagnostics.json")
    with atomic_path(directory / "diagnostics.csv") as temporary:
        temporary.write_text(diagnostics_csv(result.generations), encoding="utf-8")
    written.append(directory / "diagnostics.csv")
    target = directory / f"{problem.scenario.name}_calibrated.yaml"
    written.append(
        write_calibrated_scenario(
            target, problem.scenario_file, posterior_path, problem, _header(problem, settings, result)
        )
    )
    return written
