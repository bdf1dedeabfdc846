"""Benchmark: the analytic minimum detectable effect against the simulated one (issue 18).

Run from the project root::

    .venv/bin/python benchmarks/mde.py                 # every JOS school of the demo region
    .venv/bin/python benchmarks/mde.py --n-simulations 500

For every JOS school of the demo region and every monthly indicator of the analysis plan it
fits the pre-specified model once, runs the placebo dates, and computes the MDE of the whole
verdict rule (interval excludes the null *and* the change beats the placebo threshold) both
analytically and by simulation (:func:`josanalysis.methods.minimum_detectable_effect` with
``method="analytic"`` / ``"simulation"``, the same fit and threshold). It prints both per
school, their ratio and the time each took, and a summary line. Prints measured figures;
asserts nothing. Results are recorded in docs/methods.md.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from josanalysis.assessment import load_context, model_spec  # noqa: E402
from josanalysis.assessment.verdicts import MIN_EVENTS_PER_POINT  # noqa: E402
from josanalysis.core.indicators import get_indicator  # noqa: E402
from josanalysis.core.errors import JosError  # noqa: E402
from josanalysis.methods import fit_its, minimum_detectable_effect, placebo_test  # noqa: E402


def _size(mde) -> float:
    """The MDE's decrease on the link scale (a difference, or |log ratio|)."""
    return abs(math.log(mde.mde_decrease)) if mde.scale == "ratio" else abs(mde.mde_decrease)


def rows(region: str, n_simulations: int) -> list[dict]:
    ctx = load_context(region)
    out = []
    for school in ctx.region.jos_schools:
        start = pd.Timestamp(school.jos_start)
        for key, ind_plan in ctx.plan.indicators.items():
            spec = model_spec(ctx.plan, key)
            series = ctx.panel.series(school.school_id, key, covid_windows=ctx.plan.covid_windows)
            try:
                fit = fit_its(series, key, "month", start, spec)
            except JosError:
                continue
            try:
                pl = placebo_test(series, key, "month", start, spec, n_dates=20, term=ind_plan.primary, fit=fit)
                thr = pl.threshold()
            except JosError:
                thr = None
            common = dict(fit=fit, threshold=thr, term=ind_plan.primary)
            t0 = time.perf_counter()
            try:
                ana = minimum_detectable_effect(series, key, "month", start, spec, method="analytic", **common)
            except JosError:
                # no MDE: the fit is the exact observed/expected ratio (no finite level change)
                print(f"{school.school_id} {key}: no MDE ({fit.spec['interval']} fit)")
                continue
            t1 = time.perf_counter()
            sim = minimum_detectable_effect(series, key, "month", start, spec, method="simulation",
                                            n_simulations=n_simulations, **common)
            t2 = time.perf_counter()
            used = series[~series["covid"].astype(bool)]
            small = get_indicator(key).is_count and used.loc[used["month"] < start, key].mean() < MIN_EVENTS_PER_POINT
            out.append({"school": school.school_id, "indicator": key, "scale": ana.scale, "small_counts": small,
                        "analytic": ana.mde_decrease, "simulated": sim.mde_decrease,
                        "ratio": _size(ana) / _size(sim), "placebo_rule": thr is not None,
                        "ms_analytic": 1000 * (t1 - t0), "s_simulated": t2 - t1})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", default="demoregio")
    ap.add_argument("--n-simulations", type=int, default=200)
    args = ap.parse_args()
    df = pd.DataFrame(rows(args.region, args.n_simulations))
    with pd.option_context("display.width", 160, "display.max_rows", 200):
        print(df.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    print(f"\n{len(df)} school x indicator MDEs, {int(df['small_counts'].sum())} of them on series under the "
          "small-count rule (no verdict, no MDE printed); the others:")
    df = df[~df["small_counts"]]
    beyond = (df["scale"] == "ratio") & ((df["analytic"] < 0.1) | (df["simulated"] < 0.1))
    print(f"{int(beyond.sum())} of the {len(df)} printed MDEs are beyond a 90% decrease by one method or both "
          "(the report says: even a decrease of 90% would be missed more often than 1 in 5): "
          + ", ".join(f"{r.school} {r.indicator} ({r.analytic:.2g} / {r.simulated:.2g})" for r in df[beyond].itertuples()))
    df = df[~beyond]
    dev = (df["ratio"] - 1).abs()
    print(f"{len(df)} printed MDEs; analytic / simulated size: median {df['ratio'].median():.3f}, "
          f"range {df['ratio'].min():.3f}-{df['ratio'].max():.3f}; within 10%: {100 * (dev <= 0.10).mean():.0f}% "
          f"({int((dev <= 0.10).sum())} of {len(df)})")
    for key, g in df.groupby("indicator"):
        print(f"  {key}: median ratio {g['ratio'].median():.3f}, max |ratio - 1| {(g['ratio'] - 1).abs().max():.3f}")
    print(f"time per MDE: analytic {df['ms_analytic'].median():.1f} ms, simulated {df['s_simulated'].median():.2f} s "
          f"(median; n_simulations={args.n_simulations})")


if __name__ == "__main__":
    main()
