"""The report of a study folder (``sim robust``): the levers, futures, metrics, ranking and failures.

Everything comes from the folder: ``study.json`` (the study and its answer), ``robustness.parquet``,
``ranking.parquet``, ``pairs.parquet``, ``failures.json``, ``futures.parquet`` and the figures in
``plots/`` (drawn if missing). A complete study whose metrics were never computed (the command stopped
after the last chunk) is finished first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.robustness import METRICS, value_words
from sim.errors import InputError
from sim.experiments.robust_finish import finish_study
from sim.plots.html import Figure, Point, Table, file_figure, flag, number_text, pairs, render, yaml_text
from sim.plots.report_run_tables import manifest_parts
from sim.plots.robust import FIGURES, write_study_plots
from sim.results.folder import RunFolder, open_folder

CAPTIONS = {
    "robust_regret": "Regret of each lever across futures: how far it falls short of the best lever in each "
    "future (box: the middle half of futures; bar: 90th percentile; triangle: maximum).",
    "robust_tradeoff": "The first two outcomes against each other: each lever in each future (small points) "
    "and its mean across futures (diamonds).",
    "robust_satisficing": "The share of futures in which each lever meets every goal, with its 95% Monte "
    "Carlo interval (bars), and each goal alone (markers).",
    "robust_failures": "Where each lever misses a goal: the futures on the two uncertainties its PRIM box "
    "limits most, those it misses filled, the box drawn.",
}
ROWS = {
    "mean": "mean",
    "p10": "10th percentile",
    "p90": "90th percentile",
    "mean_regret": "mean regret",
    "p90_regret": "90th-percentile regret",
    "max_regret": "maximum regret",
}


def ready_study(directory: Path) -> tuple[RunFolder, list[str]]:
    """Open a study folder for its report, finishing a complete study whose metrics are missing.

    Raises:
        InputError: If the folder holds no study, or one that is not complete.
    """
    folder = open_folder(directory, "read", kind="study")
    if folder.manifest.status != "complete":
        raise InputError(
            f"the study is not complete (status {folder.manifest.status}); finish it first with "
            f"sim robust --resume {directory}",
            str(directory),
        )
    notes: list[str] = []
    if not (directory / "study.json").is_file():
        finish_study(directory)
        notes.append("the study's metrics were missing: computed now from its outcomes")
    return folder, notes


def _cell(row: Any, share: bool) -> Any:
    low, high = value_words(row["low"], share), value_words(row["high"], share)
    text = f"{value_words(row['value'], share)} ({low} to {high})"
    return flag(text + " (noise)") if row["noise_dominated"] else text


def _outcome_tables(summary: dict[str, Any], robustness: pd.DataFrame) -> list[tuple[str, Table]]:
    levers = [lever["name"] for lever in summary["levers"]]
    tables = []
    for outcome in summary["outcomes"]:
        share = outcome["column"].startswith("withdrawal_began_by_")
        mine = robustness[robustness["outcome"] == outcome["name"]]
        rows, flagged = [], set()
        for index, (key, label) in enumerate(ROWS.items()):
            cells = mine[mine["metric"] == key].set_index("lever")
            rows.append([label, *(_cell(cells.loc[lever], share) for lever in levers)])
            if cells["noise_dominated"].any():
                flagged.add(index)
        heading = f"{outcome['name']} ({outcome['column']}): {outcome['better']} is better"
        if outcome.get("description"):
            heading += f". {outcome['description']}"
        tables.append((heading, Table(["across futures", *levers], rows, flagged=flagged, wide=True)))
    return tables


def _goal_table(summary: dict[str, Any], robustness: pd.DataFrame) -> Table | None:
    if not summary["goals"]:
        return None
    levers = [lever["name"] for lever in summary["levers"]]
    every = robustness[robustness["metric"] == "satisficing"].set_index("lever")
    rows = [["every goal (satisficing)", *(_cell(every.loc[lever], True) for lever in levers)]]
    for goal in summary["goals"]:
        cells = robustness[robustness["goal"] == goal["name"]].set_index("lever")
        rows.append(
            [f"{goal['name']}: {goal['in_words']}", *(_cell(cells.loc[lever], True) for lever in levers)]
        )
    return Table(["share of futures meeting", *levers], rows, wide=True, long=(0,))


def _ranking(summary: dict[str, Any]) -> Table:
    share = summary["ranked_by"] in ("satisficing",) or summary["ranked_by"].startswith("goal:")
    rows = []
    flagged = set()
    for index, row in enumerate(summary["ranking"]):
        interval = f"{value_words(row['low'], share)} to {value_words(row['high'], share)}"
        rows.append(
            [
                row["rank"],
                row["lever"],
                value_words(row["value"], share),
                interval,
                "yes" if row["best"] else "no",
                row["not_distinguishable_from"] or "–",
            ]
        )
        if row["best"]:
            flagged.add(index)
    headers = ["rank", "lever", "value", "95% interval", "among the most robust", "not distinguishable from"]
    return Table(headers, rows, text=(1, 4, 5), flagged=flagged)


def _best_by_metric(directory: Path) -> Table:
    """Return, for every metric, the lever ranked first and those it cannot be told from."""
    ranking = pd.read_parquet(directory / "ranking.parquet")
    rows = []
    for (metric, outcome, goal), group in ranking.groupby(
        ["metric", "outcome", "goal"], dropna=False, sort=False
    ):
        target = outcome if isinstance(outcome, str) else goal if isinstance(goal, str) else ""
        best = group[group["best"]]["lever"].tolist()
        label = METRICS[str(metric)] + (f" of {target}" if target else "")
        rows.append([label, best[0], ", ".join(best[1:]) or "–"])
    return Table(["metric", "ranked first", "not distinguishable from it"], rows, text=(0, 1, 2))


def _failures(failures: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    found = []
    for failure in failures or []:
        box = failure.get("box")
        limits = None
        if box:
            rows = [
                [
                    limit["short_name"],
                    number_text(limit["lower"]),
                    number_text(limit["upper"]),
                    f"{number_text(limit['minimum'])} to {number_text(limit['maximum'])}",
                    f"{limit['share_of_range_cut']:.0%}",
                ]
                for limit in box["limits"]
            ]
            limits = Table(["uncertainty", "lower", "upper", "range in the futures", "cut"], rows)
        found.append({"lever": failure["lever"], "sentence": failure["sentence"], "limits": limits})
    return found


def _read(directory: Path) -> tuple[dict[str, Any], pd.DataFrame, list[dict[str, Any]] | None]:
    try:
        summary = json.loads((directory / "study.json").read_text(encoding="utf-8"))
        robustness = pd.read_parquet(directory / "robustness.parquet")
        failures = json.loads((directory / "failures.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(
            f"the study's results are damaged ({type(exc).__name__}); delete study.json and run sim report "
            "again to compute them",
            str(directory),
        ) from None
    return summary, robustness, failures


# Over 60 lines: the page's sections gathered in the order it shows them and handed to its template in one
# call.
def study_page(directory: Path, app_bar: Sequence[tuple[str, str]] | None = None) -> tuple[str, list[str]]:
    """Return a study folder's report page and the notes to print.

    Args:
        directory: The study folder.
        app_bar: Links above the page (the explorer's), as (address, label).

    Raises:
        InputError: If the folder is not a complete study folder.
    """
    folder, notes = ready_study(directory)
    notes += list(folder.notes)
    summary, robustness, failures = _read(directory)
    if not all((directory / "plots" / f"{name}.png").is_file() for name in FIGURES[:1]):
        write_study_plots(directory)
    figures: list[Figure] = []
    for name in FIGURES:
        path = directory / "plots" / f"{name}.png"
        if path.is_file():
            figures.append(file_figure(path, name, CAPTIONS[name]))
    levers = Table(
        ["lever", "what it is", "scenario file", "changes from the base scenario"],
        [
            [
                lever["name"],
                lever.get("description") or "–",
                lever.get("file") or "the base",
                ", ".join(lever["changes"]) or "none",
            ]
            for lever in summary["levers"]
        ],
        text=(0, 1, 2, 3),
        wide=True,
        long=(1, 3),
    )
    futures = pd.read_parquet(directory / "futures.parquet")
    uncertainties = Table(
        ["uncertainty", "short name", "distribution", "range in the futures"],
        [
            [
                u["path"],
                u["short_name"],
                u["distribution"],
                f"{number_text(futures[u['path']].min())} to {number_text(futures[u['path']].max())}",
            ]
            for u in summary["uncertainties"]
        ],
        text=(0, 1, 2),
    )
    settings = pairs(
        [
            ("futures", f"{summary['futures']} ({summary['design']} design, seed {summary['seed']})"),
            ("replications", f"{summary['replications']} per lever and future ({summary['runs']:,} runs)"),
            ("confidence", f"{summary['confidence']:.0%}"),
            (
                "bootstrap",
                f"{summary['bootstrap']['resamples']} resamples of each future's replications, "
                f"seed {summary['bootstrap']['seed']}",
            ),
            ("ranked by", f"{summary['ranked_by_in_words']} ({summary['ranked_by']})"),
        ]
    )
    points = [Point(summary["answer"])]
    points += [Point(sentence) for sentence in summary.get("failures") or []]
    if summary["noise_dominated"]:
        points.append(
            Point(
                f"{len(summary['noise_dominated'])} metric value(s) lie outside their own Monte Carlo "
                "interval: noise dominates them (marked in the tables); they need more replications.",
                warn=True,
            )
        )
    notes += [str(note) for note in summary.get("notes") or []]
    manifest_table, manifest_rest, _ = manifest_parts(folder)
    manifest = folder.manifest.document()
    shown = {key: value for key, value in manifest.items() if key not in ("scenario", "chunks")}
    record = dict(shown.get("study") or {})
    record["levers"] = [
        {k: v for k, v in lever.items() if k != "scenario"} for lever in record.get("levers", [])
    ]
    shown["study"] = record
    manifest_json = json.dumps(shown, indent=2, default=str)
    page = render(
        "study.html.j2",
        kind="study",
        title=f"{summary['name']}: study report ({folder.name})",
        heading=f"{summary['name']}: which course of action is most robust?",
        lead=(
            f"Study folder {folder.name} · {len(summary['levers'])} levers × {summary['futures']} futures × "
            f"{summary['replications']} replications · seed {summary['seed']} · "
            f"sim {manifest.get('package_version', '?')}"
        ),
        description=summary.get("description"),
        notes=notes,
        key_points=points,
        contents=[
            ("levers", "Levers"),
            ("futures", "Uncertainties and futures"),
            ("ranking", "Ranking"),
            ("metrics", "Robustness of each outcome"),
            ("failures", "Where each lever fails"),
            ("figures", "Figures"),
            ("method", "Method"),
            ("scenario", "Base scenario"),
            ("manifest", "Manifest"),
        ],
        levers=levers,
        uncertainties=uncertainties,
        goal_table=_goal_table(summary, robustness),
        outcome_tables=_outcome_tables(summary, robustness),
        ranking=_ranking(summary),
        best=_best_by_metric(directory),
        answer=summary["answer"],
        failures=_failures(failures),
        figures=figures,
        settings=settings,
        scenario_yaml=yaml_text(manifest.get("scenario", {})),
        manifest_table=manifest_table,
        manifest_rest=manifest_rest,
        manifest_json=manifest_json,
        directory=str(directory),
        app_bar=app_bar,
    )
    return page, notes
