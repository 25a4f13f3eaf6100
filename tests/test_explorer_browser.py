"""``sim serve`` in a real browser: Debian's Chromium, headless, driven by Playwright (nothing downloaded).

The server runs as the real command in a subprocess over a temporary folder holding the Kursk scenario
and a comparison of two small runs. The test does what a user would: opens the app, opens the Kursk
scenario, types a bad North Korean readiness (and reads the command line's message beside the field),
sets it to 10 days, runs 50 replications, watches the progress, sees the chart change and reads a
hovered value off it (checked against the run folder the what-if wrote); then opens the comparison
folder, and asks for paths outside the folder, which are refused. No figure of the Kursk model is
assumed: values are checked against the folders the runs wrote.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import SMALL, TESTS

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
pytest.importorskip("plotly")
sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.slow,  # a browser, a server and a Kursk run
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is not installed (apt-get install chromium; .ci/run does)",
    ),
]
KURSK = TESTS.parent / "scenarios" / "kursk_2024.yaml"
READINESS = "sides.russia.contingents.north_korea.readiness_days"
RUN_SECONDS = 600


def cli(*args: str | Path) -> tuple[int, str, str]:
    """Run the ``sim`` command line in this process."""
    from sim.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder served: the Kursk scenario, a comparison of two small runs, and a scenario reaching out."""
    top = tmp_path_factory.mktemp("explorer")
    folder = top / "results"
    (folder / "scenarios").mkdir(parents=True)
    shutil.copy(KURSK, folder / "scenarios" / "kursk_2024.yaml")
    for name, extra in (("base", []), ("deeper", ["--set", "sides.red.attack.advance_km=1.5"])):
        code, _, err = cli(
            "run", SMALL, "-n", "20", "--seed", "1", "--out", folder / "small" / name, "-q", "--no-plots",
            "--executor", "serial", *extra,
        )  # fmt: skip
        assert code == 0, err
    code, _, err = cli(
        "compare", folder / "small" / "base", folder / "small" / "deeper", "--out", folder / "comparison",
        "-q", "--no-plots",
    )  # fmt: skip
    assert code == 0, err
    # Outside the folder: a scenario, and a link inside the folder pointing at it.
    (top / "secret").mkdir()
    shutil.copy(KURSK, top / "secret" / "outside.yaml")
    (folder / "linked").symlink_to(top / "secret", target_is_directory=True)
    (folder / "scenarios" / "reaching.yaml").write_text(
        "extends: ../../secret/outside.yaml\nname: reaching\n"
    )
    return folder


@pytest.fixture(scope="module")
def server(served: Path) -> Iterator[str]:
    """``sim serve FOLDER --port 0`` as a user starts it; yields the address it prints."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    process = subprocess.Popen(
        [sys.executable, "-m", "sim", "serve", str(served), "--port", "0"],
        cwd=served.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        match = re.fullmatch(r"explorer: (http://127\.0\.0\.1:\d+/)\n", line)
        assert match, (
            f"{line!r} {process.stderr.read() if process.poll() is not None and process.stderr else ''}"
        )
        yield match.group(1).rstrip("/")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture()
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1500, "height": 1000})  # type: ignore[attr-defined]
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


def _cli_message(override: str) -> str:
    """The line ``sim check`` prints for a bad ``--set`` (without ``error: ``)."""
    code, _, err = cli("check", KURSK, "--set", override)
    assert code == 2 and err.count("\n") == 1
    return err.strip().removeprefix("error: ")


def test_what_if_from_the_form_to_a_hovered_value(server: str, served: Path, page: object) -> None:
    page.goto(server + "/")  # type: ignore[attr-defined]
    links = page.locator("#scenario-list a")  # type: ignore[attr-defined]
    assert "scenarios/kursk_2024.yaml" in links.all_inner_texts()
    page.get_by_role("link", name="scenarios/kursk_2024.yaml").click()  # type: ignore[attr-defined]
    page.wait_for_selector("h1:has-text('What if: kursk_2024')")  # type: ignore[attr-defined]

    # The form comes from the schema: the field has its description and its unit-bearing siblings.
    page.fill("#filter", "north_korea.readiness")  # type: ignore[attr-defined]
    field = page.locator(f'input[name="{READINESS}"]')  # type: ignore[attr-defined]
    assert (
        "Days from arrival until units can be committed"
        in page.locator(  # type: ignore[attr-defined]
            f'.field[data-path="{READINESS}"] .help'
        ).inner_text()
    )

    # A bad value gets the command line's own line, next to the field, and nothing runs.
    field.fill("-3")
    error = page.locator(f'.field-error[data-for="{READINESS}"]')  # type: ignore[attr-defined]
    error.wait_for(state="visible")
    assert error.inner_text() == _cli_message(f"{READINESS}=-3")
    page.fill("#replications", "0")  # type: ignore[attr-defined]
    page.click("#run")  # type: ignore[attr-defined]
    page.wait_for_selector('#whatif[data-state="refused"]')  # type: ignore[attr-defined]
    assert "from 1 to" in page.locator('.field-error[data-for="replications"]').inner_text()  # type: ignore[attr-defined]
    assert not (served / "whatif" / "kursk_2024").exists() or not any(
        (served / "whatif" / "kursk_2024").iterdir()
    )

    # Ten days' readiness, 50 replications: progress, then the chart changes.
    field.fill("10")
    page.fill("#replications", "50")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        f'document.querySelector(\'.field-error[data-for="{READINESS}"]\').textContent === ""'
    )
    page.click("#run")  # type: ignore[attr-defined]
    page.wait_for_selector('#whatif[data-state="running"]')  # type: ignore[attr-defined]
    # Two runs of 50 (each with its dynamics-only companion when the scenario has withdrawal rules).
    page.wait_for_function(  # type: ignore[attr-defined]
        "[100, 200].includes(document.getElementById('progress').max)", timeout=30_000
    )
    page.wait_for_selector('#whatif[data-state="done"]', timeout=RUN_SECONDS * 1000)  # type: ignore[attr-defined]
    total = page.evaluate("document.getElementById('progress').max")  # type: ignore[attr-defined]
    assert page.locator("#status").inner_text() == f"done: {total} replications"  # type: ignore[attr-defined]
    names = page.evaluate("document.getElementById('chart').data.map(t => t.name)")  # type: ignore[attr-defined]
    assert any(name.startswith("what-if ") and name.endswith(": median") for name in names), names
    assert any(name.startswith("baseline-n50-seed0") for name in names), names

    # The result is an ordinary run folder beside a baseline of the same seed and count, compared paired.
    whatif = served / "whatif" / "kursk_2024"
    compare = json.loads(next(whatif.glob("compare-*/compare.json")).read_text(encoding="utf-8"))
    baseline, variant = (Path(run["path"]) for run in compare["runs"])
    assert baseline.name == "baseline-n50-seed0" and compare["runs"][1]["paired"] is True
    assert compare["runs"][1]["changes"] == [READINESS]
    from sim import api

    opened = api.open_folder(variant)
    assert len(opened.outcomes) == 50
    assert opened.scenario.sides["russia"].contingents["north_korea"].readiness_days == 10

    # Hover over the chart: the tooltip gives the date and the what-if's median on it, in km².
    plot = page.locator("#chart .nsewdrag").first  # type: ignore[attr-defined]
    box = plot.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.5)  # type: ignore[attr-defined]
    hover = page.locator("#chart .hoverlayer")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "document.querySelector('#chart .hoverlayer').textContent.includes('km²')"
    )
    text = hover.text_content()
    date = re.match(r"(\d{1,2} [A-Z][a-z]{2} \d{4})", text)
    median = re.search(r"what-if [^:]+: median ([\d,]+) km²", text)
    assert date and median, text
    import datetime as dt

    day = (dt.datetime.strptime(date.group(1), "%d %b %Y").date() - opened.scenario.start).days
    daily = opened.daily
    areas = daily.loc[daily["day"] == day, "area_km2"].to_numpy(dtype=float)
    assert len(areas) == 50
    assert abs(float(median.group(1).replace(",", "")) - float(np.median(areas))) <= 1.0


def test_a_comparison_folder_opens_with_its_charts(server: str, page: object) -> None:
    page.goto(server + "/")  # type: ignore[attr-defined]
    page.get_by_role("link", name="comparison", exact=True).click()  # type: ignore[attr-defined]
    page.wait_for_selector('span.kind:has-text("comparison")')  # type: ignore[attr-defined]
    page.wait_for_selector("#fig-compare_forest.live .main-svg")  # type: ignore[attr-defined]
    page.wait_for_selector("#fig-compare_fan_chart.live .main-svg")  # type: ignore[attr-defined]
    assert "deeper minus base" in page.locator("h2").all_inner_texts()  # type: ignore[attr-defined]


def test_nothing_outside_the_folder(server: str, served: Path, page: object) -> None:
    # The browser resolves a literal "/../" itself; these reach the server as written.
    for path in (
        "/folder/..%2Fsecret",
        "/folder/linked",
        "/whatif/..%2Fsecret%2Foutside.yaml",
        "/whatif/linked/outside.yaml",
        "/whatif/%2Fetc%2Fpasswd",
    ):
        response = page.goto(server + path)  # type: ignore[attr-defined]
        assert response.status == 403, path
        assert "outside the folder served" in page.locator("#refused").inner_text(), path  # type: ignore[attr-defined]
    # A client that sends "/../" as it is (no browser does) is refused the same way.
    host, port = server.removeprefix("http://").split(":")
    for path in ("/folder/../secret", "/whatif/../secret/outside.yaml", "/folder/%2e%2e/%2e%2e/etc"):
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        connection.request("GET", path)
        answer = connection.getresponse()
        assert answer.status == 403 and b"outside the folder served" in answer.read(), path
        connection.close()
    # A scenario inside the folder that extends one outside it is refused, naming why.
    response = page.goto(server + "/whatif/scenarios/reaching.yaml")  # type: ignore[attr-defined]
    assert response.status == 422 and "outside the folder served" in page.locator("#refused").inner_text()  # type: ignore[attr-defined]
    # The JSON interface checks the same, and refuses a POST that does not come from its own page.
    request = page.request  # type: ignore[attr-defined]
    headers = {"X-Requested-With": "sim-explorer", "Content-Type": "application/json"}
    answer = request.post(
        server + "/api/check", data=json.dumps({"source": "../secret/outside.yaml"}), headers=headers
    )
    assert answer.status == 403
    assert request.post(server + "/api/run", data="{}").status == 403
    assert not list(served.parent.joinpath("secret").glob("*.json"))


def test_what_if_from_a_run_reuses_it_as_the_baseline(server: str, served: Path, page: object) -> None:
    page.goto(server + "/whatif/small/base")  # type: ignore[attr-defined]
    # The run this starts from is drawn at once; the run then redraws the chart with both.
    page.wait_for_selector("#chart .main-svg")  # type: ignore[attr-defined]
    before = page.evaluate("document.getElementById('chart').data.map(t => t.name)")  # type: ignore[attr-defined]
    assert "median of runs" in before
    assert page.input_value("#replications") == "20" and page.input_value("#seed") == "1"  # type: ignore[attr-defined]
    page.fill("#filter", "red.attack.advance_km")  # type: ignore[attr-defined]
    page.fill('input[name="sides.red.attack.advance_km"]', "1.2")  # type: ignore[attr-defined]
    page.click("#run")  # type: ignore[attr-defined]
    page.wait_for_selector('#whatif[data-state="done"]', timeout=RUN_SECONDS * 1000)  # type: ignore[attr-defined]
    after = page.evaluate("document.getElementById('chart').data.map(t => t.name)")  # type: ignore[attr-defined]
    assert "base (baseline): median" in after and any(n.startswith("what-if ") for n in after), after
    # Same seed and count as the run: only the changed scenario ran (20 replications), paired with it.
    assert page.locator("#status").inner_text() in ("done: 20 replications", "done: 40 replications")  # type: ignore[attr-defined]
    assert not list((served / "whatif" / "base").glob("baseline-*"))
    assert "(paired" in page.locator("#differences h3").inner_text()  # type: ignore[attr-defined]
