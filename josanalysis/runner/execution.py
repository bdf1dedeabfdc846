"""The execution of one report on a dask worker: papermill, HTML export, manifest, atomic swap.

:func:`run_task` takes a :class:`ReportTask` (everything a worker needs, picklable) and returns
a :class:`ReportOutcome`. The notebook runs in a temporary sibling of the report's folder; a
kernel that fails to start is retried (:func:`~josanalysis.runner.kernels.is_kernel_start_failure`),
an error of the notebook is not. A report that succeeds replaces the previous one in a single
rename; a failed one keeps its executed copy under ``failed/`` and leaves the previous report
untouched.

The HTML export itself (Dutch, offline, print stylesheet, no stderr) is
:func:`~josanalysis.runner.export.export_html`; what a notebook wrote to stderr goes to the
report's manifest (``notebook_stderr``) instead.

Third-party modules (papermill, nbformat, nbconvert) are imported where they are used: this
module is imported by the CLI, which must start quickly.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from josanalysis.runner.export import export_html, html_exporter, stderr_outputs
from josanalysis.runner.folders import swap_into_place
from josanalysis.runner.kernels import (
    KERNEL_TRANSPORT,
    START_TIMEOUT,
    forked_kernel_specs,
    in_own_event_loop,
    is_kernel_start_failure,
    kernel_manager,
    shutdown_in_background,
)
from josanalysis.runner.manifest import runtime_info, utc_timestamp, write_manifest

__all__ = ["KernelOptions", "ReportOutcome", "ReportTask", "error_text", "export_html",
           "notebook_timings", "run_task", "warm_worker"]


@dataclass(frozen=True)
class ReportOutcome:
    """What happened to one report in a run.

    ``status`` is ``"ok"`` (executed now), ``"skipped"`` (up to date) or ``"failed"``.
    """

    key: str
    kind: str
    school_id: str | None
    status: str
    folder: Path
    reason: str = ""
    error: str | None = None
    failed_notebook: Path | None = None
    attempts: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class KernelOptions:
    """How a report's kernel is started.

    Attributes
    ----------
    name
        The Jupyter kernel (:data:`~josanalysis.runner.kernels.KERNEL_NAME`).
    start_attempts
        How often the report is attempted when its kernel fails to start.
    start_timeout
        Seconds papermill waits for the kernel to start.
    warm
        Fork the kernel from the worker's warm template (falls back to a fresh kernel).
    warm_imports
        Modules the warm template imports (:func:`~josanalysis.runner.kernels.warm_imports`).
    """

    name: str
    start_attempts: int = 3
    start_timeout: int = START_TIMEOUT
    warm: bool = False
    warm_imports: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportTask:
    """Everything a dask worker needs to execute one report.

    Attributes
    ----------
    key, kind, school_id
        The report (:class:`~josanalysis.runner.plan.Report`).
    title
        Title of the HTML export.
    notebook
        The notebook executed; the kernel starts in its folder.
    final_dir, failed_dir
        Where the report goes when it succeeds, and its failed copy when it does not.
    parameters
        The identifying notebook parameters (``region``, ``school_id``).
    prepared
        The prepared region-data file (``""`` when there is none).
    reason
        Why the report is executed (recorded in its manifest and outcome).
    manifest
        The report's expected manifest fields (inputs and provenance).
    kernel
        How its kernel is started.
    """

    key: str
    kind: str
    school_id: str | None
    title: str
    notebook: Path
    final_dir: Path
    failed_dir: Path
    parameters: Mapping[str, str]
    prepared: str
    reason: str
    manifest: Mapping[str, Any]
    kernel: KernelOptions

    def outcome(self, status: str, *, error: str | None = None,
                failed_notebook: Path | None = None, attempts: int = 0,
                seconds: float = 0.0) -> ReportOutcome:
        """The outcome of this task: ``"ok"`` lives in ``final_dir``, ``"failed"`` in ``failed_dir``."""
        return ReportOutcome(
            self.key, self.kind, self.school_id, status,
            self.final_dir if status == "ok" else self.failed_dir, reason=self.reason,
            error=error, failed_notebook=failed_notebook, attempts=attempts, seconds=seconds,
        )


@dataclass(frozen=True)
class _Execution:
    """A papermill run of a task's notebook, after any retried kernel start failures."""

    folder: Path                 # the temporary report folder
    notebook: Path               # the executed notebook in it (absent when nothing ran)
    attempts: int
    retried: tuple[str, ...]     # the kernel start failures that were retried
    kernel_mode: str
    error: BaseException | None


def error_text(exc: BaseException) -> str:
    """One line naming the error; for notebook errors the exception raised in the cell."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"{exc.ename}: {exc.evalue} (cel {exc.exec_count})"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def notebook_timings(nb_path: Path) -> dict[str, Any]:
    """Where the time of an executed notebook went, from papermill's metadata.

    Returns ``papermill_seconds``, ``cells`` (per code cell: index, seconds, tags, first
    line), ``cells_seconds`` and, when papermill recorded it, ``kernel_start_seconds``; an
    empty dict when the notebook cannot be read.
    """
    try:
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    meta = nb.get("metadata", {}).get("papermill", {})
    out: dict[str, Any] = {"papermill_seconds": meta.get("duration")}
    cells = []
    starts = []
    for i, cell in enumerate(nb.get("cells", [])):
        pm = cell.get("metadata", {}).get("papermill", {})
        if pm.get("start_time"):
            starts.append(pm["start_time"])
        if pm.get("duration") is not None and cell.get("cell_type") == "code":
            src = "".join(cell.get("source", ""))
            first = next((ln for ln in src.splitlines() if ln.strip()), "")[:60]
            cells.append({"cell": i, "seconds": round(float(pm["duration"]), 3),
                          "tags": cell.get("metadata", {}).get("tags", []), "first_line": first})
    out["cells"] = cells
    out["cells_seconds"] = round(sum(c["seconds"] for c in cells), 3)
    if meta.get("start_time") and starts:
        try:
            t0 = dt.datetime.fromisoformat(meta["start_time"])
            t1 = dt.datetime.fromisoformat(min(starts))
            out["kernel_start_seconds"] = round((t1 - t0).total_seconds(), 3)
        except ValueError:
            pass
    return out


def _execute_notebook(task: ReportTask) -> _Execution:
    """Run the task's notebook with papermill in a new temporary folder; retry start failures."""
    import papermill as pm

    kernel = task.kernel
    attempts = 0
    retried: list[str] = []
    kernel_mode = "forked from a pre-imported template" if kernel.warm else "fresh"
    while True:
        attempts += 1
        tmp = task.final_dir.parent / f".{task.final_dir.name}.tmp-{uuid.uuid4().hex[:8]}"
        tmp.mkdir(parents=True)
        nb_out = tmp / "report.ipynb"
        params = {**task.parameters, "prepared": task.prepared, "output_dir": str(tmp)}
        error = None
        km = None
        try:
            ksm = None
            if kernel.warm and not kernel_mode.startswith("fresh"):
                try:
                    ksm = forked_kernel_specs(kernel.name, list(kernel.warm_imports),
                                              task.manifest["code_sha256"],
                                              str(task.notebook.parent))
                except Exception as exc:  # noqa: BLE001 - fall back to a fresh kernel
                    kernel_mode = f"fresh (the warm template failed: {error_text(exc)})"
            km = kernel_manager(kernel.name, ksm)
            pm.execute_notebook(
                str(task.notebook), str(nb_out), parameters=params,
                kernel_name=kernel.name, progress_bar=False, log_output=False,
                start_timeout=kernel.start_timeout,
                # the kernel starts in the notebook's folder (as in JupyterLab and nbval)
                # without papermill's process-wide chdir (cwd=), which is not thread-safe
                resources={"metadata": {"path": str(task.notebook.parent)}},
                km=km,
            )
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none is lost
            if attempts < kernel.start_attempts and is_kernel_start_failure(exc, nb_out):
                retried.append(error_text(exc))
                shutil.rmtree(tmp, ignore_errors=True)
                time.sleep(0.5 * attempts + random.random())
                continue
            error = exc
        finally:
            if km is not None:
                shutdown_in_background(km)
        return _Execution(tmp, nb_out, attempts, tuple(retried), kernel_mode, error)


def _notebook_stderr(nb_path: Path, limit: int = 4000) -> list[dict[str, Any]]:
    """What the executed notebook wrote to stderr (for the manifest, never for the reader)."""
    try:
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [{"cell": o["cell"], "text": o["text"][:limit]} for o in stderr_outputs(nb)]


def _check_and_export(task: ReportTask, run: _Execution) -> tuple[BaseException | None, float]:
    """The error that fails the report (if any) and the seconds the HTML export took.

    A school report must have written ``results.csv``; a report without an error is exported
    to ``report.html`` (without its stderr outputs, which the manifest records).
    """
    error = run.error
    if error is None and task.kind == "school" and not (run.folder / "results.csv").is_file():
        error = RuntimeError("the notebook finished without writing results.csv to output_dir")
    if error is not None:
        return error, 0.0
    try:
        t1 = time.perf_counter()
        export_html(run.notebook, run.folder / "report.html", title=task.title)
        return None, time.perf_counter() - t1
    except Exception as exc:  # noqa: BLE001
        return exc, 0.0


def _keep_failure(task: ReportTask, run: _Execution, manifest: dict[str, Any]) -> ReportOutcome:
    """Keep the executed copy of a failed report for inspection; the previous report stays."""
    failed_nb = None
    if run.notebook.is_file():
        failed_nb = run.folder / "report.failed.ipynb"
        os.replace(run.notebook, failed_nb)
        try:
            export_html(failed_nb, run.folder / "report.failed.html", title=task.title)
        except Exception:  # noqa: BLE001 - the .ipynb is what matters
            pass
    (run.folder / "report.html").unlink(missing_ok=True)
    write_manifest(run.folder, manifest)
    task.failed_dir.parent.mkdir(parents=True, exist_ok=True)
    swap_into_place(run.folder, task.failed_dir)
    return task.outcome(
        "failed", error=manifest["error"], attempts=run.attempts, seconds=manifest["seconds"],
        failed_notebook=task.failed_dir / "report.failed.ipynb" if failed_nb else None,
    )


def warm_worker(kernel: KernelOptions, code_key: str, cwd: str) -> bool:
    """Prepare this worker for its reports before the first one arrives, so that the batch can
    prepare the region's data meanwhile: build the HTML exporter (:func:`html_exporter`) and start
    the warm kernel template (the imports and the library code).

    Runs on a dask worker. The template is the one :func:`run_task` then uses (same imports, code
    key and folder). Returns False when kernels are not forked or the template cannot start: the
    report then starts its own kernel, as it would have anyway.
    """
    html_exporter()
    if not kernel.warm:
        return False
    try:
        forked_kernel_specs(kernel.name, list(kernel.warm_imports), code_key, cwd)
    except Exception:  # noqa: BLE001 - the report retries and falls back to a fresh kernel
        return False
    return True


def run_task(task: ReportTask) -> ReportOutcome:
    """Execute one report (runs on a dask worker; the kernel is its own process).

    The report's folder is replaced only when the report succeeds; its ``manifest.json``
    records inputs, provenance, timings, attempts and the kernel used.
    """
    task.final_dir.parent.mkdir(parents=True, exist_ok=True)
    started = utc_timestamp()
    t0 = time.perf_counter()
    run = in_own_event_loop(_execute_notebook, task)
    execute_seconds = time.perf_counter() - t0
    timings = notebook_timings(run.notebook)
    timings["execute_seconds"] = round(execute_seconds, 3)
    error, html_seconds = _check_and_export(task, run)
    timings["html_seconds"] = round(html_seconds, 3)
    manifest = {
        **task.manifest,
        "reason": task.reason,
        "parameters": {**task.parameters, "prepared": task.prepared,
                       "output_dir": str(task.final_dir)},
        "started": started,
        "finished": utc_timestamp(),
        "seconds": round(time.perf_counter() - t0, 3),
        "timings": timings,
        "attempts": run.attempts,
        "retried_start_failures": list(run.retried),
        "worker_pid": os.getpid(),
        "kernel_mode": run.kernel_mode,
        "kernel_transport": KERNEL_TRANSPORT,
        "notebook_stderr": _notebook_stderr(run.notebook),
        **runtime_info(),
    }
    if error is not None:
        manifest["status"] = "failed"
        manifest["error"] = error_text(error)
        return _keep_failure(task, run, manifest)
    manifest["status"] = "ok"
    write_manifest(run.folder, manifest)
    swap_into_place(run.folder, task.final_dir)
    shutil.rmtree(task.failed_dir, ignore_errors=True)
    return task.outcome("ok", attempts=run.attempts, seconds=manifest["seconds"])
