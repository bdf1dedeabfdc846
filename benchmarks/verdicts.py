"""Benchmark of the verdict rules: verdict shares and interval coverage on school-like series.

Prints measured numbers (nothing is asserted; ``tests/test_verdict_benchmark.py`` runs a tiny
version). Every simulated series goes through the whole rule the school report applies: the
pre-specified ITS (AR(1) errors), placebo start dates, the minimum detectable effect of the
whole rule (the analytic MDE with the placebo threshold), the small-count rule and :func:`assess`.

    .venv/bin/python benchmarks/verdicts.py            # full version (tens of minutes)
    .venv/bin/python benchmarks/verdicts.py --quick    # fewer replications
    .venv/bin/python benchmarks/verdicts.py --only counts --means 3 --series 600   # one count level

Sections:
1. rates (absence, gaussian): per series, the verdicts under no effect, with an effect equal to
   the series' own printed MDE and with twice that MDE (the effect is added to the same noise,
   so the three analyses differ only by the effect); coverage of the primary interval;
2. counts (thuiszitters-like stock, quasi-Poisson) at about 1, 3 and 10 events a month, the
   same three analyses; the shares of effect claims among the series whose report prints an MDE
   (pre-period mean of at least 3 events a month) and among all series, with the size of each group
   and Monte-Carlo standard errors;
3. the region's pooled estimate (event study, wild cluster bootstrap-t, and the randomization
   test of the start dates that can downgrade a clear change) with 8 and 15 JOS schools plus 2
   comparison schools: coverage of the pooled interval and of every event year, the verdict
   shares under no effect (with the whole rule, and with the interval alone), with an effect
   equal to the interval's MDE, twice it, and the whole rule's printed MDE; every share with its
   Monte-Carlo standard error; the extra time of the randomization test. The region runs in chunks:

    .venv/bin/python benchmarks/verdicts.py --only region --schools 15 --panels 100 --seed 1 --save r.csv
    .venv/bin/python benchmarks/verdicts.py --summarise r.csv
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
warnings.simplefilter("ignore")

from josanalysis.assessment.evidence import Effect, Evidence, evidence_from_its  # noqa: E402
from josanalysis.assessment.region import REGION_PERMUTATIONS, pooled_mde  # noqa: E402
from josanalysis.assessment.verdicts import EFFECT_CLAIMS, MIN_EVENTS_PER_POINT, assess  # noqa: E402
from josanalysis.core.errors import JosError  # noqa: E402
from josanalysis.methods import ItsSpec, event_study, fit_its  # noqa: E402
from josanalysis.methods.its.sparse import OBSERVED_EXPECTED  # noqa: E402
from josanalysis.methods.robustness import minimum_detectable_effect, placebo_test  # noqa: E402
from josanalysis.methods.robustness.power import ar_noise  # noqa: E402

RATE_SPEC = ItsSpec(family="gaussian", seasonality="month", autocorrelation="ar1")
COUNT_SPEC = ItsSpec(family="quasipoisson", offset="pupils", seasonality=None, autocorrelation="ar1")


def lesson_months(first: str, n: int) -> pd.DatetimeIndex:
    """``n`` lesson months (no August) from ``first``."""
    m = pd.date_range(first, periods=n + n // 10 + 12, freq="MS")
    return m[m.month != 8][:n]


def _ar1(rng: np.random.Generator, n: int, rho: float, sd: float) -> np.ndarray:
    """AR(1) noise with innovation standard deviation ``sd`` (the library's generator)."""
    return ar_noise(rng, n, np.array([rho]), sd / np.sqrt(1 - rho**2))


def school_design(rng: np.random.Generator) -> tuple[pd.DatetimeIndex, pd.Timestamp]:
    """A school's lesson months: 3 to 5 school years before JOS, 2 to 3 after."""
    n_pre, n_post = 11 * int(rng.integers(3, 6)), 11 * int(rng.integers(2, 4))
    start = pd.Timestamp(f"{2022 - n_pre // 11}-09-01")
    m = lesson_months(str(start.date()), n_pre + n_post)
    return m, m[n_pre]


def rate_base(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.Timestamp, np.ndarray]:
    m, start = school_design(rng)
    y = 0.06 + 0.01 * np.sin(2 * np.pi * m.month / 12) - 0.00002 * np.arange(len(m)) + _ar1(rng, len(m), 0.3, 0.004)
    return pd.DataFrame({"month": m, "absence_rate": y}), start, np.asarray(m >= start, dtype=float)


def count_base(rng: np.random.Generator, mean: float) -> tuple[pd.DatetimeIndex, pd.Timestamp, np.ndarray, np.ndarray]:
    m, start = school_design(rng)
    z = _ar1(rng, len(m), 0.6, 0.25)
    return m, start, mean * np.exp(z - 0.25**2 / (2 * (1 - 0.36))), np.asarray(m >= start, dtype=float)


def count_frame(m, lam, post, rr, seed) -> pd.DataFrame:
    y = np.random.default_rng(seed).poisson(lam * rr**post).astype(float)
    return pd.DataFrame({"month": m, "thuiszitters": y, "pupils": 800.0})


def robustness(d, outcome, start, spec, n_sims, seed):
    """Placebo dates and the MDE of the whole rule, as ``assessment.school`` runs them."""
    try:
        pl = placebo_test(d, outcome, "month", start, spec, n_dates=20, min_segment=12)
    except JosError:
        pl = None
    try:
        mde = minimum_detectable_effect(d, outcome, "month", start, spec, n_simulations=n_sims, seed=seed,
                                        threshold=pl.threshold() if pl is not None else None)
    except JosError:
        mde = None
    return pl, mde


def verdict(d, outcome, start, spec, pl, mde, truth) -> tuple[str, bool | None, str]:
    """The verdict of the whole rule, whether the primary interval covers ``truth`` and the fit's
    kind of interval (``"observed_expected"`` when the count model had no finite level change)."""
    extra = {}
    if spec.family != "gaussian":
        pre, post = d.loc[d.month < start, outcome], d.loc[d.month >= start, outcome]
        extra["events_per_point"] = (float(pre.mean()), float(post.mean()))
    try:
        fit = fit_its(d, outcome, "month", start, spec)
    except JosError:
        return "not_assessable", None, ""
    if pl is not None:
        extra["placebo_estimates"] = tuple(pl.estimates())
    if mde is not None:
        extra["mde"] = float(mde.mde_decrease)
    a = assess(evidence_from_its(fit, outcome, None, **extra))
    lv = fit.effects.loc["level"]
    return a.verdict_key, bool(lv.ci_low <= truth <= lv.ci_high), fit.spec["interval"]


def _share(keys: list[str]) -> str:
    c = Counter(keys)
    return ", ".join(f"{k} {100 * v / len(keys):.0f}%" for k, v in c.most_common())


def _report(name: str, rows: list[dict]) -> None:
    df = pd.DataFrame(rows)
    for k in ("null", "mde1", "mde2"):
        keys = df[k].tolist()
        claim = np.mean([x in EFFECT_CLAIMS for x in keys])
        fall = np.mean([x == "consistent_effect" for x in keys])
        cov = df[f"{k}_cov"].dropna()
        label = {"null": "no effect", "mde1": "effect = printed MDE", "mde2": "effect = 2 x MDE"}[k]
        print(f"  {name}, {label}: effect claims {100 * claim:.1f}% (consistent_effect {100 * fall:.1f}%); "
              f"primary interval coverage {100 * cov.mean():.1f}% (n={len(cov)}); verdicts: {_share(keys)}")
    print(f"  {name}: series {len(df)}, median printed MDE {df['mde'].median():.4g}, "
          f"rank p can reach alpha (>= 19 placebo dates) in {100 * df['placebo_applies'].mean():.0f}% of series")


def rates(reps: int, n_sims: int) -> None:
    _report("rates", rate_rows(reps, n_sims))


def rate_rows(reps: int, n_sims: int, seed: int = 15) -> list[dict]:
    """Per simulated school series: the verdicts (and coverage) under no effect, 1 and 2 x MDE."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(reps):
        d, start, post = rate_base(rng)
        pl, mde = robustness(d, "absence_rate", start, RATE_SPEC, n_sims, i)
        if mde is None:
            continue
        row = {"mde": mde.mde_decrease, "placebo_applies": pl is not None and pl.can_reach}
        for k, mult in (("null", 0.0), ("mde1", 1.0), ("mde2", 2.0)):
            eff = mult * mde.mde_decrease
            row[k], row[f"{k}_cov"], _ = verdict(d.assign(absence_rate=d.absence_rate + eff * post), "absence_rate",
                                                 start, RATE_SPEC, pl, mde, eff)
        rows.append(row)
    return rows


def count_rows(reps: int, n_sims: int, mean: float) -> list[dict]:
    """Per simulated count series: the verdicts (and coverage) under no effect, 1 and 2 x MDE, and
    whether the report prints an MDE (an MDE could be computed and the pre-period mean is at least
    ``MIN_EVENTS_PER_POINT``; below it the small-count rule prints none). Series without a
    computable MDE get no effect (rate ratio 1) in all three analyses."""
    rng = np.random.default_rng(int(150 + mean))
    rows = []
    for i in range(reps):
        m, start, lam, post = count_base(rng, mean)
        d0 = count_frame(m, lam, post, 1.0, i)
        pl, mde = robustness(d0, "thuiszitters", start, COUNT_SPEC, n_sims, i)
        pre_mean = float(d0.loc[d0.month < start, "thuiszitters"].mean())
        row = {"mde": mde.mde_decrease if mde is not None else np.nan,
               "printed": mde is not None and pre_mean >= MIN_EVENTS_PER_POINT,
               "placebo_applies": pl is not None and pl.can_reach}
        for k, mult in (("null", 0.0), ("mde1", 1.0), ("mde2", 2.0)):
            rr = float(mde.mde_decrease) ** mult if mde is not None else 1.0
            row[k], row[f"{k}_cov"], interval = verdict(count_frame(m, lam, post, rr, i), "thuiszitters", start,
                                                        COUNT_SPEC, pl, mde, rr)
            row[f"{k}_oe"] = interval == OBSERVED_EXPECTED
        rows.append(row)
    return rows


def _claims(keys: pd.Series) -> str:
    """The share of effect claims with its Monte-Carlo standard error and the number of series."""
    return _pct(keys.isin(EFFECT_CLAIMS)) if len(keys) else "no series"


def counts(reps: int, n_sims: int, mean: float) -> None:
    df = pd.DataFrame(count_rows(reps, n_sims, mean))
    name = f"counts ~{mean:g}/month"
    printed = df[df.printed]
    print(f"  {name}: {len(df)} series, {len(printed)} with a printed MDE (median {printed.mde.median():.3g}), "
          f"{len(df) - len(printed)} without (small-count rule or no MDE); rank p can reach alpha in "
          f"{100 * df['placebo_applies'].mean():.0f}% of series")
    for k, label in (("null", "no effect"), ("mde1", "effect = printed MDE"), ("mde2", "effect = 2 x MDE")):
        cov = df[f"{k}_cov"].dropna()
        print(f"  {name}, {label}: effect claims among series with a printed MDE {_claims(printed[k])}; "
              f"among all series {_claims(df[k])}; level row observed/expected in {int(df[f'{k}_oe'].sum())}; "
              f"primary interval coverage {100 * cov.mean():.1f}% (n={len(cov)})")
        print(f"    verdicts, printed MDE: {_share(printed[k].tolist()) if len(printed) else '-'}; "
              f"all: {_share(df[k].tolist())}")


def region_panel(rng: np.random.Generator, n_jos: int, effect: float) -> pd.DataFrame:
    """Monthly absence of ``n_jos`` JOS schools (three start cohorts) and 2 comparison schools."""
    m = lesson_months("2016-09-01", 99)
    common = 0.01 * np.sin(2 * np.pi * m.month / 12) + rng.normal(0, 0.002, len(m))
    cohorts = ["2020-08-01", "2022-08-01", "2024-08-01"]
    frames = []
    for i in range(n_jos + 2):
        s = pd.Timestamp(cohorts[i % 3]) if i < n_jos else pd.NaT
        post = np.asarray(m >= s, dtype=float) if i < n_jos else np.zeros(len(m))
        y = rng.normal(0.06, 0.01) + common + _ar1(rng, len(m), 0.3, 0.004) + effect * post
        frames.append(pd.DataFrame({"school": f"S{i:02d}", "month": m, "absence_rate": y, "jos_start": s}))
    return pd.concat(frames, ignore_index=True)


#: z-values of a two-sided 5% test and of 80% power: the MDE of an interval is
#: (1.960 + 0.842) / 1.960 times its half-width.
Z_ALPHA, Z_POWER = 1.959964, 0.841621


def _pooled(p: pd.DataFrame, n_permutations: int = REGION_PERMUTATIONS) -> pd.Series:
    r = event_study(p, "absence_rate", unit="school", time="month", start="jos_start", n_boot=1999,
                    n_permutations=n_permutations)
    return pd.concat([r.att.iloc[0], pd.Series({f"ey{int(e)}": (r.event.ci_low[e] <= 0 <= r.event.ci_high[e])
                                                for e in r.event.dropna(subset=["ci_low"]).index})])


def _region_claims(a: pd.Series, randomization: bool = True) -> str:
    """The region's verdict on a pooled estimate: the whole rule (interval, randomization test,
    the rule's MDE), or with ``randomization=False`` the interval alone."""
    ri = dict(randomization_p=float(a.ri_p_value), n_permutations=int(a.ri_n_permutations)) if randomization else {}
    ev = Evidence("absence_rate", direction="down", percent_points=True, n_pre=40, n_post=30,
                  plausible_effect=0.01, has_comparison=True, mde=pooled_mde(a, 0.05),
                  level=Effect(float(a.estimate), float(a.ci_low), float(a.ci_high), float(a.p_value)), **ri)
    return assess(ev).verdict_key


def region_rows(reps: int, n_jos: int, seed: int, effect_every: int = 3, time_every: int = 10) -> list[dict]:
    """Per simulated region (``n_jos`` JOS schools in three start cohorts, 2 comparison schools):
    the pooled estimate under no effect, whether its interval and each event year's cover 0,
    the verdict with the whole rule and with the interval alone; on every ``effect_every``-th
    panel also the verdicts with an effect equal to the interval's MDE, twice it and the whole
    rule's MDE, added to the same noise; on every ``time_every``-th panel the time of the event
    study without the randomization test."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(reps):
        p = region_panel(rng, n_jos, 0.0)
        t0 = time.perf_counter()
        a = _pooled(p)
        seconds = time.perf_counter() - t0
        mde = -(1 + Z_POWER / Z_ALPHA) * (a.ci_high - a.ci_low) / 2
        row = {"schools": n_jos, "seconds": seconds, "estimate": a.estimate,
               "covered": a.ci_low <= 0 <= a.ci_high, "null": _region_claims(a),
               "null_interval": _region_claims(a, randomization=False), "ri_p": a.ri_p_value, "mde": mde,
               "mde_rule": pooled_mde(a, 0.05), **{k: v for k, v in a.items() if str(k).startswith("ey")}}
        if i % time_every == 1:  # not the first panel, which imports pyfixest
            t0 = time.perf_counter()
            _pooled(p, n_permutations=0)
            row["seconds_without_ri"] = time.perf_counter() - t0
        if i % effect_every == 0:
            post = np.asarray(p.month >= p.jos_start, dtype=float)
            for k, size in (("mde1", mde), ("mde2", 2 * mde), ("mde_rule1", row["mde_rule"])):
                b = _pooled(p.assign(absence_rate=p.absence_rate + size * post))
                row[k], row[f"{k}_interval"] = _region_claims(b), _region_claims(b, randomization=False)
        rows.append(row)
    return rows


def _pct(x: pd.Series) -> str:
    """A share in percent with its Monte-Carlo standard error."""
    x = x.dropna().astype(float)
    m = x.mean()
    return f"{100 * m:.1f}% (MC se {100 * np.sqrt(m * (1 - m) / len(x)):.1f}, n={len(x)})"


def region_summary(df: pd.DataFrame) -> None:
    """Coverage and verdict shares of the pooled estimate, per number of JOS schools (the
    test-inversion interval shifts with a constant effect, so coverage under no effect is the
    coverage under any constant effect); claims with the whole rule and [with the interval alone]."""
    for n_jos, d in df.groupby("schools"):
        def claims(k: str) -> str:
            return (f"{_pct(d[k].dropna().isin(EFFECT_CLAIMS))} [interval alone "
                    f"{_pct(d[f'{k}_interval'].dropna().isin(EFFECT_CLAIMS))}]")
        years = sorted((c for c in d.columns if c.startswith("ey")), key=lambda c: int(c[2:]))
        extra = d.seconds[d.seconds_without_ri.notna()] - d.seconds_without_ri.dropna()
        print(f"  region, {n_jos} JOS + 2 comparison schools: pooled interval coverage {_pct(d.covered)}\n"
              f"    effect claims, no effect {claims('null')}; randomization p <= 0.05 alone "
              f"{_pct(d.ri_p.dropna() <= 0.05 + 1e-12)}\n"
              f"    at the interval's MDE (median {100 * d.mde.abs().median():.2f} pp) {claims('mde1')}\n"
              f"    at 2 x that MDE {claims('mde2')}\n"
              f"    at the whole rule's printed MDE (median {100 * d.mde_rule.abs().median():.2f} pp) "
              f"{claims('mde_rule1')}\n"
              f"    verdicts (no effect): {_share(d.null.tolist())}; median time {d.seconds.median():.2f} s, "
              f"of which the randomization test {extra.median():.2f} s (n={len(extra)})")
        print("    event-year interval coverage (no effect): "
              + ", ".join(f"{c[2:]}: {100 * d[c].dropna().astype(float).mean():.1f}%" for c in years))


def region(reps: int, n_jos: int, seed: int | None = None, save: Path | None = None) -> None:
    rows = pd.DataFrame(region_rows(reps, n_jos, 8 + n_jos if seed is None else seed))
    if save is not None:
        rows.to_csv(save, mode="a", header=not save.exists(), index=False)
    region_summary(rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", choices=["rates", "counts", "region"])
    ap.add_argument("--series", type=int, help="counts: simulated series per level (default 150; quick 15)")
    ap.add_argument("--means", type=float, nargs="+", default=[1.0, 3.0, 10.0],
                    help="counts: events a month of the levels")
    ap.add_argument("--schools", type=int, nargs="+", default=[8, 15], help="region: numbers of JOS schools")
    ap.add_argument("--panels", type=int, help="region: simulated regions per number of schools")
    ap.add_argument("--seed", type=int, help="region: random seed (to run the region in chunks)")
    ap.add_argument("--save", type=Path, help="region: append the per-panel rows to this CSV")
    ap.add_argument("--summarise", type=Path, nargs="+", help="region: print the figures of saved chunks")
    args = ap.parse_args()
    if args.summarise:
        region_summary(pd.concat([pd.read_csv(f) for f in args.summarise], ignore_index=True))
        return
    reps, n_sims, reg = (30, 60, 20) if args.quick else (300, 100, 300)
    t0 = time.perf_counter()
    if args.only in (None, "rates"):
        print("1. rates (absence; gaussian, AR(1), month seasonality; 3-5 school years before, 2-3 after)")
        rates(reps, n_sims)
    if args.only in (None, "counts"):
        print("2. counts (thuiszitters-like stock; quasi-Poisson, AR(1))")
        for mean in args.means:
            counts(args.series or reps // 2, n_sims, mean)
    if args.only in (None, "region"):
        print("3. region pooled estimate (event study, wild cluster bootstrap-t)")
        for n in args.schools:
            region(args.panels or reg, n, seed=None if args.seed is None else args.seed + n, save=args.save)
    print(f"total time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
