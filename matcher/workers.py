"""Worker processes that analyse batches of offers for a build (see rank.analysed_batches).

Each worker is a fresh Python process (``python -m matcher.workers``), not a fork: the caller may be a threaded
server, and a fork copies its locks in whatever state they are. The workers speak a small protocol on their
standard input and output: a request is an 8-byte little-endian length and a pickled list of analysis inputs,
the answer is a length and a pickled ``Batch``. Only this module's parent writes to a worker, so unpickling its
answers is safe.

A worker has at most one batch at a time; the parent sends the next one as soon as it has read the answer, so
neither side can block the other on a full pipe.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_ROOT = str(Path(__file__).resolve().parent.parent)


def _send(out: IO[bytes], obj: Any) -> None:
    blob = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(blob).to_bytes(8, "little"))
    out.write(blob)
    out.flush()


def _receive(inp: IO[bytes]) -> Any:
    head = inp.read(8)
    if len(head) < 8:
        raise EOFError
    n = int.from_bytes(head, "little")
    blob = inp.read(n)
    if len(blob) < n:
        raise EOFError
    return pickle.loads(blob)


class Workers:
    """``processes`` worker processes; ``map`` runs a function of ``matcher.rank`` over items, in order."""

    def __init__(self, processes: int) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")]))}
        self.procs: list[subprocess.Popen] = []
        try:
            for _ in range(processes):
                self.procs.append(subprocess.Popen([sys.executable, "-m", "matcher.workers"], stdin=subprocess.PIPE,
                                                   stdout=subprocess.PIPE, env=env))
        except OSError:
            self.close()
            raise

    def map(self, function: str, items: Iterable[T], prepare: Callable[[T], Any]) -> Iterator[tuple[T, Any]]:
        """(item, function(prepare(item))) in the items' order; up to one item per worker in flight."""
        inflight: list[T | None] = [None] * len(self.procs)
        it = iter(items)
        turn = 0
        for k, proc in enumerate(self.procs):   # one item to each worker
            item = next(it, None)
            if item is None:
                break
            self._give(proc, function, prepare(item))
            inflight[k] = item
        while inflight[turn] is not None:
            proc = self.procs[turn]
            assert proc.stdin is not None and proc.stdout is not None
            try:
                result = _receive(proc.stdout)
            except EOFError:
                raise RuntimeError("a build worker stopped (see its error output)") from None
            if isinstance(result, BaseException):
                raise result
            done = inflight[turn]
            nxt = next(it, None)     # the worker gets its next item before we use its answer
            inflight[turn] = nxt
            if nxt is not None:
                self._give(proc, function, prepare(nxt))
            yield done, result  # type: ignore[misc]
            turn = (turn + 1) % len(self.procs)

    @staticmethod
    def _give(proc: subprocess.Popen, function: str, args: Any) -> None:
        assert proc.stdin is not None
        try:
            _send(proc.stdin, (function, args))
        except OSError:   # a broken pipe: the worker is gone
            raise RuntimeError("a build worker stopped (see its error output)") from None

    def close(self) -> None:
        for proc in self.procs:
            try:
                if proc.stdin is not None:
                    proc.stdin.close()
            except OSError:
                pass
        for proc in self.procs:   # nothing is left to do for them: no need to wait for a clean exit
            proc.kill()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _serve() -> None:
    """A worker's loop: answer requests until the parent closes our input."""
    inp = sys.stdin.buffer
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr          # nothing but answers on the protocol pipe
    from . import rank
    while True:
        try:
            function, args = _receive(inp)
        except EOFError:
            return
        try:
            result = getattr(rank, function)(args)
        except Exception as exc:  # the parent raises it
            result = exc
        _send(out, result)


if __name__ == "__main__":
    _serve()
