"""One term per meaning: "withdrawal began" (a withdrawal rule fired) is never called "withdrawn" (complete).

``withdrawal_day`` is the day a withdrawal rule fired; ``sim trace`` logs it as ``withdrawal`` ("begins a
fighting withdrawal") and, ``withdrawal.days`` later, ``withdrawn`` ("completes its withdrawal; no ground
held"). Every other output says *withdrawal began* for the first, and keeps *withdrawn* for the second.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SMALL, sim_in_process

ROOT = Path(__file__).resolve().parents[1]
WORDING = [
    *sorted((ROOT / "sim").rglob("*.py")),
    *sorted((ROOT / "sim").rglob("*.j2")),
    *sorted((ROOT / "sim").rglob("*.js")),
    *sorted((ROOT / "docs").rglob("*.md")),
    *sorted((ROOT / "docs").rglob("*.ipynb")),
    ROOT / "README.md",
    *sorted((ROOT / "scenarios").rglob("*.yaml")),
]
"""Everything a user reads: the package's strings, its templates, the documentation, the shipped files."""

MIXED = re.compile(
    r"withdrawn[ _]by|began to withdraw|withdrawal begun|held to the end|withdrawing by|p_withdrawn"
    r"|endings decided|has withdrawn|withdrew on",
    re.IGNORECASE,
)
"""Phrases that called the start of a withdrawal by the word for its end (or by "held")."""
RENAMING = "RENAMED_OUTCOMES = "
"""The one line that names the old outcome name, to refuse it with the new one."""


@pytest.mark.parametrize("path", WORDING, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_output_calls_the_start_of_a_withdrawal_withdrawn(path: Path) -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if MIXED.search(line) and not line.startswith(RENAMING)
    ]
    assert not found, "\n".join(found)


def test_the_run_summary_says_withdrawal_began(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = sim_in_process(
        capsys, "run", SMALL, "-n", "8", "--executor", "serial", "--out", tmp_path / "run", "--no-plots"
    )
    assert result.returncode == 0, result.stderr
    assert "withdrawal began by" in result.stdout.split("\n\n")[1]  # the month table's column
    assert "withdrawal began by the end:" in result.stdout
    assert "withdrawals begun by a withdrawal rule (judgement, not the fighting)" in result.stdout
    assert "no withdrawal began in" in result.stdout
    assert "withdrawn" not in result.stdout


def test_the_trace_keeps_withdrawal_and_withdrawn_apart(capsys: pytest.CaptureFixture[str]) -> None:
    # Replication 0 of the small scenario with an area limit every run reaches: a withdrawal begins and ends.
    result = sim_in_process(
        capsys,
        "trace",
        SMALL,
        "--set",
        "sides.blue.command.withdrawal.area_below_km2=1000",
        "--kind",
        "withdrawal",
        "--kind",
        "withdrawn",
    )
    assert result.returncode == 0, result.stderr
    kinds = [line.split()[3] for line in result.stdout.splitlines() if line[:2] == "20"]
    assert kinds == ["withdrawal", "withdrawn"]
    assert "begins a fighting withdrawal" in result.stdout and "completes its withdrawal" in result.stdout
    assert "withdrawal began 20" in result.stdout.splitlines()[-1]


@pytest.mark.parametrize("command", ["sweep", "discover"])
def test_the_old_outcome_name_is_refused_with_the_new_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    if command == "sweep":
        args = ["sweep", SMALL, "--vary", "sides.red.attack.advance_km=0.4,0.5", "-n", "2"]
        args += ["--outcome", "withdrawn_by_2024-10-01", "--out", tmp_path / "sweep"]
    else:
        pytest.importorskip("ema_workbench")
        run = tmp_path / "run"
        assert (
            sim_in_process(
                capsys, "run", SMALL, "-n", "4", "--executor", "serial", "--no-plots", "--out", run
            ).returncode
            == 0
        )
        args = ["discover", run, "--condition", "withdrawn_by_2024-10-01 == 0", "--no-scores"]
    result = sim_in_process(capsys, *args)
    assert result.returncode == 2
    assert "'withdrawn_by_2024-10-01' is now called 'withdrawal_began_by_2024-10-01'" in result.stderr
    assert not (tmp_path / "sweep").exists()
