"""Run one call in a forked child process and get its result back: the memory the call used is the
system's again when it returns.

A long ingest resolves every few hundred documents. Each resolution step
reads its neighbourhood, works on it and frees it, but the freed memory does
not all go back: glibc's heap and SQLite's caches keep fragments, and the
storing process crept up about a megabyte a step (measured over 12,000
documents). Celery's ``max_tasks_per_child`` and Dask's worker restarts answer
the same creep the same way: the work runs in a process that ends. A fork
shares the loaded pipeline's pages (copy on write), so it costs milliseconds.

Linux and other systems with ``fork`` only; elsewhere ``available()`` is
False and callers run the call in their own process.
"""
from __future__ import annotations

import gc
import os
import pickle
import resource
import select
import signal
import threading
import traceback
from dataclasses import dataclass
from typing import Any, Callable


class ForkedError(RuntimeError):
    """An error raised in the child whose exception could not be sent back as it was."""


@dataclass(frozen=True)
class Memory:
    """The child's memory: its peak resident size, what it had at the fork, and the most pages that were
    its own (written since the fork or new: what it cost the system beyond the parent), sampled."""
    peak_mb: float
    start_mb: float
    private_mb: float


def available() -> bool:
    return hasattr(os, "fork")


def call(fn: Callable[[], Any]) -> tuple[Any, Memory]:
    """``fn()`` in a forked child; returns its result and the child's ``Memory``, or raises the child's
    exception (as it was when it can be pickled, else ``ForkedError`` with the child's traceback).
    An interrupt of the parent stops the child (whose open transaction then rolls back)."""
    return start(fn).result()


class Child:
    """A call running in a forked child (``start``): ``ready()`` without waiting, ``result()`` waiting,
    ``stop()`` to end it."""

    def __init__(self, pid: int, read_end: int) -> None:
        self.pid, self.read_end = pid, read_end

    def ready(self) -> bool:
        """True when the child has finished (it is sending its result, or has ended)."""
        return bool(select.select([self.read_end], [], [], 0)[0])

    def result(self) -> tuple[Any, Memory]:
        """Wait for the child: its result and ``Memory``, or its exception raised here. An interrupt
        while waiting stops the child."""
        try:
            with os.fdopen(self.read_end, "rb") as pipe:
                data = pipe.read()
        except BaseException:
            self.stop()
            raise
        _, status = os.waitpid(self.pid, 0)
        if not data:
            raise ForkedError(f"the child process ended without a result (status {status})")
        kind, value, memory = pickle.loads(data)
        if kind == "error":
            raise value
        return value, memory

    def stop(self) -> None:
        """End the child now (its open transaction rolls back) and reap it."""
        try:
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        try:
            os.close(self.read_end)
        except OSError:
            pass


def start(fn: Callable[[], Any]) -> Child:
    """Start ``fn()`` in a forked child and return at once (``Child.result()`` waits for it)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        # the parent's objects are not the child's to collect: out of the collector's scans, which would
        # write to (so copy) every page they sit on
        gc.freeze()
        status = 0
        try:
            begin, private = _rss_mb(), _Sampler()
            try:
                out = ("ok", fn())
            except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
                out = ("error", _sendable(exc))
            peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, begin, _rss_mb())  # the
            # kernel's high-water mark is updated lazily: it can lag the size read at the start
            out += (Memory(peak_mb=peak, start_mb=begin, private_mb=private.stop()),)
            with os.fdopen(write_end, "wb") as pipe:
                pickle.dump(out, pipe)
        except BaseException:  # noqa: BLE001 - the parent sees a child that sent nothing
            status = 1
        finally:
            os._exit(status)  # no atexit handlers or finalizers of the parent's objects
    os.close(write_end)
    return Child(pid, read_end)


class _Sampler:
    """The largest private size seen, read every ``every`` seconds on a thread (the peak of a working set
    that lives for more than a moment; the kernel keeps no high-water mark of it)."""

    def __init__(self, every: float = 0.2) -> None:
        self.peak, self.every = _private_mb(), every
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="linkwatch-memory-sampler")
        self.thread.start()

    def _run(self) -> None:
        while not self.done.wait(self.every):
            self.peak = max(self.peak, _private_mb())

    def stop(self) -> float:
        self.done.set()
        self.thread.join()
        return max(self.peak, _private_mb())


def _sendable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - any exception that does not survive pickling
        return ForkedError("".join(traceback.format_exception(exc)).strip())


def _rss_mb() -> float:
    return _status("VmRSS:", "/proc/self/status")


def _private_mb() -> float:
    return _status("Private_Clean:", "/proc/self/smaps_rollup") + _status("Private_Dirty:", "/proc/self/smaps_rollup")


def _status(field: str, path: str) -> float:
    """A ``kB`` field of a /proc file, in MB (0 where /proc is not there)."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
