"""Benchmark: the analytic minimum detectable effect against the simulated one (issue 18).

Run from the project root::

    .venv/bin/python benchmarks/mde.py                 # every JOS school of the demo region
    .venv/bin/python benchmarks/mde.py --n-simulations 500
    .venv/bin/python benchmarks/mde.py --indicators thuiszitters absolute_absence   # a part of them
    .venv/bin/python benchmarks/mde.py --indicators thuiszitters --schools DM0700 DM0800 --n-simulations 600

For every JOS school of the demo region and every monthly indicator of the analysis plan it
fits the pre-specified model once, runs the placebo dates, and computes the MDE of the whole
verdict rule (interval excludes the null *and* the change beats the placebo threshold) both
analytically and by simulation (:func:`josanalysis.methods.minimum_detectable_effect` with
``method="analytic"`` / ``"simulation"``, the same fit and threshold; count indicators are simulated
as whole counts with the fitted mean, dispersion and autocorrelation). It prints both per
school, their ratio and the time each took, and a summary line. A decrease beyond 90% is printed
alike by the report whatever its size ("meer dan 90%"), so such MDEs are compared by whether both
methods put them there. Prints measured figures; asserts nothing. Results are recorded in
docs/methods.md.
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
from josanalysis.methods.robustness.power import UNDETECTABLE_RATIO, simulated_power  # noqa: E402


def _size(mde) -> float:
    """The MDE's decrease on the link scale (a difference, or |log ratio|)."""
    return abs(math.log(mde.mde_decrease)) if mde.scale == "ratio" else abs(mde.mde_decrease)


def rows(region: str, n_simulations: int, indicators: list[str] | None = None,
         schools: list[str] | None = None) -> list[dict]:
    ctx = load_context(region)
    out = []
    for school in ctx.region.jos_schools:
        if schools and school.school_id not in schools:
            continue
        start = pd.Timestamp(school.jos_start)
        for key, ind_plan in ctx.plan.indicators.items():
            if indicators and key not in indicators:
                continue
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
            used = series[~series["covid"].astype(bool)]
            small = get_indicator(key).is_count and used.loc[used["month"] < start, key].mean() < MIN_EVENTS_PER_POINT
            row = {"school": school.school_id, "indicator": key, "scale": ana.scale, "small_counts": small,
                   "analytic": ana.mde_decrease, "simulated": math.nan, "ratio": math.nan,
                   "power_at_analytic": math.nan, "placebo_rule": thr is not None,
                   "ms_analytic": 1000 * (t1 - t0), "s_simulated": math.nan}
            if not small:          # the report prints no MDE under the small-count rule: nothing to compare
                sim = minimum_detectable_effect(series, key, "month", start, spec, method="simulation",
                                                n_simulations=n_simulations, **common)
                t2 = time.perf_counter()
                # the check of the printed figure: how often series drawn from the fitted model with the
                # analytic MDE built in are detected by the rule
                hit = simulated_power(fit, ana.mde_decrease, threshold=thr, term=ind_plan.primary,
                                      n_simulations=n_simulations, seed=7)
                row.update(simulated=sim.mde_decrease, ratio=_size(ana) / _size(sim), power_at_analytic=hit,
                           s_simulated=t2 - t1)
            print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()),
                  file=sys.stderr, flush=True)
            out.append(row)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", default="demoregio")
    ap.add_argument("--n-simulations", type=int, default=200)
    ap.add_argument("--indicators", nargs="+", help="only these monthly indicators of the plan")
    ap.add_argument("--schools", nargs="+", help="only these JOS schools")
    args = ap.parse_args()
    df = pd.DataFrame(rows(args.region, args.n_simulations, args.indicators, args.schools))
    with pd.option_context("display.width", 160, "display.max_rows", 200):
        print(df.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    print(f"\n{len(df)} school x indicator MDEs, {int(df['small_counts'].sum())} of them on series under the "
          "small-count rule (no verdict, no MDE printed); the others:")
    df = df[~df["small_counts"]]
    ratio = df["scale"] == "ratio"
    both = ratio & (df["analytic"] < UNDETECTABLE_RATIO) & (df["simulated"] < UNDETECTABLE_RATIO)
    one = ratio & ((df["analytic"] < UNDETECTABLE_RATIO) != (df["simulated"] < UNDETECTABLE_RATIO))

    def listed(g: pd.DataFrame) -> str:
        return ", ".join(f"{r.school} {r.indicator} ({r.analytic:.2g} / {r.simulated:.2g})" for r in g.itertuples())

    print(f"{int(both.sum())} of the {len(df)} printed MDEs are beyond a 90% decrease by both methods (printed alike: "
          f"even a decrease of 90% would be missed more often than 1 in 5): {listed(df[both])}")
    print(f"{int(one.sum())} are beyond a 90% decrease by one method only (a disagreement): {listed(df[one])}")
    df = df[~both & ~one]
    dev = (df["ratio"] - 1).abs()
    print(f"{len(df)} printed MDEs below a 90% decrease; analytic / simulated size: median {df['ratio'].median():.3f}, "
          f"range {df['ratio'].min():.3f}-{df['ratio'].max():.3f}; within 10%: {100 * (dev <= 0.10).mean():.0f}% "
          f"({int((dev <= 0.10).sum())} of {len(df)}); all printed MDEs that agree (within 10%, or both beyond 90%): "
          f"{int((dev <= 0.10).sum() + both.sum())} of {len(df) + int(both.sum() + one.sum())}")
    for key, g in df.groupby("indicator"):
        print(f"  {key}: median ratio {g['ratio'].median():.3f}, max |ratio - 1| {(g['ratio'] - 1).abs().max():.3f}; "
              f"simulated power at the analytic MDE: median {g['power_at_analytic'].median():.3f}, "
              f"range {g['power_at_analytic'].min():.3f}-{g['power_at_analytic'].max():.3f}")
    print(f"time per MDE: analytic {df['ms_analytic'].median():.1f} ms, simulated {df['s_simulated'].median():.2f} s "
          f"(median; n_simulations={args.n_simulations})")


if __name__ == "__main__":
    main()
