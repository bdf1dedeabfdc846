"""Batch execution of the report notebooks of a region, on dask.distributed.

One run (:func:`run_region`) executes, via papermill with the ``josanalysis`` Jupyter kernel,

* ``notebooks/school_report.ipynb`` once per school of the region (or per ``only`` id),
* ``notebooks/region_report.ipynb`` and ``notebooks/budget_report.ipynb`` once for the region,

each task on a worker of a dask.distributed cluster (a local one of worker threads sized to the
machine by default, or an existing cluster given by its scheduler address), its kernel a process
of its own. It writes::

    outputs/<region>/index.html              links every report, names failures
    outputs/<region>/summary.csv, .html      all schools' results.csv rows + a row per failure
    outputs/<region>/schools/<id>/           report.ipynb, report.html, results.csv,
                                             results.json, figures/, manifest.json
    outputs/<region>/region/, budget/        the same for the region reports
    outputs/<region>/failed/<report>/        report.failed.ipynb (+ .html) of a failed report

A run has four phases, each in its own module: **plan** (:mod:`~josanalysis.runner.plan`: the
reports, their inputs, which are out of date), **prepare** (the region's data loaded and
validated once, here; with a local cluster while the cluster starts and its workers' kernel
templates import, with a remote scheduler before it is contacted), **execute** (:mod:`~josanalysis.runner.cluster` sends each report to a
worker, :mod:`~josanalysis.runner.execution` runs it in a kernel of
:mod:`~josanalysis.runner.kernels`) and **index** (:mod:`~josanalysis.runner.index`).

Guarantees:

* **Fault tolerance.** A notebook that raises is reported and keeps its failed copy; the others
  complete. A school whose parameter file is invalid fails alone, without executing: its report
  is failed with the sentence naming the file and key, in the index and the summary; after the
  file is fixed the next run executes it (a report that failed earlier is never "up to date"). Kernel start failures and port races are retried a bounded number of times
  (errors raised by notebook code are not). A dying dask worker loses only its task, which dask
  retries.
* **Atomic outputs.** Each report is written into a temporary sibling folder and moved into
  place with :func:`os.replace`, so a run killed halfway leaves every previous report whole
  (:mod:`~josanalysis.runner.folders`).
* **Incremental, reproducible reruns.** Each report has a manifest
  (:mod:`josanalysis.runner.manifest`); a rerun skips reports whose inputs
  (:func:`~josanalysis.runner.plan.inputs_for`), library code and package version did not change.
* **Data read once.** The region's data are loaded and validated once per run
  (:func:`josanalysis.panel.build.prepare_region`) into a prepared file that the notebooks
  receive as the parameter ``prepared``. Invalid data stop the run before any notebook executes.

Examples
--------
>>> from josanalysis.runner.batch import run_region
>>> result = run_region("demoregio", workers=2)          # doctest: +SKIP
>>> result.ok, len(result.executed), result.index         # doctest: +SKIP
(True, 15, PosixPath('outputs/demoregio/index.html'))
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from josanalysis.core.config import PARAMS_DIR, Region, load_region
from josanalysis.core.errors import ConfigError, JosError
from josanalysis.panel.build import prepare_region
from josanalysis.privacy import PSEUDONYM_PATTERN, OutputScanner, Violation, pupil_identifiers
from josanalysis.runner.cluster import ClusterOptions, ReportCluster
from josanalysis.runner.execution import KernelOptions, ReportOutcome, ReportTask
from josanalysis.runner.folders import RunLock, recover, swap_into_place
from josanalysis.runner.index import write_index, write_summary
from josanalysis.runner.kernels import (
    KERNEL_NAME,
    START_TIMEOUT,
    WARM_DEFAULT,
    check_kernel,
    wait_for_shutdowns,
    warm_imports,
)
from josanalysis.runner.manifest import utc_timestamp, write_manifest
from josanalysis.runner.pdf import check_pdf_support, write_pdfs
from josanalysis.sources.reading.pseudonyms import PSEUDONYM_KEY_ENV
from josanalysis.runner.plan import Report, RunPlan, plan_reports, plan_run, report_folders

__all__ = ["BatchResult", "run_region"]


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
        One :class:`~josanalysis.runner.execution.ReportOutcome` per report of the run.
    prepared
        The prepared region-data file handed to the notebooks (None when nothing ran).
    seconds
        Wall time of the run.
    phases
        Wall seconds of its phases: ``plan`` (params, input hashes), ``prepare`` (data loaded
        and validated once; with a local cluster also its start, while the kernel templates
        import), ``execute`` (all notebooks; with a remote scheduler also connecting to it), ``pdf`` (with
        ``pdf``), ``index`` and ``scan``.
    privacy_violations
        What the output scan (:func:`~josanalysis.privacy.scan_outputs`) found in the region's
        folder after the run: pupil identifiers, unsuppressed small counts, active content.
    """

    region_id: str
    output_dir: Path
    index: Path
    summary: Path
    outcomes: tuple[ReportOutcome, ...]
    prepared: Path | None = None
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    privacy_violations: tuple[Violation, ...] = ()

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
        """True when no report failed and the output scan found nothing."""
        return not self.failed and not self.privacy_violations


class _PhaseClock:
    """Wall seconds of the phases of a run, each measured from the end of the previous one."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.phases: dict[str, float] = {}

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.phases[phase] = round(now - self.last, 3)
        self.last = now

    @property
    def total(self) -> float:
        return round(time.perf_counter() - self.start, 3)


def _default_prepare(region: Region, dest: Path) -> Path:
    """Load and validate the region's data once: :func:`josanalysis.panel.build.prepare_region`."""
    return Path(prepare_region(region.region_id, dest, params_dir=region.path.parent.parent))


def _prepare_data(
    plan: RunPlan, prepare: Callable[[Region, Path], Path | None] | None,
) -> Path | None:
    """The prepare phase: write the run's prepared data into a fresh folder, drop older ones.

    The prepared panel holds unsuppressed counts, so it lives in a cache beside the region's
    output folder (``<output_root>/.cache/<region>/prepared/``), never inside the folder that is
    shared with schools and municipalities."""
    prep_root = plan.out_dir.parent / ".cache" / plan.region.region_id / "prepared"
    run_dir = prep_root / f"{dt.datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    run_dir.mkdir(parents=True)
    try:
        got = (prepare or _default_prepare)(plan.region,
                                            run_dir / f"{plan.region.region_id}.parquet")
    except BaseException:
        shutil.rmtree(run_dir, ignore_errors=True)
        raise
    for old in prep_root.iterdir():
        if old != run_dir:
            shutil.rmtree(old, ignore_errors=True)
    return Path(got).resolve() if got else None


def _title(report: Report, region: Region) -> str:
    """The Dutch ``<title>`` of a report's HTML page."""
    if report.kind != "school":
        return f"{report.label} {region.name} — JOS-monitor"
    role = "Schoolrapport" if region.school(str(report.school_id)).is_jos else "Vergelijkingsschool"
    return f"{role} {report.label} ({region.name}) — JOS-monitor"


def _invalid_params(plan: RunPlan) -> dict[str, ReportOutcome]:
    """The reports of schools whose parameter file is invalid: failed without executing.

    Each gets a failure record under ``failed/<key>/`` (its manifest holds the sentence naming
    the file and key), so that the index and the summary name it; its previous report, if any,
    stays as it was.
    """
    outcomes: dict[str, ReportOutcome] = {}
    for r in plan.reports:
        bad = plan.region.invalid_school(str(r.school_id)) if r.kind == "school" else None
        if bad is None:
            continue
        error = f"ConfigError: {bad.problem}"
        folder = plan.failed_dir(r)
        tmp = folder.parent / f".{folder.name}.tmp-{uuid.uuid4().hex[:8]}"
        tmp.mkdir(parents=True)
        write_manifest(tmp, {**plan.expected[r.key], "status": "failed", "error": error,
                             "reason": "invalid school parameters", "finished": utc_timestamp()})
        swap_into_place(tmp, folder)
        outcomes[r.key] = ReportOutcome(r.key, r.kind, r.school_id, "failed", folder,
                                        reason="invalid school parameters", error=error)
    return outcomes


def _tasks(plan: RunPlan, prepared: Path | None, kernel: KernelOptions) -> list[ReportTask]:
    """One task per report to execute, with everything its worker needs (not for a school
    whose parameters are invalid)."""
    tasks = [
        ReportTask(
            key=r.key, kind=r.kind, school_id=r.school_id,
            title=_title(r, plan.region), notebook=r.notebook,
            final_dir=plan.final_dir(r), failed_dir=plan.failed_dir(r),
            parameters=r.parameters(), prepared=str(prepared) if prepared else "",
            reason=plan.reasons[r.key], manifest=plan.expected[r.key], kernel=kernel,
        )
        for r in plan.to_run
        if not (r.kind == "school" and plan.region.invalid_school(str(r.school_id)))
    ]
    # longest first: the budget report and the JOS schools, then the region report, then the
    # comparison schools (no analysis of their own, the shortest), which fill the other workers
    # while the region report runs. The region report shows every JOS school's fit again: it
    # starts only when every JOS school has started, so it finds their fits in the run's analysis
    # cache (josanalysis.core.cache; a fit still being computed is waited for, not redone)
    return sorted(tasks, key=lambda t: (_is_comparison(plan.region, t), t.kind == "region"))


def _is_comparison(region: Region, task: ReportTask) -> bool:
    """A comparison school's report (no JOS start): the cheapest kind."""
    return task.kind == "school" and any(
        s.school_id == task.school_id and s.jos_start is None for s in region.schools)


def _prepare_and_execute(plan: RunPlan, to_run: Sequence[Report], options: ClusterOptions, kernel: KernelOptions,
                         prepare: Callable[[Region, Path], Path | None] | None,
                         clock: _PhaseClock, scan: RegionOutputScan) -> tuple[Path | None, dict[str, ReportOutcome]]:
    """The prepare and execute phases: the prepared data and the outcome of every report run.

    A local cluster starts, and its workers' kernel templates import, while the data are
    prepared; another machine's scheduler is contacted only once the data are valid. Each
    report's folder is scanned as soon as it is in place (``scan``), while the workers go on."""
    if not options.scheduler:
        check_kernel(KERNEL_NAME)
    prepared = None
    if options.scheduler:
        prepared = _prepare_data(plan, prepare)
        clock.lap("prepare")
    with ReportCluster(options, len(to_run)) as cluster:
        if not options.scheduler:
            cluster.warm_up(kernel, plan.expected[to_run[0].key]["code_sha256"], str(to_run[0].notebook.parent))
            prepared = _prepare_data(plan, prepare)
            clock.lap("prepare")
        outcomes = cluster.run(_tasks(plan, prepared, kernel), plan.region.region_id, scan.report_in_place)
    wait_for_shutdowns()  # the last reports' kernels (local workers shut them down in the background)
    clock.lap("execute")
    return prepared, outcomes


def _kernel_options(plan: RunPlan, warm: bool | None, start_attempts: int) -> KernelOptions:
    """How the run's kernels start; a warm template imports what the notebooks import."""
    warm = WARM_DEFAULT if warm is None else bool(warm)
    imports = warm_imports(sorted({str(r.notebook) for r in plan.to_run})) if warm else []
    return KernelOptions(name=KERNEL_NAME, start_attempts=start_attempts,
                         start_timeout=START_TIMEOUT, warm=warm, warm_imports=tuple(imports))


def _skipped(plan: RunPlan) -> dict[str, ReportOutcome]:
    """The outcomes of the reports that are up to date."""
    return {r.key: ReportOutcome(r.key, r.kind, r.school_id, "skipped", plan.final_dir(r),
                                 reason="up to date")
            for r in plan.up_to_date}


def _write_pages(plan: RunPlan, notebook_dir: str | Path | None,
                 pdf_reports: Sequence[Report] | None, clock: _PhaseClock) -> tuple[Path, Path]:
    """The pdf and index phases: PDFs of ``pdf_reports``; ``index.html`` and ``summary.csv``.

    Every school of the region is listed, not only those of an ``only`` run: the pages describe
    the output folder as it is (and link the PDFs written first).
    """
    if pdf_reports is not None:
        write_pdfs(_pdfs_due(plan, pdf_reports))
        clock.lap("pdf")
    all_reports = plan_reports(plan.region, notebook_dir=notebook_dir)
    index = write_index(plan.region, plan.out_dir, all_reports, dict(plan.provenance))
    return index, write_summary(plan.region, plan.out_dir, all_reports)


def _pdfs_due(plan: RunPlan, reports: Sequence[Report]) -> list[Path]:
    """The ``report.html`` files of the run without a ``report.pdf`` at least as new."""
    due = []
    for r in reports:
        html_file = plan.final_dir(r) / "report.html"
        pdf_file = html_file.with_suffix(".pdf")
        if html_file.is_file() and (not pdf_file.is_file()
                                    or pdf_file.stat().st_mtime < html_file.stat().st_mtime):
            due.append(html_file)
    return due


def _check_options(workers: int | None, kernel_start_attempts: int, pdf: bool) -> None:
    if pdf:
        check_pdf_support()
    if workers is not None and int(workers) < 1:
        raise ConfigError(f"--workers is {workers}; give a number of workers >= 1.")
    if kernel_start_attempts < 1:
        raise ConfigError("kernel_start_attempts must be at least 1.")


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
    pdf: bool = False,
) -> BatchResult:
    """Execute all reports of a region and write the index and the summary table.

    Parameters
    ----------
    region_id
        Region parameter file stem, e.g. ``"demoregio"``.
    workers
        Worker processes of the local cluster (default: the CPUs); ignored with ``scheduler``.
    only
        School ids to run (default: all). Region and budget reports always take part.
    force
        Redo every report, even the up-to-date ones.
    scheduler
        Address of an existing dask scheduler (``"tcp://host:8786"``) instead of a local
        cluster. Workers must see the project and ``output_root`` under the same paths.
    output_root
        Folder under which ``<region>/`` is written (relative to the current directory).
    retries
        Dask retries of a task whose worker died or that raised unexpectedly.
    progress
        Show a progress bar.
    params_dir
        The ``params`` folder (default: the project's).
    notebook_dir
        Folder holding the three report notebooks (default: the project's ``notebooks/``).
    prepare
        ``prepare(region, dest) -> Path``: loads and validates the region's data once into the
        prepared file (default: ``panel.build.prepare_region``); None hands ``prepared=""`` on.
    kernel_start_attempts
        How often a report is attempted when its kernel fails to start.
    warm
        Fork each report's kernel from a per-worker template process that has already imported
        the notebooks' libraries, without the kernel start and import cost (``docs/batch.md``).
        Default: on Linux yes, elsewhere no. ``False`` starts every kernel afresh.
    pdf
        Also write ``report.pdf`` beside each ``report.html`` (:mod:`~josanalysis.runner.pdf`).

    Returns
    -------
    BatchResult
        ``.ok`` when no report failed (``.failed``) and the output scan found nothing.

    Raises
    ------
    ConfigError
        Unknown region or school id, missing notebook, unreachable scheduler, no Chromium.
    DataError
        The region's data are invalid; no notebook was executed.

    Examples
    --------
    >>> [o.status for o in run_region("demoregio", only=["DM0100"]).outcomes]  # doctest: +SKIP
    ['ok', 'ok', 'ok']
    """
    clock = _PhaseClock()
    _check_options(workers, kernel_start_attempts, pdf)
    region = load_region(region_id, params_dir or PARAMS_DIR, skip_invalid_schools=True)
    reports = plan_reports(region, only=only, notebook_dir=notebook_dir)
    out_dir = Path(output_root).resolve() / region.region_id
    with RunLock(out_dir / ".run.lock"):
        recover(report_folders(out_dir, reports))
        plan = plan_run(region, reports, out_dir, force=force)
        clock.lap("plan")
        outcomes = {**_skipped(plan), **_invalid_params(plan)}
        prepared = None
        to_run = [r for r in plan.to_run if r.key not in outcomes]
        scan = RegionOutputScan(region, out_dir)
        if to_run:
            prepared, executed = _prepare_and_execute(
                plan, to_run, ClusterOptions(scheduler, workers, retries, progress),
                _kernel_options(plan, warm, kernel_start_attempts), prepare, clock, scan)
            outcomes.update(executed)
        index, summary = _write_pages(plan, notebook_dir, reports if pdf else None, clock)
        clock.lap("index")
        violations = scan.finish()
    clock.lap("scan")
    return BatchResult(
        region_id=region.region_id, output_dir=out_dir, index=index, summary=summary,
        outcomes=tuple(outcomes[r.key] for r in reports), prepared=prepared,
        seconds=clock.total, phases=clock.phases, privacy_violations=tuple(violations),
    )


class RegionOutputScan:
    """The output scan of one run of a region: each report's folder as soon as the report is in
    place (on the client, while the workers run the next reports), the rest at the end: the
    index and summary pages, failed reports and the reports this run did not execute.

    Checks what :func:`scan_region_outputs` checks; the region's pupil identifiers are read once,
    when the first folder is scanned.
    """

    def __init__(self, region: Region, out_dir: Path) -> None:
        self.region, self.out_dir = region, out_dir
        self._scanner: OutputScanner | None = None
        self._found: list[Violation] = []
        self._scanned: list[Path] = []

    def _ready(self) -> OutputScanner:
        if self._scanner is None:
            ids = (pupil_identifiers(self.region.data_dir, key=os.environ.get(PSEUDONYM_KEY_ENV))
                   if self.region.data_dir.is_dir() else set())
            self._scanner = OutputScanner(pseudonyms=ids, min_count=self.region.privacy.min_count,
                                          pseudonym_pattern=PSEUDONYM_PATTERN)
        return self._scanner

    def report_in_place(self, outcome: ReportOutcome) -> None:
        """Scan the folder of a report that has just been put in place. A scan that cannot be
        made now (say, an unreadable input file) is left to :meth:`finish`, which reports it."""
        if outcome.status != "ok":
            return
        try:
            self._found.extend(self._ready().scan_folder(outcome.folder))
        except (JosError, OSError):
            return
        self._scanned.append(outcome.folder)

    def finish(self) -> list[Violation]:
        """Everything found: in the folders scanned so far and in the rest of the region's folder."""
        found = self._found + self._ready().scan_folder(self.out_dir, skip=self._scanned)
        return sorted(found, key=lambda v: str(v.file))


def scan_region_outputs(region: Region, out_dir: Path) -> list[Violation]:
    """The output scan of a region's folder after a run: the region's pupil identifiers (raw, and
    pseudonymised when ``JOSANALYSIS_PSEUDONYM_KEY`` is set) and anything shaped like a
    pseudonym, small counts below the region's ``min_count``, and active content.

    Parameters
    ----------
    region
        The region (its data folder gives the identifiers; it may not exist for a region that
        runs from its parameters alone).
    out_dir
        ``<output_root>/<region>``.

    Returns
    -------
    list of Violation
        Empty when the folder is safe to share.
    """
    return RegionOutputScan(region, out_dir).finish()
