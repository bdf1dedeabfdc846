"""Output folders that a killed run cannot leave half written.

A run holds a lock on its region's output folder (:class:`RunLock`); each report is written into
a temporary sibling folder and moved into place with :func:`swap_into_place`; single files
(index, summary) are written with :func:`atomic_write`; and the next run puts back what a run
killed in the middle of a swap left behind (:func:`recover`).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from josanalysis.core.errors import ConfigError
from josanalysis.runner.manifest import utc_timestamp

__all__ = ["RunLock", "atomic_write", "recover", "swap_into_place"]


def atomic_write(path: Path, text: str) -> None:
    """Write a text file via a hidden temporary sibling and an atomic rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def swap_into_place(src: Path, dst: Path) -> None:
    """Move a finished folder to its final place; the previous one stays whole until then."""
    old = dst.parent / f".{dst.name}.old-{uuid.uuid4().hex[:8]}"
    if dst.exists():
        os.replace(dst, old)
    os.replace(src, dst)
    shutil.rmtree(old, ignore_errors=True)


def recover(folders: Iterable[Path]) -> None:
    """Undo the traces of an interrupted run.

    A run killed between the two renames of a swap leaves the previous report as
    ``.<name>.old-*``: put it back. Unfinished ``.<name>.tmp-*`` folders are removed.
    """
    for final in folders:
        parent = final.parent
        if not parent.is_dir():
            continue
        olds = sorted(parent.glob(f".{final.name}.old-*"), key=lambda p: p.stat().st_mtime)
        if olds and not final.exists():
            os.replace(olds.pop(), final)
        for p in olds + list(parent.glob(f".{final.name}.tmp-*")):
            shutil.rmtree(p, ignore_errors=True)


class RunLock:
    """One run per region output folder at a time.

    Two files beside each other: ``<path>.flock``, held with an operating-system lock
    (:class:`filelock.FileLock`, ``flock``) for the whole run, so that taking the lock is atomic
    and the lock of a run that was killed is released by the system; and ``<path>`` itself, a
    small JSON record of who holds it (pid, host, start time) for messages and for runs on
    other machines that share the output folder.

    * Another run on this host holds the system lock: refused, naming its process.
    * The record names this host but nobody holds the system lock: the run that wrote it is
      gone (killed); the record is stale and is taken over (only the holder of the system lock
      can do so, so two runs never both take it over).
    * The record names another host: refused and never removed (a system lock on a shared
      folder need not reach across machines); the message says how to clear it by hand.

    Examples
    --------
    >>> with RunLock(Path("outputs/demoregio/.run.lock")):      # doctest: +SKIP
    ...     pass
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._os_lock: FileLock | None = None
        self._mine: dict[str, Any] | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        me = {"pid": os.getpid(), "host": socket.gethostname(), "started": utc_timestamp(),
              "token": uuid.uuid4().hex}
        os_lock = FileLock(str(self.path) + ".flock", timeout=0, thread_local=False,
                           preserve_lock_file=True)
        try:
            os_lock.acquire()
        except Timeout:
            other = _read_record(self.path)
            raise ConfigError(
                f"Another josanalysis run writes to {self.path.parent} (process "
                f"{other.get('pid', '?')} on {other.get('host', 'this host')}, started "
                f"{other.get('started', '?')}); wait for it to finish."
            ) from None
        try:
            other = _read_record(self.path) if self.path.exists() else None
            if other == {}:
                raise ConfigError(
                    f"The run lock {self.path} cannot be read (expected pid, host and start "
                    "time); if no josanalysis run is active on any machine, delete it by hand."
                )
            if other is not None and other.get("host") != me["host"]:
                raise ConfigError(
                    f"A josanalysis run on host '{other.get('host', '?')}' (process "
                    f"{other.get('pid', '?')}, started {other.get('started', '?')}) holds "
                    f"{self.path}; wait for it to finish. If no run is active on that host, "
                    "delete that file by hand."
                )
            # no record, or a stale one of this host (its run is gone: we hold the system lock)
            atomic_write(self.path, json.dumps(me))
        except BaseException:
            os_lock.release()
            raise
        self._os_lock, self._mine = os_lock, me
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if _read_record(self.path).get("token") == (self._mine or {}).get("token"):
                self.path.unlink(missing_ok=True)
        finally:
            if self._os_lock is not None:
                self._os_lock.release()
            self._os_lock = self._mine = None


def _read_record(path: Path) -> dict[str, Any]:
    """The holder recorded in a lock file ({} when absent or unreadable)."""
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return content if isinstance(content, dict) else {}
