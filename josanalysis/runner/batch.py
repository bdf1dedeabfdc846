"""Batch execution of the report notebooks of a region, on dask.distributed.

One run (:func:`run_region`) executes, via papermill with the ``josanalysis`` Jupyter kernel,

* ``notebooks/school_report.ipynb`` once per school of the region (or per ``only`` id),
* ``notebooks/region_report.ipynb`` and ``notebooks/budget_report.ipynb`` once for the region,

each task in its own worker process of a dask.distributed cluster (a local one sized to the
machine by default, or an existing cluster given by its scheduler address). It writes::

    outputs/<region>/index.html              links every report, names failures
    outputs/<region>/summary.csv, .html      all schools' results.csv rows + a row per failure
    outputs/<region>/schools/<id>/           report.ipynb, report.html, results.csv,
                                             results.json, figures/, manifest.json
    outputs/<region>/region/, budget/        the same for the region reports
    outputs/<region>/failed/<report>/        report.failed.ipynb (+ .html) of a failed report

Guarantees:

* **Fault tolerance.** A notebook that raises is reported and keeps its failed copy; the others
  complete. Kernel start failures and port races are retried a bounded number of times
  (errors raised by notebook code are not). A dying dask worker loses only its task, which dask
  retries.
* **Atomic outputs.** Each report is written into a temporary sibling folder and moved into
  place with :func:`os.replace`, so a run killed halfway leaves every previous report whole.
* **Incremental, reproducible reruns.** Each report has a manifest
  (:mod:`josanalysis.runner.manifest`); a rerun skips reports whose inputs (:func:`inputs_for`),
  library code and package version did not change.
* **Data read once.** The region's data are loaded and validated once per run
  (``josanalysis.panel.build.prepare_region``) into a prepared file that the notebooks receive as the
  parameter ``prepared``. Invalid data stop the run before any notebook executes.

Examples
--------
>>> from josanalysis.runner.batch import run_region
>>> result = run_region("demoregio", workers=2)          # doctest: +SKIP
>>> result.ok, len(result.executed), result.index         # doctest: +SKIP
(True, 15, PosixPath('outputs/demoregio/index.html'))
"""

from __future__ import annotations

import datetime as dt
import html
import inspect
import json
import os
import random
import shutil
import socket
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from josanalysis import __version__
from josanalysis.core.config import PARAMS_DIR, PROJECT_ROOT, Region, load_region
from josanalysis.core.errors import ConfigError, DataError
from josanalysis.runner.manifest import (
    FileHasher,
    code_fingerprint,
    git_state,
    mismatch_reason,
    read_manifest,
    relative_name,
    runtime_info,
    write_manifest,
)

__all__ = [
    "KERNEL_NAME",
    "NOTEBOOKS",
    "Report",
    "ReportOutcome",
    "BatchResult",
    "inputs_for",
    "plan_reports",
    "run_region",
    "export_html",
    "write_index",
    "write_summary",
    "warm_imports",
]

#: The Jupyter kernel every report runs in (registered by ``make install``).
KERNEL_NAME = "josanalysis"

#: Notebook file per report kind, under ``notebooks/``.
NOTEBOOKS: dict[str, str] = {
    "school": "school_report.ipynb",
    "region": "region_report.ipynb",
    "budget": "budget_report.ipynb",
}

#: Reader-facing labels (Dutch) of report kinds and statuses.
_KIND_LABEL = {"school": "Schoolrapport", "region": "Regiorapport", "budget": "Budgetrapport"}
_STATUS_LABEL = {"ok": "ok", "failed": "mislukt", "missing": "niet uitgevoerd"}
_BANNER = "SYNTHETISCHE DEMODATA — geen echte cijfers"

#: Seconds papermill waits for a kernel to start (generous: machines under parallel load).
START_TIMEOUT = 120


# --------------------------------------------------------------------------------------------
# Reports and their inputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """One report of a run: a notebook executed with one set of parameters.

    Attributes
    ----------
    kind
        ``"school"``, ``"region"`` or ``"budget"``.
    region
        The region as loaded from its parameter file.
    school_id
        The school (school reports only).
    notebook
        The notebook file that is executed.
    """

    kind: str
    region: Region
    school_id: str | None
    notebook: Path

    @property
    def key(self) -> str:
        """Relative folder of the report under ``outputs/<region>/``, e.g. ``schools/DM0100``."""
        return f"schools/{self.school_id}" if self.kind == "school" else self.kind

    @property
    def label(self) -> str:
        """Dutch label for the index, e.g. ``"DM0100 — Duinlicht College"``."""
        if self.kind == "school":
            return f"{self.school_id} — {self.region.school(self.school_id).name}"
        return _KIND_LABEL[self.kind]

    def parameters(self) -> dict[str, str]:
        """The identifying notebook parameters (``prepared`` and ``output_dir`` come per run)."""
        params = {"region": self.region.region_id}
        if self.kind == "school":
            params["school_id"] = str(self.school_id)
        return params


def _data_files(region: Region) -> list[Path]:
    """All data files of a region (hidden files and office lock files excluded)."""
    if not region.data_dir.is_dir():
        raise DataError(
            f"The data folder {region.data_dir} of region '{region.region_id}' does not exist "
            f"(set data_dir in {region.path.name})."
        )
    return sorted(
        p for p in region.data_dir.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") or part == "__pycache__"
                    for part in p.relative_to(region.data_dir).parts)
        and not p.name.startswith("~$")
    )


def inputs_for(report: Report) -> list[Path]:
    """Every file a report depends on; the one place that decides what triggers a rerun.

    A school report depends on the region's shared data files, the region YAML, the analysis
    plan, its own school YAML and its notebook. Region and budget reports read every school, so
    they depend on all school YAMLs. When data files are one day split per school, select them
    here (for example by the school id in the file name) and reruns narrow automatically.

    Parameters
    ----------
    report
        The report.

    Returns
    -------
    list of Path
        Sorted, without duplicates.

    Examples
    --------
    >>> from josanalysis.core.config import load_region
    >>> region = load_region("demoregio")                          # doctest: +SKIP
    >>> rep = plan_reports(region, only=["DM0100"])[-1]           # doctest: +SKIP
    >>> [p.name for p in inputs_for(rep)][-3:]                     # doctest: +SKIP
    ['DM0100.yaml', 'demoregio.yaml', 'school_report.ipynb']
    """
    region = report.region
    files = list(_data_files(region))
    files.append(region.path)
    files.append(region.path.parent.parent / "analysis_plan.yaml")
    if report.kind == "school":
        files.append(region.school(str(report.school_id)).path)
    else:
        files.extend(s.path for s in region.schools)
    files.append(report.notebook)
    return sorted({Path(f).resolve() for f in files if Path(f).is_file()})


def plan_reports(
    region: Region,
    only: Sequence[str] | None = None,
    notebook_dir: str | Path | None = None,
) -> list[Report]:
    """The reports of a run: region and budget report, then one per (selected) school.

    Raises
    ------
    ConfigError
        When an ``only`` id is not a school of the region, or a notebook is missing.
    """
    notebook_dir = Path(notebook_dir) if notebook_dir is not None else PROJECT_ROOT / "notebooks"
    known = region.school_ids
    if only:
        only = [str(s) for s in only]
        unknown = [s for s in only if s not in known]
        if unknown:
            raise ConfigError(
                f"School id(s) {', '.join(unknown)} not in region '{region.region_id}' "
                f"({region.path.name}); known ids: {', '.join(known)}."
            )
        ids = [s for s in known if s in set(only)]
    else:
        ids = known
    notebooks = {kind: (notebook_dir / name).resolve() for kind, name in NOTEBOOKS.items()}
    for kind, path in notebooks.items():
        if not path.is_file():
            raise ConfigError(f"The {kind} report notebook {path} does not exist.")
    reports = [Report("region", region, None, notebooks["region"]),
               Report("budget", region, None, notebooks["budget"])]
    reports += [Report("school", region, sid, notebooks["school"]) for sid in ids]
    return reports


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


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
class BatchResult:
    """The outcome of :func:`run_region`.

    Attributes
    ----------
    region_id
        The region.
    output_dir
        ``<output_root>/<region>``.
    index, summary
        ``index.html`` and ``summary.csv``.
    outcomes
        One :class:`ReportOutcome` per report of the run.
    prepared
        The prepared region-data file handed to the notebooks (None when nothing ran).
    seconds
        Wall time of the run.
    phases
        Wall seconds of its phases: ``plan`` (params, input hashes), ``prepare`` (data loaded
        and validated once), ``execute`` (cluster start and all notebooks), ``index``.
    """

    region_id: str
    output_dir: Path
    index: Path
    summary: Path
    outcomes: tuple[ReportOutcome, ...]
    prepared: Path | None = None
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def executed(self) -> list[ReportOutcome]:
        """Reports executed in this run (successfully or not)."""
        return [o for o in self.outcomes if o.status in ("ok", "failed")]

    @property
    def skipped(self) -> list[ReportOutcome]:
        """Reports whose previous output was still up to date."""
        return [o for o in self.outcomes if o.status == "skipped"]

    @property
    def failed(self) -> list[ReportOutcome]:
        """Reports that failed in this run."""
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def ok(self) -> bool:
        """True when no report failed."""
        return not self.failed


# --------------------------------------------------------------------------------------------
# The task executed on a dask worker
# --------------------------------------------------------------------------------------------


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _any_cell_started(nb_path: Path) -> bool:
    """Whether papermill recorded any cell as started in a (partial) output notebook."""
    try:
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    for cell in nb.get("cells", []):
        # papermill marks every cell "completed" when it gives up, so look at start times
        if cell.get("metadata", {}).get("papermill", {}).get("start_time") or cell.get(
                "execution_count"):
            return True
    return False


def _is_kernel_start_failure(exc: BaseException, nb_path: Path) -> bool:
    """A kernel that did not start (port race, died before kernel_info, start timeout).

    Errors raised by notebook code (papermill's ``PapermillExecutionError``) and a kernel that
    dies while a cell runs are not start failures: they are reported, not retried.
    """
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return False
    text = str(exc)
    start_like = isinstance(exc, TimeoutError) or (
        isinstance(exc, RuntimeError)
        and ("Kernel died before replying to kernel_info" in text
             or "Kernel didn't respond" in text)
    )
    try:
        import zmq

        if isinstance(exc, zmq.error.ZMQError) and (
            getattr(exc, "errno", None) == zmq.EADDRINUSE or "Address already in use" in text
        ):
            start_like = True
    except ImportError:  # pragma: no cover - zmq comes with jupyter_client
        pass
    if isinstance(exc, OSError) and "Address already in use" in text:
        start_like = True
    return start_like and not _any_cell_started(nb_path)


def _error_text(exc: BaseException) -> str:
    """One line naming the error; for notebook errors the exception raised in the cell."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"{exc.ename}: {exc.evalue} (cel {exc.exec_count})"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def export_html(notebook: str | Path, html_path: str | Path, title: str | None = None) -> Path:
    """Export an executed notebook to a standalone HTML report without code cells.

    Outputs (tables, figures) are kept and images are embedded, so the HTML file can be sent
    on its own.

    Examples
    --------
    >>> export_html("outputs/demoregio/region/report.ipynb", "/tmp/regio.html")  # doctest: +SKIP
    PosixPath('/tmp/regio.html')
    """
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        embed_images=True,
    )
    nb = nbformat.read(str(notebook), as_version=4)
    resources = {"metadata": {"name": title or Path(notebook).stem,
                              "path": str(Path(notebook).parent)}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    html_path = Path(html_path)
    html_path.write_text(body, encoding="utf-8")
    return html_path


def _timings(nb_path: Path) -> dict[str, Any]:
    """Where the time of an executed notebook went, from papermill's metadata."""
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


def _swap_into_place(src: Path, dst: Path) -> None:
    """Move a finished folder to its final place; the previous one stays whole until then."""
    old = dst.parent / f".{dst.name}.old-{uuid.uuid4().hex[:8]}"
    if dst.exists():
        os.replace(dst, old)
    os.replace(src, dst)
    shutil.rmtree(old, ignore_errors=True)


def _run_task(spec: dict[str, Any]) -> dict[str, Any]:
    """Execute one report (runs on a dask worker; the kernel is its own process)."""
    import papermill as pm

    final = Path(spec["final_dir"])
    failed_dir = Path(spec["failed_dir"])
    final.parent.mkdir(parents=True, exist_ok=True)
    started = _now()
    t0 = time.perf_counter()
    attempts = 0
    retried: list[str] = []
    error: BaseException | None = None
    kernel_mode = "forked from a pre-imported template" if spec.get("warm") else "fresh"
    while True:
        attempts += 1
        tmp = final.parent / f".{final.name}.tmp-{uuid.uuid4().hex[:8]}"
        tmp.mkdir(parents=True)
        nb_out = tmp / "report.ipynb"
        params = {**spec["parameters"], "prepared": spec["prepared"], "output_dir": str(tmp)}
        error = None
        km = None
        try:
            ksm = None
            if spec.get("warm") and not kernel_mode.startswith("fresh"):
                try:
                    ksm = _forked_kernel_specs(spec["kernel_name"], spec["warm_imports"],
                                               spec["manifest"]["code_sha256"],
                                               str(Path(spec["notebook"]).parent))
                except Exception as exc:  # noqa: BLE001 - fall back to a fresh kernel
                    kernel_mode = f"fresh (the warm template failed: {_error_text(exc)})"
            km = _kernel_manager(spec["kernel_name"], ksm)
            pm.execute_notebook(
                spec["notebook"], str(nb_out), parameters=params,
                kernel_name=spec["kernel_name"], progress_bar=False, log_output=False,
                start_timeout=spec.get("start_timeout", START_TIMEOUT),
                # the kernel starts in the notebook's folder (as in JupyterLab and nbval)
                # without papermill's process-wide chdir (cwd=), which is not thread-safe
                resources={"metadata": {"path": str(Path(spec["notebook"]).parent)}},
                km=km,
            )
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none is lost
            if attempts < spec["start_attempts"] and _is_kernel_start_failure(exc, nb_out):
                retried.append(_error_text(exc))
                shutil.rmtree(tmp, ignore_errors=True)
                time.sleep(0.5 * attempts + random.random())
                continue
            error = exc
        finally:
            if km is not None:
                _shutdown_quietly(km)
        break
    execute_seconds = time.perf_counter() - t0
    timings = _timings(nb_out)
    timings["execute_seconds"] = round(execute_seconds, 3)
    html_seconds = 0.0
    if error is None and spec["kind"] == "school" and not (tmp / "results.csv").is_file():
        error = RuntimeError("the notebook finished without writing results.csv to output_dir")
    if error is None:
        try:
            t1 = time.perf_counter()
            export_html(nb_out, tmp / "report.html", title=spec["title"])
            html_seconds = time.perf_counter() - t1
        except Exception as exc:  # noqa: BLE001
            error = exc
    timings["html_seconds"] = round(html_seconds, 3)
    manifest = {
        **spec["manifest"],
        "parameters": {**spec["parameters"], "prepared": spec["prepared"],
                       "output_dir": str(final)},
        "started": started,
        "finished": _now(),
        "seconds": round(time.perf_counter() - t0, 3),
        "timings": timings,
        "attempts": attempts,
        "retried_start_failures": retried,
        "worker_pid": os.getpid(),
        "kernel_mode": kernel_mode,
        "kernel_transport": KERNEL_TRANSPORT,
        **runtime_info(),
    }
    if error is None:
        manifest["status"] = "ok"
        write_manifest(tmp, manifest)
        _swap_into_place(tmp, final)
        shutil.rmtree(failed_dir, ignore_errors=True)
        return {"key": spec["key"], "status": "ok", "attempts": attempts,
                "seconds": manifest["seconds"], "error": None, "failed_notebook": None}
    # Failure: keep the executed copy for inspection, leave the previous report untouched.
    failed_nb = None
    if nb_out.is_file():
        failed_nb = tmp / "report.failed.ipynb"
        os.replace(nb_out, failed_nb)
        try:
            export_html(failed_nb, tmp / "report.failed.html", title=spec["title"])
        except Exception:  # noqa: BLE001 - the .ipynb is what matters
            pass
    (tmp / "report.html").unlink(missing_ok=True)
    manifest["status"] = "failed"
    manifest["error"] = _error_text(error)
    write_manifest(tmp, manifest)
    failed_dir.parent.mkdir(parents=True, exist_ok=True)
    _swap_into_place(tmp, failed_dir)
    return {"key": spec["key"], "status": "failed", "attempts": attempts,
            "seconds": manifest["seconds"], "error": manifest["error"],
            "failed_notebook": str(failed_dir / "report.failed.ipynb") if failed_nb else None}


# --------------------------------------------------------------------------------------------
# Warm kernels: a fork server per worker (default on Linux; ``warm=False`` to disable)
# --------------------------------------------------------------------------------------------
#
# A report's fixed cost is kernel start plus imports (numpy, pandas, statsmodels, matplotlib,
# ...). Reusing one kernel for many reports would save it, but a namespace reset is not a clean
# state (module state, rcParams, options, RNG and caches leak between reports). Instead each
# worker keeps a *template* process that has done the imports once; every report gets a kernel
# forked from it: a fresh process, with the modules imported and untouched, nothing inherited
# from other reports. jupyter_client launches a tiny stand-in process (``_FORKED_KERNEL_CODE``)
# that asks the template to fork the real kernel, passes its stdio, relays signals and exits
# when the kernel exits, so papermill and nbclient see an ordinary kernel process.

#: Whether kernels are forked from a warm template by default (Linux only).
WARM_DEFAULT = sys.platform.startswith("linux")

#: Modules every warm template imports, besides those the notebooks import.
_WARM_BASE_MODULES = ("numpy", "pandas", "scipy", "IPython", "ipykernel.ipkernel",
                      "ipykernel.kernelapp")

_ZYGOTE_CODE = r"""
import importlib, json, os, signal, socket, struct, sys, threading, time, traceback
sock_path, parent, mods = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
for m in mods:
    try:
        importlib.import_module(m)
    except BaseException:
        pass
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked kernels are reaped automatically
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock_path + ".tmp")
srv.listen(64)
srv.settimeout(1.0)
os.rename(sock_path + ".tmp", sock_path)  # ready
while True:
    if os.getppid() != parent:
        sys.exit(0)
    try:
        conn, _ = srv.accept()
    except socket.timeout:
        continue
    conn.settimeout(30)
    try:
        data, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
        size = struct.unpack("!I", data[:4])[0]
        data = data[4:]
        while len(data) < size:
            data += conn.recv(size - len(data))
        req = json.loads(data)
    except Exception:
        conn.close()
        continue
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            srv.close()
            conn.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.setsid()
            for i, fd in enumerate(fds):
                os.dup2(fd, i)
            for fd in fds:
                if fd > 2:
                    os.close(fd)
            os.chdir(req["cwd"])
            os.environ.clear()
            os.environ.update(req["env"])
            client = int(req["client_pid"])
            def _watch():
                while True:
                    time.sleep(1.0)
                    try:
                        os.kill(client, 0)
                    except ProcessLookupError:
                        os._exit(1)
            threading.Thread(target=_watch, daemon=True).start()
            if "numpy.random" in sys.modules:  # fresh entropy, as a newly started kernel has
                sys.modules["numpy.random"].seed()
            try:
                import importlib.util
                launcher = importlib.util.find_spec("ipykernel_launcher").origin
            except Exception:
                launcher = "ipykernel_launcher"
            sys.argv = [launcher, *req["argv"]]
            from ipykernel.kernelapp import IPKernelApp
            # traits whose defaults were read from the environment when the template
            # imported ipykernel: give them the kernel's own environment
            IPKernelApp.launch_instance(
                argv=req["argv"], parent_handle=int(os.environ.get("JPY_PARENT_PID") or 0))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    for fd in fds:
        os.close(fd)
    try:
        conn.sendall(json.dumps({"pid": pid}).encode())
    finally:
        conn.close()
"""

_FORKED_KERNEL_CODE = r"""
import json, os, signal, socket, struct, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
body = json.dumps({"argv": sys.argv[2:], "cwd": os.getcwd(), "env": dict(os.environ),
                   "client_pid": os.getpid()}).encode()
socket.send_fds(s, [struct.pack("!I", len(body)) + body], [0, 1, 2])
reply = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    reply += chunk
pid = json.loads(reply)["pid"]
def relay(signum, frame):
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
            signal.SIGUSR2):
    signal.signal(sig, relay)
def alive(p):
    try:
        os.kill(p, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie that nobody reaps (e.g. reparented in a container) counts as dead
        with open(f"/proc/{p}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
parent = os.getppid()
while alive(pid):
    if os.getppid() != parent:  # the worker that started us died: take the kernel along
        relay(signal.SIGKILL, None)
        break
    time.sleep(0.05)
"""

_ZYGOTES: dict[str, tuple[Any, str, Any]] = {}


def warm_imports(notebooks: Iterable[str | Path]) -> list[str]:
    """Modules a warm template imports: the kernel's own plus the notebooks' top-level imports.

    Examples
    --------
    >>> "numpy" in warm_imports([])
    True
    """
    import ast

    mods = list(_WARM_BASE_MODULES)
    for path in notebooks:
        try:
            nb = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for cell in nb.get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            src = "".join(cell.get("source", ""))
            src = "\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!")))
            try:
                tree = ast.parse(src)
            except SyntaxError:
                continue
            for node in tree.body:
                if isinstance(node, ast.Import):
                    mods += [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    mods.append(node.module)
                    mods += [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
    # matplotlib_inline must be imported by the kernel itself (it hooks into the live shell)
    return [m for m in dict.fromkeys(mods) if not m.startswith("matplotlib_inline")]


def _zygote_socket(imports: list[str], code_key: str, cwd: str) -> str:
    """Start (once per worker process, imports and library code) the warm template."""
    import atexit
    import hashlib
    import subprocess
    import tempfile

    key = hashlib.sha256(json.dumps([imports, code_key, sys.executable, cwd]).encode()).hexdigest()
    got = _ZYGOTES.get(key)
    if got is not None and got[0].poll() is None:
        return got[1]
    for old_key, (proc, _, tmpdir) in list(_ZYGOTES.items()):  # stale library code: replace
        proc.terminate()
        shutil.rmtree(tmpdir, ignore_errors=True)
        del _ZYGOTES[old_key]
    tmpdir = tempfile.mkdtemp(prefix="jos-warm-")
    sock = os.path.join(tmpdir, "template.sock")
    env = dict(os.environ)
    # as in a kernel: ipykernel sets the inline backend before any user import of matplotlib
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    proc = subprocess.Popen(
        [sys.executable, "-c", _ZYGOTE_CODE, sock, str(os.getpid()), json.dumps(imports)],
        env=env, cwd=cwd, stdin=subprocess.DEVNULL,  # imports run where kernels start
    )
    atexit.register(shutil.rmtree, tmpdir, True)
    atexit.register(proc.terminate)
    deadline = time.monotonic() + START_TIMEOUT * 2
    while not os.path.exists(sock):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("Kernel didn't respond: the warm kernel template did not start")
        time.sleep(0.05)
    _ZYGOTES[key] = (proc, sock, tmpdir)
    return sock


def _forked_kernel_specs(kernel_name: str, imports: list[str], code_key: str, cwd: str):
    """A kernel spec manager whose ``kernel_name`` kernel is forked from the worker's warm template."""
    from jupyter_client.kernelspec import KernelSpecManager

    sock = _zygote_socket(imports, code_key, cwd)
    specs = Path(os.path.dirname(sock)) / "kernels"
    if not (specs / kernel_name / "kernel.json").is_file():
        real = KernelSpecManager().get_kernel_spec(kernel_name)
        (specs / kernel_name).mkdir(parents=True, exist_ok=True)
        tmp = specs / kernel_name / "kernel.json.tmp"
        tmp.write_text(json.dumps({
            "argv": [sys.executable, "-c", _FORKED_KERNEL_CODE, sock, "-f", "{connection_file}"],
            "display_name": real.display_name, "language": real.language,
            "interrupt_mode": "signal", "env": real.env or {}, "metadata": {},
        }), encoding="utf-8")
        os.replace(tmp, specs / kernel_name / "kernel.json")
    return KernelSpecManager(kernel_dirs=[str(specs)], ensure_native_kernel=False)


#: How papermill talks to a report's kernel: Unix domain sockets ("ipc") on POSIX, so no TCP
#: port is ever chosen -- the port races of parallel kernel starts ("Address already in use",
#: a kernel receiving another kernel's messages) cannot happen, and the kernel does not warn
#: about unencrypted TCP. Windows has no ZeroMQ ipc transport and keeps "tcp" on 127.0.0.1.
KERNEL_TRANSPORT = "ipc" if os.name == "posix" else "tcp"


def _kernel_manager(kernel_name: str, kernel_spec_manager: Any = None):
    """The (not yet started) kernel manager of one report, on :data:`KERNEL_TRANSPORT`.

    With ipc the sockets are files under a private temporary folder of this kernel, removed
    again by :func:`_shutdown_quietly`.
    """
    import tempfile

    from jupyter_client.manager import AsyncKernelManager

    kw: dict[str, Any] = {"kernel_name": kernel_name}
    if kernel_spec_manager is not None:
        kw["kernel_spec_manager"] = kernel_spec_manager
    if KERNEL_TRANSPORT == "ipc":
        folder = tempfile.mkdtemp(prefix="jos-kernel-")   # mode 0700, short path (socket limit)
        kw.update(transport="ipc", ip=os.path.join(folder, "k"))
    return AsyncKernelManager(**kw)


def _shutdown_quietly(km: Any) -> None:
    from jupyter_core.utils import run_sync

    try:
        if run_sync(km.is_alive)():
            run_sync(km.shutdown_kernel)(now=False)
    except Exception:  # noqa: BLE001 - best effort; the kernel watches its stand-in anyway
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001
            pass
    if getattr(km, "transport", "tcp") == "ipc":
        shutil.rmtree(os.path.dirname(km.ip), ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Run bookkeeping: lock, recovery of interrupted swaps, prepared data
# --------------------------------------------------------------------------------------------


class _RunLock:
    """One run per region output folder at a time (a stale lock of a dead run is taken over)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> _RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        me = {"pid": os.getpid(), "host": socket.gethostname(), "started": _now()}
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


def _recover(folders: Iterable[Path]) -> None:
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


def _default_prepare(region: Region, dest: Path) -> Path:
    """Load and validate the region's data once: ``josanalysis.panel.build.prepare_region``."""
    try:
        from josanalysis.panel.build import prepare_region
    except ImportError as exc:
        raise ConfigError(
            "The region data cannot be prepared: josanalysis.panel.build.prepare_region is not "
            f"available ({exc})."
        ) from None
    kwargs: dict[str, Any] = {}
    try:
        if "params_dir" in inspect.signature(prepare_region).parameters:
            kwargs["params_dir"] = region.path.parent.parent
    except (TypeError, ValueError):
        pass
    return Path(prepare_region(region.region_id, dest, **kwargs))


def _check_kernel(name: str) -> None:
    """Stop with a sentence when the Jupyter kernel the reports run in is not installed."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        raise ConfigError(
            f"The Jupyter kernel '{name}' is not installed; register it with `make install` "
            f"(or: python -m ipykernel install --sys-prefix --name {name})."
        ) from None


def _nproc() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _connect(scheduler: str | None, workers: int | None, n_tasks: int):
    """A dask client: to an existing scheduler, or to a new local cluster of processes."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="30s")
        except (OSError, TimeoutError) as exc:
            raise ConfigError(
                f"Could not reach the dask scheduler at {scheduler} ({exc}); start it with "
                "'dask scheduler' and its workers with 'dask worker ADDRESS'."
            ) from None
        try:
            client.wait_for_workers(1, timeout=60)
        except TimeoutError:
            client.close()
            raise ConfigError(
                f"The dask scheduler at {scheduler} has no workers; start some with "
                f"'dask worker {scheduler}'."
            ) from None
        return client, None
    n = max(1, min(workers or _nproc(), n_tasks))
    import dask

    # One report per worker at a time: with the default saturation (1.1) a single-threaded
    # worker is sent a second report that then waits behind the first while another worker
    # may be idle. Reports are long tasks; keep them on the scheduler until a worker is free.
    with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True,
            # no dashboard; the scheduler's small HTTP server on a free port (not 8787, which
            # another cluster on the machine may hold)
            dashboard_address=":0", scheduler_kwargs={"dashboard": False},
        )
    return Client(cluster), cluster


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


def run_region(
    region_id: str,
    *,
    workers: int | None = None,
    only: Sequence[str] | None = None,
    force: bool = False,
    scheduler: str | None = None,
    output_root: str | Path = "outputs",
    retries: int = 2,
    progress: bool = True,
    params_dir: str | Path | None = None,
    notebook_dir: str | Path | None = None,
    prepare: Callable[[Region, Path], Path | None] | None = None,
    kernel_start_attempts: int = 3,
    warm: bool | None = None,
) -> BatchResult:
    """Execute all reports of a region and write the index and the summary table.

    Parameters
    ----------
    region_id
        Region parameter file stem, e.g. ``"demoregio"``.
    workers
        Worker processes of the local cluster (default: the machine's CPUs). Ignored with
        ``scheduler``.
    only
        School ids to run (default: all schools). Region and budget reports always take part.
    force
        Redo every report, even when its manifest says it is up to date.
    scheduler
        Address of an existing dask scheduler (``"tcp://host:8786"``) instead of a local
        cluster. Workers must see the project and ``output_root`` under the same paths.
    output_root
        Folder under which ``<region>/`` is written (relative to the current directory).
    retries
        Dask task retries: a task whose worker died or that raised unexpectedly is retried.
    progress
        Show a progress bar.
    params_dir
        The ``params`` folder (default: the project's).
    notebook_dir
        Folder holding the three report notebooks (default: the project's ``notebooks/``).
    prepare
        ``prepare(region, dest) -> Path``: loads and validates the region's data once and
        writes the prepared file (default: ``josanalysis.panel.build.prepare_region``). Returning
        None hands ``prepared=""`` to the notebooks.
    kernel_start_attempts
        How often a report is attempted when its kernel fails to start.
    warm
        Fork each report's kernel from a per-worker template process that has already imported
        the notebooks' libraries (see ``docs/batch.md``): a fresh process per report, without
        the kernel start and import cost. Default: on Linux yes, elsewhere no (fork safety of
        system libraries on macOS; no fork on Windows). ``False`` starts every kernel afresh.

    Returns
    -------
    BatchResult
        Check ``.ok``; ``.failed`` names the failed reports and their failed notebooks.

    Raises
    ------
    ConfigError
        Unknown region or school id, missing notebook, unreachable scheduler.
    DataError
        The region's data are invalid; no notebook was executed.

    Examples
    --------
    >>> res = run_region("demoregio", only=["DM0100"], workers=2)    # doctest: +SKIP
    >>> [o.status for o in res.outcomes]                              # doctest: +SKIP
    ['ok', 'ok', 'ok']
    """
    t_start = time.perf_counter()
    if workers is not None and int(workers) < 1:
        raise ConfigError(f"--workers is {workers}; give a number of worker processes >= 1.")
    if kernel_start_attempts < 1:
        raise ConfigError("kernel_start_attempts must be at least 1.")
    if warm is None:
        warm = WARM_DEFAULT
    region = load_region(region_id, params_dir if params_dir is not None else PARAMS_DIR)
    reports = plan_reports(region, only=only, notebook_dir=notebook_dir)
    out_dir = Path(output_root).resolve() / region.region_id
    final = {r.key: out_dir / r.key for r in reports}
    failed = {r.key: out_dir / "failed" / r.key for r in reports}

    with _RunLock(out_dir / ".run.lock"):
        _recover(list(final.values()) + list(failed.values()))
        hasher = FileHasher()
        common = {
            "package_version": __version__,
            "code_sha256": code_fingerprint(),
            "kernel_name": KERNEL_NAME,
            **git_state(),
        }
        expected: dict[str, dict[str, Any]] = {}
        reasons: dict[str, str] = {}
        for r in reports:
            expected[r.key] = {
                "report": r.key, "kind": r.kind, "region": region.region_id,
                "school_id": r.school_id, "notebook": relative_name(r.notebook),
                "inputs": hasher.digests(inputs_for(r)), **common,
            }
            reason = "forced (--force)" if force else mismatch_reason(
                read_manifest(final[r.key]), expected[r.key])
            if reason:
                reasons[r.key] = reason
        to_run = [r for r in reports if r.key in reasons]
        phases = {"plan": round(time.perf_counter() - t_start, 3)}

        outcomes: dict[str, ReportOutcome] = {
            r.key: ReportOutcome(r.key, r.kind, r.school_id, "skipped", final[r.key],
                                 reason="up to date")
            for r in reports if r.key not in reasons
        }
        prepared: Path | None = None
        if to_run and not scheduler:
            _check_kernel(KERNEL_NAME)
        if to_run:
            prep_root = out_dir / ".prepared"
            run_dir = prep_root / f"{dt.datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
            run_dir.mkdir(parents=True)
            try:
                got = (prepare or _default_prepare)(region, run_dir / f"{region.region_id}.parquet")
            except BaseException:
                shutil.rmtree(run_dir, ignore_errors=True)
                raise
            prepared = Path(got).resolve() if got else None
            phases["prepare"] = round(time.perf_counter() - t_start - sum(phases.values()), 3)
            for old in prep_root.iterdir():
                if old != run_dir:
                    shutil.rmtree(old, ignore_errors=True)
            imports = warm_imports(sorted({str(r.notebook) for r in to_run})) if warm else []
            specs = [
                {
                    "key": r.key, "kind": r.kind, "title": f"{r.label} ({region.name})",
                    "notebook": str(r.notebook), "final_dir": str(final[r.key]),
                    "failed_dir": str(failed[r.key]), "parameters": r.parameters(),
                    "prepared": str(prepared) if prepared else "",
                    "kernel_name": KERNEL_NAME, "start_attempts": kernel_start_attempts,
                    "start_timeout": START_TIMEOUT, "warm": bool(warm),
                    "warm_imports": imports,
                    "manifest": {**expected[r.key], "reason": reasons[r.key]},
                }
                for r in to_run
            ]
            for key, res in _execute(specs, scheduler, workers, retries, progress,
                                     region.region_id).items():
                r = next(x for x in to_run if x.key == key)
                outcomes[key] = ReportOutcome(
                    key, r.kind, r.school_id, res["status"],
                    final[key] if res["status"] == "ok" else failed[key],
                    reason=reasons[key], error=res.get("error"),
                    failed_notebook=Path(res["failed_notebook"]) if res.get("failed_notebook") else None,
                    attempts=int(res.get("attempts", 0)), seconds=float(res.get("seconds", 0.0)),
                )
            phases["execute"] = round(time.perf_counter() - t_start - sum(phases.values()), 3)
        t_index = time.perf_counter()
        all_reports = plan_reports(region, notebook_dir=notebook_dir)
        index = write_index(region, out_dir, all_reports, common)
        summary = write_summary(region, out_dir, all_reports)
    return BatchResult(
        region_id=region.region_id, output_dir=out_dir, index=index, summary=summary,
        outcomes=tuple(outcomes[r.key] for r in reports), prepared=prepared,
        seconds=round(time.perf_counter() - t_start, 3),
        phases={**phases, "index": round(time.perf_counter() - t_index, 3)},
    )


def _execute(
    specs: list[dict[str, Any]], scheduler: str | None, workers: int | None, retries: int,
    progress: bool, region_id: str,
) -> dict[str, dict[str, Any]]:
    """Submit the reports to dask and collect the outcomes as they complete.

    At most as many reports are in flight as the cluster has worker threads: the scheduler
    then always sends a report to an idle worker. (Submitting everything at once lets dask
    assign a second report to a busy single-threaded worker, where it waits behind a long
    notebook while another worker idles; work stealing does not reliably fix that for tasks
    of unknown duration.)
    """
    from dask.distributed import as_completed
    from tqdm.auto import tqdm

    client, cluster = _connect(scheduler, workers, len(specs))
    results: dict[str, dict[str, Any]] = {}
    pending = list(specs)
    futures: dict[Any, str] = {}
    done = as_completed()

    def slots() -> int:
        return max(1, sum(client.nthreads().values()))

    def submit_more() -> None:
        while pending and len(futures) - len(results) < slots():
            spec = pending.pop(0)
            fut = client.submit(_run_task, spec, key=f"josanalysis-{region_id}-{spec['key']}-"
                                f"{uuid.uuid4().hex[:8]}", retries=retries, pure=False)
            futures[fut] = spec["key"]
            done.add(fut)

    try:
        bar = tqdm(total=len(specs), desc=f"{region_id}", unit="rapport", disable=not progress)
        try:
            submit_more()
            for fut in done:
                key = futures[fut]
                try:
                    res = fut.result()
                except Exception as exc:  # noqa: BLE001 - worker died too often, or a bug
                    res = {"key": key, "status": "failed", "attempts": 0, "seconds": 0.0,
                           "error": f"worker failure: {_error_text(exc)}",
                           "failed_notebook": None}
                results[key] = res
                if res["status"] == "failed":
                    bar.write(f"FAILED {key}: {res['error']}")
                bar.update(1)
                fut.release()
                submit_more()
        finally:
            bar.close()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return results


# --------------------------------------------------------------------------------------------
# Index and summary (reader-facing: Dutch)
# --------------------------------------------------------------------------------------------


@dataclass
class _State:
    report: Report
    status: str  # ok | failed | missing
    manifest: dict[str, Any] | None = None
    failed_manifest: dict[str, Any] | None = None
    stale_previous: bool = field(default=False)


def _states(out_dir: Path, reports: list[Report]) -> list[_State]:
    states = []
    for r in reports:
        good = read_manifest(out_dir / r.key)
        bad = read_manifest(out_dir / "failed" / r.key)
        good = good if good and good.get("status") == "ok" else None
        if bad is not None:
            states.append(_State(r, "failed", good, bad, stale_previous=good is not None))
        elif good is not None:
            states.append(_State(r, "ok", good))
        else:
            states.append(_State(r, "missing"))
    return states


def _page(title: str, body: str, synthetic: bool) -> str:
    banner = (f'<div class="banner">{html.escape(_BANNER)}</div>' if synthetic else "")
    return f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
.banner {{ background: #b00020; color: white; font-weight: bold; padding: .6em 1em;
           margin-bottom: 1em; font-size: 1.2em; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: .3em .6em;
text-align: left; vertical-align: top; }} th {{ background: #f0f0f0; }}
.mislukt {{ color: #b00020; font-weight: bold; }} .ok {{ color: #1b5e20; }}
</style></head><body>
{banner}<h1>{html.escape(title)}</h1>
{body}
</body></html>
"""


def _link(href: Path, out_dir: Path, text: str) -> str:
    return f'<a href="{html.escape(href.relative_to(out_dir).as_posix())}">{html.escape(text)}</a>'


def write_index(
    region: Region, out_dir: Path, reports: list[Report], info: dict[str, Any] | None = None,
) -> Path:
    """Write ``index.html``: every report of the region, its status and links (Dutch)."""
    rows = []
    for st in _states(out_dir, reports):
        r = st.report
        folder = out_dir / r.key
        links = []
        note = ""
        if st.status == "ok" or st.stale_previous:
            names = [("report.html", "rapport"), ("report.ipynb", "notebook"),
                     ("results.csv", "resultaten (CSV)"), ("results.json", "resultaten (JSON)"),
                     ("manifest.json", "herkomst")]
            links = [_link(folder / f, out_dir, t) for f, t in names if (folder / f).is_file()]
        if st.status == "failed":
            fdir = out_dir / "failed" / r.key
            err = (st.failed_manifest or {}).get("error", "onbekende fout")
            note = f"Fout: {html.escape(str(err))}. "
            fnb = fdir / "report.failed.ipynb"
            if fnb.is_file():
                note += "Mislukte notebook: " + _link(fnb, out_dir, fnb.relative_to(out_dir).as_posix())
                if (fdir / "report.failed.html").is_file():
                    note += " (" + _link(fdir / "report.failed.html", out_dir, "HTML") + ")"
                note += ". "
            if st.stale_previous:
                note += "De links hiernaast zijn van de vorige, verouderde versie."
        elif st.status == "missing":
            note = "Nog niet uitgevoerd."
        when = (st.failed_manifest or st.manifest or {}).get("finished", "")
        rows.append(
            f'<tr><td>{html.escape(r.label)}</td>'
            f'<td class="{st.status if st.status != "failed" else "mislukt"}">'
            f'{_STATUS_LABEL[st.status]}</td><td>{" · ".join(links)}</td>'
            f'<td>{html.escape(str(when))}</td><td>{note}</td></tr>'
        )
    info = info or {}
    n_failed = sum(1 for st in _states(out_dir, reports) if st.status == "failed")
    body = (
        f"<p>Regio: {html.escape(region.name)} ({html.escape(region.region_id)}). "
        f"Bijgewerkt: {html.escape(_now())}. josanalysis {html.escape(str(info.get('package_version', __version__)))}, "
        f"commit {html.escape(str(info.get('git_commit', 'unknown'))[:12])}.</p>"
        + (f'<p class="mislukt">{n_failed} rapport(en) mislukt; zie de tabel.</p>' if n_failed else "")
        + '<p>Overzicht van alle schattingen: <a href="summary.html">samenvatting</a> '
        '(<a href="summary.csv">CSV</a>).</p>'
        "<table><tr><th>Rapport</th><th>Status</th><th>Bestanden</th><th>Uitgevoerd</th>"
        "<th>Toelichting</th></tr>\n" + "\n".join(rows) + "</table>"
    )
    path = out_dir / "index.html"
    _atomic_write(path, _page(f"JOS-monitor {region.name}: rapporten", body, region.synthetic))
    return path


def write_summary(region: Region, out_dir: Path, reports: list[Report]) -> Path:
    """Write ``summary.csv`` and ``summary.html``: all schools' result rows plus failures.

    Every school report's ``results.csv`` rows are concatenated (a ``school_id`` column is
    added when the notebook did not write one). Each failed report adds a row with status
    ``mislukt``, the error and where its failed notebook is; a school without a report adds a
    row with status ``niet uitgevoerd``.
    """
    import pandas as pd

    frames = []
    for st in _states(out_dir, reports):
        r = st.report
        if st.status == "ok" and r.kind == "school":
            csv = out_dir / r.key / "results.csv"
            try:
                df = pd.read_csv(csv)
            except (OSError, ValueError) as exc:
                frames.append(pd.DataFrame([{"school_id": r.school_id, "status": "mislukt",
                                             "fout": f"results.csv onleesbaar: {exc}"}]))
                continue
            if "school_id" not in df.columns:
                df.insert(0, "school_id", r.school_id)
            df["status"] = "ok"
            frames.append(df)
        elif st.status == "failed":
            fnb = out_dir / "failed" / r.key / "report.failed.ipynb"
            frames.append(pd.DataFrame([{
                "school_id": r.school_id or "", "rapport": r.key, "status": "mislukt",
                "fout": (st.failed_manifest or {}).get("error", ""),
                "notebook": fnb.relative_to(out_dir).as_posix() if fnb.is_file() else "",
            }]))
        elif st.status == "missing" and r.kind == "school":
            frames.append(pd.DataFrame([{"school_id": r.school_id, "rapport": r.key,
                                         "status": "niet uitgevoerd"}]))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["school_id", "status"])
    path = out_dir / "summary.csv"
    tmp = path.with_suffix(".csv.tmp")
    table.to_csv(tmp, index=False)
    os.replace(tmp, path)
    body = ('<p><a href="index.html">Terug naar de rapporten</a></p>'
            + table.to_html(index=False, na_rep="", escape=True, border=0))
    _atomic_write(out_dir / "summary.html",
                  _page(f"JOS-monitor {region.name}: samenvatting", body, region.synthetic))
    return path


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
