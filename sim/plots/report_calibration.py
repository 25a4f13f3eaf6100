"""The report of a calibration folder (``sim calibrate``).

Settings, generations, prior against posterior, figures, the posterior predictive against the
observations, and the calibrated scenario.

Everything comes from the files the calibration wrote: ``diagnostics.json`` (settings, priors,
observations, generations, parameter summaries, correlations), ``plots/*.png``, the calibrated scenario
``<name>_calibrated.yaml`` and ``abc.db`` (pyabc's history), whose last generation holds each accepted
particle's simulated statistics and weight.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.plots.html import (
    Figure,
    Point,
    Table,
    date_text,
    file_figure,
    number_text,
    pairs,
    png_data_uri,
    read_json,
    render,
    share_text,
    unit_of,
)
from sim.plots.report_predictive import accepted_statistics, predictive_figure, predictive_table

FIGURES = (
    ("calibration_marginals", "Prior and posterior of each calibrated input."),
    ("calibration_pairs", "The posterior's pairs of inputs: how the observations tie them together."),
    ("calibration_generations", "Each generation's threshold and acceptance rate."),
)
CORRELATION_SHOWN = 0.5
"""Posterior correlations at least this strong are named in the key points."""


def _prior_text(prior: Any) -> str:
    """Return a prior as "uniform(0.2, 1)" or "lognormal(median 1, sigma 0.25)"."""
    if not isinstance(prior, dict):
        return str(prior)
    values = {k: v for k, v in prior.items() if k != "dist"}
    if set(values) == {"low", "high"}:
        return f"{prior.get('dist', '?')}({number_text(values['low'])}, {number_text(values['high'])})"
    rest = ", ".join(f"{k} {number_text(v) if isinstance(v, int | float) else v}" for k, v in values.items())
    return f"{prior.get('dist', '?')}({rest})"


def _span(entry: dict[str, Any], which: str) -> str:
    return (
        f"{number_text(entry.get(f'{which}_median'))} ({number_text(entry.get(f'{which}_p10'))} to "
        f"{number_text(entry.get(f'{which}_p90'))})"
    )


def _key_points(
    diagnostics: dict[str, Any], names: dict[str, str], missed: list[dict[str, Any]] | None
) -> list[Point]:
    points = []
    generations = diagnostics.get("generations") or []
    settings = diagnostics.get("settings") or {}
    if generations:
        last = generations[-1]
        points.append(
            Point(
                f"ABC-SMC ran {len(generations)} generation(s) of "
                f"{number_text(settings.get('population'))} particles and stopped by "
                f"{str(diagnostics.get('stop_reason', '?')).replace('_', ' ')}: last threshold ε "
                f"{number_text(last.get('epsilon'))}, effective sample size "
                f"{number_text(last.get('effective_sample_size'))}, "
                f"{number_text(diagnostics.get('seconds'))} s."
            )
        )
    parameters = diagnostics.get("parameters") or {}
    learned = [
        (names.get(p, p), e["width_ratio"]) for p, e in parameters.items() if e.get("width_ratio") is not None
    ]
    narrowed = [f"{n} ({r:.0%} of the prior's)" for n, r in sorted(learned, key=lambda x: x[1]) if r < 0.75]
    if narrowed:
        points.append(
            Point("Narrowed by the observations (posterior 10–90% range): " + ", ".join(narrowed) + ".")
        )
    barely = [n for n, r in learned if r >= 0.9]
    if barely:
        points.append(
            Point("Barely learned (posterior about as wide as the prior): " + ", ".join(barely) + ".")
        )
    strong = []
    for pair, r in (diagnostics.get("correlations") or {}).items():
        if r is not None and abs(r) >= CORRELATION_SHOWN:
            a, _, b = pair.partition(" | ")
            strong.append(f"{names.get(a, a)} ~ {names.get(b, b)} ({r:+.2f})")
    if strong:
        points.append(
            Point("Strong posterior correlations (traded off against each other): " + "; ".join(strong) + ".")
        )
    if missed:
        listed = "; ".join(
            f"{item['what']} on {date_text(item.get('date'))} "
            f"(reported {number_text(item['value'])} {unit_of(item)})"
            for item in missed
        )
        points.append(
            Point(
                f"{len(missed)} reported figure(s) lie outside the accepted particles' 95% band: {listed}.",
                warn=True,
            )
        )
    return points


def _names(paths: list[str], scenario_file: Any) -> dict[str, str]:
    """The inputs' names as every output gives them: judged against the scenario's fields, if it loads."""
    from sim.errors import InputError
    from sim.scenario import load_scenario
    from sim.scenario.parameters import input_names
    from sim.scenario.paths import reader_names

    if scenario_file:
        try:
            return input_names(load_scenario(scenario_file), paths)
        except InputError:
            pass  # moved or changed since: the names are judged among the calibrated inputs alone
    return reader_names(paths)


# Over 60 lines: the page's sections gathered in the order it shows them and handed to its template in one
# call.
def calibration_page(
    directory: Path, app_bar: Sequence[tuple[str, str]] | None = None
) -> tuple[str, list[str]]:
    """Return a calibration folder's report page and the notes to print."""
    notes: list[str] = []
    diagnostics = read_json(directory / "diagnostics.json", notes) or {}
    name = str(diagnostics.get("scenario", "?"))
    priors = diagnostics.get("priors") or {}
    names = _names(list(priors), diagnostics.get("scenario_file"))
    settings = diagnostics.get("settings") or {}
    generations = Table(
        [
            "generation",
            "threshold ε",
            "acceptance rate",
            "effective sample size",
            "particles",
            "samples",
            "seconds",
        ],
        [
            [
                g.get("generation"),
                number_text(g.get("epsilon")),
                share_text(g.get("acceptance_rate")),
                number_text(g.get("effective_sample_size")),
                number_text(g.get("particles")),
                number_text(g.get("samples")),
                number_text(g.get("seconds")),
            ]
            for g in diagnostics.get("generations") or []
        ],
        text=(),
    )
    parameters = diagnostics.get("parameters") or {}
    parameter_table = Table(
        [
            "input",
            "prior",
            "prior median (10% to 90%)",
            "posterior median (10% to 90%)",
            "posterior mean ± sd",
            "posterior 10–90% width / prior's",
        ],
        [
            [
                names.get(path, path),
                _prior_text(priors.get(path)),
                _span(entry, "prior"),
                _span(entry, "posterior"),
                f"{number_text(entry.get('posterior_mean'))} ± {number_text(entry.get('posterior_sd'))}",
                share_text(entry.get("width_ratio")),
            ]
            for path, entry in parameters.items()
        ],
        text=(0, 1),
        wide=True,
    )
    observations = diagnostics.get("observations") or []
    accepted = accepted_statistics(directory)
    predictive: dict[str, Any] = {"missing": None, "table": None, "figure": None, "generation": None}
    missed = None
    if isinstance(accepted, str):
        predictive["missing"] = accepted
        notes.append(f"posterior predictive left out: {accepted}")
    else:
        weights, stats, last = accepted
        table, scored = predictive_table(observations, weights, stats)
        predictive.update(table=table, generation=last, particles=len(weights))
        missed = [item for item in scored if item["outside"]]
        if scored:
            title = (
                f"{name}: the accepted particles' simulated values (generation {last}) against each report"
            )
            predictive["figure"] = Figure(
                "posterior_predictive",
                "Each reported figure against the simulated values of the accepted particles, weighted.",
                png_data_uri(predictive_figure(scored, title)),
            )
    figures = [file_figure(directory / "plots" / f"{n}.png", n, c) for n, c in FIGURES]
    known = {n for n, _ in FIGURES}
    for path in sorted((directory / "plots").glob("*.png")) if (directory / "plots").is_dir() else []:
        if path.stem not in known:
            figures.append(file_figure(path, path.stem, path.stem.replace("_", " ")))
    calibrated = sorted(directory.glob("*_calibrated.yaml"))
    scenario_file = calibrated[0] if calibrated else None
    scenario_text = None
    if scenario_file is not None:
        try:
            scenario_text = scenario_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            notes.append(f"{scenario_file.name} could not be read")
    floor = settings.get("epsilon_floor")
    settings_table = pairs(
        [
            ("scenario", name),
            ("scenario file", diagnostics.get("scenario_file")),
            ("population (particles per generation)", number_text(settings.get("population"))),
            ("generations at most", settings.get("generations")),
            (
                "minimum threshold ε",
                f"{settings.get('min_epsilon')}"
                + (f" (floor {number_text(floor)})" if floor is not None else ""),
            ),
            ("time limit (minutes)", settings.get("max_minutes")),
            ("replications per particle", settings.get("replications")),
            ("seed", settings.get("seed")),
            (
                "executor",
                f"{settings.get('executor')}"
                + (f", {settings['workers']} workers" if settings.get("workers") else ""),
            ),
            ("stopped by", str(diagnostics.get("stop_reason", "?")).replace("_", " ")),
            ("time taken (s)", number_text(diagnostics.get("seconds"))),
        ]
    )
    strong = sorted((diagnostics.get("correlations") or {}).items(), key=lambda kv: -abs(kv[1] or 0.0))
    correlations = Table(
        ["inputs", "posterior correlation"],
        [
            [" ~ ".join(names.get(p, p) for p in pair.split(" | ")), f"{r:+.2f}"]
            for pair, r in strong
            if r is not None
        ],
    )
    contents = [
        ("settings", "Settings"),
        ("generations", "Generations"),
        ("parameters", "Prior and posterior"),
        ("figures", "Figures"),
        ("predictive", "Posterior predictive"),
        ("calibrated", "Calibrated scenario"),
    ]
    count = len(diagnostics.get("generations") or [])
    page = render(
        "calibration.html.j2",
        app_bar=app_bar,
        kind="calibration",
        title=f"{name}: calibration report ({directory.resolve().name})",
        heading=f"{name}: calibration report",
        lead=(
            f"Calibration folder {directory.resolve().name} · ABC-SMC (pyabc) · {count} generation(s) × "
            f"{number_text(settings.get('population'))} particles · {len(priors)} inputs · "
            f"{len(observations)} observations"
        ),
        description=None,
        notes=list(notes),
        key_points=_key_points(diagnostics, names, missed),
        contents=contents,
        settings=settings_table,
        generations=generations,
        parameters=parameter_table,
        correlations=correlations,
        figures=figures,
        predictive=predictive,
        scenario_file=scenario_file.name if scenario_file else None,
        scenario_path=str(scenario_file) if scenario_file else None,
        scenario_text=scenario_text,
        directory=str(directory),
    )
    return page, notes
