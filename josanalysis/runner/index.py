"""The region's index and summary pages (reader-facing: Dutch).

:func:`write_index` writes ``index.html``: a matrix of schools × indicators with each verdict in
words and colour (a legend explains the colours), the JOS start per school and the
vergelijkingsscholen in a group of their own; links to the region report, the budget report and
the downloads; then every report of the region, its status, its files and, for a failure, the
error and the failed notebook. :func:`write_summary` writes ``summary.csv`` (machine-readable,
unchanged), ``summary.html`` (Dutch headers, formatted numbers) and ``summary.xlsx``
(:mod:`~josanalysis.runner.workbook`): all school reports' result rows, plus a row per failed or
missing report. Both read the report folders as they are on disk (their manifests), not the
outcome of one run.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from josanalysis.core.version import __version__
from josanalysis.core.config import Region
from josanalysis.assessment.verdicts import VERDICTS
from josanalysis.core.formatting import integer, month_year
from josanalysis.core.indicators import INDICATORS
from josanalysis.demo.synth import SYNTHETIC_NOTICE
from josanalysis.runner.export import CSP_META
from josanalysis.runner.folders import atomic_write
from josanalysis.runner.manifest import read_manifest, utc_timestamp
from josanalysis.runner.plan import Report
from josanalysis.runner.workbook import indicator_label, summary_html, write_workbook

__all__ = ["write_index", "write_summary"]

#: Short Dutch words and colours of the verdicts in the index matrix (full text in the legend).
VERDICT_STYLE: dict[str, tuple[str, str]] = {
    "consistent_effect": ("consistent met een effect", "#b7e1b9"),
    "no_change": ("geen verandering", "#e6e6e6"),
    "underpowered": ("geen verandering; te weinig vermogen", "#fff0b3"),
    "unexpected_direction": ("onverwachte richting", "#f6b8bd"),
    "change_no_direction": ("verandering, geen richting verwacht", "#c5dcf5"),
    "change_within_placebo": ("verandering, niet groter dan placebo's", "#f3e3c3"),
    "change_within_permutation": ("verandering, niet groter dan bij herverdeelde startdatums", "#f3e3c3"),
    "small_counts": ("te kleine aantallen", "#ffffff"),
    "not_assessable": ("niet te beoordelen", "#ffffff"),
}

#: Reader-facing labels (Dutch) of report statuses.
_STATUS_LABEL = {"ok": "ok", "failed": "mislukt", "missing": "niet uitgevoerd"}


@dataclass
class _State:
    report: Report
    status: str  # ok | failed | missing
    manifest: dict[str, Any] | None = None
    failed_manifest: dict[str, Any] | None = None
    stale_previous: bool = field(default=False)


def _states(out_dir: Path, reports: list[Report]) -> list[_State]:
    states = []
    for r in reports:
        good = read_manifest(out_dir / r.key)
        bad = read_manifest(out_dir / "failed" / r.key)
        good = good if good and good.get("status") == "ok" else None
        if bad is not None:
            states.append(_State(r, "failed", good, bad, stale_previous=good is not None))
        elif good is not None:
            states.append(_State(r, "ok", good))
        else:
            states.append(_State(r, "missing"))
    return states


def _page(title: str, body: str, synthetic: bool) -> str:
    banner = (f'<div class="banner">{html.escape(SYNTHETIC_NOTICE)}</div>' if synthetic else "")
    return f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8">{CSP_META}<title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
.banner {{ background: #b00020; color: white; font-weight: bold; padding: .6em 1em;
           margin-bottom: 1em; font-size: 1.2em; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: .3em .6em;
text-align: left; vertical-align: top; }} th {{ background: #f0f0f0; }}
.mislukt {{ color: #b00020; font-weight: bold; }} .ok {{ color: #1b5e20; }}
.matrix td.oordeel {{ font-size: .9em; }} .matrix caption, h2 {{ text-align: left; }}
.legenda span {{ display: inline-block; border: 1px solid #999; padding: .1em .5em;
  margin: .1em .3em .1em 0; }}
.vgl {{ font-style: italic; }} nav a {{ margin-right: 1em; }}
@media print {{ @page {{ size: A4 landscape; margin: 12mm; }} body {{ margin: 0; }}
  table {{ font-size: 8pt; }} }}
</style></head><body>
{banner}<h1>{html.escape(title)}</h1>
{body}
</body></html>
"""


def _link(href: Path, out_dir: Path, text: str) -> str:
    return f'<a href="{html.escape(href.relative_to(out_dir).as_posix())}">{html.escape(text)}</a>'


def _index_row(st: _State, out_dir: Path) -> str:
    """One row of the index: the report, its status, its files, when it ran, and any failure."""
    r = st.report
    folder = out_dir / r.key
    links = []
    note = ""
    if st.status == "ok" or st.stale_previous:
        names = [("report.html", "rapport"), ("report.pdf", "PDF"), ("report.ipynb", "notebook"),
                 ("results.csv", "resultaten (CSV)"), ("results.json", "resultaten (JSON)"),
                 ("manifest.json", "herkomst")]
        links = [_link(folder / f, out_dir, t) for f, t in names if (folder / f).is_file()]
    if st.status == "failed":
        fdir = out_dir / "failed" / r.key
        err = (st.failed_manifest or {}).get("error", "onbekende fout")
        note = f"Fout: {html.escape(str(err))}. "
        fnb = fdir / "report.failed.ipynb"
        if fnb.is_file():
            note += "Mislukte notebook: " + _link(fnb, out_dir, fnb.relative_to(out_dir).as_posix())
            if (fdir / "report.failed.html").is_file():
                note += " (" + _link(fdir / "report.failed.html", out_dir, "HTML") + ")"
            note += ". "
        if st.stale_previous:
            note += "De links hiernaast zijn van de vorige, verouderde versie."
    elif st.status == "missing":
        note = "Nog niet uitgevoerd."
    when = (st.failed_manifest or st.manifest or {}).get("finished", "")
    return (
        f'<tr><td>{html.escape(r.label)}</td>'
        f'<td class="{st.status if st.status != "failed" else "mislukt"}">'
        f'{_STATUS_LABEL[st.status]}</td><td>{" · ".join(links)}</td>'
        f'<td>{html.escape(str(when))}</td><td>{note}</td></tr>'
    )


def _verdicts(out_dir: Path, st: _State) -> dict[str, str]:
    """Indicator -> verdict key of a school report (its ``level`` row when there is one)."""
    if st.status != "ok" or st.report.kind != "school":
        return {}
    try:
        df = pd.read_csv(out_dir / st.report.key / "results.csv")
    except (OSError, ValueError):
        return {}
    if not {"indicator", "verdict_key"} <= set(df.columns):
        return {}
    if "term" in df:
        df = df.sort_values("term", key=lambda t: t.ne("level"), kind="stable")
    first = df.drop_duplicates("indicator")
    return {str(i): str(v) for i, v in zip(first["indicator"], first["verdict_key"])}


def _verdict_cell(key: str | None) -> str:
    if key not in VERDICT_STYLE:
        return '<td class="oordeel">–</td>'
    word, colour = VERDICT_STYLE[key]
    return (f'<td class="oordeel" style="background:{colour}" title="{html.escape(VERDICTS[key])}">'
            f"{html.escape(word)}</td>")


def _role(st: _State) -> str:
    """``jos``, ``comparison`` or ``invalid`` (a school whose parameter file cannot be used)."""
    region, sid = st.report.region, str(st.report.school_id)
    if region.invalid_school(sid) is not None:
        return "invalid"
    return "jos" if region.school(sid).is_jos else "comparison"


def _matrix_row(st: _State, out_dir: Path, indicators: list[str], verdicts: dict[str, str]) -> str:
    r = st.report
    name = html.escape(r.label)
    if (out_dir / r.key / "report.html").is_file() and st.status == "ok":
        name = _link(out_dir / r.key / "report.html", out_dir, r.label)
    span = len(indicators)
    if _role(st) == "invalid":
        return (f'<tr><td>{name}</td><td>–</td><td colspan="{span}">{_STATUS_LABEL[st.status]}: '
                "het parameterbestand van de school is ongeldig (zie de tabel hieronder)</td></tr>")
    school = r.region.school(str(r.school_id))
    if not school.is_jos:
        cells = (f'<td>vergelijkingsschool</td><td class="vgl" colspan="{span}">levert de '
                 "vergelijking voor de JOS-scholen; geen eigen oordeel</td>")
    elif st.status != "ok":
        cells = (f"<td>{html.escape(month_year(school.jos_start))}</td>"
                 f'<td colspan="{span}">{_STATUS_LABEL[st.status]}</td>')
    else:
        cells = (f"<td>{html.escape(month_year(school.jos_start))}</td>"
                 + "".join(_verdict_cell(verdicts.get(i)) for i in indicators))
    return f"<tr><td>{name}</td>{cells}</tr>"


def _matrix(states: list[_State], out_dir: Path) -> str:
    """Schools × indicators with the verdict in words and colour; comparison schools apart."""
    schools = [st for st in states if st.report.kind == "school"]
    verdicts = {st.report.key: _verdicts(out_dir, st) for st in schools}
    found = {i for v in verdicts.values() for i in v}
    indicators = [k for k in INDICATORS if k in found] + sorted(found - set(INDICATORS))
    if not indicators:
        return "<p>Nog geen oordelen: er is nog geen schoolrapport uitgevoerd.</p>"
    head = ("<tr><th>School</th><th>Start JOS</th>"
            + "".join(f"<th>{html.escape(indicator_label(i))}</th>" for i in indicators) + "</tr>")
    groups = []
    for title, role in (("JOS-scholen", "jos"), ("Vergelijkingsscholen (zonder JOS)", "comparison"),
                        ("Scholen met een ongeldig parameterbestand", "invalid")):
        rows = [_matrix_row(st, out_dir, indicators, verdicts[st.report.key]) for st in schools
                if _role(st) == role]
        if rows:
            groups.append(f'<tbody><tr><th colspan="{len(indicators) + 2}">{title}</th></tr>'
                          + "".join(rows) + "</tbody>")
    legend = "".join(
        f'<span style="background:{colour}">{html.escape(word)}</span>: '
        f"{html.escape(VERDICTS[key])}<br>" for key, (word, colour) in VERDICT_STYLE.items())
    return (
        '<h2 id="oordelen">Oordelen per school en indicator</h2>'
        '<table class="matrix"><caption>Het oordeel over de verandering na de start van JOS '
        "(de niveauverandering bij de start); details in het schoolrapport.</caption>"
        f"<thead>{head}</thead>{''.join(groups)}</table>"
        f'<p class="legenda"><strong>Legenda</strong><br>{legend}</p>'
    )


def _nav(out_dir: Path) -> str:
    """Links to the region and budget reports and the downloads."""
    items = []
    for key, text in (("region", "Regiorapport"), ("budget", "Budgetrapport")):
        for name, suffix in (("report.html", ""), ("report.pdf", " (PDF)")):
            if (out_dir / key / name).is_file():
                items.append(_link(out_dir / key / name, out_dir, text + suffix))
    items += ['<a href="summary.html">Alle schattingen</a>',
              '<a href="summary.xlsx">Download: Excel (summary.xlsx)</a>',
              '<a href="summary.csv">Download: CSV (summary.csv)</a>']
    return "<nav><p>" + "".join(items) + "</p></nav>"


def write_index(
    region: Region, out_dir: Path, reports: list[Report], info: dict[str, Any] | None = None,
) -> Path:
    """Write ``index.html``: every report of the region, its status and links (Dutch).

    ``info`` supplies the package version and git commit shown at the top (the run's
    provenance); without it the installed version and ``unknown`` are shown.
    """
    states = _states(out_dir, reports)
    rows = [_index_row(st, out_dir) for st in states]
    info = info or {}
    n_failed = sum(1 for st in states if st.status == "failed")
    version = str(info.get("package_version", __version__))
    body = (
        f"<p>Regio: {html.escape(region.name)} ({html.escape(region.region_id)}). "
        f"Bijgewerkt: {html.escape(utc_timestamp())}. josanalysis {html.escape(version)}, "
        f"commit {html.escape(str(info.get('git_commit', 'unknown'))[:12])}.</p>"
        + (f'<p class="mislukt">{integer(n_failed)} rapport(en) mislukt; zie de tabel.</p>'
           if n_failed else "")
        + _nav(out_dir) + _matrix(states, out_dir)
        + '<h2 id="rapporten">Alle rapporten</h2>'
        "<table><tr><th>Rapport</th><th>Status</th><th>Bestanden</th><th>Uitgevoerd</th>"
        "<th>Toelichting</th></tr>\n" + "\n".join(rows) + "</table>"
    )
    path = out_dir / "index.html"
    atomic_write(path, _page(f"JOS-monitor {region.name}: rapporten", body, region.synthetic))
    return path


def write_summary(region: Region, out_dir: Path, reports: list[Report]) -> Path:
    """Write ``summary.csv``, ``summary.html`` and ``summary.xlsx``: all schools' rows plus failures.

    Every school report's ``results.csv`` rows are concatenated (a ``school_id`` column is
    added when the notebook did not write one). Each failed report adds a row with status
    ``mislukt``, the error and where its failed notebook is; a school without a report adds a
    row with status ``niet uitgevoerd``.
    """
    frames = []
    for st in _states(out_dir, reports):
        r = st.report
        if st.status == "ok" and r.kind == "school":
            csv = out_dir / r.key / "results.csv"
            try:
                df = pd.read_csv(csv)
            except (OSError, ValueError) as exc:
                frames.append(pd.DataFrame([{"school_id": r.school_id, "status": "mislukt",
                                             "fout": f"results.csv onleesbaar: {exc}"}]))
                continue
            if "school_id" not in df.columns:
                df.insert(0, "school_id", r.school_id)
            df["status"] = "ok"
            frames.append(df)
        elif st.status == "failed":
            fnb = out_dir / "failed" / r.key / "report.failed.ipynb"
            frames.append(pd.DataFrame([{
                "school_id": r.school_id or "", "rapport": r.key, "status": "mislukt",
                "fout": (st.failed_manifest or {}).get("error", ""),
                "notebook": fnb.relative_to(out_dir).as_posix() if fnb.is_file() else "",
            }]))
        elif st.status == "missing" and r.kind == "school":
            frames.append(pd.DataFrame([{"school_id": r.school_id, "rapport": r.key,
                                         "status": "niet uitgevoerd"}]))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["school_id", "status"])
    path = out_dir / "summary.csv"
    tmp = path.with_suffix(".csv.tmp")
    table.to_csv(tmp, index=False)
    os.replace(tmp, path)
    write_workbook(out_dir / "summary.xlsx", table, region.name, out_dir / "budget")
    body = ('<p><a href="index.html">Terug naar de rapporten</a> · '
            '<a href="summary.xlsx">Excel</a> · <a href="summary.csv">CSV</a></p>'
            + summary_html(table))
    atomic_write(out_dir / "summary.html",
                  _page(f"JOS-monitor {region.name}: samenvatting", body, region.synthetic))
    return path
