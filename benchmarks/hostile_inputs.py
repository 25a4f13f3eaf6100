# ruff: noqa: E501, E741  (a table of literal inputs, kept one per line)
"""Replay hostile scenario inputs through the real `sim check` and `sim run` and count the outcomes.

Usage: python benchmarks/hostile_inputs.py [--src DIR] [--jobs N] [--out report.json] [--only TEXT]

Takes about half an hour on 2 cores (the inputs, one subprocess or two each, then the folder cases of
hostile_folders.py: damaged run folders, hand-edited manifests, output places, observation files, each
through the commands that read them); docs/reliability.md records the counts. `--only folders` replays
the folder cases alone; `--only GROUP` one group (strict, tables, manifest, readers, out, observations...).

--src puts DIR first on PYTHONPATH (e.g. an exported copy of the code before a change).
Each input is run through `sim check` and `sim run -n 20 --executor serial -q --no-plots` in a fresh
folder, with a timeout. Outcomes per input (worst over the commands):
  clean      exit 2, exactly one stderr line starting 'error: ', and the prefix expected (if any)
  valid      exit 0 where the input is valid
  wrong      exit 0 where the input is invalid (wrong acceptance), or a refusal of a valid input
  misleading exit 2 with one line, but it blames the wrong place (file/line expected)
  messy      exit 2 but more than one line on stderr
  failed     an exit code other than 0/2, without a traceback (a run that gave up)
  traceback  a traceback, or a process killed by a signal
  hang       no exit within the timeout
For the NaN/inf/huge-number-per-field cases `sim run` is run for '.nan' always and for the others only
when `sim check` did not refuse cleanly (a clean refusal by check is the same loader path as run's).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from hostile_folders import execute_folder_case, folder_cases, make_bases

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SMALL_TEXT = (REPO / "tests" / "scenarios" / "small.yaml").read_text()
SECRET = "TOPSECRET-4242"
TIMEOUT = 60.0


@dataclass
class Case:
    name: str
    files: dict[str, bytes | str | None] = field(default_factory=dict)  # None: a FIFO
    scenario: str = "s.yaml"  # relative to the case folder's 'scen' dir, or absolute
    overrides: tuple[str, ...] = ()
    expect: str = "bad"  # bad, ok, any
    prefix: str | None = None  # the error line must start with this (after 'error: ')
    cwd: str = "scen"  # relative to the case folder
    run: bool = True
    group: str = "misc"
    run_if_check_not_clean: bool = False
    repeats: bool = True  # False: an error line that lists a choice twice is messy


def numeric_paths() -> list[str]:
    data = yaml.safe_load(SMALL_TEXT)
    out: list[str] = []

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, [*path, str(k)])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, [*path, str(i)])
        elif isinstance(node, int | float) and not isinstance(node, bool):
            out.append(".".join(path))

    walk(data, [])
    # Fields left to their defaults in small.yaml.
    out += [
        "engagement.success.intercept",
        "engagement.success.slope",
        "engagement.success.fortified_offset",
        "engagement.fortified_at",
        "sides.red.attack.advance_sigma",
        "sides.red.attack.min_force_ratio",
        "sides.red.attack.duration_days",
        "sides.red.attack.depth_density_exponent",
        "sides.red.attack.fortified_depth_factor",
        "sides.blue.logistics.demand_per_soldier",
        "sectors.south.terrain",
        "sectors.north.fortification.kept_on_retreat",
        "sides.blue.command.return_threshold",
        "sides.blue.command.withdrawal.losses_above",
        "sides.blue.command.withdrawal.loss_share_above",
        "sides.red.contingents.regulars.readiness_days",
    ]
    return out


def edit(old: str, new: str, text: str = SMALL_TEXT) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def cases() -> list[Case]:
    out: list[Case] = []
    # 1. Non-finite and huge numbers in every numeric field, through --set.
    for path in numeric_paths():
        for value in (".nan", ".inf", "1e400", "1e12"):
            out.append(
                Case(
                    f"set {path}={value}",
                    {"s.yaml": SMALL_TEXT},
                    overrides=(f"{path}={value}",),
                    run=value == ".nan",
                    run_if_check_not_clean=True,
                    group=f"number {value}",
                    prefix=f"--set {path}={value}: ",
                )
            )
    # The same written in the file (not via --set).
    out.append(
        Case(
            "file kill_rate .nan", {"s.yaml": edit("kill_rate: 0.05", "kill_rate: .nan")}, group="number file"
        )
    )
    out.append(
        Case(
            "file kill_rate 1e400",
            {"s.yaml": edit("kill_rate: 0.05", "kill_rate: 1e400")},
            group="number file",
        )
    )
    out.append(
        Case(
            "file unit_size -.inf",
            {"s.yaml": edit("unit_size: 1500", "unit_size: -.inf")},
            group="number file",
        )
    )
    # 2. Plausibility bounds and cross-field rules.
    for name, override in [
        ("unit_size 1e12", "sides.red.contingents.regulars.unit_size=1e12"),
        ("kill_rate 1e6", "engagement.kill_rate=1000000"),
        ("units 1e9", "sides.red.contingents.regulars.echelons.0.units=1000000000"),
        ("strikes 1e7", "sides.blue.strikes.rate_per_day=1e7"),
        ("strikes inf", "sides.blue.strikes.rate_per_day=.inf"),
        ("end 9999", "end=9999-12-31"),
        ("rate_per_km 1e7", "sides.red.attack.max_rate_per_km=1e7"),
        ("fort initial>max", "sectors.north.fortification={initial: 3, maximum: 1}"),
        ("dist uniform nan", "engagement.kill_rate={dist: uniform, low: .nan, high: 1}"),
        ("dist normal inf mean", "engagement.kill_rate={dist: normal, mean: .inf, sd: 1, low: 0}"),
        ("dist choice inf", "engagement.kill_rate={dist: choice, values: [0.1, .inf]}"),
        ("dist lognormal huge sigma", "engagement.kill_rate={dist: lognormal, median: 0.05, sigma: 1e300}"),
        (
            "dist choice weight nan",
            "engagement.kill_rate={dist: choice, values: [0.1, 0.2], weights: [.nan, 1]}",
        ),
        ("obs value nan", "observations.0.value=.nan"),
        ("obs sd inf", "observations.0.sd=.inf"),
        (
            "calibrate population huge",
            "calibrate={parameters: {engagement.kill_rate: {dist: uniform, low: 0.01, high: 0.1}}, population: 1000000000000}",
        ),
    ]:
        out.append(
            Case(
                name,
                {"s.yaml": SMALL_TEXT},
                overrides=(override,),
                group="bounds",
                prefix=f"--set {override}: ",
            )
        )
    many_sectors = "sectors:\n" + "".join(
        f"  s{i}:\n    area_km2: 10\n    frontage_km: 2\n" for i in range(20000)
    )
    out.append(
        Case(
            "20000 sectors",
            {"s.yaml": SMALL_TEXT.split("sectors:\n")[0] + many_sectors + "engagement:\n  kill_rate: 0.05\n"},
            group="bounds",
        )
    )
    many_obs = "".join("  - {date: 2024-10-15, value: 300, sd: 30}\n" for _ in range(20000))
    out.append(Case("20000 observations", {"s.yaml": SMALL_TEXT + many_obs}, group="bounds"))
    out.append(
        Case(
            "100000 thresholds",
            {
                "s.yaml": edit(
                    "thresholds_km2: [400, 250, 100]", "thresholds_km2: [" + ", ".join(["100"] * 100000) + "]"
                )
            },
            group="bounds",
        )
    )
    # 3. YAML hazards.
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    bomb = "bomb:\n" + "".join(f"  {line}\n" for line in lines)
    out.append(Case("billion laughs 9x9", {"s.yaml": SMALL_TEXT + bomb}, group="yaml"))
    out.append(
        Case(
            "nested 500 lists", {"s.yaml": SMALL_TEXT + "junk: " + "[" * 500 + "]" * 500 + "\n"}, group="yaml"
        )
    )
    out.append(
        Case(
            "nested 500 maps",
            {"s.yaml": SMALL_TEXT + "junk: " + "{a: " * 500 + "1" + "}" * 500 + "\n"},
            group="yaml",
        )
    )
    out.append(Case("recursive alias", {"s.yaml": SMALL_TEXT + "junk: &r [1, *r]\n"}, group="yaml"))
    out.append(
        Case(
            "recursive alias in description",
            {"s.yaml": edit("description: Two-sector salient for tests.", "description: &r [1, *r]")},
            group="yaml",
        )
    )
    out.append(Case("/dev/zero scenario", {}, scenario="/dev/zero", group="yaml"))
    out.append(Case("/dev/zero extends", {"s.yaml": "extends: /dev/zero\nname: x\n"}, group="yaml"))
    out.append(Case("fifo scenario", {"fifo.yaml": None}, scenario="fifo.yaml", group="yaml"))
    out.append(
        Case("fifo extends", {"fifo.yaml": None, "s.yaml": "extends: fifo.yaml\nname: x\n"}, group="yaml")
    )
    out.append(
        Case(
            "NUL byte",
            {"s.yaml": edit("Two-sector salient", "Two-sector\x00 salient")},
            group="yaml",
            prefix="s.yaml:",
        )
    )
    out.append(
        Case(
            "not UTF-8",
            {
                "s.yaml": edit("Two-sector salient", "Two-sector salient")
                .encode()
                .replace(b"Two-sector", b"Two\xff\xfesector")
            },
            group="yaml",
            prefix="s.yaml",
        )
    )
    out.append(Case("5 MB file", {"s.yaml": SMALL_TEXT + "# " + "x" * 5_000_000 + "\n"}, group="yaml"))
    out.append(
        Case("huge int", {"s.yaml": edit("kill_rate: 0.05", "kill_rate: " + "9" * 5000)}, group="yaml")
    )
    out.append(Case("complex key", {"s.yaml": SMALL_TEXT + "? [a, b]\n: 1\n"}, group="yaml"))
    # 4. --set robustness.
    out.append(
        Case(
            "set deep brackets",
            {"s.yaml": SMALL_TEXT},
            overrides=("description=" + "[" * 2000,),
            group="set",
            prefix="--set description=",
        )
    )
    out.append(
        Case(
            "set deep brackets closed",
            {"s.yaml": SMALL_TEXT},
            overrides=("description=" + "[" * 1000 + "]" * 1000,),
            group="set",
            prefix="--set description=",
        )
    )
    out.append(
        Case(
            "set nope.path",
            {"s.yaml": SMALL_TEXT},
            overrides=("nope.path=1",),
            group="set",
            prefix="--set nope.path=1: ",
        )
    )
    out.append(
        Case(
            "set bomb",
            {"s.yaml": SMALL_TEXT},
            overrides=("description=" + "{" + ", ".join(lines).replace(": ", ": ") + "}",),
            group="set",
            prefix="--set ",
        )
    )
    post = "k\n" + "".join(f"{0.01 + i * 0.0001}\n" for i in range(50))
    out.append(
        Case(
            "set relative file",
            {"s.yaml": SMALL_TEXT, "post.csv": post, "../elsewhere/.keep": ""},
            overrides=("engagement.kill_rate={dist: empirical, file: post.csv, column: k}",),
            cwd="elsewhere",
            scenario="../scen/s.yaml",
            expect="ok",
            group="set",
        )
    )

    # 5. Empirical files.
    def emp(name, content, expect="bad", column="k", prefix=None):
        fname = "samples.parquet" if isinstance(content, bytes) and content[:4] == b"PAR1" else "samples.csv"
        text = edit("kill_rate: 0.05", f"kill_rate: {{dist: empirical, file: {fname}, column: {column}}}")
        return Case(name, {"s.yaml": text, fname: content}, expect=expect, group="empirical", prefix=prefix)

    out.append(emp("csv ok", post, expect="ok"))
    out.append(emp("csv 128KB field", "k\n0.1\n" + "1" * 140_000 + "\n"))
    out.append(emp("csv ragged row", "k,w\n0.1,1\n0.2\n0.3,1,5\n", column="w"))
    out.append(emp("csv nan value", "k\n0.1\nnan\n"))
    out.append(emp("csv inf value", "k\n0.1\ninf\n"))
    out.append(emp("csv not a number", "k\n0.1\nsecret-" + SECRET + "\n"))
    out.append(emp("csv 2M rows", "k\n" + "0.05\n" * 2_000_000))
    out.append(emp("csv binary junk", os.urandom(64).replace(b"\n", b"x")))
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table({"k": pa.array([{"a": 1, "b": 2.0}] * 3)}), buf)
    out.append(emp("parquet struct column", buf.getvalue()))
    buf = io.BytesIO()
    pq.write_table(pa.table({"k": pa.array(["a", "b"])}), buf)
    out.append(emp("parquet string column", buf.getvalue()))
    buf = io.BytesIO()
    pq.write_table(pa.table({"k": pa.array([0.1, None, 0.2])}), buf)
    out.append(emp("parquet null value", buf.getvalue()))
    out.append(emp("parquet truncated", b"PAR1" + os.urandom(40)))
    # 6. Reach: files outside the scenario's folder (cwd = the scenario's folder).
    out.append(
        Case(
            "empirical outside folder",
            {
                "s.yaml": edit(
                    "kill_rate: 0.05",
                    "kill_rate: {dist: empirical, file: ../../secret_area/secret.csv, column: k}",
                ),
                "../../secret_area/secret.csv": "k\n0.0123\n0.0124\n",
            },
            scenario="s.yaml",
            group="reach",
        )
    )
    out.append(
        Case(
            "extends outside folder",
            {"s.yaml": "extends: ../../other/base.yaml\nname: x\n", "../../other/base.yaml": SMALL_TEXT},
            group="reach",
        )
    )
    out.append(
        Case(
            "calibrated scenario in results",
            {
                "scenarios/base.yaml": SMALL_TEXT,
                "results/base/calibrate/cal.yaml": "extends: ../../../scenarios/base.yaml\nname: cal\ncalibrate: null\n"
                "engagement:\n  kill_rate: {dist: empirical, file: post.csv, column: k}\n",
                "results/base/calibrate/post.csv": post,
            },
            scenario="results/base/calibrate/cal.yaml",
            cwd=".",
            expect="ok",
            group="reach",
        )
    )
    # 7. Smaller.
    out.append(
        Case(
            "observation date outside",
            {"s.yaml": edit("{date: 2024-10-15, value: 300", "{date: 2025-10-15, value: 300")},
            group="smaller",
            prefix=f"s.yaml:{SMALL_TEXT.splitlines().index([l for l in SMALL_TEXT.splitlines() if '2024-10-15' in l][0]) + 1}:",
        )
    )
    out.append(
        Case(
            "calibrate bad path",
            {
                "s.yaml": SMALL_TEXT
                + "calibrate:\n  parameters:\n    engagement.kil_rate: {dist: uniform, low: 0.01, high: 0.1}\n"
            },
            group="smaller",
        )
    )
    out.append(
        Case(
            "calibrate non-number path",
            {
                "s.yaml": SMALL_TEXT
                + "calibrate:\n  parameters:\n    name: {dist: uniform, low: 0.01, high: 0.1}\n"
            },
            group="smaller",
        )
    )

    # 8. Strict types and YAML 1.1 (issue 23).
    def replacements(value: str) -> str:
        return edit("replacements_per_day: 50", f"replacements_per_day: {value}")

    obs_line = [line for line in SMALL_TEXT.splitlines() if "2024-10-15" in line][0]
    for name, text in [
        ("force_ratio_days 1.5", edit("force_ratio_days: 10", "force_ratio_days: 1.5")),
        ("sexagesimal 1:30", replacements("1:30")),
        ("octal 0300", replacements("0300")),
        (
            "!!binary value",
            edit("description: Two-sector salient for tests.", "description: !!binary aGVsbG8="),
        ),
        ("!!set value", edit("description: Two-sector salient for tests.", "description: !!set {a: null}")),
        (
            "dates with time zones 3,661 days apart",
            edit(
                "end: 2024-11-01",
                "end: 2034-09-09T00:00:00-10:00",
                edit("start: 2024-09-01", "start: 2024-09-01T00:00:00+14:00"),
            ),
        ),
        (
            "side on a held-area observation",
            edit(obs_line, obs_line.replace("sd: 30,", "sd: 30, side: red,")),
        ),
        (
            "since on a held-area observation",
            edit(obs_line, obs_line.replace("sd: 30,", "sd: 30, since: 2024-09-10,")),
        ),
    ]:
        out.append(Case(name, {"s.yaml": text}, group="strict", prefix="s.yaml:"))
    out.append(Case("a sector named on", {"s.yaml": edit("  south:", "  on:")}, expect="ok", group="strict"))
    out.append(
        Case(
            "an observation's sector: no",
            {"s.yaml": SMALL_TEXT},
            overrides=(
                "observations.0={date: 2024-10-01, metric: sector_area_km2, sector: no, value: 100, sd: 10}",
            ),
            group="strict",
            prefix="--set observations.0={date: 2024-10-01, metric: sector_area_km2, sector: no, value: 100, sd: 10}: observations.0.sector: ",
        )
    )
    out.append(
        Case(
            "an observation without its date",
            {"s.yaml": SMALL_TEXT},
            overrides=("observations.0={value: 300, sd: 30}",),
            group="strict",
            prefix="--set observations.0={value: 300, sd: 30}: observations.0.date: ",
        )
    )
    out.append(
        Case(
            "an unknown key of a distribution",
            {"s.yaml": SMALL_TEXT},
            overrides=("engagement.kill_rate={dist: uniform, low: 0.01, zzzz: 2}",),
            group="strict",
            prefix="--set ",
            repeats=False,
        )
    )
    chain = {"f0.yaml": SMALL_TEXT, **{f"f{i}.yaml": f"extends: f{i - 1}.yaml\n" for i in range(1, 1_100)}}
    out.append(
        Case("extends chain of 1,100 files", {**chain, "s.yaml": "extends: f1099.yaml\n"}, group="strict")
    )
    out.append(
        Case(
            "extends a base above the folder, not a scenario",
            {"s.yaml": "extends: ../../secret.yaml\n", "../../secret.yaml": f"name: x\nstart: {SECRET}\n"},
            cwd="elsewhere",
            scenario="../scen/s.yaml",
            group="strict",
        )
    )
    out.append(Case("valid small", {"s.yaml": SMALL_TEXT}, expect="ok", group="valid"))
    return out


def classify(result, expect: str, prefix: str | None, scen_dir: Path) -> str:
    if result is None:
        return "hang"
    code, err = result.returncode, result.stderr
    if "Traceback" in err or "Traceback" in result.stdout or code < 0:
        return "traceback"
    if code not in (0, 2):
        return "failed"
    if SECRET in err or SECRET in result.stdout:
        return "leak"
    if code == 0:
        return "wrong" if expect == "bad" else "valid"
    lines = err.splitlines()
    if len(lines) != 1 or not lines[0].startswith("error: ") or len(lines[0]) > MESSAGE_CHARS:
        return "messy"
    if expect == "ok":
        return "wrong"
    if prefix is not None and not lines[0].removeprefix("error: ").startswith(prefix):
        return "misleading"
    return "clean"


SEVERITY = ["hang", "traceback", "failed", "leak", "wrong", "messy", "misleading", "clean", "valid"]
MESSAGE_CHARS = 410
"""Longest error line: ``error: `` and at most 400 characters (docs/reliability.md)."""


def _limit_memory() -> None:
    # Keep a runaway input (/dev/zero read whole) from taking the shared machine's memory: 4 GB address space.
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def execute(case: Case, src: str | None, root: Path) -> dict:
    folder = Path(tempfile.mkdtemp(dir=root))
    scen = folder / "a" / "b" / "scen"
    scen.mkdir(parents=True)
    (folder / "a" / "b" / "elsewhere").mkdir()
    for rel, content in case.files.items():
        target = (scen / rel) if not rel.startswith(("scenarios/", "results/")) else folder / "a" / "b" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            os.mkfifo(target)
        elif isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    cwd = {"scen": scen, "elsewhere": folder / "a" / "b" / "elsewhere", ".": folder / "a" / "b"}[case.cwd]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    env.pop("SIM_ALLOW_OUTSIDE_FILES", None)
    if src:
        env["PYTHONPATH"] = src
    sets = [a for o in case.overrides for a in ("--set", o)]
    commands = {"check": ["check", case.scenario, *sets]}
    outcome: dict = {"name": case.name, "group": case.group, "results": {}}

    def go(args):
        start = time.time()
        try:
            r = subprocess.run(
                [PYTHON, "-m", "sim", *args],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                errors="replace",
                stdin=subprocess.DEVNULL,
                timeout=TIMEOUT,
                preexec_fn=_limit_memory,
            )
        except subprocess.TimeoutExpired:
            r = None
        return r, time.time() - start

    r, seconds = go(commands["check"])
    verdicts = {"check": classify(r, case.expect, case.prefix, scen)}
    if not case.repeats and r is not None and verdicts["check"] == "clean":
        listed = r.stderr.split("expected one of: ")[-1].split(" (")[0].split(", ")
        if len(listed) != len(set(listed)):
            verdicts["check"] = "messy"
    outcome["results"]["check"] = {
        "verdict": verdicts["check"],
        "seconds": round(seconds, 1),
        "stderr": (r.stderr[-300:] if r else "TIMEOUT"),
        "code": r.returncode if r else None,
    }
    do_run = case.run or (case.run_if_check_not_clean and verdicts["check"] != "clean")
    if do_run:
        out_dir = folder / "out"
        r, seconds = go(
            [
                "run",
                case.scenario,
                *sets,
                "-n",
                "20",
                "--executor",
                "serial",
                "-q",
                "--no-plots",
                "--out",
                str(out_dir),
            ]
        )
        verdict = classify(r, case.expect, case.prefix, scen)
        if verdict in ("valid", "wrong") and out_dir.exists():
            for p in out_dir.rglob("*"):
                if p.is_file() and SECRET.encode() in p.read_bytes():
                    verdict = "leak"
        verdicts["run"] = verdict
        outcome["results"]["run"] = {
            "verdict": verdict,
            "seconds": round(seconds, 1),
            "stderr": (r.stderr[-300:] if r else "TIMEOUT"),
            "code": r.returncode if r else None,
        }
    outcome["verdict"] = min(verdicts.values(), key=SEVERITY.index)
    shutil.rmtree(folder, ignore_errors=True)
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default=str(REPO / "results" / "hostile_inputs.json"))
    parser.add_argument("--only")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="fuzz_inputs_"))
    todo = [c for c in cases() if not args.only or args.only in c.name or args.only == c.group]
    folders = [
        c for c in folder_cases() if not args.only or args.only in c.name or args.only in (c.group, "folders")
    ]
    if args.only == "folders":
        todo = []
    print(f"{len(todo)} inputs, {len(folders)} folder cases", flush=True)
    env = {**os.environ, "MPLBACKEND": "Agg"}
    env.pop("SIM_ALLOW_OUTSIDE_FILES", None)
    if args.src:
        env["PYTHONPATH"] = args.src
    bases = make_bases(root, env, PYTHON) if folders else root

    def one(item):
        if isinstance(item, Case):
            return execute(item, args.src, root)
        return execute_folder_case(item, bases, root, env, PYTHON, classify, TIMEOUT)

    results = []
    with ThreadPoolExecutor(args.jobs) as pool:
        for i, outcome in enumerate(pool.map(one, [*todo, *folders])):
            results.append(outcome)
            if outcome["verdict"] not in ("clean", "valid"):
                print(
                    f"[{i}] {outcome['verdict']:10} {outcome['name']}: "
                    + " | ".join(
                        f"{k}: {v['code']} {v['stderr'].strip().splitlines()[-1][:150] if v['stderr'].strip() else ''}"
                        for k, v in outcome["results"].items()
                    ),
                    flush=True,
                )
    shutil.rmtree(root, ignore_errors=True)
    counts = collections.Counter(o["verdict"] for o in results)
    by_group = collections.defaultdict(collections.Counter)
    for o in results:
        by_group[o["group"]][o["verdict"]] += 1
    runs = sum(len(o["results"]) for o in results)
    print(f"\n{len(results)} inputs and folder cases, {runs} command runs")
    for verdict in SEVERITY:
        print(f"  {verdict:10} {counts.get(verdict, 0)}")
    for group, c in sorted(by_group.items()):
        print(f"  {group:16} " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
    Path(args.out).write_text(json.dumps({"counts": counts, "results": results}, indent=1))


if __name__ == "__main__":
    main()
