"""Provenance manifests of batch reports: which inputs and code produced a report.

Every report folder written by :mod:`josanalysis.runner.execution` holds a ``manifest.json`` with the
notebook parameters, the sha256 of every input file the report depends on, the package version,
a fingerprint of the library code, the git commit, start/end time and status. A rerun compares
the stored manifest with the current state (:func:`manifest_matches`) and skips reports whose
inputs and code did not change.

Which files a report depends on is decided in one place, :func:`josanalysis.runner.plan.inputs_for`.

Examples
--------
>>> from josanalysis.runner.manifest import FileHasher
>>> hasher = FileHasher()
>>> digest = hasher.sha256(__file__)
>>> len(digest)
64
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from josanalysis.core.config import PROJECT_ROOT

__all__ = [
    "MANIFEST_NAME",
    "FileHasher",
    "code_fingerprint",
    "git_state",
    "relative_name",
    "read_manifest",
    "write_manifest",
    "manifest_matches",
    "mismatch_reason",
    "utc_timestamp",
]

MANIFEST_NAME = "manifest.json"

#: Keys of a manifest that must be equal for a stored report to count as up to date.
MATCH_KEYS = ("kind", "region", "school_id", "kernel_name", "package_version", "code_sha256")


def relative_name(path: str | Path, root: Path = PROJECT_ROOT) -> str:
    """Name a file relative to the project root when it lies inside it, else absolutely.

    Examples
    --------
    >>> from josanalysis.core.config import PROJECT_ROOT
    >>> relative_name(PROJECT_ROOT / "params" / "analysis_plan.yaml")
    'params/analysis_plan.yaml'
    """
    path = Path(path).resolve()
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass
class FileHasher:
    """sha256 of files, each file read once per run (reports share their inputs).

    Examples
    --------
    >>> h = FileHasher()
    >>> h.sha256(__file__) == h.sha256(__file__)
    True
    """

    _cache: dict[Path, str] = field(default_factory=dict)

    def sha256(self, path: str | Path) -> str:
        """Hex sha256 of one file's bytes."""
        path = Path(path).resolve()
        if path not in self._cache:
            digest = hashlib.sha256()
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
            self._cache[path] = digest.hexdigest()
        return self._cache[path]

    def digests(self, paths: Iterable[str | Path]) -> dict[str, str]:
        """``{relative name: sha256}`` for the given files, sorted by name."""
        return dict(sorted((relative_name(p), self.sha256(p)) for p in paths))


def code_fingerprint(package_dir: Path = PROJECT_ROOT / "josanalysis") -> str:
    """sha256 over the library's Python sources (names and contents).

    A change to any library module makes every report out of date: the code that produced a
    report is part of its provenance, whether or not it has been committed yet.
    """
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(package_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def git_state(root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """The git commit of the project and whether library or notebooks have uncommitted edits.

    Returns ``{"git_commit": "unknown", "git_dirty": None}`` outside a git checkout.
    """
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
            timeout=20, check=True, env=env,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", "josanalysis", "notebooks"], cwd=root,
            capture_output=True, text=True, timeout=20, check=True, env=env,
        ).stdout
        return {"git_commit": commit or "unknown", "git_dirty": bool(status.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": "unknown", "git_dirty": None}


def utc_timestamp() -> str:
    """The current UTC time to the second, as manifests, the run lock and the index record it.

    Examples
    --------
    >>> utc_timestamp().endswith("+00:00")
    True
    """
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def runtime_info() -> dict[str, str]:
    """Python version and host name, recorded for provenance (not compared)."""
    return {"python": sys.version.split()[0], "host": platform.node()}


def read_manifest(folder: str | Path) -> dict[str, Any] | None:
    """The manifest of a report folder, or None when absent or unreadable (a partial write)."""
    path = Path(folder) / MANIFEST_NAME
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return content if isinstance(content, dict) else None


def write_manifest(folder: str | Path, manifest: Mapping[str, Any]) -> Path:
    """Write ``manifest.json`` into a folder (via a temporary file and an atomic rename)."""
    path = Path(folder) / MANIFEST_NAME
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n",
                   encoding="utf-8")
    os.replace(tmp, path)
    return path


def mismatch_reason(stored: Mapping[str, Any] | None, expected: Mapping[str, Any]) -> str | None:
    """Why a stored report is out of date, as a short phrase; None when it is up to date.

    Parameters
    ----------
    stored
        The manifest found in the report folder (None when there is none).
    expected
        The manifest fields the report would get now: ``inputs`` and the :data:`MATCH_KEYS`.

    Examples
    --------
    >>> exp = {"kind": "school", "region": "r", "school_id": "A", "kernel_name": "k",
    ...        "package_version": "1", "code_sha256": "c", "inputs": {"a.csv": "1"}}
    >>> mismatch_reason({**exp, "status": "ok"}, exp) is None
    True
    >>> mismatch_reason({**exp, "status": "ok", "inputs": {"a.csv": "2"}}, exp)
    'input changed: a.csv'
    """
    if stored is None:
        return "no previous report"
    if stored.get("status") != "ok":
        return "previous run failed"
    for key in MATCH_KEYS:
        if stored.get(key) != expected.get(key):
            return f"{key.replace('_', ' ')} changed"
    old = stored.get("inputs") or {}
    new = expected.get("inputs") or {}
    changed = sorted(k for k in new if k in old and old[k] != new[k])
    added = sorted(k for k in new if k not in old)
    removed = sorted(k for k in old if k not in new)
    parts = []
    if changed:
        parts.append("input changed: " + ", ".join(changed))
    if added:
        parts.append("new input: " + ", ".join(added))
    if removed:
        parts.append("input removed: " + ", ".join(removed))
    return "; ".join(parts) or None


def manifest_matches(stored: Mapping[str, Any] | None, expected: Mapping[str, Any]) -> bool:
    """Whether a stored report is up to date (see :func:`mismatch_reason`)."""
    return mismatch_reason(stored, expected) is None
