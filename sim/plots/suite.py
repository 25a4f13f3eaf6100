"""The validation suite's figures and tables.

Each entry's scored windows against the forecast; docs/validation.md: scores, Kursk's origins, the ablation.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sim.experiments.suite import EntryScore, summary_rows
from sim.plots.style import LINE_COLOUR, MEDIAN_COLOUR, OBSERVED_COLOUR, footnote, save, styled, subplots
from sim.scenario.mechanisms import MECHANISMS
from sim.scenario.schema import Scenario

KNOWN_COLOUR = "#777777"


@styled
def entry_figure(score: EntryScore, scenario: Scenario, path: Path) -> Path:
    """Draw one entry's scored observations: the record, the forecast's median and 80% band, the line.

    Windows known at the origin (calibrated on) are shown in grey; one panel per origin.
    """
    origins = list(dict.fromkeys(row["origin"] for row in score.rows))
    figure, axes = subplots(
        len(origins), 1, figsize=(10, 3.6 * len(origins)), squeeze=False, layout="constrained"
    )
    for axis, origin in zip(axes[:, 0], origins, strict=True):
        rows = sorted((row for row in score.rows if row["origin"] == origin), key=lambda row: row["date"])
        scored = [dt.date.fromisoformat(row["date"]) for row in rows]
        cutoff = dt.date.fromisoformat(origin)
        known = [
            obs
            for obs in scenario.observations
            if obs.metric in ("advance_km", "area_km2")
            and obs.date <= cutoff
            and obs.metric == rows[0]["metric"]
        ]
        axis.plot(
            [np.datetime64(obs.date, "D") for obs in known],
            [obs.value for obs in known],
            "o",
            color=KNOWN_COLOUR,
            label="known at the origin (calibrated on)",
        )
        x = np.array([np.datetime64(day, "D") for day in scored])
        median = np.array([row["median"] for row in rows])
        low = np.array([row["band80_low"] for row in rows])
        high = np.array([row["band80_high"] for row in rows])
        axis.errorbar(
            x,
            median,
            yerr=[median - low, high - median],
            fmt="s",
            color=MEDIAN_COLOUR,
            capsize=3,
            label="forecast: median and middle 80%",
        )
        axis.plot(x, [row["line_forecast"] for row in rows], "x", color=LINE_COLOUR, label="straight line")
        axis.plot(x, [row["observed"] for row in rows], "o", color=OBSERVED_COLOUR, label="record (scored)")
        axis.axvline(np.datetime64(cutoff, "D"), color="black", linewidth=0.8, linestyle=":")
        unit = "km" if rows[0]["metric"] == "advance_km" else "km²"
        axis.set_ylabel(f"{score.what} ({unit})")
        axis.set_title(f"origin {origin}: forecast made with what was known then", fontsize=10)
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8, loc="upper right")
    inside = score.inside_80
    figure.suptitle(
        f"{scenario.name}: {score.what}, out of sample (CRPS skill against the line {score.skill:+.2f}, "
        f"{inside:.0%} inside the 80% band)",
        fontsize=11,
    )
    footnote(figure, "Each point is one window's end; the dotted line is the origin.")
    return save(figure, path)


def _number(value: float, digits: int = 2) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _percent(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.0%}"


def validation_markdown(scores: Sequence[EntryScore], figures: dict[str, str]) -> str:
    """Return the suite's tables as Markdown: scores per entry, non-campaigns per origin, the ablation.

    Args:
        scores: Every entry's score, as written and with each mechanism off.
        figures: Entry name -> figure path, relative to the document.
    """
    base = [score for score in scores if score.variant == "all"]
    campaigns = [score for score in base if score.campaign]
    lines = [
        "| scenario | judged on | scored | CRPS | line | persistence | skill vs line | inside 80% |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in summary_rows(base):
        lines.append(
            f"| {row['entry']} | {row['what']} | {row['scored']} | {_number(row['crps'])} | "
            f"{_number(row['line_crps'])} | {_number(row['persistence_crps'])} | "
            f"{_number(row['skill_vs_line'], 2)} | {_percent(row['inside_80'])} |"
        )
    skills = [score.skill for score in campaigns]
    windows = [row for score in campaigns for row in score.rows]
    summary = [""]
    if campaigns:
        inside = float(np.mean([row["inside80"] for row in windows])) if windows else math.nan
        summary.append(
            f"Campaigns: mean CRPS skill against the straight line {np.mean(skills):+.2f} over {len(skills)} "
            f"campaigns; {sum(skill > 0 for skill in skills)} of {len(skills)} above 0; the record inside "
            f"the model's 80% band in {_percent(inside)} of {len(windows)} scored windows."
        )
    origin_lines = [
        "",
        "| origin | model CRPS | line | persistence | beats the line |",
        "|---|---:|---:|---:|---|",
    ]
    for score in base:
        if score.campaign:
            continue
        for origin in score.by_origin():
            chosen = [row for row in score.rows if row["origin"] == origin["origin"]]
            persistence = float(np.mean([row["persistence_crps"] for row in chosen]))
            origin_lines.append(
                f"| {origin['origin']} | {origin['crps']:.1f} | {origin['line_crps']:.1f} | "
                f"{persistence:.1f} | {'yes' if origin['crps'] < origin['line_crps'] else 'no'} |"
            )
    ablation = ["", *ablation_table(scores)]
    pictures = ["", *(f"![{name}]({path})" for name, path in figures.items())]
    return "\n".join(lines + summary + origin_lines + ablation + pictures) + "\n"


def ablation_table(scores: Sequence[EntryScore]) -> list[str]:
    """Return the ablation as Markdown: mean skill with every mechanism, and with each one off.

    Campaigns are averaged; each other entry (Kursk) has a column pair of its own. A campaign that does
    not use a mechanism counts in the mean with its own score (switching off what is not there changes
    nothing), and the campaigns' "with it off" is "–" when none uses it; an other entry's "with it off"
    is "–" unless that variant was backtested (it does not use the mechanism, or its ablation was not
    run).
    """
    base = {score.entry: score for score in scores if score.variant == "all"}
    off = {(score.entry, score.variant.removeprefix("without-")): score for score in scores}
    names = [name for name in MECHANISMS if any((entry, name) in off for entry in base)]
    others = [entry for entry, score in base.items() if not score.campaign]

    def skills(mechanism: str | None) -> list[float]:
        chosen = {
            entry: off.get((entry, mechanism), score) if mechanism else score for entry, score in base.items()
        }
        campaigns = [score.skill for score in chosen.values() if score.campaign]
        ablated = mechanism is None or any(
            (entry, mechanism) in off for entry, score in base.items() if score.campaign
        )
        return [
            float(np.mean(campaigns)) if campaigns and ablated else math.nan,
            *(
                chosen[entry].skill if mechanism is None or (entry, mechanism) in off else math.nan
                for entry in others
            ),
        ]

    header = "| mechanism | used by | campaigns, all on | with it off |"
    header += "".join(f" {entry}, all on | with it off |" for entry in others)
    rows = [header, "|---|---:|" + "---:|---:|" * (1 + len(others))]
    everything = skills(None)
    for name in names:
        without = skills(name)
        users = sum((entry, name) in off for entry in base)
        cells = "".join(
            f" {_number(on)} | {_number(gone)} |" for on, gone in zip(everything, without, strict=True)
        )
        rows.append(f"| {name} ({MECHANISMS[name].label}) | {users} |{cells}")
    return rows


BEGIN = "<!-- sim suite: tables begin -->"
END = "<!-- sim suite: tables end -->"


def write_markdown(path: Path, text: str) -> Path:
    """Put the tables into ``path`` between its two markers, keeping the document's own words around them.

    A document without the markers gets them, with the tables, at its end (a new one: a title first).
    """
    block = f"{BEGIN}\n{text.rstrip()}\n{END}\n"
    if path.exists():
        current = path.read_text(encoding="utf-8")
        if BEGIN in current and END in current:
            before, rest = current.split(BEGIN, 1)
            after = rest.split(END, 1)[1].lstrip("\n")
            text_out = before + block + ("\n" + after if after else "")
        else:
            text_out = current.rstrip() + "\n\n" + block
    else:
        text_out = "# Validation\n\n" + block
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text_out, encoding="utf-8")
    return path


def scored_figures(
    scores: Sequence[EntryScore], scenarios: dict[str, Scenario], folder: Path
) -> dict[str, Path]:
    """Draw every entry's figure (as written) into ``folder``; return entry -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    for score in scores:
        if score.variant != "all" or not score.rows:
            continue
        out[score.entry] = entry_figure(score, scenarios[score.entry], folder / f"{score.entry}.png")
    return out
