"""The runner: batch runs of the report notebooks (papermill on dask), manifests and the CLI.

A run (:func:`run_region`) has four phases, one module each, plus the pieces they share:

* :mod:`~josanalysis.runner.plan` -- the reports of a region, the files each depends on
  (:func:`inputs_for`), which are out of date (:class:`RunPlan`);
* :mod:`~josanalysis.runner.batch` -- :func:`run_region`: plan, prepare the data once, execute,
  index; :class:`BatchResult`;
* :mod:`~josanalysis.runner.cluster` -- the dask cluster that executes the reports;
* :mod:`~josanalysis.runner.execution` -- one report on a worker: papermill, HTML export,
  manifest (:class:`ReportTask` in, :class:`ReportOutcome` out);
* :mod:`~josanalysis.runner.kernels` -- kernel specs, ipc transport, warm (forked) kernels;
* :mod:`~josanalysis.runner.index` -- ``index.html`` and ``summary.csv`` (Dutch);
* :mod:`~josanalysis.runner.folders` -- run lock, atomic swaps and writes, recovery;
* :mod:`~josanalysis.runner.manifest` -- provenance manifests;
* :mod:`~josanalysis.runner.cli` -- the ``josanalysis`` command (not imported here, so that
  ``python -m josanalysis.runner.cli`` runs it cleanly).
"""

from josanalysis.runner.batch import BatchResult, run_region
from josanalysis.runner.execution import ReportOutcome, ReportTask, export_html
from josanalysis.runner.index import write_index, write_summary
from josanalysis.runner.kernels import KERNEL_NAME, warm_imports
from josanalysis.runner.plan import NOTEBOOKS, Report, RunPlan, inputs_for, plan_reports

__all__ = [
    "KERNEL_NAME",
    "NOTEBOOKS",
    "BatchResult",
    "Report",
    "ReportOutcome",
    "ReportTask",
    "RunPlan",
    "export_html",
    "inputs_for",
    "plan_reports",
    "run_region",
    "warm_imports",
    "write_index",
    "write_summary",
]
