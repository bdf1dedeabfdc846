"""Report text to HTML that is safe by construction: a small Markdown subset, then sanitised.

Every text a report shows (the library's Dutch sentences, and inside them school, region and
municipality names and the free-text notes from the parameter files) goes through
:func:`markdown_to_html`:

1. `markdown-it-py <https://markdown-it-py.readthedocs.io>`_ renders CommonMark plus tables with
   raw HTML switched off, so ``<script>`` or ``<img onerror=...>`` in a name or note is shown as
   text, never parsed as markup; markdown-it also refuses ``javascript:``, ``vbscript:``,
   ``file:`` and ``data:`` link targets.
2. `nh3 <https://nh3.readthedocs.io>`_ (the Rust sanitiser *ammonia*) then keeps only the tags
   of that subset (:data:`ALLOWED_TAGS`), only ``href``/``title`` on links, and only ``http``,
   ``https`` and ``mailto`` addresses besides relative links within the run's folder; every link
   gets ``rel="noopener noreferrer"``.

Two independent layers, so a gap in one (a Markdown construct that smuggles markup through) is
closed by the other. The HTML export adds a Content-Security-Policy that runs no script at all
(:data:`josanalysis.runner.export.CONTENT_SECURITY_POLICY`).

Examples
--------
>>> markdown_to_html("**Let op**: <script>alert(1)</script> [klik](javascript:alert(1))")
'<p><strong>Let op</strong>: &lt;script&gt;alert(1)&lt;/script&gt; [klik](javascript:alert(1))</p>\\n'
>>> markdown_to_html("[site](https://www.example.nl) [ftp](ftp://x)")
'<p><a href="https://www.example.nl" rel="noopener noreferrer">site</a> <a rel="noopener noreferrer">ftp</a></p>\\n'
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

__all__ = ["ALLOWED_TAGS", "ALLOWED_URL_SCHEMES", "markdown_to_html", "sanitise_html"]

#: The HTML a report text may become: paragraphs, headings, emphasis, lists, code, tables, links.
ALLOWED_TAGS = frozenset({
    "p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "code", "pre", "blockquote", "hr",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
})

#: Link targets a report text may carry (relative links within the run's folder stay as well).
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})

_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def sanitise_html(html: str) -> str:
    """Keep only :data:`ALLOWED_TAGS`, link attributes and :data:`ALLOWED_URL_SCHEMES`.

    Parameters
    ----------
    html
        HTML of unknown origin.

    Returns
    -------
    str
        The HTML with every other element, attribute and address removed (the text inside a
        removed element stays; the content of ``script`` and ``style`` goes).

    Examples
    --------
    >>> sanitise_html('<p onclick="x()">Hoi <a href="javascript:alert(1)">a</a><script>b</script></p>')
    '<p>Hoi <a rel="noopener noreferrer">a</a></p>'
    """
    return nh3.clean(html, tags=set(ALLOWED_TAGS), attributes={k: set(v) for k, v in _ATTRIBUTES.items()},
                     url_schemes=set(ALLOWED_URL_SCHEMES), link_rel="noopener noreferrer",
                     strip_comments=True)


def markdown_to_html(markdown: str) -> str:
    """Render report Markdown (CommonMark and tables, no raw HTML) to sanitised HTML.

    Parameters
    ----------
    markdown
        Dutch report text; may contain names and notes from parameter files.

    Returns
    -------
    str
        HTML with only :data:`ALLOWED_TAGS`; markup typed into the text is shown as text.

    Examples
    --------
    >>> markdown_to_html("## Titel van <b>school</b>")
    '<h2>Titel van &lt;b&gt;school&lt;/b&gt;</h2>\\n'
    """
    return sanitise_html(_MARKDOWN.render(markdown))
