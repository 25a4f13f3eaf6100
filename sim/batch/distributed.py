"""The Dask executor: tasks on a Dask distributed cluster, or on a LocalCluster started here.

A scheduler that stops answering, or that has had no workers for too long, ends the batch with
``ExecutorLost`` instead of a wait without end; tasks a lost connection cancelled are submitted again.
Dask is an extra (``distributed``): it is imported only when this executor starts.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sim.batch.executors import ExecutorLost, check_workers
from sim.errors import InputError, missing_extra

DASK_LOST_SECONDS = 30.0
"""A Dask scheduler unreachable this long (or a client that gave up reconnecting) ends the batch."""
DASK_RESUBMISSIONS = 3
"""How often a task cancelled by a lost connection is submitted again before it counts as failed."""

_LOST = object()
"""A task whose result went with the connection: it is submitted again."""


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
                result = self._outcome(future)
                future.release()
                if result is _LOST:
                    count = submissions[id(task)] = submissions.get(id(task), 0) + 1
                    if count <= DASK_RESUBMISSIONS:
                        again.append(task)
                        continue
                    result = ExecutorLost(f"the Dask scheduler {self.scheduler} lost this task {count} times")
                yield task, result

    def _outcome(self, future: Any) -> Any:
        """Return a settled future's result, its exception, or ``_LOST`` if it went with the connection."""
        if future.status == "finished":
            try:
                return future.result(timeout=self.lost_after)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException:  # noqa: BLE001 - its data went with a worker or the scheduler
                return _LOST
        if future.status == "error":
            return future.exception()
        return _LOST  # cancelled or lost with the connection

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
