"""The run summary as printed by ``sim run``: units, whose figure, flags, reasons in words, next step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.cli.progress import Progress
from sim.cli.summary_text import format_summary, observation_line, written_lines


def _observation(**changes: Any) -> dict[str, Any]:
    observation = {
        "date": "2024-11-23",
        "metric": "strength",
        "side": "russia",
        "sector": None,
        "unit": "personnel",
        "observed": 50_500.0,
        "observed_low": 35_800.0,
        "observed_high": 65_200.0,
        "predicted_p10": 40_000.0,
        "predicted_p50": 45_000.0,
        "predicted_p90": 49_000.0,
        "quantile_of_observed": 0.93,
        "outside_95": False,
    }
    return {**observation, **changes}


def _summary(**changes: Any) -> dict[str, Any]:
    summary = {
        "scenario": "kursk",
        "replications": 1000,
        "start": "2024-08-28",
        "end": "2025-04-30",
        "initial_area_km2": 1376.0,
        "by_month": [
            {
                "date": "2024-09-01",
                "area_p10": 1300.0,
                "area_p50": 1350.0,
                "area_p90": 1370.0,
                "p_withdrawal_began": 0.0,
            },
            {"date": "2024-10-01", "p_withdrawal_began": 0.125},
        ],
        "crossings": [
            {"threshold_km2": 688.0, "is_half_of_start": True, "share_crossed": 0.4, "median_date": None}
        ],
        "observations": [_observation()],
        "withdrawal_reasons": {"area_below": 3, "force_ratio_above": 7},
        "p_withdrawal_by_end": 0.01,
        "median_casualties": {"ukraine": 20_000.0, "russia": 30_000.0},
    }
    return {**summary, **changes}


def test_the_month_table_names_its_unit_and_starts_each_row_with_the_date() -> None:
    lines = format_summary(_summary()).splitlines()
    header = next(line for line in lines if line.startswith("date"))
    assert "km²" in header and "withdrawal began by date" in header
    row = next(line for line in lines if line.startswith("2024-09-01"))
    assert row.split() == ["2024-09-01", "1,300", "1,350", "1,370", "0.0%"]
    assert next(line for line in lines if line.startswith("2024-10-01")).split() == [
        "2024-10-01",
        "-",
        "-",
        "-",
        "12.5%",
    ]


def test_an_observation_says_whose_and_where() -> None:
    line = observation_line(_observation())
    assert line.startswith("observed strength of russia on 2024-11-23: 50,500 soldiers;"), line
    sector = observation_line(
        _observation(metric="sector_area_km2", unit="km2", side=None, sector="bolshoe_soldatskoe")
    )
    assert sector.startswith("observed sector area in bolshoe soldatskoe on 2024-11-23: 50,500 km²"), sector


@pytest.mark.parametrize("quantile,side", [(1.0, "above"), (0.0, "below"), (0.99, "above"), (0.01, "below")])
def test_an_observation_the_model_does_not_reach_is_flagged_with_its_range(
    quantile: float, side: str
) -> None:
    line = observation_line(_observation(quantile_of_observed=quantile, outside_95=True))
    assert line.endswith(f"<- its reported range (35,800-65,200) is {side} the middle 95% of runs"), line
    assert "<-" not in observation_line(_observation(quantile_of_observed=quantile, outside_95=False))


def test_a_window_says_from_when_to_when_and_km_have_a_decimal() -> None:
    window = _observation(
        metric="advance_km", side=None, unit="km", since="1945-04-02", date="1945-04-05", observed=10.2
    )
    assert observation_line(window).startswith(
        "observed advance in the window from 1945-04-02 to 1945-04-05: 10.2 km;"
    )


def test_the_judgement_lines_give_each_rules_share_and_the_dynamics_alone() -> None:
    summary = _summary(
        endings={"force_ratio_above": 0.5, "area_below": 0.2, "no_withdrawal": 0.3},
        dynamics_only={
            "replications": 1000,
            "final_area_km2": {"p10": 10.0, "p50": 120.0, "p90": 400.0},
            "share_all_lost": 0.25,
            "by_month": [],
        },
    )
    text = format_summary(summary)
    assert (
        "withdrawals begun by a withdrawal rule (judgement, not the fighting): the enemy's force ratio "
        "stayed above its limit 50%, held area fell below its limit 20%; no withdrawal began in 30% of runs"
    ) in text
    assert "held at the end median 120 km² (80% of runs 10-400); all ground lost in 25% of runs" in text


def test_withdrawal_reasons_are_words_most_frequent_first() -> None:
    text = format_summary(_summary())
    line = next(line for line in text.splitlines() if line.startswith("withdrawal began by the end"))
    assert "force_ratio_above" not in line and "area_below" not in line
    assert line.index("force ratio") < line.index("held area"), line
    assert "7 runs" in line and "3 runs" in line


def test_the_figures_come_as_a_count_and_names_then_the_next_step(tmp_path: Path) -> None:
    figures = [tmp_path / "plots" / f"figure{i}.png" for i in range(3)]
    lines = written_lines(tmp_path, figures)
    assert lines[0] == f"figures (3) in {tmp_path / 'plots'}: figure0.png, figure1.png, figure2.png"
    assert lines[-1].startswith(f"next: sim report {tmp_path}")
    assert written_lines(tmp_path, []) == [lines[-1]]


def test_progress_on_a_terminal_draws_a_bar_and_stops_at_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    progress = Progress(quiet=False)
    progress.tty = True
    progress(0, 10)
    assert progress._bar is not None
    progress(10, 10)
    assert progress._bar is None  # stopped: the next line starts clean


def test_progress_off_a_terminal_logs_lines(capsys: pytest.CaptureFixture[str]) -> None:
    progress = Progress(quiet=False)
    progress.tty = False
    progress(5, 10)
    progress(10, 10)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("5/10 replications done") and lines[-1].startswith("10/10 replications done")
    quiet = Progress(quiet=True)
    quiet(10, 10)
    assert capsys.readouterr().err == ""
