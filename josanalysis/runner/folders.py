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
    """One run per region output folder at a time (a stale lock of a dead run is taken over)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        me = {"pid": os.getpid(), "host": socket.gethostname(), "started": utc_timestamp()}
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                try:
                    other = json.loads(self.path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    other = {}
                if other.get("host") == me["host"] and _pid_alive(other.get("pid")):
                    raise ConfigError(
                        f"Another josanalysis run writes to {self.path.parent} (process "
                        f"{other.get('pid')}); wait for it to finish, or delete {self.path} "
                        "if that process no longer exists."
                    ) from None
                self.path.unlink(missing_ok=True)  # stale: its run was killed
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(me, fh)
            return self
        raise ConfigError(f"Could not take the run lock {self.path}.")

    def __exit__(self, *exc: object) -> None:
        self.path.unlink(missing_ok=True)


def _pid_alive(pid: Any) -> bool:
    try:
        os.kill(int(pid), 0)
    except (OSError, TypeError, ValueError):
        return False
    return True
