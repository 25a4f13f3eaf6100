"""The explorer's web application (Starlette): browse a folder of results, and run what-ifs.

Pages:

* ``/``: the folders of results under the folder served (runs, sweeps, calibrations, backtests,
  comparisons), newest first, and the scenario files in it;
* ``/folder/PATH``: a folder's report (``sim report``'s page, with its interactive charts);
* ``/whatif/PATH``: a scenario file or a run folder's scenario as a form; run a what-if beside it.

JSON: ``POST /api/check`` (the form's values: one line per bad field, as the command line prints it),
``POST /api/run`` (start a what-if), ``GET /api/jobs/ID`` (its progress, then its charts and
differences), ``POST /api/jobs/ID/cancel``; ``GET /static/...`` serves the page's script, style and
Plotly.js (from the installed ``plotly`` package). Nothing else is served, and every path is checked
to lie inside the folder served (``folder.Root``).

Requests must name this server in ``Host`` (so a web page elsewhere cannot reach it through a name it
controls), a ``POST`` must carry the ``X-Requested-With`` header the page's script sends (a form on
another site cannot), and off the loopback interface every request needs the access token printed at
start (given once as ``?token=``, then kept in a cookie).
"""

from __future__ import annotations

import functools
import hmac
import json
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import jinja2
import yaml
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from sim import api
from sim.errors import InputError
from sim.explorer import form as forms
from sim.explorer.folder import Refused, Root, describe, is_scenario
from sim.explorer.whatif import Request as WhatIf
from sim.explorer.whatif import Runner, check_numbers, opened_manifest, result_charts
from sim.plots.charts import plotly_js_path
from sim.results.manifest import scenario_document
from sim.scenario.files import confined_to

HERE = Path(__file__).resolve().parent
STATIC = {"app.js": "text/javascript", "app.css": "text/css"}
TOKEN_COOKIE = "sim_explorer_token"
CSRF_HEADER = "x-requested-with"
MAX_BODY = 256 * 1024
"""Largest JSON body a request may send (a form's changes are far smaller)."""
DEFAULT_REPLICATIONS = 200


@functools.cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render one of the explorer's pages."""
    return HTMLResponse(_templates().get_template(template).render(**context), status_code=status)


def refused(message: str, status: int = 403) -> HTMLResponse:
    """A page saying why a request was refused."""
    return page("message.html.j2", status, title="Refused", message=message)


class Explorer:
    """The application's state: the folder served, the what-if runner, and the access rules.

    Args:
        folder: The folder served.
        hosts: The host names (with port) requests may name.
        token: The access token, or None on the loopback interface.
        executor: Where what-if replications run.
    """

    def __init__(
        self, folder: Path, hosts: Sequence[str], token: str | None, executor: str = "process"
    ) -> None:
        self.root = Root(folder)
        self.hosts = {host.lower() for host in hosts}
        self.token = token
        self.runner = Runner(self.root.path, executor)
        self.reports: dict[tuple[str, float], str] = {}

    # --- access --------------------------------------------------------------------------------
    async def guard(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Refuse requests that name another host, lack the token off loopback, or forge a POST."""
        host = request.headers.get("host", "").lower()
        if self.hosts and host not in self.hosts:
            return refused("this server answers only to the address sim serve printed", 421)
        if self.token is not None:
            given = request.query_params.get("token")
            if given is not None and hmac.compare_digest(given, self.token):
                response = RedirectResponse(request.url.remove_query_params("token"), 303)
                response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
                return response
            kept = request.cookies.get(TOKEN_COOKIE, "")
            if not hmac.compare_digest(kept, self.token):
                return refused("open the address with the access token that sim serve printed", 401)
        if request.method == "POST" and request.headers.get(CSRF_HEADER) != "sim-explorer":
            return JSONResponse({"error": "requests must come from the explorer's own page"}, 403)
        return await call_next(request)

    def path(self, relative: str) -> Path:
        """Return a path inside the folder served (see ``Root.resolve``)."""
        return self.root.resolve(relative)

    # --- pages ---------------------------------------------------------------------------------
    def home(self, request: Request) -> Response:
        """The folders of results and the scenario files."""
        entries, scenarios, cut = self.root.listing()
        return page(
            "home.html.j2",
            title="conflict-sim explorer",
            folder=str(self.root.path),
            entries=entries,
            scenarios=scenarios,
            cut=cut,
        )

    def folder(self, request: Request) -> Response:
        """A folder's report, with its interactive charts."""
        relative = request.path_params["path"]
        try:
            directory = self.path(relative)
        except Refused as why:
            return refused(f"{relative}: {why}")
        entry = describe(directory, relative) if directory.is_dir() else None
        if entry is None:
            return refused(f"{relative}: holds no run, sweep, calibration, backtest or comparison", 404)
        outside = self.root.link_out(directory)
        if outside is not None:
            return refused(f"{relative}: holds {outside}, a link to a file outside the folder served")
        bar = [("/", "All folders")]
        if entry.kind == "run":
            bar.append((f"/whatif/{relative}", "What if… (change an input, run beside this)"))
        try:
            text = self._report(directory, bar)
        except InputError as error:
            return refused(str(error), 422)
        return HTMLResponse(text)

    def _report(self, directory: Path, bar: list[tuple[str, str]]) -> str:
        from sim.plots.report import report_page

        stamps = [p.stat().st_mtime for p in directory.iterdir() if p.is_file()]
        key = (str(directory), max(stamps, default=0.0))
        if key not in self.reports:
            text, _ = report_page(directory, "served", app_bar=bar, within=self.root.path)
            if len(self.reports) > 32:
                self.reports.clear()
            self.reports[key] = text
        return self.reports[key]

    def whatif(self, request: Request) -> Response:
        """The what-if form of a scenario file or a run folder's scenario."""
        relative = request.path_params["path"]
        try:
            source = self._source(relative)
            document = scenario_document(self._load(source["file"], []))
        except Refused as why:
            return refused(f"{relative}: {why}")
        except InputError as error:
            return refused(str(error), 422)
        baseline_chart = None
        if source["run"] is not None:
            from sim.plots.charts import fan_chart, spec_json
            from sim.results.folder import open_folder

            try:
                spec = fan_chart(open_folder(source["run"], "complete"))
                baseline_chart = spec_json(spec) if spec is not None else None
            except InputError:
                baseline_chart = None
        return page(
            "whatif.html.j2",
            title=f"What if: {document.get('name', relative)}",
            source=relative,
            name=document.get("name", ""),
            sections=forms.sections(document),
            replications=source["replications"],
            seed=source["seed"],
            baseline_chart=baseline_chart,
            from_run=source["run"] is not None,
        )

    def _source(self, relative: str) -> dict[str, Any]:
        """Return what a what-if starts from: a scenario file, or a run folder's recorded scenario.

        Raises:
            Refused: If the path is outside the folder served.
            InputError: If it is neither a scenario file nor a complete run folder.
        """
        path = self.path(relative)
        if path.is_file():
            if not is_scenario(path):
                raise InputError("is not a scenario file (no sides: or extends: at the top)", relative)
            return {
                "file": path,
                "key": path.stem,
                "run": None,
                "replications": DEFAULT_REPLICATIONS,
                "seed": 0,
            }
        manifest = opened_manifest(path) if path.is_dir() else {}
        if manifest.get("kind") != "run" or not isinstance(manifest.get("scenario"), dict):
            raise InputError("is neither a scenario file nor a run folder", relative)
        key = path.name
        file = self.root.path / "whatif" / key / "baseline.yaml"
        text = (
            "# The scenario recorded by the run "
            + relative
            + "\n"
            + yaml.safe_dump(manifest["scenario"], sort_keys=False, allow_unicode=True)
        )
        if not file.is_file() or file.read_text(encoding="utf-8") != text:
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(text, encoding="utf-8")
        count = int(manifest.get("replications") or DEFAULT_REPLICATIONS)
        return {
            "file": file,
            "key": key,
            "run": path,
            "replications": count if count <= 1000 else DEFAULT_REPLICATIONS,
            "seed": int(manifest.get("seed") or 0),
        }

    def _load(self, file: Path, overrides: list[str]) -> Any:
        with confined_to(self.root.path):
            return api.load(file, set=overrides)

    # --- the what-if API -----------------------------------------------------------------------
    async def _body(self, request: Request) -> dict[str, Any]:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise ValueError(f"the request is larger than {MAX_BODY // 1024} KiB")
        body = json.loads(raw or b"{}")
        if not isinstance(body, dict):
            raise ValueError("the request is not a JSON object")
        return body

    def _checked(self, body: dict[str, Any]) -> tuple[dict[str, Any], list[str], dict[str, str], str | None]:
        """Check a form: return its source, overrides, a message per bad field, and one for the whole."""
        source = self._source(str(body.get("source", "")))
        changes = body.get("changes") or {}
        if not isinstance(changes, dict) or not all(isinstance(v, str) for v in changes.values()):
            raise ValueError("changes must map each field's path to its text")
        document = scenario_document(self._load(source["file"], []))
        known = {f.path for section in forms.sections(document) for f in section.fields}
        problems = check_numbers(body.get("replications"), body.get("seed"))
        try:
            overrides = forms.overrides(changes, known)
        except ValueError as error:
            return source, [], problems, str(error)
        whole = None
        try:
            self._load(source["file"], overrides)
        except InputError as error:
            whole = str(error)
            for override in overrides:
                try:
                    self._load(source["file"], [override])
                except InputError as alone:
                    problems[override.split("=", 1)[0]] = str(alone)
            if any(o.split("=", 1)[0] in problems for o in overrides):
                whole = None
        return source, overrides, problems, whole

    async def check(self, request: Request) -> Response:
        """Check the form: one line per bad field, as the command line prints it."""
        try:
            body = await self._body(request)
            _, _, problems, whole = await _in_thread(self._checked, body)
        except Refused as why:
            return JSONResponse({"error": str(why)}, 403)
        except (InputError, ValueError) as error:
            return JSONResponse({"error": str(error)}, 422)
        return JSONResponse({"errors": problems, "error": whole, "ok": not problems and not whole})

    async def run(self, request: Request) -> Response:
        """Start a what-if (after the same checks)."""
        try:
            body = await self._body(request)
            source, overrides, problems, whole = await _in_thread(self._checked, body)
        except Refused as why:
            return JSONResponse({"error": str(why)}, 403)
        except (InputError, ValueError) as error:
            return JSONResponse({"error": str(error)}, 422)
        if problems or whole:
            return JSONResponse({"errors": problems, "error": whole, "ok": False}, 422)
        if not overrides:
            return JSONResponse({"errors": {}, "error": "change at least one input first", "ok": False}, 422)
        what = WhatIf(
            source["file"],
            source["key"],
            overrides,
            int(body["replications"]),
            int(body["seed"]),
            source["run"],
        )
        try:
            job = self.runner.start(what)
        except InputError as error:
            return JSONResponse({"errors": {}, "error": str(error), "ok": False}, 409)
        return JSONResponse({"job": job.id, "ok": True})

    def job(self, request: Request) -> Response:
        """A what-if's progress; once done, its charts and differences."""
        job = self.runner.jobs.get(request.path_params["id"])
        if job is None:
            return JSONResponse({"error": "no such what-if"}, 404)
        status = job.status(self.root.relative)
        if job.state == "done" and job.result is not None and "fan" not in job.result:
            job.result.update(result_charts(job.folders))
            status = job.status(self.root.relative)
        return JSONResponse(status)

    def cancel(self, request: Request) -> Response:
        """Cancel a what-if."""
        job = self.runner.jobs.get(request.path_params["id"])
        if job is None:
            return JSONResponse({"error": "no such what-if"}, 404)
        job.cancel.set()
        return JSONResponse({"ok": True})

    def static(self, request: Request) -> Response:
        """The page's script and style, and Plotly.js."""
        name = request.path_params["name"]
        if name == "plotly.min.js":
            return FileResponse(plotly_js_path(), media_type="text/javascript")
        if name not in STATIC:
            return refused(f"{name}: no such file", 404)
        return FileResponse(HERE / "static" / name, media_type=STATIC[name])


async def _in_thread(function: Callable[..., Any], *args: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(function, *args)


def create_app(
    folder: Path, hosts: Sequence[str] = (), token: str | None = None, executor: str = "process"
) -> Starlette:
    """Return the explorer's ASGI application serving ``folder``.

    Args:
        folder: The folder served: nothing outside it can be read or written through the application.
        hosts: The ``Host`` values requests may carry (``127.0.0.1:8000``...); empty: any.
        token: The access token every request must carry (None: none needed, on loopback).
        executor: Where what-if replications run (``process`` or ``serial``).
    """
    state = Explorer(folder, hosts, token, executor)
    routes = [
        Route("/", state.home),
        Route("/folder/{path:path}", state.folder),
        Route("/whatif/{path:path}", state.whatif),
        Route("/static/{name}", state.static),
        Route("/api/check", state.check, methods=["POST"]),
        Route("/api/run", state.run, methods=["POST"]),
        Route("/api/jobs/{id}", state.job),
        Route("/api/jobs/{id}/cancel", state.cancel, methods=["POST"]),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(BaseHTTPMiddleware, dispatch=state.guard)])
    app.state.explorer = state
    return app
