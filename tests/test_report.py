"""``sim report``: one self-contained HTML file for a run, a sweep, a calibration and a backtest, checked
as text and rendered in headless Chromium.

The folders are small and made in this process (serial executor): a run of the small scenario with a
report it cannot reach and a validation, a grid sweep, a Sobol sweep with a discovery box, a calibration
and a one-origin backtest.
"""

from __future__ import annotations

import base64
import contextlib
import html
import importlib.util
import io
import json
import re
import shlex
import subprocess
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
import yaml
from conftest import SMALL, Result

from sim.plots.run import FIGURES

STUDY = Path(__file__).resolve().parent / "scenarios" / "studies" / "small_study.yaml"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IMAGE = re.compile(r'<img\b[^>]*\bsrc="data:image/png;base64,([A-Za-z0-9+/=]+)"')
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
CHARTED = {
    "run": {"fan_chart", "survival", "area_distribution", "forces"},
    "comparison": {"compare_forest", "compare_fan_chart"},
    "grid": {"sweep_points"},
    "sobol": {"sweep_points"},
}
"""The figures each kind of report also shows as an interactive chart (with the explorer extra)."""
QUOTED = re.compile(r"<pre\b[^>]*>.*?</pre>", re.S)
"""The scenario and manifest, quoted as text: the only place a URL may appear (as the user wrote it)."""
BAND_BLUE = np.array([0x9E, 0xCA, 0xE1]) / 255
"""The fan chart's 80% band colour."""
ADVANCE = "sides.red.attack.advance_km"
REPLACEMENTS = "sides.blue.contingents.brigades.replacements_per_day"
REACHED = {"date": "2024-10-15", "value": 300, "sd": 30, "source": "within reach"}
UNREACHED = {"date": "2024-10-20", "value": 900, "low": 850, "high": 950, "source": "more than the start"}
"""A report above the start area (500 km²): above every run, so outside the model's 95% band."""
OBSERVATIONS = [
    {"date": "2024-09-20", "value": 440, "low": 400, "high": 480, "source": "early"},
    {"date": "2024-10-05", "value": 380, "sd": 30, "source": "middle"},
    {"date": "2024-10-20", "value": 300, "low": 250, "high": 350, "source": "late"},
    {"date": "2024-10-20", "metric": "strength", "side": "red", "value": 20000, "sd": 2000, "source": "n"},
]


def sim(*args: str | Path) -> Result:
    """Run the ``sim`` command line in this process (module fixtures cannot use ``capsys``)."""
    from sim.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    return Result(code, out.getvalue(), err.getvalue())


def ok(*args: str | Path) -> str:
    result = sim(*args)
    assert result.returncode == 0, f"sim {' '.join(map(str, args))}: {result.stderr}"
    return result.stdout


def _scenario(path: Path, **document: object) -> Path:
    path.write_text(yaml.safe_dump({"extends": str(SMALL), **document}, sort_keys=False), encoding="utf-8")
    return path


def _report(folder: Path) -> Path:
    path = Path(ok("report", folder).strip())
    assert path == folder / "report.html"
    return path


# ------------------------------------------------------------------------------------------ folders
@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("report")


@pytest.fixture(scope="module")
def run(root: Path) -> Path:
    scenario = _scenario(root / "observed.yaml", observations=[REACHED, UNREACHED])
    out = root / "run"
    ok("run", scenario, "-n", "30", "--seed", "0", "--out", out, "-q", "--no-plots", "--executor", "serial")
    ok("validate", out)
    return out


@pytest.fixture(scope="module")
def grid(root: Path) -> Path:
    out = root / "grid"
    ok(
        "sweep", SMALL, "--vary", f"{ADVANCE}=0.5,1.0", "--vary", f"{REPLACEMENTS}=10:30:2", "-n", "4",
        "--seed", "3", "--out", out, "--executor", "serial", "-q",
    )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def sobol(root: Path) -> Path:
    pytest.importorskip("SALib")
    out = root / "sobol"
    ok(
        "sweep", SMALL, "--vary", f"{ADVANCE}=0.2:2.0", "--vary", f"{REPLACEMENTS}=10:30", "--design",
        "sobol", "--samples", "8", "-n", "2", "--out", out, "--executor", "serial", "-q",
    )  # fmt: skip
    if _has("ema_workbench"):
        ok("discover", out, "--condition", "final_area_km2 > 200", "--no-scores", "-q")
    return out


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@pytest.fixture(scope="module")
def calibrated(root: Path) -> Path:
    """The small scenario with four observations and a calibrate block (as in test_backtest)."""
    pytest.importorskip("pyabc")
    priors = {ADVANCE: {"dist": "uniform", "low": 0.3, "high": 2.0}}
    priors[REPLACEMENTS] = {"dist": "uniform", "low": 0, "high": 60}
    block = {"parameters": priors, "population": 12, "generations": 1}
    return _scenario(root / "calibrated.yaml", observations=OBSERVATIONS, calibrate=block)


@pytest.fixture(scope="module")
def calibration(root: Path, calibrated: Path) -> Path:
    out = root / "calibration"
    ok("calibrate", calibrated, "--out", out, "--executor", "serial", "--seed", "1", "-q")
    return out


@pytest.fixture(scope="module")
def backtest(root: Path, calibrated: Path) -> Path:
    out = root / "backtest"
    with pytest.MonkeyPatch.context() as patch:
        # The calibrated scenario in origin-*/calibration extends a file outside its folder.
        patch.setenv("SIM_ALLOW_OUTSIDE_FILES", "1")
        ok(
            "backtest", calibrated, "--origin", "2024-10-01", "-n", "12", "--executor", "serial",
            "--out", out, "-q",
        )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def comparison(root: Path, run: Path) -> Path:
    """The run against a variant with deeper Russian advances, same seed and count (paired)."""
    variant = root / "variant"
    ok(
        "run", root / "observed.yaml", "--set", f"{ADVANCE}=1.5", "-n", "30", "--seed", "0", "--out",
        variant, "-q", "--no-plots", "--executor", "serial",
    )  # fmt: skip
    out = root / "comparison"
    ok("compare", run, variant, "--out", out, "-q")
    return out


@pytest.fixture(scope="module")
def study(root: Path) -> Path:
    """The small study (three levers, eight futures, four replications), run through sim robust."""
    out = root / "study"
    ok("robust", STUDY, "--out", out, "--executor", "serial", "-q")
    return out


@pytest.fixture(scope="module")
def report(run: Path) -> Path:
    return _report(run)


@pytest.fixture(scope="module")
def page(report: Path) -> str:
    return report.read_text(encoding="utf-8")


KINDS = ("run", "grid", "sobol", "study", "calibration", "backtest", "comparison")


@pytest.fixture(scope="module", params=KINDS)
def any_report(request: pytest.FixtureRequest) -> tuple[str, Path]:
    """The report of each kind of folder (a kind whose library is missing is skipped)."""
    kind = request.param
    if kind == "run":
        return kind, request.getfixturevalue("report")
    return kind, _report(request.getfixturevalue(kind))


# ------------------------------------------------------------------------------------------ any kind
def _without_scripts(page: str) -> str:
    """The page without its scripts (Plotly.js and the charts' data), after checking each is inline."""
    for attributes, _ in SCRIPT.findall(page):
        assert re.fullmatch(r'( type="application/json" id="spec-[a-z_]+")?', attributes), attributes
    return SCRIPT.sub("", page)


@pytest.mark.slow
def test_every_report_is_one_self_contained_file(any_report: tuple[str, Path]) -> None:
    kind, path = any_report
    page = path.read_text(encoding="utf-8")
    shown = "sweep" if kind in ("grid", "sobol") else kind
    assert page.startswith("<!DOCTYPE html>") and f'<span class="kind">{shown}</span>' in page
    charted = CHARTED.get(kind, set()) if _has("plotly") else set()
    specs = set(re.findall(r'<script type="application/json" id="spec-([a-z_]+)">', page))
    assert specs == charted
    for name in charted:
        spec = json.loads(re.search(rf'id="spec-{name}">(.*?)</script>', page, re.S).group(1))
        assert spec["data"] and spec["layout"]["title"]["text"], name
    # Plotly.js is inside the page, once, only where there are charts to draw.
    assert page.count("<script>") == (2 if charted else 0)
    page = _without_scripts(page)
    lowered = page.lower()
    for needle in ("<script", "<link", "<iframe", "<object", "<embed", "@import", "url(", "@font-face"):
        assert needle not in lowered, needle
    for attribute in re.findall(r'\b(?:src|href|srcset|action|poster)\s*=\s*"([^"]*)"', page, re.I):
        assert attribute.startswith(("data:", "#")), attribute
    assert "http://" not in page and "https://" not in page, "these folders quote no URL, so none at all"
    images = IMAGE.findall(page)
    assert images, "no figure embedded"
    for encoded in images:
        data = base64.b64decode(encoded, validate=True)
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    anchors = set(re.findall(r'<a href="#([^"]+)"', page))
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    assert anchors <= ids, anchors - ids
    assert len(re.findall(r'\bid="([^"]+)"', page)) == len(ids), "an id is used twice"
    assert not [p for p in path.parent.iterdir() if ".tmp" in p.name], "temporary file left behind"


# ------------------------------------------------------------------------------------------ a run
def test_run_report_embeds_every_figure(page: str) -> None:
    assert len(IMAGE.findall(page)) == len(FIGURES)
    for name in FIGURES:
        assert f'id="fig-{name}"' in page


def test_run_report_holds_summary_scenario_and_manifest(page: str, run: Path) -> None:
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    text = html.unescape(page)
    assert "<title>small_test: simulation report (run)</title>" in page
    for row in summary["by_month"]:
        assert f'<td class="text">{row["date"]}</td>' in page
        assert f"{row['p_withdrawal_began']:.1%}" in text
    for crossing in summary["crossings"]:
        assert f"{crossing['share_crossed']:.1%}" in text
    for obs in summary["observations"]:
        assert obs["date"] in text and f"{obs['predicted_p50']:,.0f}" in text and obs["source"] in text
    for reason, count in summary["withdrawal_reasons"].items():
        assert f'<td class="text">{reason.replace("_", " ")}</td><td class="num">{count:,}</td>' in page
    assert "no withdrawal" in text
    for side in ("blue", "red"):
        assert f"{summary['median_casualties'][side]:,.0f}" in text
    quoted = html.unescape(re.search(r'<pre class="quoted">(.*?)</pre>', page, re.S).group(1))
    assert yaml.safe_load(quoted) == manifest["scenario"]
    for key in ("scenario_sha256", "started", "finished", "package_version"):
        assert str(manifest[key]) in text, key
    assert 'root seed</td><td class="text">0<' in page
    # Quoted as a shell would (the report's shlex.join): pytest's own arguments, such as -m "not slow",
    # are the command line of an in-process run.
    assert shlex.join(manifest["command_line"][1:]) in text


def test_run_report_flags_a_report_outside_the_models_95_band(page: str, run: Path) -> None:
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    flags = {obs["date"]: obs["outside_95"] for obs in summary["observations"]}
    assert flags == {"2024-10-15": False, "2024-10-20": True}
    text = html.unescape(page)
    # In the key points, as a warning ...
    warning = re.search(r'<li class="warn">(.*?)</li>', text, re.S).group(1)
    assert "1 of 2 reported figures have their whole reported range outside the middle 95% of runs" in warning
    assert "held area on 20 Oct 2024 (reported 900 km², range above 97.5% of runs" in warning
    # ... and in the table: the row is highlighted, with a marker.
    rows = re.findall(r'<tr class="flagged">(.*?)</tr>', text, re.S)
    observed = [row for row in rows if "more than the start" in row]
    assert len(observed) == 1 and '<span class="flag">⚠ no: range above 97.5% of runs</span>' in observed[0]
    assert not any("within reach" in row for row in rows)


def test_run_report_has_the_validation_section(page: str, run: Path) -> None:
    validation = json.loads((run / "validation.json").read_text(encoding="utf-8"))
    section = html.unescape(re.search(r'<section id="validation">(.*?)</section>', page, re.S).group(1))
    assert "in-sample" in section
    for row in validation["observations"]:
        assert f"{row['crps']:,.0f}" in section or f"{row['crps']:.3g}" in section
    assert "Outside the run's 95% band: held area on 20 Oct 2024 (reported 900 km²" in section


def test_run_report_collapses_the_scenario_and_the_manifest(page: str) -> None:
    for kind in ("quoted", "manifest"):
        assert re.search(rf'<details><summary>[^<]+</summary>\s*<pre class="{kind}">', page), kind
    assert "<details open" not in page


@pytest.mark.slow  # reads a full run and draws its figures or report: long by nature
def test_static_report_has_no_script(run: Path, tmp_path: Path) -> None:
    target = tmp_path / "static.html"
    assert sim("report", run, "--static", "--out", target).returncode == 0
    page = target.read_text(encoding="utf-8")
    assert "<script" not in page and len(IMAGE.findall(page)) == len(FIGURES)
    assert len(page) < 0.5 * len((run / "report.html").read_text(encoding="utf-8")) or not _has("plotly")


@pytest.mark.slow  # reads a full run and draws its figures or report: long by nature
def test_without_the_explorer_extra_the_report_is_static_and_says_why(
    run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.plots import charts_spec

    monkeypatch.setattr(charts_spec, "has_plotly", lambda: False)
    target = tmp_path / "plain.html"
    result = sim("report", run, "--out", target)
    assert result.returncode == 0 and "<script" not in target.read_text(encoding="utf-8")
    assert (
        "note: interactive charts left out: drawing them needs the 'explorer' extra: "
        "pip install 'conflict-sim[explorer]'"
    ) in result.stderr


@pytest.mark.slow  # reads a full run and draws its figures or report: long by nature
def test_report_out_option_and_bad_input(run: Path, grid: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.html"
    result = sim("report", run, "--out", target, "--at", "2024-10-01")
    assert (result.returncode, result.stdout.strip()) == (0, str(target))
    assert "held area across runs on 1 Oct 2024" in html.unescape(target.read_text(encoding="utf-8"))
    (tmp_path / "empty").mkdir()
    for bad in (
        sim("report", run, "--out", tmp_path / "missing" / "x.html"),
        sim("report", run, "--out", tmp_path),
        sim("report", grid, "--at", "2024-10-01", "--out", tmp_path / "y.html"),
        sim("report", tmp_path / "nowhere"),
        sim("report", tmp_path / "empty"),
    ):
        assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and bad.stderr.startswith("error: ")
    assert bad.stderr.strip() == (
        f"error: {tmp_path / 'empty'}: holds no run, sweep, study, calibration, backtest or comparison (no "
        "manifest.json, backtest.json, compare.json, or posterior.parquet with diagnostics.json)"
    )
    assert not (tmp_path / "y.html").exists()


def test_report_of_a_run_without_daily_tables(root: Path) -> None:
    out = root / "none"
    ok("run", SMALL, "-n", "10", "--out", out, "-q", "--no-plots", "--daily", "none", "--executor", "serial")
    result = sim("report", out)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert len(IMAGE.findall(page)) == len(FIGURES) - 3
    assert page.count('<p class="note">') == 3 and "--daily none" in page
    assert "note: fan_chart: skipped" in result.stderr


# ------------------------------------------------------------------------------------------ sweeps
def _section(page: str, name: str) -> str:
    return html.unescape(re.search(rf'<section id="{name}">(.*?)</section>', page, re.S).group(1))


def test_grid_sweep_report(grid: Path) -> None:
    page = _report(grid).read_text(encoding="utf-8")
    design = _section(page, "design")
    assert "grid" in design and ADVANCE in design and REPLACEMENTS in design and "0.5, 1" in design
    assert "10 to 30, 2 evenly spaced values" in design
    points = _section(page, "points")
    assert points.count("<tr>") == 1 + 4  # the header and one row per point
    assert "median (95% interval)" in points and "share of runs (95% interval)" in points
    assert 'id="fig-sweep_heatmap"' in page
    assert 'id="sensitivity"' not in page  # a grid has no indices


@pytest.mark.slow
def test_sobol_sweep_report_warns_of_unconverged_indices(sobol: Path) -> None:
    page = _report(sobol).read_text(encoding="utf-8")
    results = json.loads((sobol / "sensitivity.json").read_text(encoding="utf-8"))
    section = _section(page, "sensitivity")
    for outcome, entries in results.items():
        for entry in entries:
            assert f"{entry['ST']:.3f} ± {entry['ST_conf']:.3f}" in section, outcome
    # Eight base samples cannot pin the indices down.
    assert "too few samples: raise --samples (now 8)" in section
    assert 'class="warn"' in page and "too few samples" in html.unescape(page.split("</ul>")[0])
    assert 'id="fig-sensitivity"' in page and f'id="fig-sweep_{ADVANCE.replace(".", "_")}"' in page
    if (sobol / "discovery" / "box.json").exists():
        box = json.loads((sobol / "discovery" / "box.json").read_text(encoding="utf-8"))
        discovery = _section(page, "discovery")
        assert box["sentence"] in discovery and "quasi-p" in discovery
        assert 'id="fig-discovery-discovery_box"' in page


# ------------------------------------------------------------------------------------------ calibration
@pytest.mark.slow
def test_study_report(study: Path) -> None:
    """The answer first, the ranking, every outcome's metrics, where each lever fails, the four figures."""
    page = _report(study).read_text(encoding="utf-8")
    summary = json.loads((study / "study.json").read_text(encoding="utf-8"))
    # Compared as text: the page escapes quotes as &#39; (markupsafe), html.escape as &#x27;.
    text = html.unescape(page)
    assert summary["answer"] in text
    for section in ("levers", "futures", "ranking", "metrics", "failures", "figures", "method", "manifest"):
        assert f'<section id="{section}">' in page, section
    for name in ("robust_regret", "robust_tradeoff", "robust_satisficing", "robust_failures"):
        assert f'id="fig-{name}"' in page, name
    for failure in summary["failures"]:
        assert failure in text
    # A table with a column per lever (up to 32), or the levers' dotted paths, scrolls by itself.
    for section in ("levers", "metrics"):
        part = _section(page, section)
        assert part.count("<table") == len(re.findall(r'<div class="scroll">\s*<table', part)) > 0, section
    assert "McPhail et al. (2018, doi:10.1029/2017EF000649)" in page
    assert '"scenario":' not in page.split('id="manifest"')[1], (
        "the levers' scenarios are left out of the manifest"
    )


@pytest.mark.slow
def test_calibration_report(calibration: Path) -> None:
    page = _report(calibration).read_text(encoding="utf-8")
    diagnostics = json.loads((calibration / "diagnostics.json").read_text(encoding="utf-8"))
    assert "<title>small_test: calibration report (calibration)</title>" in page
    assert _section(page, "generations").count("<tr>") == 1 + len(diagnostics["generations"])
    parameters = _section(page, "parameters")
    assert "advance_km" in parameters and "uniform(0.3, 2)" in parameters
    for entry in diagnostics["parameters"].values():
        assert f"{entry['width_ratio']:.1%}" in parameters
    predictive = _section(page, "predictive")
    assert "accepted particles" in predictive
    assert predictive.count("<tr") == 1 + len(diagnostics["observations"])
    assert 'id="fig-posterior_predictive"' in page
    for name in ("calibration_marginals", "calibration_pairs", "calibration_generations"):
        assert f'id="fig-{name}"' in page
    assert "sim run " + str(calibration / "small_test_calibrated.yaml") in _section(page, "calibrated")


@pytest.mark.slow
def test_calibration_report_without_its_history(calibration: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("posterior.parquet", "diagnostics.json"):
        (copy / name).write_bytes((calibration / name).read_bytes())
    result = sim("report", copy)
    assert result.returncode == 0
    assert "posterior predictive left out: the folder has no abc.db" in result.stderr
    page = (copy / "report.html").read_text(encoding="utf-8")
    assert "The posterior predictive is missing" in page and "calibration_marginals.png is missing" in page


# ------------------------------------------------------------------------------------------ backtest
@pytest.mark.slow
def test_backtest_report(backtest: Path) -> None:
    page = _report(backtest).read_text(encoding="utf-8")
    document = json.loads((backtest / "backtest.json").read_text(encoding="utf-8"))
    rows = _section(page, "rows")
    assert rows.count("<tr") == 1 + len(document["rows"]) >= 3
    for row in document["rows"]:
        assert f"{row['pit']:.2f}" in rows and row["date"] in rows
    origins = _section(page, "origins")
    assert "2024-10-01" in origins and "held area" in origins and "strength of red" in origins
    assert 'id="fig-backtest"' in page


# ------------------------------------------------------------------------------------------ Chromium
def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


WIDTH = 1400
"""The browser window's width: a laptop's screen."""

PROBE = (
    '<script>window.addEventListener("load", function () { var n = 0;'
    " for (var i = 0; i < document.images.length; i++) {"
    " if (document.images[i].complete && document.images[i].naturalWidth > 0) n++; }"
    ' document.body.setAttribute("data-decoded", n);'
    ' document.body.setAttribute("data-charts", document.querySelectorAll("figure.live .main-svg").length);'
    ' var q = document.querySelector("pre.quoted"); if (q) { var d = q.closest("details");'
    ' document.body.setAttribute("data-yaml-shown", String(q.checkVisibility ? q.checkVisibility()'
    " : !d || d.open)); }"
    " var wide = [], limit = document.body.getBoundingClientRect().right + 1;"
    ' document.querySelectorAll("table").forEach(function (t) { var box = t.closest(".scroll");'
    " var over = box ? box.scrollWidth > box.clientWidth + 1 : t.getBoundingClientRect().right > limit;"
    ' if (over) { var s = t.closest("section"); wide.push(s ? s.id : "?"); } });'
    ' document.body.setAttribute("data-wide", wide.join(" ")); });</script></body>'
)
"""One line of script added by the test (the report has none): counts the images the browser decoded,
whether the quoted YAML is shown (not while its <details> is closed), and which sections hold a table
wider than the page (scrolled sideways)."""


def _page_requests(net_log: Path) -> list[str]:
    """The URLs the page itself asked for (requests made for the file:// page), from Chromium's net log.

    Chromium's own background requests (update checks, time) are made for no page and are left out.
    """
    events = json.loads(net_log.read_text(encoding="utf-8"))["events"]
    urls = []
    for event in events:
        params = event.get("params") or {}
        if "url" in params and "file://" in str(params.get("network_isolation_key", "")):
            urls.append(params["url"])
    return [url for url in urls if not url.startswith(("file:", "data:"))]


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is not installed (apt-get install chromium; .ci/run installs it)",
)
@pytest.mark.slow
def test_every_report_shows_in_headless_chromium(any_report: tuple[str, Path], tmp_path: Path) -> None:
    kind, report = any_report
    page = report.read_text(encoding="utf-8")
    count = len(IMAGE.findall(page))
    probe = report.parent / "probe.html"  # next to the report, so a relative link would resolve
    probe.write_text(page.replace("</body>", PROBE), encoding="utf-8")
    shot, net_log = tmp_path / "report.png", tmp_path / "net.json"
    try:
        shown = _chromium(
            tmp_path / "profile",
            "--dump-dom",
            f"--screenshot={shot}",
            f"--window-size={WIDTH},3000",
            f"--log-net-log={net_log}",
            probe.as_uri(),
        )
    finally:
        probe.unlink()
    # The DOM as the browser built it holds every image, each decoded.
    assert len(IMAGE.findall(shown.stdout)) == count, shown.stderr[-500:]
    assert f'data-decoded="{count}"' in shown.stdout, shown.stdout[:300]
    if kind == "run":
        assert 'data-yaml-shown="false"' in shown.stdout, "the scenario's YAML is not collapsed"
    # At 1,400 px no table needs sideways scrolling (once: the runs compared, a sweep's points).
    wide = re.search(r'data-wide="([^"]*)"', shown.stdout)
    assert wide is not None and wide.group(1) == "", f"tables wider than the page in sections: {wide}"
    # Each interactive chart was drawn by Plotly.js from inside the file (its SVG is in the DOM).
    drawn = int(re.search(r'data-charts="(\d+)"', shown.stdout).group(1))
    assert drawn >= len(CHARTED.get(kind, set()) if _has("plotly") else set()), drawn
    # Nothing was fetched from outside the file.
    assert net_log.exists() and _page_requests(net_log) == []
    # The page as a reader sees it: not blank.
    assert shot.exists(), shown.stderr[-500:]
    pixels = mpimg.imread(shot)[..., :3]
    assert pixels.shape[:2] == (3000, WIDTH)
    assert float(pixels.std()) > 0.1, "the screenshot is nearly blank"
    assert float(np.mean(pixels.min(axis=2) < 0.9)) > 0.03, "too little is drawn on the page"
    if kind == "run":
        band = np.all(np.abs(pixels - BAND_BLUE) < 0.03, axis=2)
        assert float(band.mean()) > 0.005, "the fan chart's bands are not on screen"
