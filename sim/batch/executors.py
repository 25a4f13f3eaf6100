"""Executors behind one interface: run a function over tasks, yielding results as they finish.

Results never depend on the executor: every task carries everything it needs (scenario, seed,
replication range), and replication i always draws from child i of the root seed.

Worker processes never outlive the command: pool workers exit when their parent dies, however it
dies (``PR_SET_PDEATHSIG`` on Linux, and a watchdog thread everywhere), and closing a pool ends its
workers at once. A Dask scheduler that stops answering ends the batch with ``ExecutorLost`` instead
of a wait without end.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from sim.errors import InputError, missing_extra

MAX_POOL_RESTARTS = 3
"""How often a process pool that lost a worker is rebuilt before its tasks are reported failed."""
WORKERS_PER_CORE = 4
MAX_WORKERS = 512
"""``--workers`` may ask for ``WORKERS_PER_CORE`` processes per core here, and never more than this."""
DASK_LOST_SECONDS = 30.0
"""A Dask scheduler unreachable this long (or a client that gave up reconnecting) ends the batch."""
DASK_RESUBMISSIONS = 3
"""How often a task cancelled by a lost connection is submitted again before it counts as failed."""
WATCHDOG_SECONDS = 0.5
"""How often a pool worker checks that its parent is alive."""
STOP_SECONDS = 2.0
"""How long closing a pool waits for its workers to end on SIGTERM before it kills them."""


_LOST = object()
"""A task whose result went with the connection: it is submitted again."""


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


def dask_client(scheduler: str | None, workers: int | None) -> tuple[Any, Any]:
    """Return a Dask client, and the LocalCluster it started (None when it joined ``scheduler``).

    Args:
        scheduler: ``tcp://HOST:PORT`` of a running scheduler; None starts a LocalCluster here.
        workers: Worker processes of the LocalCluster, one thread each (default: all cores).

    Raises:
        InputError: If Dask is not installed, the address is not one, or the scheduler cannot be reached.
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise missing_extra("the dask executor", "distributed", field="--executor") from None
    check_workers(workers)
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        return Client(cluster), cluster
    try:
        return Client(scheduler, timeout="10s"), None
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"not a scheduler address ({exc}); expected tcp://HOST:PORT", field="--scheduler"
        ) from None
    except (OSError, TimeoutError) as exc:
        raise InputError(f"cannot reach the Dask scheduler ({exc})", field="--scheduler") from None


def _quiet_dask_logs() -> None:
    """Silence Dask's own logging here: a lost scheduler is reported by the batch in one line."""
    for name in ["distributed", *logging.root.manager.loggerDict]:
        if name == "distributed" or name.startswith("distributed."):
            logging.getLogger(name).setLevel(logging.CRITICAL)


class DaskExecutor:
    """Runs tasks on a Dask distributed cluster, or on a LocalCluster when no address is given.

    If the connection to the scheduler is lost, tasks it cancelled are submitted again once it is back;
    if it stays unreachable for ``lost_after`` seconds, or the client gives up reconnecting, ``run``
    raises ``ExecutorLost`` (finished chunks are kept; the others can be resumed).

    Args:
        scheduler: ``tcp://HOST:PORT`` of a running scheduler; None starts a LocalCluster.
        workers: Worker processes of the LocalCluster (default: all cores).
        lost_after: Seconds without a scheduler before the batch ends.
    """

    shares_files = False  # workers may be on other machines: chunks' tables come back to be written here

    def __init__(
        self, scheduler: str | None = None, workers: int | None = None, lost_after: float | None = None
    ) -> None:
        self._client, self._cluster = dask_client(scheduler, workers)
        _quiet_dask_logs()
        self.scheduler = scheduler or "of the local cluster"
        self.lost_after = DASK_LOST_SECONDS if lost_after is None else lost_after
        self.workers = max(1, sum(self._client.nthreads().values()))

    def run(self, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        """Yield results as they finish, keeping two tasks per worker thread in flight.

        Raises:
            ExecutorLost: If the scheduler is lost for good.
        """
        from dask.distributed import wait as dask_wait

        iterator = iter(tasks)
        limit = 2 * self.workers
        pending: dict[Any, Any] = {}
        again: list[Any] = []
        submissions: dict[int, int] = {}
        exhausted = False
        unreachable_since: float | None = None
        workers = _WorkerWatch(self._client, self.scheduler, self.lost_after)
        while pending or again or not exhausted:
            status = self._client.status
            if status == "running":
                unreachable_since = None
                workers.check()
                while len(pending) < limit and (again or not exhausted):
                    if again:
                        task = again.pop(0)
                    else:
                        try:
                            task = next(iterator)
                        except StopIteration:
                            exhausted = True
                            break
                    pending[self._client.submit(function, task, pure=False)] = task
            else:
                now = time.monotonic()
                unreachable_since = unreachable_since or now
                if status in ("closing", "closed", "failed") or now - unreachable_since > self.lost_after:
                    raise ExecutorLost(
                        f"lost the Dask scheduler {self.scheduler} "
                        f"(no answer for {max(now - unreachable_since, 10.0):.0f} s)"
                    )
            if pending:
                # A timeout or cancelled futures: each future's status is looked at below.
                with contextlib.suppress(Exception):
                    dask_wait(list(pending), timeout=0.5, return_when="FIRST_COMPLETED")
            else:
                time.sleep(0.5)
            for future in [f for f in pending if f.status != "pending"]:
                task = pending.pop(future)
                result: Any
                if future.status == "finished":
                    try:
                        result = future.result(timeout=self.lost_after)
                    except (KeyboardInterrupt, SystemExit):
                        raise
                    except BaseException:  # noqa: BLE001 - its data went with a worker or the scheduler
                        result = _LOST
                elif future.status == "error":
                    result = future.exception()
                else:  # cancelled or lost with the connection
                    result = _LOST
                future.release()
                if result is _LOST:
                    count = submissions[id(task)] = submissions.get(id(task), 0) + 1
                    if count <= DASK_RESUBMISSIONS:
                        again.append(task)
                        continue
                    result = ExecutorLost(f"the Dask scheduler {self.scheduler} lost this task {count} times")
                yield task, result

    def close(self) -> None:
        """Close the client, and the LocalCluster if this executor started one."""
        with contextlib.suppress(Exception):  # a client that lost its scheduler may not close cleanly
            self._client.close(timeout=10)
        if self._cluster is not None:
            self._cluster.close()


class _WorkerWatch:
    """Ends a batch whose Dask scheduler has had no workers for ``lost_after`` seconds.

    The scheduler itself may be fine while every worker is gone (killed, its machine down): tasks would
    wait for a worker without end, and the command with them.
    """

    EVERY = 2.0
    """Seconds between two questions to the scheduler."""

    def __init__(self, client: Any, scheduler: str, lost_after: float) -> None:
        self.client = client
        self.scheduler = scheduler
        self.lost_after = lost_after
        self.asked = 0.0
        self.none_since: float | None = None

    def check(self) -> None:
        """Ask the scheduler how many workers it has (at most every ``EVERY`` seconds).

        Raises:
            ExecutorLost: If it has had none for ``lost_after`` seconds.
        """
        now = time.monotonic()
        if now - self.asked < self.EVERY:
            return
        self.asked = now
        try:
            count = len(self.client.scheduler_info(n_workers=-1).get("workers", {}))
        except Exception:  # noqa: BLE001 - an unreachable scheduler is handled by the caller
            return
        if count:
            self.none_since = None
            return
        self.none_since = self.none_since or now
        if now - self.none_since > self.lost_after:
            raise ExecutorLost(
                f"the Dask scheduler {self.scheduler} has had no workers for {now - self.none_since:.0f} s "
                "(start workers for it, then resume)"
            )


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
        return DaskExecutor(scheduler, workers)
    raise InputError(f"unknown executor {kind!r}; expected serial, process or dask", field="--executor")
