"""Executors behind one interface: run a function over tasks, yielding results as they finish.

Results never depend on the executor: every task carries everything it needs (scenario, seed,
replication range), and replication i always draws from child i of the root seed.

Worker processes never outlive the command: pool workers exit when their parent dies, however it
dies (``PR_SET_PDEATHSIG`` on Linux, and a watchdog thread everywhere), and closing a pool ends its
workers at once. The Dask executor (``sim.batch.distributed``) is started by ``make_executor`` like the
others; a Dask scheduler that stops answering ends the batch with ``ExecutorLost`` instead of a wait
without end.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from sim.errors import InputError

MAX_POOL_RESTARTS = 3
"""How often a process pool that lost a worker is rebuilt before its tasks are reported failed."""
WORKERS_PER_CORE = 4
MAX_WORKERS = 512
"""``--workers`` may ask for ``WORKERS_PER_CORE`` processes per core here, and never more than this."""
WATCHDOG_SECONDS = 0.5
"""How often a pool worker checks that its parent is alive."""
STOP_SECONDS = 2.0
"""How long closing a pool waits for its workers to end on SIGTERM before it kills them."""


class ExecutorLost(Exception):
    """The executor lost its workers for good (e.g. the Dask scheduler died); chunks in flight are lost."""


def max_workers() -> int:
    """Return the most worker processes ``--workers`` may ask for on this machine."""
    return min(MAX_WORKERS, WORKERS_PER_CORE * (os.cpu_count() or 1))


def check_workers(workers: int | None) -> None:
    """Refuse a worker count that would start more processes than this machine can sensibly run.

    Raises:
        InputError: If ``workers`` is above ``max_workers()``.
    """
    if workers is not None and workers > max_workers():
        raise InputError(
            f"{workers:,} worker processes is too many: at most {max_workers():,} here "
            f"({WORKERS_PER_CORE} per core, {MAX_WORKERS} in all)",
            field="--workers",
        )


class Executor(Protocol):
    """Runs tasks somewhere and yields (task, result or exception) as each finishes.

    ``shares_files`` says whether the tasks run where this process's files are (same machine): then
    the workers write a chunk's Parquet parts themselves, and only the parts' checksums come back.
    """

    workers: int
    shares_files: bool

    def run(self, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        """Yield (task, result) pairs in completion order; a result may be an exception."""
        ...

    def close(self) -> None:
        """Release workers."""
        ...


class SerialExecutor:
    """Runs tasks one after another in this process."""

    workers = 1
    shares_files = False  # one process: the batch writes the parts itself, nothing to gain

    def run(self, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        """Yield each task's result (or exception) in order."""
        for task in tasks:
            try:
                yield task, function(task)
            except Exception as exc:  # noqa: BLE001 - reported per chunk by the runner
                yield task, exc

    def close(self) -> None:
        """Nothing to release."""


def _worker_start() -> None:
    """Set up a pool worker: ignore Ctrl-C, die on SIGTERM, and exit when the parent dies."""
    # Ctrl-C goes to the whole process group; only the parent should act on it, so that it can
    # stop cleanly and leave a resumable run folder.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A forked worker inherits the parent's SIGTERM handler (which stops a batch); a worker is just ended.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - the watchdog still works
            pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="parent-watchdog", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(WATCHDOG_SECONDS)
        if os.getppid() != parent:
            os._exit(1)


class ProcessExecutor:
    """Runs tasks on a local process pool, keeping at most two tasks per worker in flight.

    A worker that dies (killed, out of memory) breaks a ``concurrent.futures`` pool; the pool is
    then rebuilt and the tasks that were in flight are submitted again, up to
    ``MAX_POOL_RESTARTS`` times.

    Its workers are on this machine, so they write their chunks' Parquet parts themselves
    (``shares_files``): the main process only records each part's checksum and does not compete with
    the workers for the cores.

    Args:
        workers: Number of worker processes (default: all cores).
    """

    shares_files = True

    def __init__(self, workers: int | None = None) -> None:
        check_workers(workers)
        self.workers = workers or os.cpu_count() or 1
        self._pool = self._new_pool()
        self.restarts = 0

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, initializer=_worker_start)

    def run(self, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        """Yield results as they finish; queue only a few tasks ahead so memory stays flat."""
        pending: dict[Future[Any], Any] = {}
        resubmit: list[Any] = []
        iterator = iter(tasks)
        limit = 2 * self.workers
        exhausted = False
        while pending or resubmit or not exhausted:
            while len(pending) < limit and (resubmit or not exhausted):
                if resubmit:
                    task = resubmit.pop(0)
                else:
                    try:
                        task = next(iterator)
                    except StopIteration:
                        exhausted = True
                        break
                try:
                    pending[self._pool.submit(function, task)] = task
                except BrokenProcessPool as exc:
                    # Restarts are used up and the pool is dead: report the task, don't crash.
                    yield task, exc
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                task = pending.pop(future)
                exception = future.exception()
                if isinstance(exception, BrokenProcessPool) and self.restarts < MAX_POOL_RESTARTS:
                    broken = True
                    resubmit.append(task)
                    continue
                yield task, exception if exception is not None else future.result()
            if broken:
                # Every task still in the broken pool is lost with it: run them again.
                resubmit.extend(pending.values())
                pending.clear()
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
                self.restarts += 1

    def close(self) -> None:
        """Shut the pool down, cancelling queued tasks and ending its workers now.

        A task still running is abandoned (the batch was interrupted, its chunk is simply not done),
        so that the command ends without waiting for it.
        """
        pool = self._pool
        processes = list((getattr(pool, "_processes", None) or {}).values())
        # Taken before shutdown, which drops the pool's references to them.
        writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
        manager = getattr(pool, "_executor_manager_thread", None)
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for process in processes:
            process.join(timeout=max(0.0, deadline - time.monotonic()))
        # A worker that did not end is stopped (SIGSTOP, a debugger) or stuck in the kernel: SIGTERM waits
        # until it runs again, SIGKILL does not.
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join(timeout=STOP_SECONDS)
        # A worker ended while sending its result leaves half a message in the result pipe, and the
        # pool's manager thread (which the interpreter joins at exit) waiting for the rest. With every
        # worker gone, closing this process's end of the pipe turns that wait into an end-of-file.
        if writer is not None and not any(process.is_alive() for process in processes):
            with contextlib.suppress(OSError):
                writer.close()
        # Let the manager thread finish closing its wake-up pipe now: at interpreter exit,
        # concurrent.futures wakes every manager thread still registered, and one closing its pipe at
        # that moment made the wake-up fail with a traceback after the one-line message.
        if isinstance(manager, threading.Thread) and manager.is_alive():
            manager.join(timeout=5)


def check_scheduler(executor: str, scheduler: str | None) -> None:
    """Refuse a scheduler address without the Dask executor.

    Raises:
        InputError: If ``--scheduler`` is given with another executor.
    """
    if scheduler is not None and executor != "dask":
        raise InputError("--scheduler goes with --executor dask", field="--scheduler")


def make_executor(kind: str, workers: int | None = None, scheduler: str | None = None) -> Executor:
    """Return an executor by name: ``serial``, ``process`` or ``dask``.

    Raises:
        InputError: For an unknown name, or a Dask executor that cannot start.
    """
    check_workers(workers)
    if kind == "serial":
        return SerialExecutor()
    if kind == "process":
        return ProcessExecutor(workers)
    if kind == "dask":
        from sim.batch.distributed import DaskExecutor

        return DaskExecutor(scheduler, workers)
    raise InputError(f"unknown executor {kind!r}; expected serial, process or dask", field="--executor")


def __getattr__(name: str) -> Any:
    """The Dask executor and its client, at their former place (they live in ``sim.batch.distributed``)."""
    if name in ("DaskExecutor", "dask_client"):
        from sim.batch import distributed

        return getattr(distributed, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
