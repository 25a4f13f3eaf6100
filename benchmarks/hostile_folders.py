# ruff: noqa: E501  (a table of literal cases, kept one per line)
"""Hostile run folders and command options, replayed through the real `sim` commands (see hostile_inputs.py).

What is read back after a run: merged tables replaced, emptied, filled with NaN, of other columns or not
Parquet; a manifest edited by hand (seed, daily mode, a chunk dropped, the scenario with its digest, the
status), a manifest that is a pipe or /dev/zero; parts whose records lie; leftovers of a killed merge;
degenerate runs (one replication); folder names matplotlib would read as formulas; output places inside
another run's folder or through a link; observation files that are devices, pipes, huge or absurd; a
`sim new --schema` with a line break; a 5,000-digit `--seed`.

Each case copies a few base folders (made once per replay by the code under test: a complete run of 20
replications, another of seed 1, an interrupted one of 5 finished chunks out of 10, two of 1 replication),
damages them, and runs its commands in the case folder. Verdicts as in hostile_inputs.py; a case's own
check may turn a clean-looking result into `wrong` (a file written through a link, a leftover kept).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SMALL = REPO / "tests" / "scenarios" / "small.yaml"
DISCOVER = ("--outcome", "final_area_km2 > 100", "--no-plots", "--no-scores", "-q")


@dataclass
class FolderCase:
    name: str
    damage: Callable[[Path], None] | None = None  # edits the case folder (its run, other, ... copies)
    commands: tuple[tuple[str, ...], ...] = ()  # {run} {other} {one} {one_b} {case} are filled in
    base: str = "complete"  # what {run} is a copy of: complete, partial, one
    expect: str = "bad"  # bad, ok, any, or note:TEXT (exit 0 saying TEXT, or a clean refusal)
    check: Callable[[Path], str | None] | None = None  # after the commands: a verdict to impose, or None
    group: str = "folder"
    copies: tuple[str, ...] = ("other",)


READERS = (
    ("plot", "{run}"),
    ("report", "{run}", "--out", "{case}/report.html"),
    ("validate", "{run}", "--out", "{case}/validation"),
    ("compare", "{other}", "{run}", "--out", "{case}/compare", "--no-plots", "-q"),
    ("discover", "{run}", "--out", "{case}/discovery", *DISCOVER),
)
RESUME = ("run", "--resume", "{run}", "--executor", "serial", "-q", "--no-plots")


# -- damage ----------------------------------------------------------------------------------------
def _table(path: Path):
    import pyarrow.parquet as pq

    return pq.read_table(path)


def _write(table, path: Path) -> None:
    import pyarrow.parquet as pq

    pq.write_table(table, path)


def foreign_outcomes(case: Path) -> None:
    shutil.copyfile(case / "other" / "outcomes.parquet", case / "run" / "outcomes.parquet")


def emptied_outcomes(case: Path) -> None:
    _write(_table(case / "run" / "outcomes.parquet").slice(0, 0), case / "run" / "outcomes.parquet")


def nan_outcomes(case: Path) -> None:
    import pyarrow as pa

    table = _table(case / "run" / "outcomes.parquet")
    for index, column in enumerate(table.schema):
        if column.type == pa.float64():
            table = table.set_column(index, column.name, pa.array([float("nan")] * table.num_rows))
    _write(table, case / "run" / "outcomes.parquet")


def renamed_daily(case: Path) -> None:
    table = _table(case / "run" / "daily.parquet")
    _write(table.rename_columns([f"c{i}" for i in range(table.num_columns)]), case / "run" / "daily.parquet")


def sectors_not_parquet(case: Path) -> None:
    (case / "run" / "sectors.parquet").write_bytes(os.urandom(4096))


def string_outcome(case: Path) -> None:
    import pyarrow as pa

    table = _table(case / "run" / "outcomes.parquet")
    index = table.schema.get_field_index("final_area_km2")
    _write(
        table.set_column(index, "final_area_km2", pa.array(["None"] * table.num_rows)),
        case / "run" / "outcomes.parquet",
    )


def replaced_by(kind: str, name: str) -> Callable[[Path], None]:
    def damage(case: Path) -> None:
        path = case / "run" / name
        path.unlink()
        if kind == "fifo":
            os.mkfifo(path)
        else:
            path.symlink_to("/dev/zero")

    return damage


def manifest_edit(edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def damage(case: Path) -> None:
        path = case / "run" / "manifest.json"
        manifest = json.loads(path.read_text())
        edit(manifest)
        path.write_text(json.dumps(manifest, indent=2))

    return damage


def _scenario_with_digest(manifest: dict) -> None:
    import hashlib

    manifest["scenario"]["engagement"]["kill_rate"] = 0.5
    text = json.dumps(manifest["scenario"], sort_keys=True, separators=(",", ":"))
    manifest["scenario_sha256"] = hashlib.sha256(text.encode()).hexdigest()


def _rows_of_the_parts(manifest: dict) -> None:
    for chunk in manifest["chunks"]:
        if chunk.get("parts"):
            chunk["parts"]["daily"]["rows"] += 1


def merge_leftovers(case: Path) -> None:
    (case / "run" / ".daily.parquet.tmp-99999").write_bytes(b"PAR1 half a table")
    (case / "run" / "parts" / ".outcomes-000003.parquet.tmp-99999").write_bytes(b"PAR1")


def no_leftovers(case: Path) -> str | None:
    left = [p.name for p in (case / "run").rglob(".*.tmp-*")]
    return "wrong" if left else None


def linked(folder: str, inside: str) -> Callable[[Path], None]:
    def damage(case: Path) -> None:
        (case / "elsewhere").mkdir(exist_ok=True)
        target = case / inside / folder
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(case / "elsewhere", target_is_directory=True)

    return damage


def nothing_written(where: str) -> Callable[[Path], str | None]:
    def check(case: Path) -> str | None:
        place = case / where
        return "wrong" if place.exists() and any(place.iterdir()) else None

    return check


def other_unchanged(case: Path) -> str | None:
    names = {p.relative_to(case / "other") for p in (case / "other").rglob("*")}
    base = {p.relative_to(case / "other_copy") for p in (case / "other_copy").rglob("*")}
    return "wrong" if names != base else None


def keep_other(case: Path) -> None:
    shutil.copytree(case / "other", case / "other_copy")


def observations(content: str | bytes | None) -> Callable[[Path], None]:
    def damage(case: Path) -> None:
        path = case / "obs.csv"
        if content is None:
            os.mkfifo(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)

    return damage


def formula_cells_escaped(case: Path) -> str | None:
    text = (case / "run" / "validation.csv").read_text() if (case / "run" / "validation.csv").exists() else ""
    return "wrong" if ",=cmd" in text or ",@SUM" in text else None


def mathtext_names(case: Path) -> None:
    (case / "run").rename(case / "a$\\frac{b$")
    (case / "other").rename(case / "c$\\sqrt{2$")


def new_not_written(case: Path) -> str | None:
    return "wrong" if (case / "fresh.yaml").exists() else None


def pipe_at(name: str) -> Callable[[Path], None]:
    def damage(case: Path) -> None:
        os.mkfifo(case / name)

    return damage


def still_a_pipe(name: str) -> Callable[[Path], str | None]:
    def check(case: Path) -> str | None:
        return None if (case / name).is_fifo() else "wrong"

    return check


def folder_cases() -> list[FolderCase]:
    out = [
        FolderCase("outcomes.parquet of another run", foreign_outcomes, READERS, group="tables"),
        FolderCase("outcomes.parquet emptied", emptied_outcomes, READERS, group="tables"),
        FolderCase("outcomes.parquet filled with NaN", nan_outcomes, READERS, group="tables"),
        FolderCase("daily.parquet with other columns", renamed_daily, READERS, group="tables"),
        FolderCase("sectors.parquet not Parquet", sectors_not_parquet, READERS, group="tables"),
        FolderCase("outcomes.parquet with a string column", string_outcome, READERS, group="tables"),
        FolderCase("daily.parquet a FIFO", replaced_by("fifo", "daily.parquet"), READERS[:3], group="tables"),
        FolderCase(
            "manifest.json a FIFO",
            replaced_by("fifo", "manifest.json"),
            (RESUME, *READERS[:4]),
            base="partial",
            group="manifest",
        ),
        FolderCase(
            "manifest.json -> /dev/zero",
            replaced_by("zero", "manifest.json"),
            (RESUME, *READERS[:4]),
            base="partial",
            group="manifest",
        ),
        FolderCase(
            "summary.json -> /dev/zero",
            replaced_by("zero", "summary.json"),
            READERS[1:2],
            expect="any",
            group="manifest",
        ),
        FolderCase(
            "seed changed mid-run",
            manifest_edit(lambda m: m.update(seed=7)),
            (RESUME, READERS[0]),
            base="partial",
            group="manifest",
        ),
        FolderCase(
            "daily switched to none",
            manifest_edit(lambda m: m.update(daily="none")),
            (RESUME, READERS[0]),
            base="partial",
            group="manifest",
        ),
        FolderCase(
            "a chunk dropped",
            manifest_edit(lambda m: m["chunks"].pop()),
            (RESUME, READERS[0]),
            base="partial",
            group="manifest",
        ),
        FolderCase(
            "scenario edited with its sha256",
            manifest_edit(_scenario_with_digest),
            (RESUME, READERS[0]),
            base="partial",
            group="manifest",
        ),
        FolderCase(
            "status forced to complete",
            manifest_edit(lambda m: m.update(status="complete")),
            (RESUME, *READERS),
            base="partial",
            group="manifest",
        ),
        FolderCase(
            "the parts' rows edited",
            manifest_edit(_rows_of_the_parts),
            (RESUME,),
            base="partial",
            expect="ok",
            group="manifest",
        ),
        FolderCase(
            "leftovers of a killed merge",
            merge_leftovers,
            (RESUME,),
            base="partial",
            expect="ok",
            check=no_leftovers,
            group="manifest",
        ),
        FolderCase(
            "discover on an unfinished run",
            None,
            (READERS[4],),
            base="partial",
            expect="note:not complete",
            group="readers",
        ),
        FolderCase(
            "compare 1 vs 20 replications",
            None,
            (("compare", "{other}", "{one}", "--out", "{case}/c", "-q"),),
            expect="any",
            copies=("other", "one"),
            group="readers",
        ),
        FolderCase(
            "compare 1 vs 1 replication",
            None,
            (("compare", "{one}", "{one_b}", "--out", "{case}/c", "-q"),),
            expect="any",
            copies=("one", "one_b"),
            group="readers",
        ),
        FolderCase(
            "folder names read as formulas",
            mathtext_names,
            (("compare", "{case}/a$\\frac{b$", "{case}/c$\\sqrt{2$", "--out", "{case}/c", "-q"),),
            expect="ok",
            group="readers",
        ),
        FolderCase(
            "discover --out a run folder",
            keep_other,
            (("discover", "{run}", "--out", "{other}", *DISCOVER),),
            check=other_unchanged,
            group="out",
        ),
        FolderCase(
            "discover --out another run's plots",
            keep_other,
            (("discover", "{run}", "--out", "{other}/plots/d", *DISCOVER),),
            check=other_unchanged,
            group="out",
        ),
        FolderCase(
            "validate --out another run's plots",
            keep_other,
            (("validate", "{run}", "--out", "{other}/plots"),),
            check=other_unchanged,
            group="out",
        ),
        FolderCase(
            "compare --out another run's plots",
            keep_other,
            (("compare", "{run}", "{other}", "--out", "{other}/plots/c", "-q"),),
            check=other_unchanged,
            group="out",
        ),
        FolderCase(
            "discovery/ a link",
            linked("discovery", "run"),
            (("discover", "{run}", *DISCOVER),),
            check=nothing_written("elsewhere"),
            group="out",
        ),
        FolderCase(
            "validate --out with plots/ a link",
            linked("plots", "v"),
            (("validate", "{run}", "--out", "{case}/v"),),
            check=nothing_written("elsewhere"),
            group="out",
        ),
        FolderCase(
            "observations /dev/zero",
            None,
            (("validate", "{run}", "--observations", "/dev/zero", "--out", "{case}/v"),),
            group="observations",
        ),
        FolderCase(
            "observations /dev/urandom",
            None,
            (("validate", "{run}", "--observations", "/dev/urandom", "--out", "{case}/v"),),
            group="observations",
        ),
        FolderCase(
            "observations a FIFO",
            observations(None),
            (("validate", "{run}", "--observations", "{case}/obs.csv", "--out", "{case}/v"),),
            group="observations",
        ),
        FolderCase(
            "observations 20 MB",
            observations("date,value\n" + "2024-10-01,300\n" * 1_400_000),
            (("validate", "{run}", "--observations", "{case}/obs.csv", "--out", "{case}/v"),),
            group="observations",
        ),
        FolderCase(
            "observations 1e308",
            observations("date,value\n2024-10-01,1e308\n"),
            (("validate", "{run}", "--observations", "{case}/obs.csv", "--out", "{case}/v"),),
            group="observations",
        ),
        FolderCase(
            "observations with formula cells",
            observations("date,value,source\n2024-10-01,300,=cmd|' /C calc'!A0\n2024-10-15,250,@SUM(1+1)\n"),
            (("validate", "{run}", "--observations", "{case}/obs.csv"),),
            expect="ok",
            check=formula_cells_escaped,
            group="observations",
        ),
        FolderCase(
            "new --schema with a line break",
            None,
            (("new", "fresh", "--out", "{case}", "--schema", "http://x.org/s.json\nextends: /etc/passwd"),),
            check=new_not_written,
            copies=(),
            group="options",
        ),
        FolderCase(
            "report --out a pipe",
            pipe_at("page.html"),
            (("report", "{run}", "--out", "{case}/page.html"),),
            check=still_a_pipe("page.html"),
            copies=(),
            group="out",
        ),
        FolderCase(
            "schema --out a pipe",
            pipe_at("schema.json"),
            (("schema", "--out", "{case}/schema.json"),),
            check=still_a_pipe("schema.json"),
            copies=(),
            group="out",
        ),
        FolderCase(
            "a 5,000-digit --seed",
            None,
            (("run", str(SMALL), "--seed", "9" * 5000, "--out", "{case}/r", "-q"),),
            copies=(),
            group="options",
        ),
    ]
    return out


# -- bases and execution ---------------------------------------------------------------------------
INTERRUPT = """
import sys
import sim.results.store as store
original = store.RunStore.write_chunk
done = []
def interrupting(self, *args, **kwargs):
    if len(done) == 5:
        raise KeyboardInterrupt
    done.append(1)
    return original(self, *args, **kwargs)
store.RunStore.write_chunk = interrupting
from sim.cli import main
main(sys.argv[1:])
"""


def make_bases(root: Path, env: dict[str, str], python: str) -> Path:
    """Make the base folders with the code under test (once per replay)."""
    bases = root / "bases"
    bases.mkdir()
    common = ["--executor", "serial", "-q", "--no-plots"]
    for name, replications, seed in (("complete", 20, 0), ("other", 20, 1), ("one", 1, 0), ("one_b", 1, 1)):
        subprocess.run(
            [
                python,
                "-m",
                "sim",
                "run",
                str(SMALL),
                "-n",
                str(replications),
                "--seed",
                str(seed),
                "--chunk",
                "5",
                *common,
                "--out",
                str(bases / name),
            ],
            cwd=root,
            env=env,
            check=True,
            capture_output=True,
        )
    interrupted = subprocess.run(
        [
            python,
            "-c",
            INTERRUPT,
            "run",
            str(SMALL),
            "-n",
            "20",
            "--chunk",
            "2",
            *common,
            "--out",
            str(bases / "partial"),
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert interrupted.returncode == 130, interrupted.stderr
    return bases


def execute_folder_case(
    case: FolderCase, bases: Path, root: Path, env: dict[str, str], python: str, classify, timeout: float
) -> dict:
    folder = Path(tempfile.mkdtemp(dir=root))
    shutil.copytree(bases / case.base, folder / "run", symlinks=True)
    for name in case.copies:
        shutil.copytree(bases / name, folder / name, symlinks=True)
    if case.damage is not None:
        case.damage(folder)
    places = {
        "run": folder / "run",
        "case": folder,
        **{name: folder / name for name in ("other", "one", "one_b")},
    }
    outcome: dict = {"name": case.name, "group": case.group, "results": {}}
    verdicts = {}
    for index, command in enumerate(case.commands):
        args = [_fill(part, places) for part in command]
        start = time.time()
        try:
            result = subprocess.run(
                [python, "-m", "sim", *args],
                cwd=folder,
                env=env,
                capture_output=True,
                text=True,
                errors="replace",
                stdin=subprocess.DEVNULL,
                timeout=timeout,
                preexec_fn=_limit_memory,
            )
        except subprocess.TimeoutExpired:
            result = None
        key = f"{index}:{command[0]}"
        if case.expect.startswith("note:"):
            verdict = classify(result, "any", None, folder)
            if verdict == "valid" and case.expect.removeprefix("note:") not in result.stderr:
                verdict = "wrong"
        else:
            verdict = classify(result, case.expect, None, folder)
        verdicts[key] = verdict
        outcome["results"][key] = {
            "verdict": verdict,
            "seconds": round(time.time() - start, 1),
            "stderr": result.stderr[-300:] if result else "TIMEOUT",
            "code": result.returncode if result else None,
        }
    if case.check is not None:
        imposed = case.check(folder)
        if imposed is not None:
            verdicts["check"] = imposed
            outcome["results"]["check"] = {
                "verdict": imposed,
                "seconds": 0,
                "stderr": "the case's own check",
                "code": None,
            }
    outcome["verdict"] = min(verdicts.values(), key=_severity().index)
    shutil.rmtree(folder, ignore_errors=True)
    return outcome


def _fill(part: str, places: dict[str, Path]) -> str:
    """Put the case's folders in for {run}, {other}, {one}, {one_b} and {case} (plain replacement: a
    folder name may hold braces of its own)."""
    for name in ("one_b", "one", "other", "run", "case"):
        part = part.replace("{" + name + "}", str(places[name]))
    return part


def _severity() -> list[str]:
    from hostile_inputs import SEVERITY

    return SEVERITY


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
