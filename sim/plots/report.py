"""``sim report``: one self-contained HTML file describing a run, sweep, calibration, backtest or comparison.

The kind of folder is told from what it holds: ``manifest.json`` of kind ``run`` or ``sweep``,
``backtest.json``, ``compare.json``, or ``posterior.parquet`` with ``diagnostics.json`` (a calibration).
Each kind has its own module (``report_run``, ``report_sweep``, ``report_calibration``,
``report_backtest``, ``report_compare``) that gathers
the numbers and figures, and its own jinja2 template on a shared base (``templates/``); score tables
(``report_scores``), discovery boxes (``report_discovery``) and the posterior predictive
(``report_predictive``) are shared pieces, and ``html`` holds formats, tables and the rendering.

The page holds its figures as base64 PNG data URIs. It has no scripts, no web fonts and no links or
sources outside itself, so it opens in any browser with no server and no network, and can be mailed or
archived as a single file. Long quoted text (the scenario as YAML, the manifest) is collapsed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from sim.errors import InputError
from sim.plots.html import write_page
from sim.results.kinds import kind_of

ReportKind = Literal["run", "sweep", "calibration", "backtest", "comparison"]


def report_kind(directory: Path) -> ReportKind:
    """Return the kind of folder a report is asked for (``sim.results.kinds.kind_of``).

    Raises:
        InputError: If the folder is missing, not a folder, or holds none of the five kinds.
    """
    return kind_of(directory)


def write_report(
    directory: Path,
    out: Path | None = None,
    at: dt.date | None = None,
    thresholds: Sequence[float] | None = None,
) -> tuple[Path, list[str]]:
    """Write a folder's HTML report, atomically.

    Args:
        directory: A run, sweep, calibration or backtest folder.
        out: The HTML file (default ``directory/report.html``).
        at: Date of a run's held-area distribution figure (runs only).
        thresholds: Areas X for a run's survival and crossing figures (runs only).

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
    if kind == "run":
        from sim.plots.report_run import run_page

        page, notes = run_page(directory, at, thresholds)
    elif kind == "sweep":
        from sim.plots.report_sweep import sweep_page

        page, notes = sweep_page(directory)
    elif kind == "calibration":
        from sim.plots.report_calibration import calibration_page

        page, notes = calibration_page(directory)
    elif kind == "comparison":
        from sim.plots.report_compare import compare_page

        page, notes = compare_page(directory)
    else:
        from sim.plots.report_backtest import backtest_page

        page, notes = backtest_page(directory)
    return write_page(out, page), notes
