"""Executors behind one interface: map a function over tasks, yielding results as they finish."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol


class Executor(Protocol):
    """Runs tasks somewhere and yields (task, result or exception) as each finishes."""

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


class ProcessExecutor:
    """Runs tasks on a local process pool, keeping at most two tasks per worker in flight.

    Args:
        workers: Number of worker processes (default: all cores).
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool = ProcessPoolExecutor(max_workers=self.workers)

    def run(self, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        """Yield results as they finish; queue only a few tasks ahead so memory stays flat."""
        pending: dict[Future[Any], Any] = {}
        iterator = iter(tasks)
        limit = 2 * self.workers
        exhausted = False
        while pending or not exhausted:
            while not exhausted and len(pending) < limit:
                try:
                    task = next(iterator)
                except StopIteration:
                    exhausted = True
                    break
                pending[self._pool.submit(function, task)] = task
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                task = pending.pop(future)
                exception = future.exception()
                yield task, exception if exception is not None else future.result()

    def close(self) -> None:
        """Shut the pool down, cancelling queued tasks."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def make_executor(kind: str, workers: int | None = None) -> Executor:
    """Return an executor by name: ``serial`` or ``process``."""
    if kind == "serial":
        return SerialExecutor()
    if kind == "process":
        return ProcessExecutor(workers)
    raise ValueError(f"unknown executor {kind!r}")
