"""The Python interface: everything the ``sim`` command does, from a notebook or a script.

Each function does what its command does, writes the same folder, and returns an object holding the
folder's path and its tables as pandas DataFrames (``experiments`` with every sampled and varied input
per replication, ``outcomes``, and ``daily`` when the run kept it). The command line calls these
functions: ``sim run``, ``sim sweep``, ``sim robust``, ``sim calibrate`` and ``sim backtest`` run the
same orchestration, showing its progress through a ``Watch``. Example (docs/api.md has more, run as a
test)::

    from sim import api

    scenario = api.load("scenarios/kursk_2024.yaml", set={"sides.russia.attack.advance_km": 0.6})
    run = api.run(scenario, replications=200, out="results/example")
    run.outcomes["area_km2_on_2024-11-23"].median()

The functions live in modules by what they do: ``folders`` (``Folder``, ``open_folder``), ``runs``
(``run``), ``sweeps`` (``sweep``), ``robust`` (``robust``, ``open_study``), ``calibration``
(``calibrate``, ``backtest``), ``analyses`` (``export``, ``report``, ``discover``, ``compare``), ``inputs``
(``load``) and ``watch`` (``Watch``); import them from ``sim.api``.
"""

from __future__ import annotations

from sim.api.analyses import Compared, Discovered, compare, discover, export, report
from sim.api.calibration import Backtest, Calibration, backtest, calibrate
from sim.api.folders import Folder, open, open_folder
from sim.api.inputs import load
from sim.api.robust import Robust, open_study, robust
from sim.api.runs import run
from sim.api.sweeps import sweep
from sim.api.watch import Watch

__all__ = [
    "Backtest",
    "Calibration",
    "Compared",
    "Discovered",
    "Folder",
    "Robust",
    "Watch",
    "backtest",
    "calibrate",
    "compare",
    "discover",
    "export",
    "load",
    "open",
    "open_folder",
    "open_study",
    "report",
    "robust",
    "run",
    "sweep",
]
