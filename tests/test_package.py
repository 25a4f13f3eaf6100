"""What a stranger needs of the package: a licence matching pyproject's, a citation with the data's credit,
a changelog, type information, and one version everywhere (``sim --version``, the installed metadata,
CITATION.cff, every folder's record)."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import sim_in_process

import sim

ROOT = Path(__file__).resolve().parents[1]
CREDIT = "CDB90, tidied by Jeffrey B. Arnold (github.com/jrnold/CDB90)"


def test_one_version_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    result = sim_in_process(capsys, "--version")
    assert result.returncode == 0 and result.stdout.strip() == f"sim, version {sim.__version__}"
    assert importlib.metadata.version("conflict-sim") == sim.__version__
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" in project["project"]["dynamic"]  # read from sim.__version__, not written twice
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "sim.__version__"}
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["version"] == sim.__version__
    assert f"## {sim.__version__}" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_the_licence_matches_pyproject_and_the_citation_credits_the_data() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    # An SPDX expression: the code is MIT, the CDB90 data the wheel ships are ODC-BY.
    assert project["license"] == "MIT AND ODC-By-1.0" and project["license-files"] == ["LICENSE"]
    assert licence.startswith("MIT License")
    assert "ODC-BY" in licence and CREDIT in licence  # the data are not under the code's licence
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0" and citation["license"] == "MIT"
    assert citation["title"] and citation["authors"] and citation["message"]
    (data,) = [ref for ref in citation["references"] if ref["type"] == "data"]
    assert data["title"] == CREDIT and data["license"] == "ODC-By-1.0"  # the SPDX identifier
    assert data["repository"] == "https://github.com/jrnold/CDB90"
    assert CREDIT in (ROOT / "sim" / "data" / "cdb90" / "README.md").read_text(encoding="utf-8")


def test_the_package_ships_its_type_information() -> None:
    assert (ROOT / "sim" / "py.typed").is_file()
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "py.typed" in data["tool"]["setuptools"]["package-data"]["sim"]


def test_the_compiled_install_says_it_is_compiling() -> None:
    """pip hides a build's output unless -v: setup.py writes to the terminal itself, before and after."""
    setup = (ROOT / "setup.py").read_text(encoding="utf-8")
    assert 'open("/dev/tty", "w"' in setup and "CONFLICT_SIM_PURE=1" in setup
    assert "compiling the model with mypyc" in setup and "compiled model built in" in setup
