"""Benchmark of the batch runner (issue 7 "Speed"). Prints measured numbers; asserts nothing.

Run from the project root::

    .venv/bin/python benchmarks/batch.py               # floor, warm-kernel probe, demo region
    .venv/bin/python benchmarks/batch.py --scale 200   # + 200-school batch with 1 and 2 workers
    .venv/bin/python benchmarks/batch.py --no-warm     # demo batch with a fresh kernel per report
    .venv/bin/python benchmarks/batch.py --skip-demo --region demoregio   # speed-up on the demo

What it measures, in one run on one machine:

1. **Floor**: a papermill run of an empty notebook that imports the same libraries as the
   report notebooks (their import lines are collected from ``notebooks/*.ipynb``), per
   notebook, split into kernel start and imports.
2. **Warm-kernel probe**: the same notebook executed in an already started kernel that has
   imported the libraries (namespace reset per run) -- what a warm-kernel engine could save.
3. **Demo region**: ``run_region("demoregio", force=True)`` into a temporary folder: wall time,
   worker-seconds per report and the ratio to the floor (target <= 1.5), and where a report's
   time goes (kernel start, cells, HTML export) from the manifests.
4. **Scale** (``--scale N``): the region ``synth-N`` (generated first with
   ``josanalysis synth --schools N`` when it does not exist yet) run with 1 and with 2
   workers: speed-up (target >= 1.7 on 2 cores) and a projection for 1,500 schools
   on a 16-worker cluster from the measured per-report cost.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from josanalysis.core.config import PARAMS_DIR  # noqa: E402
from josanalysis.demo.synth import write_demo  # noqa: E402
from josanalysis.runner.batch import BatchResult, run_region  # noqa: E402
from josanalysis.runner.cluster import available_cpus  # noqa: E402
from josanalysis.runner.execution import notebook_timings  # noqa: E402
from josanalysis.runner.kernels import KERNEL_NAME, WARM_DEFAULT  # noqa: E402
from josanalysis.runner.plan import NOTEBOOKS  # noqa: E402

DEFAULT_IMPORTS = [
    "import numpy", "import pandas", "import scipy", "import statsmodels.api",
    "import matplotlib.pyplot", "import seaborn", "import josanalysis",
]


def notebook_imports() -> list[str]:
    """Import statements of the report notebooks (falls back to the main dependencies)."""
    import ast

    lines: list[str] = []
    for name in NOTEBOOKS.values():
        path = ROOT / "notebooks" / name
        if not path.is_file():
            continue
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            src = "".join(cell.get("source", ""))
            try:
                tree = ast.parse(src)
            except SyntaxError:
                continue
            for node in tree.body:
                if isinstance(node, (ast.Import, ast.ImportFrom)) and not getattr(node, "level", 0):
                    line = ast.unparse(node)
                    if line not in lines and not line.startswith("from __future__"):
                        lines.append(line)
    return lines or list(DEFAULT_IMPORTS)


def write_floor_notebook(path: Path, imports: list[str]) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": KERNEL_NAME,
                                 "language": "python"}
    params = new_code_cell('region = ""\nprepared = ""\noutput_dir = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, new_code_cell("\n".join(imports)), new_code_cell("pass")]
    nbformat.write(nb, str(path))
    return path


def measure_floor(nb: Path, work: Path, repeats: int) -> dict[str, float]:
    import papermill as pm

    totals, starts, imports = [], [], []
    for i in range(repeats):
        out = work / f"floor-{i}.ipynb"
        t = time.perf_counter()
        pm.execute_notebook(str(nb), str(out), kernel_name=KERNEL_NAME,
                            progress_bar=False, cwd=None)
        totals.append(time.perf_counter() - t)
        tm = notebook_timings(out)
        starts.append(tm.get("kernel_start_seconds") or 0.0)
        imports.append(tm["cells"][1]["seconds"] if len(tm["cells"]) > 1 else 0.0)
    return {"total": statistics.median(totals), "kernel_start": statistics.median(starts),
            "imports": statistics.median(imports)}


def measure_warm(nb: Path, work: Path, imports: list[str], repeats: int) -> dict[str, float]:
    """Execute the floor notebook in one pre-started kernel that already imported everything."""
    import papermill as pm
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name=KERNEL_NAME)
    t = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    kc.execute_interactive("\n".join(imports), timeout=300)
    kc.stop_channels()
    prewarm = time.perf_counter() - t
    runs = []
    try:
        for i in range(repeats):
            t = time.perf_counter()
            kc = km.client()
            kc.start_channels()
            kc.execute_interactive("%reset -f", timeout=60)
            kc.stop_channels()
            pm.execute_notebook(str(nb), str(work / f"warm-{i}.ipynb"), km=km,
                                kernel_name=KERNEL_NAME, progress_bar=False)
            runs.append(time.perf_counter() - t)
    finally:
        km.shutdown_kernel(now=True)
    return {"prewarm": prewarm, "per_notebook": statistics.median(runs)}


def run_batch(region: str, workers: int, out: Path,
              warm: bool | None = None) -> tuple[BatchResult, float]:
    t = time.perf_counter()
    result = run_region(region, workers=workers, force=True, output_root=out,
                        progress=False, warm=warm)
    return result, time.perf_counter() - t


def breakdown(result: BatchResult) -> dict[str, float]:
    """Mean seconds per executed report, by phase, from the manifests."""
    phases: dict[str, list[float]] = {"total": [], "kernel_start": [], "cells": [], "html": [],
                                      "analysis": []}
    slowest: dict[str, list[float]] = {}
    for o in result.executed:
        m = json.loads((o.folder / "manifest.json").read_text(encoding="utf-8"))
        tm = m.get("timings", {})
        phases["total"].append(m.get("seconds", 0.0))
        phases["kernel_start"].append(tm.get("kernel_start_seconds") or 0.0)
        phases["cells"].append(tm.get("cells_seconds") or 0.0)
        phases["html"].append(tm.get("html_seconds") or 0.0)
        # the notebook's own work: cells other than parameters and the import cells
        phases["analysis"].append(sum(
            c["seconds"] for c in tm.get("cells", [])
            if not set(c.get("tags") or []) & {"parameters", "injected-parameters"}
            and not c["first_line"].startswith(("import ", "from "))))
        for c in tm.get("cells", []):
            slowest.setdefault(f"{o.kind}: {c['first_line']}", []).append(c["seconds"])
    out = {k: statistics.mean(v) if v else 0.0 for k, v in phases.items()}
    top = sorted(((statistics.mean(v), k) for k, v in slowest.items()), reverse=True)[:6]
    out["slowest_cells"] = [(k, round(s, 2)) for s, k in top]  # type: ignore[assignment]
    return out


def print_floor(args: argparse.Namespace, nb: Path, work: Path,
                imports: list[str]) -> dict[str, float]:
    """Sections 1 and 2: the floor and the warm-kernel probe (NaN when skipped)."""
    if args.skip_floor:
        return {"total": float("nan"), "kernel_start": float("nan"), "imports": float("nan")}
    floor = measure_floor(nb, work, args.repeats)
    print(f"\n[floor] empty notebook importing {len(imports)} line(s) of the report imports, "
          f"median of {args.repeats}:")
    print(f"  {floor['total']:.2f} s per notebook (kernel start {floor['kernel_start']:.2f} s,"
          f" imports {floor['imports']:.2f} s, rest = papermill/nbclient overhead)")

    warm = measure_warm(nb, work, imports, args.repeats)
    print(f"\n[warm-kernel probe] same notebook in a pre-started kernel with the imports done"
          f" (one-off {warm['prewarm']:.2f} s):")
    print(f"  {warm['per_notebook']:.2f} s per notebook = "
          f"{warm['per_notebook'] / floor['total']:.2f} x floor; saves "
          f"{floor['total'] - warm['per_notebook']:.2f} s per report")
    return floor


def print_demo(args: argparse.Namespace, work: Path, floor: dict[str, float],
               nproc: int) -> float | None:
    """Section 3: the demo region; returns the worker-seconds per report (None when skipped)."""
    if not (ROOT / "notebooks" / "school_report.ipynb").is_file():
        print("\n[demo] skipped: notebooks/school_report.ipynb does not exist yet.")
        return None
    workers = args.workers or nproc
    result, wall = run_batch("demoregio", workers, work / "out", args.warm)
    n = len(result.executed)
    per_report = wall * workers / max(n, 1)
    b = breakdown(result)
    mode = "warm" if (WARM_DEFAULT if args.warm is None else args.warm) else "fresh"
    print(f"\n[demo, {mode} kernels] demoregio: {n} reports ({len(result.failed)} failed) on "
          f"{workers} worker(s): wall {wall:.1f} s")
    print("  phases (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result.phases.items()))
    print(f"  worker-seconds per report {per_report:.2f} s = "
          f"{per_report / floor['total']:.2f} x floor (target <= 1.5); "
          f"mean report execution {b['total']:.2f} s = "
          f"{b['total'] / floor['total']:.2f} x floor")
    print(f"  mean per report: kernel start {b['kernel_start']:.2f} s, cells "
          f"{b['cells']:.2f} s (analysis cells {b['analysis']:.2f} s), HTML export "
          f"{b['html']:.2f} s")
    overhead = per_report - b["analysis"]
    print(f"  per-report overhead (worker-seconds minus the notebooks' analysis cells:"
          f" kernel, imports, papermill, HTML, dask) {overhead:.2f} s = "
          f"{overhead / floor['total']:.2f} x floor")
    print("  slowest cells (mean s):")
    for name, s in b["slowest_cells"]:  # type: ignore[union-attr]
        print(f"    {s:6.2f}  {name}")
    t = time.perf_counter()
    again = run_region("demoregio", workers=workers, output_root=work / "out", progress=False, warm=args.warm)
    rerun = time.perf_counter() - t
    print(f"  unchanged rerun (nothing out of date): wall {rerun:.1f} s = {100 * rerun / wall:.0f}% of the "
          f"first run (target < 25%); {len(again.skipped)} reports skipped, {len(again.executed)} executed")
    return per_report


def print_scale(args: argparse.Namespace, work: Path) -> None:
    """Section 4: the scale region with 1 and 2 workers (generated first when missing)."""
    region = args.region or f"synth-{args.scale}"
    if not args.region and not (PARAMS_DIR / "regions" / f"{region}.yaml").is_file():
        t = time.perf_counter()
        write_demo(ROOT / "data" / region, n_schools=args.scale)
        print(f"\n[scale] generated region {region} (data/{region}, params, git-ignored)"
              f" in {time.perf_counter() - t:.0f} s")
    if not (PARAMS_DIR / "regions" / f"{region}.yaml").is_file():
        print(f"\n[scale] skipped: region {region} does not exist.")
        return
    r1, w1 = run_batch(region, 1, work / "s1", args.warm)
    r2, w2 = run_batch(region, 2, work / "s2", args.warm)
    n = len(r1.executed)
    print(f"\n[scale] {region}: {n} reports; 1 worker {w1:.0f} s, 2 workers {w2:.0f} s;"
          f" speed-up {w1 / w2:.2f} x (target >= 1.7)")
    per_report = w1 / max(n, 1)
    eff = min(1.0, (w1 / w2) / 2)  # >1 only from load noise on a shared machine
    secs = {o.key: json.loads((o.folder / "manifest.json").read_text(encoding="utf-8"))
            .get("seconds", 0.0) for o in r1.executed}
    school = [v for k, v in secs.items() if k.startswith("schools/")]
    print(f"  1 worker: mean school report {statistics.mean(school):.1f} s "
          f"(max {max(school):.1f} s); region report {secs.get('region', 0):.0f} s, "
          f"budget report {secs.get('budget', 0):.0f} s")
    proj = 1500 * per_report / (16 * eff)
    print(f"  per-report cost {per_report:.2f} s; projected 1,500 schools on 16 "
          f"workers at the measured parallel efficiency {eff:.2f}: "
          f"{proj / 60:.1f} min, provided no single report takes longer (the region "
          f"report of one {n - 2}-school region took {secs.get('region', 0) / 60:.1f} "
          f"min; a national run is many regions of 8-15 schools)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="floor and warm repetitions")
    ap.add_argument("--workers", type=int, default=None, help="workers for the demo batch")
    ap.add_argument("--scale", type=int, default=0, metavar="N",
                    help="also run the N-school synthetic region with 1 and 2 workers")
    ap.add_argument("--region", default=None, metavar="REGION",
                    help="instead of --scale: measure the 1- vs 2-worker speed-up on this region")
    ap.add_argument("--skip-demo", action="store_true")
    ap.add_argument("--skip-floor", action="store_true", help="skip floor and warm probe")
    ap.add_argument("--warm", action=argparse.BooleanOptionalAction, default=None,
                    help="demo and scale batches with warm (forked) kernels or, with --no-warm,"
                         " a fresh kernel per report (default: the batch's default)")
    args = ap.parse_args()
    nproc = available_cpus()
    print(f"machine: {nproc} CPU(s) available; load average {os.getloadavg()[0]:.2f}")

    with tempfile.TemporaryDirectory(prefix="josbench-") as tmp:
        work = Path(tmp)
        imports = notebook_imports()
        nb = write_floor_notebook(work / "floor.ipynb", imports)
        floor = print_floor(args, nb, work, imports)
        per_report = None if args.skip_demo else print_demo(args, work, floor, nproc)
        if args.scale or args.region:
            print_scale(args, work)
        elif per_report is not None:
            print(f"\n[projection] 1,500 school reports on 16 workers from the demo per-report "
                  f"cost (ideal scaling): {1500 * per_report / 16 / 60:.1f} min "
                  f"(run --scale 200 for a measured parallel efficiency)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
