"""The dask.distributed side of a run: connect to a cluster and keep its workers busy.

:class:`ReportCluster` connects to a cluster (an existing scheduler given by address, or a local
cluster of worker threads sized to the machine), can start every worker's warm kernel template ahead of
the reports (:meth:`ReportCluster.warm_up`, while the batch prepares the region's data), and
sends each :class:`~josanalysis.runner.execution.ReportTask` to a worker, collecting the
:class:`~josanalysis.runner.execution.ReportOutcome` of each (:meth:`ReportCluster.run`). A
worker that dies loses only its task, which dask retries.

dask and tqdm are imported where they are used: this module is imported by the CLI, which must
start quickly.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from josanalysis.core.errors import ConfigError
from josanalysis.runner.execution import (
    KernelOptions,
    ReportOutcome,
    ReportTask,
    error_text,
    run_task,
    warm_worker,
)

__all__ = ["ClusterOptions", "ReportCluster", "available_cpus"]


@dataclass(frozen=True)
class ClusterOptions:
    """Where and how the reports of a run are executed.

    Attributes
    ----------
    scheduler
        Address of an existing dask scheduler; None starts a local cluster.
    workers
        Worker processes of the local cluster (default: the machine's CPUs).
    retries
        Dask task retries: a task whose worker died or that raised unexpectedly is retried.
    progress
        Show a progress bar.
    """

    scheduler: str | None = None
    workers: int | None = None
    retries: int = 2
    progress: bool = True


def available_cpus() -> int:
    """CPUs this process may run on (its affinity where the system tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _connect(scheduler: str | None, workers: int | None, n_tasks: int):
    """A dask client: to an existing scheduler, or to a new local cluster of worker threads.

    A local worker only drives its reports' kernels, each a process of its own, and exports their
    HTML: as threads of the run's process the workers share one warm kernel template and start
    no worker processes of their own (the demo region, paired runs: 0.84 of the wall time with
    worker processes). Another machine's scheduler keeps its own worker processes."""
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
    n = max(1, min(workers or available_cpus(), n_tasks))
    import dask

    # One report per worker at a time: with the default saturation (1.1) a single-threaded
    # worker is sent a second report that then waits behind the first while another worker
    # may be idle. Reports are long tasks; keep them on the scheduler until a worker is free.
    with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=False,
            # no dashboard; the scheduler's small HTTP server on a free port (not 8787, which
            # another cluster on the machine may hold)
            dashboard_address=":0", scheduler_kwargs={"dashboard": False},
        )
    return Client(cluster), cluster


class ReportCluster:
    """The cluster of one run: opened before the data are prepared, closed after the reports.

    Parameters
    ----------
    options
        Where and how to run (:class:`ClusterOptions`).
    n_tasks
        How many reports the run has (a local cluster starts no more workers than that).

    Examples
    --------
    >>> with ReportCluster(ClusterOptions(workers=2), n_tasks=15) as cluster:   # doctest: +SKIP
    ...     cluster.warm_up(kernel, code_key, cwd)      # templates import while the data load
    ...     outcomes = cluster.run(tasks, "demoregio")
    """

    def __init__(self, options: ClusterOptions, n_tasks: int) -> None:
        self.options = options
        self.client, self._cluster = _connect(options.scheduler, options.workers, n_tasks)
        # the warm-up futures: held until the cluster closes, as dask cancels a released future
        self._warming: list[Any] = []

    def __enter__(self) -> ReportCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the client and, for a local cluster, the cluster."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def warm_up(self, kernel: KernelOptions, code_key: str, cwd: str) -> None:
        """Prepare every worker now (no wait; :func:`~josanalysis.runner.execution.warm_worker`):
        its HTML exporter and its warm kernel template's imports are then made while the batch
        prepares the data, instead of before each worker's first report."""
        for address in self.client.scheduler_info().get("workers", {}):
            self._warming.append(self.client.submit(
                warm_worker, kernel, code_key, cwd, workers=[address], allow_other_workers=False,
                pure=False, key=f"josanalysis-warm-{uuid.uuid4().hex[:8]}"))

    def run(self, tasks: Sequence[ReportTask], region_id: str,
            on_outcome: Callable[[ReportOutcome], None] | None = None) -> dict[str, ReportOutcome]:
        """Submit the reports to dask and collect the outcomes as they complete.

        ``on_outcome`` is called with each outcome once the next report has been submitted (the
        batch scans the finished report's folder there, while the workers go on).

        At most as many reports are in flight as the cluster has worker threads: the scheduler
        then always sends a report to an idle worker. (Submitting everything at once lets dask
        assign a second report to a busy single-threaded worker, where it waits behind a long
        notebook while another worker idles; work stealing does not reliably fix that for tasks
        of unknown duration.)

        Returns
        -------
        dict
            The outcome per report key; a task whose worker died too often is a failed outcome.
        """
        from dask.distributed import as_completed
        from tqdm.auto import tqdm

        client, options = self.client, self.options
        results: dict[str, ReportOutcome] = {}
        pending = list(tasks)
        futures: dict[Any, ReportTask] = {}
        done = as_completed()

        def slots() -> int:
            return max(1, sum(client.nthreads().values()))

        def submit_more() -> None:
            while pending and len(futures) - len(results) < slots():
                task = pending.pop(0)
                fut = client.submit(run_task, task, key=f"josanalysis-{region_id}-{task.key}-"
                                    f"{uuid.uuid4().hex[:8]}", retries=options.retries, pure=False)
                futures[fut] = task
                done.add(fut)

        bar = tqdm(total=len(tasks), desc=f"{region_id}", unit="rapport", disable=not options.progress)
        try:
            submit_more()
            for fut in done:
                task = futures[fut]
                try:
                    outcome = fut.result()
                except Exception as exc:  # noqa: BLE001 - worker died too often, or a bug
                    outcome = task.outcome("failed", error=f"worker failure: {error_text(exc)}")
                results[task.key] = outcome
                if outcome.status == "failed":
                    bar.write(f"FAILED {task.key}: {outcome.error}")
                bar.update(1)
                fut.release()
                submit_more()
                if on_outcome is not None:
                    on_outcome(outcome)
        finally:
            bar.close()
        return results
