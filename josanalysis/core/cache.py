"""A run's cache of analysis results, so that no model is fitted twice for one batch.

A school report fits the pre-specified models of its school; the region report shows the same
fits again in its per-school table, and every school report puts the region's pooled
school-year estimates beside its own figures. :class:`AnalysisCache` keeps such results in
memory and -- in a batch -- on disk, in a folder beside the run's prepared data
(``<output_root>/.cache/<region>/prepared/.../analyses/``), never in the shared outputs: the
cached objects hold unsuppressed series. Each entry is keyed by a hash of everything it was
computed from: the run's fingerprint (prepared data, region and plan parameters, package
version) and the call's own arguments. The prepared folder is made afresh for every run, so a
cache never outlives the data it was computed from.

Files are written atomically (a temporary file, then :func:`os.replace`), and an entry is
computed by one process at a time (a :class:`filelock.FileLock` beside it): a worker that needs
an entry another worker is computing waits for it instead of computing it again. They are Python pickles: the folder
belongs to the user running the batch, like the prepared data, and is read by nobody else.

Examples
--------
>>> cache = AnalysisCache()                       # in memory only
>>> cache.get_or_compute("square", (3,), lambda: 3 * 3)
9
>>> cache.get_or_compute("square", (3,), lambda: 0)   # the stored value, not recomputed
9
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

from filelock import FileLock, Timeout

__all__ = ["AnalysisCache", "fingerprint", "LOCK_WAIT_SECONDS"]

T = TypeVar("T")

#: How long a process waits for another that computes the same entry before computing it too.
LOCK_WAIT_SECONDS = 600.0

_MISSING = object()


def fingerprint(*parts: Any) -> str:
    """A short stable hash of ``repr`` of the parts (frozen dataclasses, paths, numbers, text)."""
    h = hashlib.sha256()
    for p in parts:
        h.update(repr(p).encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()[:32]


class AnalysisCache:
    """Results of analyses, by name and arguments, in memory and optionally in a folder.

    Parameters
    ----------
    folder
        Where entries are kept between processes (created when first written); None keeps them
        in this process only.
    run_key
        The fingerprint of what every entry depends on (the run's data and parameters); part of
        every entry's key.
    """

    def __init__(self, folder: str | Path | None = None, run_key: str = "") -> None:
        self.folder = Path(folder) if folder else None
        self.run_key = run_key
        self._memory: dict[str, Any] = {}
        self.hits = 0
        self.misses = 0

    def _key(self, name: str, args: tuple[Hashable, ...]) -> str:
        return f"{name}-{fingerprint(self.run_key, name, args)}"

    def get_or_compute(self, name: str, args: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        """The stored result of ``name(*args)``, or ``compute()`` stored for the next caller.

        An entry that cannot be read (a half-written or foreign file) is computed again.
        """
        key = self._key(name, args)
        if key in self._memory:
            self.hits += 1
            return self._memory[key]
        if self.folder is None:
            return self._computed(key, None, compute)
        path = self.folder / f"{key}.pkl"
        found = self._read(key, path)
        if found is not _MISSING:
            return found
        # one process computes an entry while the others of the run wait for it (two workers
        # that start at once would otherwise both fit the region's pooled models); the entries
        # depend on each other without cycles, so nested waits cannot deadlock
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            with FileLock(str(path.with_suffix(".lock")), timeout=LOCK_WAIT_SECONDS):
                found = self._read(key, path)
                return found if found is not _MISSING else self._computed(key, path, compute)
        except Timeout:  # a stuck holder: compute it here as well rather than wait forever
            return self._computed(key, path, compute)

    def _read(self, key: str, path: Path) -> Any:
        """The entry from its file (kept in memory too), or ``_MISSING``."""
        if not path.is_file():
            return _MISSING
        try:
            with path.open("rb") as fh:
                value = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return _MISSING
        self.hits += 1
        self._memory[key] = value
        return value

    def _computed(self, key: str, path: Path | None, compute: Callable[[], T]) -> T:
        self.misses += 1
        value = compute()
        self._memory[key] = value
        if path is not None:
            self._write(path, value)
        return value

    def _write(self, path: Path, value: Any) -> None:
        """Write one entry atomically; a value that cannot be pickled stays in memory only."""
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pkl")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
            os.replace(tmp, path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
