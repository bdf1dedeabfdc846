"""The building blocks of a report object: text, tables, figures and sections, and how they display.

A report (:class:`~josanalysis.reporting.school_report.SchoolReport` and its siblings) is built by
one library call into a tuple of :class:`Section` objects whose items are already final: Dutch
Markdown text, privacy-checked tables formatted as Dutch text, and figures rendered to SVG. The
notebook only displays them, so what a reader sees is decided in the library and tested there.

Examples
--------
>>> doc = Document(sections=(Section("intro", "Inleiding", (Text("Een zin."),)),))
>>> [s.key for s in doc.sections]
['intro']
>>> doc.section("intro").items[0].markdown
'Een zin.'
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import matplotlib
import matplotlib.figure
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, display

from josanalysis.core.errors import ConfigError
from josanalysis.privacy import require_protected
from josanalysis.reporting.markup import markdown_to_html

__all__ = ["Text", "Table", "Figure", "Notice", "Item", "Section", "Document", "ReportObject", "back_link", "render_figure"]


@dataclass(frozen=True)
class Text:
    """Dutch Markdown text, shown as sanitised HTML.

    Names and notes from the parameter files end up in these texts, so the text becomes HTML only
    through :func:`~josanalysis.reporting.markup.markdown_to_html` (a small Markdown subset without
    raw HTML, then sanitised by nh3): markup typed into a name or note is shown as text, never run,
    and only ``http``, ``https``, ``mailto`` and relative links survive.

    Examples
    --------
    >>> Text("Team: <script>alert(1)</script> [klik](javascript:alert(1))").html()
    '<p>Team: &lt;script&gt;alert(1)&lt;/script&gt; [klik](javascript:alert(1))</p>\\n'
    """

    markdown: str

    def html(self) -> str:
        """The text as safe HTML (see :mod:`josanalysis.reporting.markup`)."""
        return markdown_to_html(self.markdown)

    def _ipython_display_(self) -> None:
        display(HTML(self.html()))


@dataclass(frozen=True)
class Notice:
    """A block of HTML made by the library (the synthetic-data banner), never from input text."""

    html: str

    def _ipython_display_(self) -> None:
        display(HTML(self.html))


#: Tables with more columns than this print with turned headers so that they fit A4.
WIDE_TABLE_COLUMNS = 7


@dataclass(frozen=True)
class Table:
    """A table as shown: formatted as Dutch text, with an optional caption.

    Only a table the privacy layer returned (:func:`josanalysis.privacy.require_protected`) can
    become a report table: pupil counts suppressed by :func:`~josanalysis.privacy.apply_privacy`,
    or no counts at all (:func:`~josanalysis.privacy.certify_without_counts`)."""

    frame: pd.DataFrame
    caption: str | None = None

    def __post_init__(self) -> None:
        require_protected(self.frame, f"the table {self.caption!r}" if self.caption else "a report table")

    def _ipython_display_(self) -> None:
        if self.caption:
            display(Text(f"_{self.caption}_"))
        display(self.styler())

    def styler(self) -> "pandas.io.formats.style.Styler":
        """The table as shown: no row index, cell and header text HTML-escaped, and marked ``jos-wide`` when it
        has more than :data:`WIDE_TABLE_COLUMNS` columns (printed with upright-turned headers)."""
        css = "jos-table jos-wide" if self.frame.shape[1] > WIDE_TABLE_COLUMNS else "jos-table"
        return (self.frame.style.hide(axis="index").format(escape="html")
                .format_index(escape="html", axis=0).format_index(escape="html", axis=1)
                .set_table_attributes(f'class="{css}"'))


@dataclass(frozen=True)
class Figure:
    """A figure rendered to SVG (it was saved beside the report when the report has an output folder).

    ``alt`` is the Dutch text that says what the figure shows (for screen readers and when the image
    does not load); the figure is shown as an ``<img>`` with that text. An SVG inside ``<img>`` runs
    no script and loads nothing, and the output scan checks its content all the same
    (:func:`josanalysis.privacy.active_content.active_content_in_svg`)."""

    name: str
    svg: bytes
    alt: str = ""

    def html(self) -> str:
        """The figure as an HTML ``<img>`` with its (escaped) alt text and the SVG inline."""
        data = base64.b64encode(self.svg).decode("ascii")
        kind = html.escape(self.name.rsplit("_", 1)[-1])
        return (f'<figure class="jos-figure jos-figure-{kind}"><img src="data:image/svg+xml;base64,{data}" '
                f'alt="{html.escape(self.alt or self.name)}" style="max-width:100%"></figure>')

    def _ipython_display_(self) -> None:
        display(HTML(self.html()))


Item = Union[Text, Notice, Table, Figure]

#: How figures are written: text as SVG text, reproducible element ids.
_SVG_STYLE = {"svg.fonttype": "none", "svg.hashsalt": "josanalysis"}


@dataclass(frozen=True)
class Section:
    """A part of a report: a key for code, a Dutch title (heading level 2 or 3) and its items."""

    key: str
    title: str | None
    items: tuple[Item, ...]
    level: int = 2

    def heading_html(self) -> str:
        """The section's heading, with the section key as its anchor (escaped title)."""
        return f'<h{self.level} id="{html.escape(self.key)}">{html.escape(self.title or "")}</h{self.level}>'

    def _ipython_display_(self) -> None:
        if self.title:
            display(HTML(self.heading_html()))
        for item in self.items:
            display(item)


@dataclass(frozen=True)
class Document:
    """An ordered set of sections; :meth:`show` displays one of them, or all."""

    sections: tuple[Section, ...]

    def section(self, key: str) -> Section:
        """The section with this key, or a sentence naming the keys there are."""
        for s in self.sections:
            if s.key == key:
                return s
        raise ConfigError(f"This report has no section '{key}'; it has {', '.join(s.key for s in self.sections)}.")

    def contents(self) -> Notice:
        """A table of contents: a link to every titled section of level 2."""
        links = "".join(f'<li><a href="#{html.escape(s.key)}">{html.escape(s.title)}</a></li>'
                        for s in self.sections if s.title and s.level == 2)
        return Notice(f'<nav class="jos-contents"><strong>Inhoud</strong><ol>{links}</ol></nav>')

    def show(self, *keys: str) -> None:
        """Display the sections with these keys (all of them when none are given), in order."""
        wanted = keys or tuple(s.key for s in self.sections)
        for s in self.sections:
            if s.key in wanted:
                display(s)


@dataclass(frozen=True)
class ReportObject:
    """What every report object has: its sections (``document``), shown by :meth:`show`."""

    document: Document

    def section(self, key: str) -> Section:
        """The section with this key (a sentence naming the keys there are, otherwise)."""
        return self.document.section(key)

    def show(self, *sections: str) -> None:
        """Display the report's sections (all of them, or those with these keys), in order."""
        self.document.show(*sections)


def back_link(href: str, text: str = "← Terug naar het overzicht van de regio") -> Notice:
    """A link back to the run's index (``href`` relative to the report)."""
    return Notice(f'<p class="jos-back"><a href="{html.escape(href)}">{html.escape(text)}</a></p>')


def render_figure(fig: matplotlib.figure.Figure, name: str, output_dir: str | Path = "", alt: str = "") -> Figure:
    """Render a matplotlib figure to SVG, save it as ``<output_dir>/figures/<name>.svg`` when an
    output folder is given, and close it (a batch run draws hundreds of figures).

    SVG with the text kept as text (``svg.fonttype: none``): sharp at any print size, about half
    the bytes of a 110 dpi PNG and about a third faster to draw, because no glyph is rasterised
    (measured on the demo school reports, docs/batch.md). The output is reproducible: no date in
    the metadata, element ids salted with a constant. The figure keeps the layout it was made
    with: a layout engine (``layout="tight"``) measures the texts in a first draw and places the
    axes, labels and legends before the SVG is drawn; a figure placed with fixed margins
    (:func:`josanalysis.reporting.figures.fixed_margins`) is drawn once.

    Examples
    --------
    >>> fig, ax = plt.subplots(figsize=(3, 2))
    >>> _ = ax.plot([1, 2], [3, 4])
    >>> rendered = render_figure(fig, "voorbeeld", alt="Een lijn")
    >>> rendered.svg[:5], b"<text" in rendered.svg
    (b'<?xml', True)
    """
    buffer = io.BytesIO()
    with matplotlib.rc_context(_SVG_STYLE):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    if output_dir:
        folder = Path(output_dir) / "figures"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.svg").write_bytes(buffer.getvalue())
    plt.close(fig)
    return Figure(name=name, svg=buffer.getvalue(), alt=alt)
