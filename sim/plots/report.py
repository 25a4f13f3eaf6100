"""``sim report``: one self-contained HTML file of a run, sweep, study, calibration, backtest or comparison.

The kind of folder is told from what it holds: ``manifest.json`` of kind ``run``, ``sweep`` or ``study``,
``backtest.json``, ``compare.json``, or ``posterior.parquet`` with ``diagnostics.json`` (a calibration).
Each kind has its own module (``report_run``, ``report_sweep``, ``report_study``, ``report_calibration``,
``report_backtest``, ``report_compare``) that gathers
the numbers and figures, and its own jinja2 template on a shared base (``templates/``); score tables
(``report_scores``), discovery boxes (``report_discovery``) and the posterior predictive
(``report_predictive``) are shared pieces, and ``html`` holds formats, tables and the rendering.

The page holds its figures as base64 PNG data URIs. The main figures of a run and a comparison are
also interactive charts (``charts``, ``charts_compare``): Plotly.js and each chart's numbers are inside
the page, so it still needs no web font, link or source outside itself and opens in any browser with
no server and no network, and can be mailed or archived as a single file (``--static`` leaves the
charts out: a smaller file). The PNGs stay for printing and for readers without scripts. Long quoted
text (the scenario as YAML, the manifest) is collapsed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from sim.errors import InputError
from sim.plots.html import ChartMode, chart_mode, write_page
from sim.results.kinds import kind_of
from sim.results.outputs import check_output_file

ReportKind = Literal["run", "sweep", "study", "calibration", "backtest", "comparison"]


def report_kind(directory: Path) -> ReportKind:
    """Return the kind of folder a report is asked for (``sim.results.kinds.kind_of``).

    Raises:
        InputError: If the folder is missing, not a folder, or holds none of the six kinds.
    """
    return kind_of(directory)


def report_page(
    directory: Path,
    chart_mode: ChartMode = "static",
    at: dt.date | None = None,
    thresholds: Sequence[float] | None = None,
    app_bar: Sequence[tuple[str, str]] | None = None,
    within: Path | None = None,
) -> tuple[str, list[str]]:
    """Return a folder's report page and its notes (figures skipped, warnings about the folder).

    Args:
        directory: A run, sweep, study, calibration, backtest or comparison folder.
        chart_mode: How interactive charts are shown (``html.ChartMode``; runs, sweeps and
            comparisons have them).
        at: Date of a run's held-area distribution figure (runs only).
        thresholds: Areas X for a run's survival and crossing figures (runs only).
        app_bar: Links above the page (the explorer's), as (address, label).
        within: Read no folder outside this one (a comparison's runs elsewhere are left out).

    Raises:
        InputError: If the folder is not a usable folder of a known kind, or an option does not apply.
    """
    kind = report_kind(directory)
    if kind != "run" and (at is not None or thresholds):
        raise InputError(f"--at and --threshold apply to run folders, not to a {kind}", str(directory))
    if kind == "run":
        from sim.plots.report_run import run_page

        return run_page(directory, at, thresholds, chart_mode, app_bar)
    if kind == "sweep":
        from sim.plots.report_sweep import sweep_page

        return sweep_page(directory, chart_mode, app_bar)
    if kind == "study":
        from sim.plots.report_study import study_page

        return study_page(directory, app_bar)
    if kind == "calibration":
        from sim.plots.report_calibration import calibration_page

        return calibration_page(directory, app_bar)
    if kind == "comparison":
        from sim.plots.report_compare import compare_page

        return compare_page(directory, chart_mode, app_bar, within)
    from sim.plots.report_backtest import backtest_page

    return backtest_page(directory, app_bar)


def write_report(
    directory: Path,
    out: Path | None = None,
    at: dt.date | None = None,
    thresholds: Sequence[float] | None = None,
    static: bool = False,
) -> tuple[Path, list[str]]:
    """Write a folder's HTML report, atomically.

    Args:
        directory: A run, sweep, study, calibration, backtest or comparison folder.
        out: The HTML file (default ``directory/report.html``).
        at: Date of a run's held-area distribution figure (runs only).
        thresholds: Areas X for a run's survival and crossing figures (runs only).
        static: PNG figures only, no interactive charts (a smaller file; also what a report is
            without the ``explorer`` extra).

    Returns:
        The file written, and notes (figures skipped, warnings about the folder).

    Raises:
        InputError: If the folder is not a usable folder of a known kind, an option does not apply to
            it, or ``out`` cannot be written.
    """
    kind = report_kind(directory)
    if kind != "run" and (at is not None or thresholds):
        raise InputError(f"--at and --threshold apply to run folders, not to a {kind}", str(directory))
    out = out or directory / "report.html"
    if out.is_dir():
        raise InputError("is a folder; give a file name for the report", str(out), field="--out")
    if not out.parent.is_dir():
        raise InputError("the folder for the report does not exist", str(out.parent), field="--out")
    check_output_file(out, reads=directory)
    mode, missing = chart_mode(static)
    page, notes = report_page(directory, mode, at, thresholds)
    if missing and kind in ("run", "comparison", "sweep"):
        notes.append(missing)
    return write_page(out, page), notes
