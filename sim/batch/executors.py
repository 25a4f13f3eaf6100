"""Executors behind one interface: run a function over tasks, yielding results as they finish.

Results never depend on the executor: every task carries everything it needs (scenario, seed,
replication range), and replication i always draws from child i of the root seed.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from sim.errors import InputError

MAX_POOL_RESTARTS = 3
"""How often a process pool that lost a worker is rebuilt before its tasks are reported failed."""


class Executor(Protocol):
    """Runs tasks somewhere and yields (task, result or exception) as each finishes."""

    workers: int

    def run(self, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        """Yield (task, result) pairs in completion order; a result may be an exception."""
        ...

    def close(self) -> None:
        """Release workers."""
        ...


class SerialExecutor:
    """Runs tasks one after another in this process."""

    workers = 1

    def run(self, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        """Yield each task's result (or exception) in order."""
        for task in tasks:
            try:
                yield task, function(task)
            except Exception as exc:  # noqa: BLE001 - reported per chunk by the runner
                yield task, exc

    def close(self) -> None:
        """Nothing to release."""


def _ignore_interrupt() -> None:
    # Ctrl-C goes to the whole process group; only the parent should act on it, so that it can
    # stop cleanly and leave a resumable run folder.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ProcessExecutor:
    """Runs tasks on a local process pool, keeping at most two tasks per worker in flight.

    A worker that dies (killed, out of memory) breaks a ``concurrent.futures`` pool; the pool is
    then rebuilt and the tasks that were in flight are submitted again, up to
    ``MAX_POOL_RESTARTS`` times.

    Args:
        workers: Number of worker processes (default: all cores).
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool = self._new_pool()
        self.restarts = 0

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, initializer=_ignore_interrupt)

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
        """Shut the pool down, cancelling queued tasks."""
        self._pool.shutdown(wait=False, cancel_futures=True)


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
        InputError: If Dask is not installed or the scheduler cannot be reached.
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError(
            "the dask executor needs the 'distributed' extra: pip install 'conflict-sim[distributed]'",
            field="--executor",
        ) from None
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
    except OSError as exc:
        raise InputError(f"cannot reach the Dask scheduler ({exc})", field="--scheduler") from None


class DaskExecutor:
    """Runs tasks on a Dask distributed cluster, or on a LocalCluster when no address is given.

    Args:
        scheduler: ``tcp://HOST:PORT`` of a running scheduler; None starts a LocalCluster.
        workers: Worker processes of the LocalCluster (default: all cores).
    """

    def __init__(self, scheduler: str | None = None, workers: int | None = None) -> None:
        self._client, self._cluster = dask_client(scheduler, workers)
        self.workers = max(1, sum(self._client.nthreads().values()))

    def run(self, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        """Yield results as they finish, keeping two tasks per worker thread in flight."""
        from dask.distributed import as_completed

        iterator = iter(tasks)
        limit = 2 * self.workers
        futures = {}
        for task in iterator:
            future = self._client.submit(function, task, pure=False)
            futures[future] = task
            if len(futures) >= limit:
                break
        completed = as_completed(list(futures))
        for future in completed:
            task = futures.pop(future)
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - reported per chunk by the runner
                result = exc
            future.release()
            yield task, result
            following = next(iterator, None)
            if following is not None:
                new = self._client.submit(function, following, pure=False)
                futures[new] = following
                completed.add(new)

    def close(self) -> None:
        """Close the client, and the LocalCluster if this executor started one."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(kind: str, workers: int | None = None, scheduler: str | None = None) -> Executor:
    """Return an executor by name: ``serial``, ``process`` or ``dask``.

    Raises:
        InputError: For an unknown name, or a Dask executor that cannot start.
    """
    if kind == "serial":
        return SerialExecutor()
    if kind == "process":
        return ProcessExecutor(workers)
    if kind == "dask":
        return DaskExecutor(scheduler, workers)
    raise InputError(f"unknown executor {kind!r}; expected serial, process or dask", field="--executor")
