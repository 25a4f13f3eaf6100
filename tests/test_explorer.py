"""The explorer's parts without a browser: the folder rules, the form, the access rules, cancelling.

The browser test (``test_explorer_browser.py``) drives the whole application; these check what a
browser cannot reach or would make slow: the token off loopback, the Host check, forged POSTs, the
form's fields, the one-line messages, the missing extra, and a what-if cancelled mid-run.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from conftest import SMALL, sim_in_process

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient  # noqa: E402

from sim.explorer.app import create_app  # noqa: E402
from sim.explorer.folder import Refused, Root  # noqa: E402
from sim.explorer.form import overrides, sections  # noqa: E402
from sim.explorer.whatif import Request, Runner  # noqa: E402
from sim.results.manifest import scenario_document  # noqa: E402

HEADERS = {"X-Requested-With": "sim-explorer"}
ADVANCE = "sides.red.attack.advance_km"


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(SMALL, served / "small.yaml")
    (tmp_path / "outside.yaml").write_text(SMALL.read_text(encoding="utf-8"), encoding="utf-8")
    return served


def test_root_refuses_every_way_out(folder: Path) -> None:
    root = Root(folder)
    assert root.resolve("small.yaml") == (folder / "small.yaml").resolve()
    (folder / "out").symlink_to(folder.parent)
    for bad in (
        "../outside.yaml",
        "/etc/passwd",
        "a/../../outside.yaml",
        "out/outside.yaml",
        "x\x00",
        "~root",
    ):
        with pytest.raises(Refused):
            root.resolve(bad)


def test_the_form_holds_every_input_with_schema_and_units() -> None:
    from sim import api

    document = scenario_document(api.load(SMALL))
    found = {f.path: f for s in sections(document) for f in s.fields}
    advance = found[ADVANCE]
    assert advance.unit == "km" and advance.description and advance.distribution
    assert not any(
        path.startswith(("observations", "calibrate")) or path.endswith("description") for path in found
    )
    assert found["sides.red.command.policy"].kind == "choice"
    assert overrides({ADVANCE: " 1.5 "}, set(found)) == [f"{ADVANCE}=1.5"]
    with pytest.raises(ValueError, match="not an input"):
        overrides({"extends": "../x.yaml"}, set(found))


def test_check_gives_the_command_lines_message_beside_the_field(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = TestClient(create_app(folder, executor="serial"))
    body = {"source": "small.yaml", "changes": {ADVANCE: "-1"}, "replications": "20", "seed": "0"}
    answer = client.post("/api/check", json=body, headers=HEADERS).json()
    cli = sim_in_process(capsys, "check", folder / "small.yaml", "--set", f"{ADVANCE}=-1")
    assert cli.returncode == 2
    assert answer["errors"] == {ADVANCE: cli.stderr.strip().removeprefix("error: ")}
    body.update(changes={ADVANCE: "1.5"}, replications="0", seed="x")
    answer = client.post("/api/check", json=body, headers=HEADERS).json()
    assert set(answer["errors"]) == {"replications", "seed"} and not answer["ok"]
    body.update(changes={"extends": "../outside.yaml"}, replications="5", seed="0")
    answer = client.post("/api/run", json=body, headers=HEADERS)
    assert answer.status_code == 422 and "not an input" in answer.json()["error"]


def test_access_rules(folder: Path) -> None:
    open_app = TestClient(
        create_app(folder, hosts=["127.0.0.1:9"], executor="serial"), base_url="http://127.0.0.1:9"
    )
    assert open_app.get("/").status_code == 200
    assert open_app.get("/", headers={"Host": "attacker.example:9"}).status_code == 421
    assert open_app.post("/api/check", json={}).status_code == 403  # no header: not from the page
    guarded = TestClient(create_app(folder, token="s3cret", executor="serial"), follow_redirects=False)
    assert guarded.get("/").status_code == 401
    assert guarded.get("/?token=wrong").status_code == 401
    given = guarded.get("/folder/x?token=s3cret")
    assert given.status_code == 303 and "token" not in given.headers["location"]
    assert guarded.get("/").status_code == 200  # the cookie now carries it
    assert guarded.get("/static/nothing.js").status_code == 404
    assert guarded.get("/static/plotly.min.js").status_code == 200


def test_serve_needs_the_extra_and_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name, *a)
    )
    result = sim_in_process(capsys, "serve", ".")
    assert result.returncode == 2
    assert (
        result.stderr == "error: sim serve needs the 'explorer' extra: pip install 'conflict-sim[explorer]'\n"
    )


def test_serve_refuses_a_missing_folder_and_a_busy_port(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = sim_in_process(capsys, "serve", tmp_path / "nowhere", "--port", "0")
    assert result.returncode == 2 and result.stderr.strip().endswith("nowhere: no such folder")
    from sim.explorer.server import bind

    taken = bind("127.0.0.1", 0)
    try:
        result = sim_in_process(capsys, "serve", tmp_path, "--port", str(taken.getsockname()[1]))
    finally:
        taken.close()
    assert result.returncode == 2 and "--port: cannot listen on 127.0.0.1" in result.stderr


def test_a_cancelled_what_if_keeps_its_finished_chunks(folder: Path) -> None:
    runner = Runner(folder.resolve(), executor="serial")
    job = runner.start(Request(folder / "small.yaml", "small", [f"{ADVANCE}=1.5"], 400, 0))
    deadline = time.monotonic() + 120
    while job.done == 0 and job.state == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    job.cancel.set()
    while job.state == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.state == "cancelled", job.message
    assert "sim run --resume" in job.message
    baseline = job.folders["baseline"]
    assert (baseline / "manifest.json").is_file() and not (baseline / "summary.json").exists()
    assert runner.busy() is None


def test_a_folder_holding_a_link_out_is_refused(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outside = folder.parent / "elsewhere"
    for name, extra in (("base", []), ("deeper", ["--set", f"{ADVANCE}=1.5"])):
        args = ["run", SMALL, "-n", "8", "--out", outside / name, "-q", "--no-plots", "--executor", "serial"]
        assert sim_in_process(capsys, *args, *extra).returncode == 0
    compared = folder / "compared"
    assert (
        sim_in_process(capsys, "compare", outside / "base", outside / "deeper", "--out", compared).returncode
        == 0
    )
    client = TestClient(create_app(folder, executor="serial"))
    page = client.get("/folder/compared")
    # The comparison shows, without the chart that would read the runs outside the folder.
    assert page.status_code == 200 and 'id="spec-compare_forest"' in page.text
    assert 'id="spec-compare_fan_chart"' not in page.text
    (compared / "plots" / "stolen.png").symlink_to(outside / "base" / "manifest.json")
    refused = client.get("/folder/compared")
    assert refused.status_code == 403 and "plots/stolen.png, a link to a file outside" in refused.text
