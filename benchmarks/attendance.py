"""Benchmark: aggregate a 10-million-row lesson-level attendance file to school x month.

Generates a realistic attendance registration for a region (13 schools, about 10,500 pupils,
every lesson day of five school years, 5-8 scheduled hours a day, skewed absence with a few
chronic absentees) as a ``;``-separated CSV in a temporary directory, with DuckDB (no Python
loop) in one child process, then times :func:`josanalysis.sources.load_attendance` in a fresh
child process that reports its own peak resident memory and CPU time
(``resource.getrusage(RUSAGE_SELF)``: DuckDB's native allocations included, unlike tracemalloc).
Wall time depends on what else runs on the machine, so the CPU time and the load average are
printed as well.

With ``--layout reasons`` the file is a reason-code export instead (one row per pupil, lesson day
and lesuur, 5 lessons a day, with the reason codes ziek / TL / te laat on about 5% of the lessons),
read with the demo region's mapping of the codes.

Run::

    .venv/bin/python benchmarks/attendance.py [--rows 10000000] [--keep DIR] [--layout split|reasons]

Target (issue 3): under 10 s and under 2 GB peak on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

SCHOOLS = ["DM0100", "DM0200", "DM0300", "DM0400", "DM0500", "DM0600", "DM0700", "DM0800",
           "DM0900", "DM1000", "DM1100", "DM1200", "DM1300"]


def generate_reasons(path: Path, rows: int) -> float:
    """Write about ``rows`` pupil x lesson-day x lesuur rows in the reason-code layout; seconds taken."""
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar=false")
    schools = "[" + ", ".join(f"'{s}'" for s in SCHOOLS) + "]"
    con.execute(f"""
        COPY (
          SELECT 'L' || lpad(CAST(100000 + p AS VARCHAR), 7, '0') AS leerling_id,
                 list_extract({schools}, CAST(p % {len(SCHOOLS)} AS INTEGER) + 1) AS vestigingscode,
                 strftime(d, '%Y-%m-%d') AS datum, lesuur, 1 AS lesuren_gepland,
                 CASE WHEN u < 3 THEN 'ziek' WHEN u < 4 THEN 'TL' WHEN u < 5 THEN 'te laat' ELSE '' END AS reden,
                 CASE WHEN u < 5 THEN 1 ELSE 0 END AS lesuren_afwezig
          FROM (
            SELECT (i // 5) % 10500 AS p, 1 + i % 5 AS lesuur, hash(i) % 100 AS u,
                   DATE '2019-08-19' + CAST(i // 52500 AS INTEGER) AS d
            FROM range({rows}) t(i)
          ) WHERE dayofweek(d) BETWEEN 1 AND 5
        ) TO '{path}' (HEADER, DELIMITER ';')
    """)
    con.close()
    return time.perf_counter() - t0


def generate(path: Path, rows: int) -> float:
    """Write ``rows`` pupil x lesson-day rows to ``path``; return seconds taken."""
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar=false")
    # lesson days: weekdays of 2019-08-19 .. 2024-07-12 outside the summer holiday
    con.execute("""
        CREATE TABLE days AS
        SELECT row_number() OVER (ORDER BY d) - 1 AS k, d FROM (
          SELECT CAST(range AS DATE) AS d FROM range(DATE '2019-08-19', DATE '2024-07-13', INTERVAL 1 DAY)
        ) WHERE dayofweek(d) BETWEEN 1 AND 5
          AND NOT (month(d) = 7 AND day(d) > 12) AND NOT (month(d) = 8 AND day(d) < 19)
    """)
    n_days = con.execute("SELECT count(*) FROM days").fetchall()[0][0]
    n_pupils = -(-rows // n_days)
    schools = "[" + ", ".join(f"'{s}'" for s in SCHOOLS) + "]"
    con.execute(f"""
        COPY (
          SELECT 'L' || lpad(CAST(100000 + p AS VARCHAR), 7, '0') AS leerling_id,
                 list_extract({schools}, CAST(p % {len(SCHOOLS)} AS INTEGER) + 1) AS vestigingscode,
                 strftime(days.d, '%Y-%m-%d') AS datum,
                 g AS lesuren_gepland,
                 CASE WHEN u < 0.07 + 0.25 * CAST(p % 37 = 0 AS INTEGER) THEN least(g, 1 + (p + k) % 4) ELSE 0 END
                   AS lesuren_afwezig_geoorloofd,
                 CASE WHEN u > 0.975 - 0.2 * CAST(p % 53 = 0 AS INTEGER) THEN least(g, 1 + (p * 7 + k) % 3) ELSE 0 END
                   AS lesuren_afwezig_ongeoorloofd
          FROM (
            SELECT i, i % {n_pupils} AS p, i // {n_pupils} AS k,
                   5 + (i * 2654435761) % 4 AS g, random() AS u
            FROM range({rows}) t(i)
          ) r JOIN days USING (k)
          ORDER BY k, p
        ) TO '{path}' (HEADER, DELIMITER ';')
    """)
    con.close()
    return time.perf_counter() - t0


CHILD = r"""
import sys, time, json, resource
from josanalysis.core.config import load_region
from josanalysis.sources import load_attendance
reasons = load_region("demoregio").absence_reason_maps() if sys.argv[2] == "reasons" else None
t0, c0 = time.perf_counter(), time.process_time()
df = load_attendance(sys.argv[1], reasons=reasons)
elapsed, cpu_load = time.perf_counter() - t0, time.process_time() - c0
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": elapsed, "cpu_load": cpu_load, "groups": len(df), "maxrss_kb": ru.ru_maxrss,
                  "cpu": ru.ru_utime + ru.ru_stime,
                  "pupil_months": int(df["n_pupils"].sum()),
                  "mean_absence_rate": float((df["absent_hours"].sum() / df["scheduled_hours"].sum()))}))
"""


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--keep", type=Path, default=None, help="write the CSV here and keep it")
    ap.add_argument("--layout", choices=("split", "reasons"), default="split",
                    help="hours already split (default) or per reason code")
    ap.add_argument("--generate-only", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.generate_only is not None:
        (generate if args.layout == "split" else generate_reasons)(args.generate_only, args.rows)
        return
    tmp = tempfile.TemporaryDirectory() if args.keep is None else None
    folder = Path(tmp.name) if tmp else args.keep
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "verzuim-2019-2024.csv"
    # generate in a child process: a forked child inherits the parent's resident-set high-water
    # mark on Linux, so the parent must stay small for the measured child's max RSS to be its own
    t0 = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--generate-only", str(path), "--rows", str(args.rows),
                    "--layout", args.layout], check=True, cwd=Path(__file__).resolve().parents[1])
    gen = time.perf_counter() - t0
    size_mb = path.stat().st_size / 1e6
    with path.open() as fh:
        n_rows = sum(1 for _ in fh) - 1 if args.rows <= 2_000_000 or args.layout == "reasons" else args.rows
    load1 = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path), args.layout], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1])
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(proc.stderr)
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    # the child's own rusage: its peak RSS (not the generator's) and its CPU time
    peak_kb, cpu = res["maxrss_kb"], res["cpu"]
    print(f"machine: {os.cpu_count()} cores (nproc), CPU {cpu_model()}, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB RAM, "
          f"Python {platform.python_version()}, duckdb {duckdb.__version__}")
    print(f"input: {n_rows:,} rows, {size_mb:.0f} MB CSV, layout '{args.layout}' (generated in {gen:.1f} s)")
    print(f"load_attendance: {res['seconds']:.2f} s inside the child "
          f"({wall:.2f} s wall incl. interpreter start and imports)")
    print(f"CPU time of load_attendance (user + sys, all threads): {res['cpu_load']:.1f} s "
          f"(whole child incl. imports {cpu:.1f} s); load average when started: {load1:.1f} "
          f"on {os.cpu_count()} cores")
    print(f"peak memory (child max RSS): {peak_kb / 1024:.0f} MB")
    print(f"output: {res['groups']} school x month rows, {res['pupil_months']:,} pupil-months, "
          f"overall absence rate {res['mean_absence_rate']:.3f}")
    target = res["seconds"] < 10 and peak_kb / 1024 < 2048
    print("target (< 10 s, < 2 GB):", "met" if target else "NOT met")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
