"""The documentation site: every page is in the navigation, the generated pages come from the project, and
the notebooks are small enough to run whenever the site is built (``mkdocs build --strict`` in .ci/run
builds it, executing them)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _hooks():
    spec = importlib.util.spec_from_file_location("site_hooks", DOCS / "site_hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _nav_pages(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [page for value in node.values() for page in _nav_pages(value)]
    return [page for item in node for page in _nav_pages(item)]


def _config() -> dict:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)  # noqa: S506


def test_every_page_and_notebook_is_in_the_navigation() -> None:
    nav = set(_nav_pages(_config()["nav"]))
    written = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*") if p.suffix in (".md", ".ipynb")}
    generated = {"index.md", "reference/scenario.md", "reference/cli.md", "reference/data.md"}
    generated |= {"reference/changelog.md", "reference/citing.md"}
    assert written - nav == set(), "pages missing from mkdocs.yml's nav"
    assert nav - written - generated == set(), "nav entries with no page"


def test_generated_pages_come_from_the_project() -> None:
    hooks = _hooks()
    from sim.scenario.reference import reference

    index = hooks._index()
    assert index.startswith("# conflict-sim") and "](docs/" not in index
    scenario = hooks._scenario_reference()
    tables = [line for line in reference().splitlines() if line.startswith("| `")]
    assert tables and all(line in scenario for line in tables)  # the generator's own tables, every row
    cli = hooks._cli()
    for command in ("run", "sweep", "trace", "export", "discover", "compare"):
        assert f"## sim {command}\n" in cli
    assert "--condition" in cli and "--format [text|csv|json]" in cli
    data = hooks._data()
    assert "CDB90, tidied by Jeffrey B. Arnold (github.com/jrnold/CDB90)" in data
    assert 'What "held" means' in data
    citing = hooks._citing()
    assert "ODC-BY" in citing and "MIT License" in citing


def test_notebooks_are_stored_without_outputs_and_run_small() -> None:
    for notebook in (DOCS / "notebooks").glob("*.ipynb"):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        code = [cell for cell in cells if cell["cell_type"] == "code"]
        assert code and all(not cell["outputs"] and cell["execution_count"] is None for cell in code)
        source = "".join("".join(cell["source"]) for cell in code)
        # Small and fast: a serial executor and a few dozen replications at most.
        assert 'executor="serial"' in source and "replications=1000" not in source
