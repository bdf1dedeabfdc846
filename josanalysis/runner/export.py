"""The HTML export of an executed report notebook: Dutch, offline, printable, no stderr.

:func:`export_html` turns an executed notebook into one standalone HTML file without code
cells: ``<html lang="nl">``, a Dutch ``<title>``, images embedded, no scripts fetched from the
internet (require.js, MathJax and mermaid are left out: the reports use none of them, and a
report must open offline without errors), and a print stylesheet (:data:`PRINT_CSS`: A4, a
page break before the appendix, compact type, tables that fit the page, scaled figures, no
JupyterLab chrome).

Nothing a notebook wrote to stderr (Python warnings, library chatter) reaches a reader: those
outputs are removed before the export; :func:`stderr_outputs` returns them for the report's
manifest (the run's log).

nbformat and nbconvert are imported where they are used: this module is imported by the CLI,
which must start quickly.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["CONTENT_SECURITY_POLICY", "CSP_META", "PRINT_CSS", "SCREEN_CSS", "export_html", "html_exporter",
           "stderr_outputs"]

#: Every HTML page of a run runs no script at all and loads nothing: only inline styles and
#: embedded (``data:``) images and fonts. A name or note that slipped markup past the text
#: sanitiser (:mod:`josanalysis.reporting.markup`) still cannot run in a reader's browser.
CONTENT_SECURITY_POLICY = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
                           "base-uri 'none'; form-action 'none'")
#: The policy as the ``<meta>`` tag that opens every page's ``<head>``.
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'

#: Stylesheet for paper (and Chromium's PDF): A4, sections on a new page, tables that fit.
PRINT_CSS = """
@page { size: A4; margin: 12mm; }
@media print {
  html, body { background: #fff !important; }
  body, .jp-Notebook, main { margin: 0 !important; padding: 0 !important; }
  .jp-Cell, .jp-Cell-outputWrapper, .jp-OutputArea, .jp-OutputArea-child,
  .jp-OutputArea-output, .jp-RenderedHTMLCommon { margin: 0 !important; padding: 0 !important;
    overflow: visible !important; max-width: 100% !important; }
  .jp-InputPrompt, .jp-OutputPrompt, .jp-Collapser, .anchor-link { display: none !important; }
  h2[id] { break-before: auto; page-break-before: auto; margin-top: 8pt !important; }
  h2#appendix, h2#bijlage { break-before: page; page-break-before: always; }
  h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  table { font-size: 7.5pt !important; table-layout: auto !important; width: auto !important;
    max-width: 100% !important; border-collapse: collapse; }
  th, td { word-break: normal !important; overflow-wrap: break-word !important; white-space: normal !important;
    padding: 1pt 3pt !important; }
  tr, img, svg, figure { break-inside: avoid; page-break-inside: avoid; }
  /* JupyterLab keeps every output on one page (break-inside: avoid-page): a table longer than
     the rest of a page then jumps to the next and leaves half a page blank. Tables may
     break between rows (their header repeats); rows and figures stay whole. */
  .jp-OutputArea-child { break-inside: auto !important; page-break-inside: auto !important; }
  img, svg { max-width: 100% !important; height: auto !important; }
  a { color: inherit; text-decoration: none; }
  .jp-RenderedHTMLCommon { font-size: 8pt !important; line-height: 1.2 !important; }
  .jp-RenderedHTMLCommon table { width: 100% !important; }
  .jp-RenderedHTMLCommon p, .jp-RenderedHTMLCommon li { margin: 1pt 0 !important; }
  .jos-figure img { max-height: 60mm !important; width: auto !important; }
  .jos-figure-yearly img { max-height: 85mm !important; }
  table.jos-wide { font-size: 7.5pt !important; }
  table.jos-wide th { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap !important;
    vertical-align: bottom; text-align: left; max-height: 45mm; }
  .jos-figure-placebo img { max-height: 38mm !important; }
  h1 { font-size: 15pt !important; } h2 { font-size: 12.5pt !important; }
  h3 { font-size: 10.5pt !important; margin-top: 5pt !important; }
}
"""

#: Screen additions: figures and tables never wider than the window, no anchor marks.
SCREEN_CSS = """
.jp-RenderedHTMLCommon img { max-width: 100%; height: auto; }
.jp-OutputArea-output { overflow-x: auto; }
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { overflow-wrap: anywhere; }
.anchor-link { display: none; }
"""

# The lab template without the scripts it would fetch from a CDN, plus the stylesheets.
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{{ resources.jos_csp_meta }}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
<style type="text/css">{{ resources.jos_css }}</style>
{%- endblock html_head_css -%}
"""
_TEMPLATE_NAME = "josreport.html.j2"


def _is_stderr(output: Any) -> bool:
    return output.get("output_type") == "stream" and output.get("name") == "stderr"


def stderr_outputs(nb: Any) -> list[dict[str, Any]]:
    """What the notebook's cells wrote to stderr: ``[{"cell": index, "text": ...}, ...]``.

    Parameters
    ----------
    nb
        An executed notebook (an ``nbformat`` node or its JSON dict).
    """
    found = []
    for i, cell in enumerate(nb.get("cells", [])):
        for out in cell.get("outputs", []) or []:
            if _is_stderr(out):
                text = out.get("text", "")
                found.append({"cell": i, "text": "".join(text) if isinstance(text, list) else text})
    return found


def _drop_stderr(nb: Any) -> None:
    for cell in nb.get("cells", []):
        if "outputs" in cell:
            cell["outputs"] = [o for o in cell["outputs"] if not _is_stderr(o)]


_STYLE_BLOCK = re.compile(r"<style[^>]*>.*?</style>", re.S)


def drop_repeated_styles(body: str) -> str:
    """The page with every ``<style>`` block that repeats an earlier one, character for character,
    left out: each displayed report section carries the report stylesheet, which the page needs
    once. Report text cannot contain a ``<style>`` tag (``reporting/markup.py`` removes it)."""
    seen: set[str] = set()

    def keep_first(m: re.Match[str]) -> str:
        block = m.group(0)
        if block in seen:
            return ""
        seen.add(block)
        return block

    return _STYLE_BLOCK.sub(keep_first, body)


_EXPORT_LOCK = threading.Lock()


@cache
def html_exporter() -> Any:
    """The process's nbconvert ``HTMLExporter`` for reports (lab template without code cells,
    images embedded, Dutch, this module's page template).

    Built once per process: building it and compiling its Jinja templates costs more than a
    report's export itself (about 0.15 s against 0.2 s). A batch worker builds it before its first
    report (:func:`josanalysis.runner.execution.warm_worker`).
    """
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    return HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        embed_images=True, language_code="nl", template_name="lab",
        extra_loaders=[DictLoader({_TEMPLATE_NAME: _TEMPLATE})], template_file=_TEMPLATE_NAME,
    )


def export_html(notebook: str | Path, html_path: str | Path, title: str | None = None) -> Path:
    """Export an executed notebook to a standalone Dutch HTML report without code cells.

    Outputs (tables, figures) are kept and images are embedded, so the HTML file can be sent
    on its own; stderr outputs are dropped (see :func:`stderr_outputs`), and a stylesheet
    repeated by several outputs is kept once (:func:`drop_repeated_styles`); the page is
    ``lang="nl"``, loads nothing from the internet and carries :data:`PRINT_CSS`.

    Parameters
    ----------
    notebook
        The executed notebook.
    html_path
        The HTML file written.
    title
        The page's ``<title>`` (Dutch); default the notebook's file name.

    Returns
    -------
    Path
        ``html_path``.

    Examples
    --------
    >>> export_html("outputs/demoregio/region/report.ipynb", "/tmp/regio.html")  # doctest: +SKIP
    PosixPath('/tmp/regio.html')
    """
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    _drop_stderr(nb)
    nb.metadata.pop("title", None)  # the title given here wins
    resources = {"metadata": {"name": title or Path(notebook).stem,
                              "path": str(Path(notebook).parent)},
                 "jos_css": SCREEN_CSS + PRINT_CSS, "jos_csp_meta": CSP_META}
    with _EXPORT_LOCK:  # one exporter per process (its compiled templates), used by one thread at a time
        body, _ = html_exporter().from_notebook_node(nb, resources=resources)
    html_path = Path(html_path)
    html_path.write_text(drop_repeated_styles(body), encoding="utf-8")
    return html_path
