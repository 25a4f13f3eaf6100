"""Machine instructions per Kursk replication, of the model and of the peer, counted by Valgrind.

    .venv/bin/python benchmarks/instructions.py                  # 10 replications each (~4 minutes)
    .venv/bin/python benchmarks/instructions.py --replications 4

CPU time on a shared machine moves by 10-20% from one round to the next; the number of instructions a
replication executes does not (Valgrind's Callgrind counts them, whatever else runs), so this is the
figure to compare two versions of the model by, or the model with the peer (``benchmarks/peer.py``) on
the same sampled parameters. Each side is counted twice in a child process under Callgrind, once
running the replications and once doing everything else the same (imports, the scenario, the sampled
parameters) without them; the difference over the count is the figure per replication. Instructions
are not time (a cache miss costs more than an add), but changes that do less per event show in both.
Needs ``valgrind`` on the path; prints one Markdown table.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(Path(__file__).resolve().parent))

KURSK = ROOT / "scenarios" / "kursk_2024.yaml"


def child(kind: str, replications: int, run: bool) -> None:
    """Build ``replications`` replications' parameters; run them (model or peer) only if ``run``."""
    from peer import run_peer

    from sim.batch.seeding import replication_seed
    from sim.model.replication import Replication
    from sim.scenario import load_scenario

    scenario = load_scenario(KURSK)
    models = [Replication(scenario, replication_seed(0, index)) for index in range(replications)]
    if not run:
        return
    if kind == "model":
        for model in models:
            model.run()
    else:
        for index, model in enumerate(models):
            run_peer(model.params, index)


def counted(kind: str, replications: int, run: bool) -> int:
    """Return the instructions Callgrind counts for one child process."""
    with tempfile.TemporaryDirectory() as folder:
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={Path(folder) / 'out'}",
            sys.executable,
            __file__,
            "--child",
            kind,
            str(replications),
            "1" if run else "0",
        ]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count in Valgrind's output:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    """Count, and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--replications", type=int, default=10, help="replications counted (seeds 0..n-1)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, count, run = args.child
        child(kind, int(count), run == "1")
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: apt-get install valgrind")
    import sim.model

    count = args.replications
    per_replication = {}
    for kind in ("model", "peer"):
        per_replication[kind] = (counted(kind, count, True) - counted(kind, count, False)) / count
    model, peer = per_replication["model"], per_replication["peer"]
    seeds = f"seeds 0-{count - 1}"
    print(f"model build {sim.model.BUILD}; {count} Kursk replications ({seeds}), Valgrind Callgrind\n")
    print("| measure | instructions per replication |")
    print("| --- | --- |")
    print(f"| model | {model / 1e6:,.1f} million |")
    print(f"| peer (benchmarks/peer.py), same sampled parameters | {peer / 1e6:,.1f} million |")
    print(f"| model / peer | {model / peer:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
