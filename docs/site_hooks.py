"""MkDocs hooks: the pages generated from the project itself, so that the site never drifts from it.

* ``index.md``: the README, its links made relative to the site;
* ``reference/scenario.md``: the scenario reference generated from the schema
  (``sim.scenario.reference``, the same tables docs/model.md holds), and the JSON Schema beside it;
* ``reference/cli.md``: every command's ``--help``;
* ``reference/data.md``: where the data come from (``seeds/README.md``, ``sim/data/cdb90/README.md``);
* ``reference/changelog.md`` and ``reference/citing.md``: CHANGELOG.md, CITATION.cff and LICENSE.

Links from the docs to files outside docs/ are pointed at the pages that show them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent

OUTSIDE = {"../seeds/README.md": "reference/data.md"}
"""Links from docs/ to files outside it, and the page of the site that shows each."""


def _read(relative: str) -> str:
    return (ROOT / relative).read_text(encoding="utf-8")


def _index() -> str:
    text = _read("README.md")
    text = re.sub(r"\]\(docs/", "](", text)
    return text


def _scenario_reference() -> str:
    from sim.scenario.reference import reference

    body = reference().replace("](#distributions)", "](../model.md#distributions)")
    body = re.sub(r"^### ", "## ", body, flags=re.M)
    return (
        "# Scenario reference\n\n"
        "Every block and field a scenario may hold, generated from the schema (`sim.scenario.reference`; "
        "the same tables stand in [the model's parameter reference](../model.md#parameter-reference)). "
        "Editors that read JSON Schema complete and check scenarios as they are typed with "
        "[scenario.schema.json](scenario.schema.json), the file `sim schema` writes "
        "([Writing scenarios](../scenarios.md)).\n\n" + body + "\n"
    )


def _cli() -> str:
    from sim.cli import cli

    parts = [
        "# Command line\n",
        "Every `sim` command's `--help`, as the installed version prints it. `sim --version` prints the "
        "version; bad input of any kind is one line on standard error and exit code 2.\n",
    ]
    with click.Context(cli, info_name="sim") as context:
        parts.append(f"```text\n{cli.get_help(context)}\n```\n")
        for name in sorted(cli.commands):
            command = cli.commands[name]
            with click.Context(command, info_name=f"sim {name}", parent=context) as inner:
                parts.append(f"## sim {name}\n\n```text\n{command.get_help(inner)}\n```\n")
    return "\n".join(parts)


def _data() -> str:
    seeds = _read("seeds/README.md").replace("# seeds/", "## The seed figures (`seeds/`)", 1)
    cdb90 = _read("sim/data/cdb90/README.md")
    cdb90 = re.sub(r"^# ", "## ", cdb90, count=1, flags=re.M)
    cdb90 = re.sub(r"^## (?!CDB90)", "### ", cdb90, flags=re.M)
    return (
        "# Data and credits\n\nThe figures the scenarios are built on, and the battle data the engagement "
        "law is fitted to, with their sources and licences.\n\n" + seeds + "\n\n" + cdb90 + "\n"
    )


def _changelog() -> str:
    return _read("CHANGELOG.md")


def _citing() -> str:
    return (
        "# Citing and licence\n\n"
        "Cite the software with the metadata of `CITATION.cff` (GitHub and Zenodo read it), and credit "
        'the battle data as "CDB90, tidied by Jeffrey B. Arnold (github.com/jrnold/CDB90)", under the '
        "Open Data Commons Attribution License (ODC-BY).\n\n"
        f"```yaml\n{_read('CITATION.cff')}```\n\n## Licence\n\n```text\n{_read('LICENSE')}```\n"
    )


def on_files(files: Files, config: Any) -> Files:
    """Add the generated pages, and the scenario JSON Schema as a file of the site."""
    from sim.scenario.json_schema import schema_text

    pages = {
        "index.md": _index(),
        "reference/scenario.md": _scenario_reference(),
        "reference/cli.md": _cli(),
        "reference/data.md": _data(),
        "reference/changelog.md": _changelog(),
        "reference/citing.md": _citing(),
        "reference/scenario.schema.json": schema_text(),
    }
    for path, content in pages.items():
        files.append(File.generated(config, path, content=content))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Point links to files outside docs/ at the pages that show them."""
    depth = page.file.src_uri.count("/")
    for outside, inside in OUTSIDE.items():
        markdown = markdown.replace(f"]({outside}", f"]({'../' * depth}{inside}")
    return markdown
