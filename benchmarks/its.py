"""Benchmark of the ITS, robustness and event-study code: speed and interval coverage.

Prints measured numbers (nothing is asserted). Run from the project root:

    .venv/bin/python benchmarks/its.py              # full version (several minutes)
    .venv/bin/python benchmarks/its.py --quick      # fewer replications

Sections:
1. speed: one default ``fit_its`` on a 110-month seasonal series (median of repeated fits);
   the full sensitivity table + MDE (200 simulations) for one school;
2. coverage of the 95% interval for a known level change on seasonal monthly series with
   AR(1) errors (rho 0.2, 0.35, 0.5; 110 lesson months), per autocorrelation method;
3. coverage for counts (quasi-Poisson with AR(1) latent noise) per method;
4. placebo procedure on no-effect series: share of placebo fits that reject at 5%;
5. event study (13 schools, staggered): coverage of the pooled ATT interval;
6. CausalPy's OLS interrupted time series on the same series, if it can be installed into a
   throwaway virtualenv under /tmp (never into the project).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
warnings.simplefilter("ignore")

from josanalysis.methods.eventstudy import event_study  # noqa: E402
from josanalysis.methods.its import fit_its  # noqa: E402
from josanalysis.methods.robustness import minimum_detectable_effect, placebo_test, sensitivity_table  # noqa: E402


def months(n: int = 110) -> pd.DatetimeIndex:
    m = pd.date_range("2013-09-01", periods=n + n // 10 + 12, freq="MS")
    return m[m.month != 8][:n]


def ar1(rng: np.random.Generator, n: int, rho: float, sd: float) -> np.ndarray:
    e = np.empty(n)
    e[0] = rng.normal(0, sd / np.sqrt(1 - rho**2))
    for i in range(1, n):
        e[i] = rho * e[i - 1] + rng.normal(0, sd)
    return e


def rate_series(rng, rho=0.3, level=0.01, n=110, start_pos=74, sd=0.005):
    m = months(n)
    start = m[start_pos]
    post = np.asarray(m >= start, dtype=float)
    seas = 0.01 * np.sin(2 * np.pi * m.month / 12) + 0.004 * (m.month == 12)
    y = 0.06 + 0.0001 * np.arange(n) + seas + level * post + ar1(rng, n, rho, sd)
    return pd.DataFrame({"month": m, "absence_rate": y}), start


def count_series(rng, rho=0.4, rr=0.8, n=110, start_pos=74):
    m = months(n)
    start = m[start_pos]
    post = np.asarray(m >= start, dtype=float)
    latent = ar1(rng, n, rho, 0.15)
    mu = 2000 * 0.02 * np.exp(0.15 * np.cos(2 * np.pi * m.month / 12) + latent) * rr**post
    return pd.DataFrame({"month": m, "y": rng.poisson(mu), "pupils": 2000.0}), start


def speed() -> None:
    rng = np.random.default_rng(1)
    d, start = rate_series(rng)
    fit_its(d, "absence_rate", "month", start, seasonality="month")
    times = []
    for _ in range(50):
        t0 = time.perf_counter()
        fit_its(d, "absence_rate", "month", start, seasonality="month")
        times.append(time.perf_counter() - t0)
    print(f"fit_its default (gaussian, month FE, AR(1) REML-GLS), 110 months: median "
          f"{1000 * np.median(times):.1f} ms (target < 50 ms)")
    t0 = time.perf_counter()
    sensitivity_table(d, "absence_rate", "month", start, seasonality="month")
    t1 = time.perf_counter()
    minimum_detectable_effect(d, "absence_rate", "month", start, seasonality="month", method="simulation",
                              n_simulations=200)
    t2 = time.perf_counter()
    print(f"sensitivity table {t1 - t0:.2f} s + MDE (200 sims) {t2 - t1:.2f} s = {t2 - t0:.2f} s (target < 5 s)")
    dc, sc = count_series(rng)
    kw = dict(family="quasipoisson", offset="pupils", seasonality="harmonic", harmonics=2)
    t0 = time.perf_counter()
    sensitivity_table(dc, "y", "month", sc, **kw)
    t1 = time.perf_counter()
    minimum_detectable_effect(dc, "y", "month", sc, method="simulation", n_simulations=200, **kw)
    t2 = time.perf_counter()
    print(f"counts (quasi-Poisson): sensitivity table {t1 - t0:.2f} s + MDE {t2 - t1:.2f} s = {t2 - t0:.2f} s")


def coverage(reps: int) -> None:
    methods = ["ar1", "ar1_fgls", "hac", "none"]
    print(f"coverage of 95% CI for the level change (gaussian, month FE, slope term; {reps} runs per rho)")
    print("  rho   " + "  ".join(f"{m:>9}" for m in methods) + "   mean rho_hat(ar1)")
    for rho in (0.2, 0.35, 0.5):
        rng = np.random.default_rng(int(rho * 1000))
        hits = dict.fromkeys(methods, 0)
        rhos = []
        for _ in range(reps):
            d, start = rate_series(rng, rho=rho)
            for m in methods:
                r = fit_its(d, "absence_rate", "month", start, seasonality="month", autocorrelation=m)
                lev = r.effects.loc["level"]
                hits[m] += lev.ci_low <= 0.01 <= lev.ci_high
                if m == "ar1":
                    rhos.append(r.diagnostics["rho"][0])
        print(f"  {rho:.2f}  " + "  ".join(f"{hits[m] / reps:9.3f}" for m in methods) + f"   {np.mean(rhos):.3f}")


def count_coverage(reps: int) -> None:
    methods = ["ar1", "hac", "none"]
    print(f"coverage for counts (quasi-Poisson, harmonic, latent AR(1) 0.4, RR 0.8; {reps} runs)")
    rng = np.random.default_rng(11)
    hits = dict.fromkeys(methods, 0)
    for _ in range(reps):
        d, start = count_series(rng)
        for m in methods:
            lev = fit_its(d, "y", "month", start, family="quasipoisson", offset="pupils", seasonality="harmonic",
                          harmonics=2, autocorrelation=m).effects.loc["level"]
            hits[m] += lev.ci_low <= 0.8 <= lev.ci_high
    print("  " + "  ".join(f"{m}: {hits[m] / reps:.3f}" for m in methods))


def placebo(reps: int) -> None:
    rng = np.random.default_rng(5)
    rej, ranks = [], []
    for i in range(reps):
        d, start = rate_series(rng, rho=(0.2, 0.35, 0.5)[i % 3], level=0.0)
        res = placebo_test(d, "absence_rate", "month", start, seasonality="month", n_dates=10)
        lev = res.placebos[res.placebos.term == "level"]
        rej.extend((lev.p_value < 0.05).tolist())
        ranks.append(res.rank_p)
    print(f"placebo on {reps} no-effect series x 10 dates: {100 * np.mean(rej):.1f}% of placebo fits reject "
          f"at 5%; real-start rank p <= 0.10 in {100 * np.mean(np.array(ranks) <= 0.1):.1f}% of series")


def event_study_coverage(reps: int) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from tests.test_eventstudy import staggered_panel, true_effect

    rng = np.random.default_rng(3)
    hit = 0
    ev_hits: list[pd.Series] = []
    t_es = []
    for _ in range(reps):
        p = staggered_panel(rng)
        t0 = time.perf_counter()
        r = event_study(p, "absence_rate", unit="school", time="month", start="jos_start")
        t_es.append(time.perf_counter() - t0)
        truth = p.loc[p.true_effect != 0, "true_effect"].mean()
        a = r.att.loc["att"]
        hit += a.ci_low <= truth <= a.ci_high
        ev = r.event.dropna()
        t = true_effect(ev.index.to_numpy())
        ev_hits.append(pd.Series(((ev.ci_low <= t) & (t <= ev.ci_high)).to_numpy(), index=ev.index))
    by_year = pd.concat(ev_hits, axis=1).mean(axis=1)
    print(f"event study ({reps} staggered panels, 13 schools): ATT coverage {hit / reps:.3f}; by event year "
          + ", ".join(f"{k}: {v:.2f}" for k, v in by_year.items())
          + f"; median time {np.median(t_es):.2f} s")


CAUSALPY_SCRIPT = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd
import causalpy as cp
from sklearn.linear_model import LinearRegression
d = pd.read_csv(sys.argv[1], parse_dates=["month"])
start = pd.Timestamp(sys.argv[2])
d["t"] = range(len(d))
d["m"] = d.month.dt.month.astype(str)
d = d.set_index("month")
times = []
for _ in range(10):
    t0 = time.perf_counter()
    r = cp.InterruptedTimeSeries(d, start, formula="absence_rate ~ 1 + t + C(m)", model=LinearRegression())
    times.append(time.perf_counter() - t0)
impact = float(pd.Series(r.post_impact.squeeze()).mean()) if hasattr(r, "post_impact") else float("nan")
print(json.dumps({"median_ms": 1000 * sorted(times)[len(times) // 2], "mean_post_impact": impact}))
"""


def causalpy_compare() -> None:
    venv = Path("/tmp/cpvenv/bin/python")
    if not venv.exists() or subprocess.run([str(venv), "-c", "import causalpy"], capture_output=True).returncode:
        print("CausalPy: not installed in the throwaway venv /tmp/cpvenv (pip install causalpy there); skipped.")
        return
    rng = np.random.default_rng(1)
    d, start = rate_series(rng)
    ours = fit_its(d, "absence_rate", "month", start, seasonality="month", slope_change=False)
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "s.csv"
        d.to_csv(f, index=False)
        script = Path(tmp) / "cp.py"
        script.write_text(CAUSALPY_SCRIPT)
        out = subprocess.run([str(venv), str(script), str(f), str(start.date())], capture_output=True, text=True,
                             timeout=600, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if out.returncode:
        print("CausalPy: run failed: " + out.stderr.strip().splitlines()[-1])
        return
    res = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"CausalPy OLS ITS (sklearn LinearRegression, pre-period fit + forecast): median "
          f"{res['median_ms']:.1f} ms, mean post-period impact {res['mean_post_impact']:.4f} (no interval); "
          f"josanalysis level {ours.effects.loc['level', 'estimate']:.4f} "
          f"[{ours.effects.loc['level', 'ci_low']:.4f}, {ours.effects.loc['level', 'ci_high']:.4f}], truth 0.0100")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reps", type=int, default=None)
    args = ap.parse_args()
    reps = args.reps or (60 if args.quick else 500)
    speed()
    coverage(reps)
    count_coverage(max(40, reps // 2))
    placebo(max(20, reps // 5))
    event_study_coverage(max(20, reps // 2))
    causalpy_compare()


if __name__ == "__main__":
    main()
