"""What a run does: its reports, the files each depends on, and which of them are out of date.

:func:`plan_reports` lists the reports of a region (region and budget report, then one per
school); :func:`inputs_for` is the one place that decides which files a report depends on;
:func:`plan_run` compares each report's stored manifest with the manifest it would get now and
returns a :class:`RunPlan` that names the reports to execute and why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from josanalysis.core.version import __version__
from josanalysis.core.config import PARAMS_DIR, PROJECT_ROOT, Region
from josanalysis.core.errors import ConfigError, DataError
from josanalysis.runner.kernels import KERNEL_NAME
from josanalysis.runner.manifest import (
    FileHasher,
    code_fingerprint,
    git_state,
    mismatch_reason,
    read_manifest,
    relative_name,
)

__all__ = ["NOTEBOOKS", "Report", "RunPlan", "inputs_for", "plan_reports", "plan_run",
           "report_folders"]

#: Notebook file per report kind, under ``notebooks/``.
NOTEBOOKS: dict[str, str] = {
    "school": "school_report.ipynb",
    "region": "region_report.ipynb",
    "budget": "budget_report.ipynb",
}

#: Reader-facing labels (Dutch) of report kinds.
_KIND_LABEL = {"school": "Schoolrapport", "region": "Regiorapport", "budget": "Budgetrapport"}


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
            if self.region.invalid_school(str(self.school_id)) is not None:
                return f"{self.school_id} — parameterbestand ongeldig"
            return f"{self.school_id} — {self.region.school(self.school_id).name}"
        return _KIND_LABEL[self.kind]

    def parameters(self) -> dict[str, str]:
        """The identifying notebook parameters (``prepared`` and ``output_dir`` come per run)."""
        params = {"region": self.region.region_id}
        if self.region.path.parent.parent.resolve() != PARAMS_DIR.resolve():
            params["params_dir"] = str(self.region.path.parent.parent.resolve())
        if self.kind == "school":
            params["school_id"] = str(self.school_id)
        return params


def _data_files(region: Region) -> list[Path]:
    """All data files of a region (hidden files and office lock files excluded).

    A region without a data folder has none: every source is optional, and each report section
    says which source it misses (:mod:`josanalysis.core.datasources`). A data_dir that names a
    file is refused.
    """
    if not region.data_dir.exists():
        return []
    if not region.data_dir.is_dir():
        raise DataError(
            f"The data folder {region.data_dir} of region '{region.region_id}' is not a folder "
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
    files.append(region.plan.file if region.plan else region.path.parent.parent / "analysis_plan.yaml")
    if report.kind == "school":
        bad = region.invalid_school(str(report.school_id))
        files.append(bad.path if bad is not None else region.school(str(report.school_id)).path)
    else:
        files.extend(s.path for s in region.schools)
        files.extend(s.path for s in region.invalid_schools)  # fixing one reruns the region reports
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
    known = region.listed_school_ids  # a school with invalid params gets a (failing) report too
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


@dataclass(frozen=True)
class RunPlan:
    """The reports of a run and, for each, whether and why it is executed.

    Attributes
    ----------
    region
        The region.
    reports
        Every report of the run (:func:`plan_reports`).
    out_dir
        ``<output_root>/<region>``.
    provenance
        What every manifest of the run records: package version, code fingerprint, kernel
        name, git commit and whether the tree is dirty.
    expected
        Per report key, the manifest fields the report would get now (compared on rerun).
    reasons
        Per report key that must be executed, why (``"forced (--force)"``, ``"input changed:
        ..."``); reports that are up to date have no entry.
    """

    region: Region
    reports: tuple[Report, ...]
    out_dir: Path
    provenance: Mapping[str, Any]
    expected: Mapping[str, Mapping[str, Any]]
    reasons: Mapping[str, str]

    @property
    def to_run(self) -> list[Report]:
        """The reports that are executed, in run order."""
        return [r for r in self.reports if r.key in self.reasons]

    @property
    def up_to_date(self) -> list[Report]:
        """The reports whose previous output is still up to date."""
        return [r for r in self.reports if r.key not in self.reasons]

    def final_dir(self, report: Report) -> Path:
        """Where a report's output lives: ``<out_dir>/<key>``."""
        return inside(self.out_dir, report.key)

    def failed_dir(self, report: Report) -> Path:
        """Where a failed report's executed copy is kept: ``<out_dir>/failed/<key>``."""
        return inside(self.out_dir, "failed", report.key)


def inside(root: Path, *parts: str) -> Path:
    """``root / parts``, refused unless it resolves to a folder inside ``root``.

    Region and school ids are validated before any path is built (``core.config_schema``); this
    is the second lock: no id, symlink or future key can make a run write outside its folder.

    >>> inside(Path("/tmp/out"), "schools", "DM0100").as_posix()
    '/tmp/out/schools/DM0100'
    >>> inside(Path("/tmp/out"), "..", "elders")
    Traceback (most recent call last):
    ...
    josanalysis.core.errors.ConfigError: The output path /tmp/out/../elders lies outside the run's folder /tmp/out; refused.
    """
    path = root.joinpath(*parts)
    resolved, base = path.resolve(), root.resolve()
    if resolved == base or base not in resolved.parents:
        raise ConfigError(f"The output path {path} lies outside the run's folder {root}; refused.")
    return path


def report_folders(out_dir: Path, reports: Sequence[Report]) -> list[Path]:
    """Every folder the reports of a run may write: their output and their failed copy."""
    return [inside(out_dir, r.key) for r in reports] + [inside(out_dir, "failed", r.key) for r in reports]


def plan_run(region: Region, reports: Sequence[Report], out_dir: Path, *,
             force: bool = False) -> RunPlan:
    """Decide which reports of a run are executed: those whose manifest is out of date.

    Each report's expected manifest (its input digests, :func:`inputs_for`, and the library's
    provenance) is compared with the manifest stored in its output folder
    (:func:`~josanalysis.runner.manifest.mismatch_reason`); ``force`` executes every report.

    Parameters
    ----------
    region
        The region.
    reports
        The reports of the run (:func:`plan_reports`).
    out_dir
        ``<output_root>/<region>``, where the previous outputs are.
    force
        Execute every report, even when it is up to date.

    Returns
    -------
    RunPlan
    """
    hasher = FileHasher()
    provenance = {
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
            "inputs": hasher.digests(inputs_for(r)), **provenance,
        }
        reason = "forced (--force)" if force else mismatch_reason(
            read_manifest(out_dir / r.key), expected[r.key])
        if not reason and read_manifest(out_dir / "failed" / r.key) is not None:
            reason = "failed in an earlier run"  # else index and summary would keep the failure
        if reason:
            reasons[r.key] = reason
    return RunPlan(region, tuple(reports), out_dir, provenance, expected, reasons)
