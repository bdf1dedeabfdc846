"""The ``josanalysis`` command line.

Subcommands::

    josanalysis run --region demoregio [--workers N] [--only ID ...] [--force]
                    [--scheduler tcp://host:8786] [--output-root DIR] [--params-dir DIR] [--pdf]
    josanalysis check-data data/demo [--region demoregio]
    josanalysis synth [--out data/demo] [--seed 20220801] [--schools N]
    josanalysis templates [--out data/templates]
    josanalysis fetch-cbs 85099NED (--region regio-alkmaar | --out DIR) [--filter "..."]
    josanalysis compare --regions demoregio regio-alkmaar [...] --out DIR [--results-root outputs]

Exit codes: 0 success; 1 a report failed or a data file did not pass its check; 2 bad input
(a :class:`~josanalysis.core.errors.JosError`: printed as one sentence on stderr, never a
traceback).

Examples
--------
>>> from josanalysis.runner.cli import main
>>> main(["run", "--region", "demoregio", "--only", "DM0100"])   # doctest: +SKIP
0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from josanalysis.core.version import __version__
from josanalysis.core.config import load_region
from josanalysis.core.errors import ConfigError, JosError
from josanalysis.demo.synth import write_demo
from josanalysis.runner.batch import run_region
from josanalysis.runner.compare import compare_regions
from josanalysis.sources import check_data_folder, source_coverage
from josanalysis.sources.cbs_fetch import fetch_cbs_table
from josanalysis.sources.templates import write_templates

__all__ = ["main", "build_parser"]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' should be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``josanalysis`` command."""
    parser = argparse.ArgumentParser(
        prog="josanalysis",
        description="Monitor toolkit for Jeugdhulp op School (JOS): data checks and reports.",
    )
    parser.add_argument("--version", action="version", version=f"josanalysis {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run", help="execute the school, region and budget reports of a region",
        description="Execute the report notebooks of a region on dask and write "
                    "outputs/<region>/index.html. Up-to-date reports are skipped.",
    )
    run.add_argument("--region", required=True, help="region id (params/regions/<id>.yaml)")
    run.add_argument("--workers", type=_positive_int, default=None,
                     help="workers of the local cluster, one report each at a time (default: number of CPUs)")
    run.add_argument("--only", nargs="+", metavar="SCHOOL_ID", default=None,
                     help="run only these schools (region and budget reports still run)")
    run.add_argument("--force", action="store_true", help="redo reports that are up to date")
    run.add_argument("--scheduler", metavar="ADDRESS", default=None,
                     help="address of an existing dask scheduler, e.g. tcp://10.0.0.5:8786")
    run.add_argument("--output-root", default="outputs", metavar="DIR",
                     help="folder that receives <region>/ (default: outputs)")
    run.add_argument("--params-dir", default=None, metavar="DIR",
                     help="parameter folder (default: the project's params/)")
    run.add_argument("--retries", type=int, default=2,
                     help="dask retries of a task whose worker died (default: 2)")
    run.add_argument("--warm-kernels", action=argparse.BooleanOptionalAction, default=None,
                     help="fork each report's kernel from a template process that has done "
                          "the imports (default on Linux; see docs/batch.md)")
    run.add_argument("--pdf", action="store_true",
                     help="also write report.pdf beside each report.html (headless Chromium)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")

    check = sub.add_parser("check-data", help="check every data file of a folder",
                           description="Validate every data file of a folder and print a table.")
    check.add_argument("path", nargs="?", default=None,
                       help="data folder, e.g. data/demo (default: the --region's data folder)")
    check.add_argument("--region", default=None,
                       help="also refuse school codes that are not schools of this region")
    check.add_argument("--complete", action="store_true",
                       help="also fail when a required source (DUO pupils, attendance) is missing")

    synth = sub.add_parser("synth", help="write the synthetic demo data",
                           description="Generate the synthetic demo region's data files.")
    synth.add_argument("--out", default="data/demo", metavar="DIR",
                       help="output folder (default: data/demo)")
    synth.add_argument("--seed", type=int, default=20220801, help="random seed")
    synth.add_argument("--schools", type=_positive_int, default=None, metavar="N",
                       help="number of schools (default: the demo region's schools)")
    tmpl = sub.add_parser("templates", help="write the project's input templates as .xlsx",
                          description="Write the project's own input formats (Leerplicht, verzuim (split and "
                                      "per reason code), gemeente, SWV, aanbieder, capaciteit, budget, rendement) "
                                      "as Excel templates with an instructions sheet.")
    tmpl.add_argument("--out", default="data/templates", metavar="DIR", help="folder (default: data/templates)")

    fetch = sub.add_parser("fetch-cbs", help="save a CBS StatLine table into a data folder (online, once)",
                           description="Download a CBS StatLine table with the optional cbsodata package "
                                       "and save it as <TABLE>.json; reports never fetch.")
    fetch.add_argument("table", help="StatLine table id, e.g. 85099NED, 85098NED or 83454NED")
    fetch.add_argument("--region", default=None, help="save into this region's data folder, under cbs/")
    fetch.add_argument("--out", default=None, metavar="DIR", help="save into this folder instead")
    fetch.add_argument("--filter", default=None, help="OData filter, e.g. \"substringof('GM', RegioS)\"")
    compare = sub.add_parser(
        "compare", help="put regions (or subregions) side by side in one HTML report",
        description="Measure each region with one base approach (capacity, costs, weight of care, pooled "
                    "estimates, data coverage) and write vergelijking.html. A region's estimates are read from "
                    "the results a run wrote under --results-root, else computed once.")
    compare.add_argument("--regions", nargs="+", required=True, metavar="REGION",
                         help="two or more region ids (params/regions/<id>.yaml), or <id>/<subregion> for "
                              "the JOS schools of one subregion")
    compare.add_argument("--out", required=True, metavar="DIR", help="folder for vergelijking.html and its tables")
    compare.add_argument("--results-root", default="outputs", metavar="DIR",
                         help="where run wrote <region>/region/results.csv (default: outputs)")
    compare.add_argument("--params-dir", default=None, metavar="DIR",
                         help="parameter folder (default: the project's params/)")
    compare.add_argument("--no-compute", action="store_true",
                         help="do not compute estimates missing from --results-root (show them as missing)")
    return parser


_ESTIMATES_FROM = {"resultaten van de regio-run": "read from the results of its run", "berekend": "computed",
                   "niet berekend": "not computed (--no-compute)",
                   "geen gegevens": "none (the region has no data folder)"}


def _cmd_compare(args: argparse.Namespace) -> int:
    result = compare_regions(args.regions, args.out, results_root=args.results_root,
                             params_dir=args.params_dir or "", compute=not args.no_compute)
    for p in result.report.profiles:
        print(f"{p.region.name}: estimates {_ESTIMATES_FROM.get(p.estimates_from, p.estimates_from)}.")
    print(f"Comparison: {result.html}")
    if result.privacy_violations:
        print(f"NOT SAFE TO SHARE: the output scan found {len(result.privacy_violations)} problem(s) in "
              f"{args.out}:", file=sys.stderr)
        for v in result.privacy_violations[:20]:
            print(f"  {v.kind}: {v}", file=sys.stderr)
        return 1
    return 0


def _cmd_templates(args: argparse.Namespace) -> int:
    for path in write_templates(args.out):
        print(f"Template written: {path}")
    return 0


def _cmd_fetch_cbs(args: argparse.Namespace) -> int:
    if (args.region is None) == (args.out is None):
        raise ConfigError("fetch-cbs needs either --region or --out (e.g. josanalysis fetch-cbs 85099NED "
                          "--region regio-alkmaar).")
    out = Path(args.out) if args.out else load_region(args.region).data_dir / "cbs"
    path = fetch_cbs_table(args.table, out, filters=args.filter)
    print(f"CBS table {args.table.upper()} saved to {path}.")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    result = run_region(
        args.region, workers=args.workers, only=args.only, force=args.force,
        scheduler=args.scheduler, output_root=args.output_root, retries=args.retries,
        progress=not args.no_progress, params_dir=args.params_dir, warm=args.warm_kernels,
        pdf=args.pdf,
    )
    n_ok = sum(1 for o in result.outcomes if o.status == "ok")
    print(f"{result.region_id}: {n_ok} report(s) executed, {len(result.skipped)} up to date, "
          f"{len(result.failed)} failed ({result.seconds:.0f} s).")
    for o in result.failed:
        where = f" Failed notebook: {o.failed_notebook}" if o.failed_notebook else ""
        print(f"FAILED {o.key}: {o.error}.{where}", file=sys.stderr)
    if result.privacy_violations:
        found = result.privacy_violations
        print(f"NOT SAFE TO SHARE: the output scan found {len(found)} problem(s) in {result.output_dir}; "
              "do not send these files before they are fixed:", file=sys.stderr)
        for v in found[:20]:
            print(f"  {v.kind}: {v}", file=sys.stderr)
    print(f"Index: {result.index}")
    print(f"Summary: {result.summary}")
    return 0 if result.ok else 1


def _cmd_check_data(args: argparse.Namespace) -> int:
    school_ids = None
    reasons = None
    path = args.path
    if args.region:
        region = load_region(args.region)
        school_ids = region.school_ids
        reasons = region.absence_reason_maps()
        path = path or region.data_dir
    if path is None:
        raise ConfigError("check-data needs a data folder or --region (e.g. josanalysis check-data data/demo).")
    if args.region and not Path(path).exists():
        # a real region starts with some sources or none: its reports say what is missing
        print(f"The data folder {path} does not exist: every source is missing.")
        _print_table(source_coverage(None))
        return 0
    table = check_data_folder(Path(path), school_ids=school_ids, complete=args.complete, absence_reasons=reasons)
    _print_table(table, "(no data files found)")
    print("\nSources per report section:")
    _print_table(source_coverage(Path(path)))
    bad = table[table["status"].astype(str) != "OK"] if len(table) else table
    if len(bad):
        print(f"{len(bad)} of {len(table)} file(s) did not pass the check.", file=sys.stderr)
        return 1
    if not len(table):
        return 1
    return 0


def _print_table(table: pd.DataFrame, empty: str = "") -> None:
    with pd.option_context("display.max_rows", None, "display.max_colwidth", 200,
                           "display.width", 200):
        print(table.to_string(index=False) if len(table) else empty)


def _cmd_synth(args: argparse.Namespace) -> int:
    written = write_demo(Path(args.out), seed=args.seed, n_schools=args.schools)
    print(f"Synthetic demo data written to {written or args.out}.")
    return 0


_COMMANDS = {"run": _cmd_run, "check-data": _cmd_check_data, "synth": _cmd_synth, "fetch-cbs": _cmd_fetch_cbs,
             "templates": _cmd_templates, "compare": _cmd_compare}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``josanalysis`` command; returns the exit code.

    Parameters
    ----------
    argv
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 when a report failed or data did not pass the check, 2 on bad input
        (the reason is printed as one sentence on stderr).

    Examples
    --------
    >>> main(["run", "--region", "nowhere"])                        # doctest: +SKIP
    josanalysis: Region 'nowhere' has no parameter file ... (known regions: demoregio).
    2
    """
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # --help / --version (0) or a usage error (2)
        return int(exc.code or 0)
    try:
        return _COMMANDS[args.command](args)
    except JosError as exc:
        print(f"josanalysis: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("josanalysis: interrupted; complete reports from earlier runs are intact.",
              file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
