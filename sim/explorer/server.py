"""Starting the explorer: the extra it needs, the address, the access token, the server (uvicorn)."""

from __future__ import annotations

import importlib.util
import ipaddress
import secrets
import socket
from collections.abc import Callable
from pathlib import Path

from sim.errors import InputError, missing_extra

NEEDED = ("starlette", "uvicorn", "plotly")
"""The libraries of the ``explorer`` extra."""


def require_explorer() -> None:
    """Refuse, in one line naming the extra, when a library of the ``explorer`` extra is missing.

    Raises:
        InputError: If one is not installed.
    """
    if any(importlib.util.find_spec(name) is None for name in NEEDED):
        raise missing_extra("sim serve", "explorer")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (127.0.0.0/8, ::1 or ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """Return a listening socket on ``host`` and ``port`` (0: any free port).

    Raises:
        InputError: If the address cannot be had (in use, not this machine's, no permission).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as error:
        sock.close()
        raise InputError(
            f"cannot listen on {host}:{port} ({error.strerror or error})", field="--port"
        ) from None
    sock.listen(64)
    return sock


def serve(
    folder: Path,
    host: str = "127.0.0.1",
    port: int = 8765,
    executor: str = "process",
    announce: Callable[[str], None] = print,
) -> None:
    """Serve ``folder`` until interrupted.

    Args:
        folder: The folder served.
        host: The address to listen on; off the loopback interface an access token is required.
        port: The port (0: any free port).
        executor: Where what-if replications run.
        announce: Called with the lines saying where the explorer is.

    Raises:
        InputError: For a missing extra, a folder that is not there, or an address that cannot be had.
    """
    require_explorer()
    import uvicorn

    from sim.explorer.app import create_app

    loopback = is_loopback(host)
    token = None if loopback else secrets.token_urlsafe(24)
    sock = bind(host, port)
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    hosts = [f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]", shown)] if loopback else []
    try:
        app = create_app(folder, hosts, token, executor)
    except BaseException:
        sock.close()
        raise
    address = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    announce(f"explorer: {address}")
    announce(f"serving {app.state.explorer.root.path}; Ctrl-C stops it")
    if token:
        announce("not on loopback: anyone who can reach this address needs the token above")
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=3)
    uvicorn.Server(config).run(sockets=[sock])
