"""Figures touch no matplotlib state of their importer, and draw a ``$`` in a name as text.

Importing the figure modules (or ``sim.api``) leaves matplotlib's backend and settings as they were: a
notebook or another library keeps its own. The project's settings (``style.RC``: mathtext off) hold only
while a figure is built, drawn and saved, so a scenario named ``a$^$b`` is shown as written instead of
failing as a broken formula.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from conftest import SMALL
from matplotlib.figure import Figure
from matplotlib.text import Text

from sim.plots.run_area import fan_chart
from sim.plots.style import RC, save, styled
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]

IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
import matplotlib
backend = matplotlib.get_backend()
before = {key: repr(value) for key, value in matplotlib.rcParams.items()}
import sim.api
import sim.plots
for module in pkgutil.iter_modules(sim.plots.__path__):
    importlib.import_module("sim.plots." + module.name)
after = {key: repr(value) for key, value in matplotlib.rcParams.items()}
changed = sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))
print(json.dumps({"before": backend, "after": matplotlib.get_backend(), "changed": changed}))
"""


@pytest.mark.slow  # starts Python afresh for each backend: long by nature
@pytest.mark.parametrize("backend", ["svg", "pdf"])
def test_importing_the_figure_modules_changes_no_matplotlib_setting(backend: str) -> None:
    # A fresh interpreter: this one has imported the modules already. A backend other than Agg shows
    # whether an import switches it.
    environment = {**os.environ, "MPLBACKEND": backend}
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])
    assert seen == {"before": backend, "after": backend, "changed": []}


def _scenario(name: str):
    return load_scenario(SMALL).model_copy(update={"name": name})


def _areas(scenario) -> np.ndarray:
    days = scenario.horizon_days + 1
    slope = np.random.default_rng(1).uniform(3.0, 8.0, size=(20, 1))
    return np.clip(scenario.initial_area_km2 - slope * np.arange(days), 0.0, None)


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_drawing_and_saving_a_figure_leaves_the_callers_settings(tmp_path: Path, suffix: str) -> None:
    scenario = _scenario("small")
    with matplotlib.rc_context({"text.parse_math": True, "lines.linewidth": 3.5}):
        before = dict(matplotlib.rcParams)
        figure = fan_chart(scenario, _areas(scenario))
        save(figure, tmp_path / f"fan.{suffix}")
        assert dict(matplotlib.rcParams) == before
    # Every text, tick labels made while saving too, was made with the project's settings.
    texts = figure.findobj(Text)
    assert texts and not any(text.get_parse_math() for text in texts)


def test_a_dollar_in_a_name_is_drawn_as_written(tmp_path: Path) -> None:
    name = "a$^$b"  # as a formula, broken: drawing it would fail
    scenario = _scenario(name)
    figure = fan_chart(scenario, _areas(scenario))
    path = save(figure, tmp_path / "fan.png")
    assert path.stat().st_size > 0
    title = figure.get_suptitle()
    assert title.startswith(f"{name}: ")
    # Drawn as plain text: as wide as the same words drawn with mathtext off by hand.
    plain = Figure()
    reference = plain.suptitle(title, fontsize=11, parse_math=False)
    renderer = plain._get_renderer()
    drawn = next(text for text in figure.findobj(Text) if text.get_text() == title)
    assert drawn.get_window_extent(figure._get_renderer()).width == pytest.approx(
        reference.get_window_extent(renderer).width
    )
    # The same title with mathtext on cannot be drawn: the setting is what makes it work.
    broken = Figure()
    broken.suptitle(title, parse_math=True)
    with pytest.raises(ValueError):
        broken.savefig(tmp_path / "broken.png")


def test_a_figure_generator_holds_the_settings_only_while_it_draws() -> None:
    seen = []

    @styled
    def figures():
        for _ in range(2):
            seen.append(matplotlib.rcParams["text.parse_math"])
            yield Figure()

    with matplotlib.rc_context({"text.parse_math": True}):
        for _ in figures():
            assert matplotlib.rcParams["text.parse_math"] is True
        stopped = figures()
        next(stopped)
        stopped.close()
        assert matplotlib.rcParams["text.parse_math"] is True
    assert seen == [RC["text.parse_math"]] * 3
