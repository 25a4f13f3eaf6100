"""``sim report``: one self-contained HTML file, checked as text and rendered in headless Chromium."""

from __future__ import annotations

import base64
import html
import json
import re
import subprocess
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402
from conftest import run_sim, run_small, sim_in_process  # noqa: E402

from sim.plots.run import FIGURES  # noqa: E402

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
QUOTED = re.compile(r"<pre\b[^>]*>.*?</pre>", re.S)
"""The scenario and manifest, quoted as text: the only place a URL may appear (as the user wrote it)."""
BAND_BLUE = np.array([0x9E, 0xCA, 0xE1]) / 255
"""The fan chart's 80% band colour."""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "run"
    run_small(out, "--no-plots", replications=30)
    return out


@pytest.fixture(scope="module")
def report(run: Path) -> Path:
    result = run_sim("report", run)
    path = Path(result.stdout.strip())
    assert path == run / "report.html"
    return path


@pytest.fixture(scope="module")
def page(report: Path) -> str:
    return report.read_text(encoding="utf-8")


def test_report_embeds_every_figure_as_a_png_data_uri(page: str, report: Path) -> None:
    images = IMAGE.findall(page)
    assert len(images) == len(FIGURES)
    for encoded in images:
        data = base64.b64decode(encoded, validate=True)
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    for name in FIGURES:
        assert f'id="fig-{name}"' in page
    assert not [p for p in report.parent.iterdir() if ".tmp" in p.name], "temporary file left behind"


def test_report_needs_nothing_from_outside(page: str) -> None:
    lowered = page.lower()
    for needle in ("<script", "<link", "<iframe", "<object", "<embed", "@import", "url(", "@font-face"):
        assert needle not in lowered, needle
    for attribute in re.findall(r'\b(?:src|href|srcset|action|poster)\s*=\s*"([^"]*)"', page, re.I):
        assert attribute.startswith(("data:", "#")), attribute
    outside_quotes = QUOTED.sub("", page)
    assert "http://" not in outside_quotes and "https://" not in outside_quotes
    assert "http://" not in page and "https://" not in page, "this scenario quotes no URL, so none at all"


def test_report_holds_summary_scenario_and_manifest(page: str, run: Path) -> None:
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    text = html.unescape(page)
    assert "<title>small_test: simulation report (run)</title>" in page
    for row in summary["by_month"]:
        assert f'<td class="text">{row["date"]}</td>' in page
        assert f"{row['p_withdrawn']:.1%}" in text
    for crossing in summary["crossings"]:
        assert f"{crossing['share_crossed']:.1%}" in text
    for obs in summary["observations"]:
        assert obs["date"] in text and f"{obs['predicted_p50']:,.0f}" in text
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
    assert " ".join(manifest["command_line"][1:]) in text


def test_report_out_option_and_bad_input(
    run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "elsewhere.html"
    result = sim_in_process(capsys, "report", run, "--out", target, "--at", "2024-10-01")
    assert (result.returncode, result.stdout.strip()) == (0, str(target))
    assert "held area across runs on 1 Oct 2024" in html.unescape(target.read_text(encoding="utf-8"))
    for bad in (
        sim_in_process(capsys, "report", run, "--out", tmp_path / "missing" / "x.html"),
        sim_in_process(capsys, "report", run, "--out", tmp_path),
        sim_in_process(capsys, "report", tmp_path),
    ):
        assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and bad.stderr.startswith("error: ")
    assert bad.stderr.strip() == (
        f"error: {tmp_path}: holds no run, sweep, calibration or backtest (no manifest.json, backtest.json, "
        "or posterior.parquet with diagnostics.json)"
    )


def test_report_of_a_run_without_daily_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "none"
    run_small(out, "--no-plots", "--daily", "none", replications=10)
    result = sim_in_process(capsys, "report", out)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert len(IMAGE.findall(page)) == len(FIGURES) - 3
    assert page.count('class="note"') == 3 and "--daily none" in page
    assert "note: fan_chart: skipped" in result.stderr


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is not installed (apt-get install chromium; .ci/run installs it)",
)
def test_report_shows_its_figures_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    page = report.read_text(encoding="utf-8")

    # The DOM as the browser built it holds every image, still as a data URI.
    dom = _chromium(tmp_path / "profile-dom", "--dump-dom", report.as_uri())
    assert dom.returncode == 0, dom.stderr
    assert len(IMAGE.findall(dom.stdout)) == len(FIGURES), dom.stdout[:500]

    # A copy with one line of script added by the test (the report has none) counts the images the
    # browser actually decoded.
    probe = tmp_path / "probe.html"
    probe.write_text(
        page.replace(
            "</body>",
            '<script>window.addEventListener("load", function () { var n = 0;'
            " for (var i = 0; i < document.images.length; i++) {"
            " if (document.images[i].complete && document.images[i].naturalWidth > 0) n++; }"
            ' document.body.setAttribute("data-decoded", n); });</script></body>',
        ),
        encoding="utf-8",
    )
    counted = _chromium(tmp_path / "profile-probe", "--dump-dom", probe.as_uri())
    assert f'data-decoded="{len(FIGURES)}"' in counted.stdout, counted.stdout[:300]

    # The page as a reader sees it: not blank, and the fan chart's bands are on screen.
    shot = tmp_path / "report.png"
    taken = _chromium(
        tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1200,3000", report.as_uri()
    )
    assert shot.exists(), taken.stderr
    pixels = mpimg.imread(shot)[..., :3]
    assert pixels.shape[:2] == (3000, 1200)
    assert float(pixels.std()) > 0.1, "the screenshot is nearly blank"
    assert float(np.mean(pixels.min(axis=2) < 0.9)) > 0.1, "too little is drawn on the page"
    band = np.all(np.abs(pixels - BAND_BLUE) < 0.03, axis=2)
    assert float(band.mean()) > 0.005, "the fan chart's bands are not on screen"
