"""Active content in shared HTML: anything a browser would run or that sends the reader elsewhere.

Reports are mailed to schools and municipalities, so a page of a run may hold no script, no
event handler, no embedded frame or object and no ``javascript:``/``vbscript:``/``file:``
address, and every page carries the run's Content-Security-Policy. Report text is made safe by
construction (:mod:`josanalysis.reporting.markup`, the HTML export's policy); this module is the
independent check of the result that the output scan (:func:`josanalysis.privacy.scan_outputs`)
runs over every HTML page and every HTML output of a notebook.

Examples
--------
>>> active_content('<p>Hoi <img src="x" onerror="alert(1)"></p><a href="javascript:void(0)">a</a>')
[('line 1, <img>', 'event handler attribute onerror'), ('line 1, <a>', 'href to a javascript: address')]
>>> active_content('<p>Hoi &lt;script&gt;</p><img src="data:image/png;base64,iVBO" alt="x">')
[]

The report's figures are SVG documents embedded in ``<img>`` (a browser runs no script and loads
nothing from an image); :func:`active_content_in_svg` checks them all the same, also inside the
``data:image/svg+xml`` address of a page:

>>> active_content_in_svg('<svg xmlns="http://www.w3.org/2000/svg"><text>12 leerlingen</text></svg>')
[]
>>> active_content_in_svg('<svg><script>alert(1)</script></svg>')
[('line 1, <script>', '<script> element')]
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from html.parser import HTMLParser
from xml.parsers import expat

__all__ = ["ACTIVE_TAGS", "active_content", "active_content_in_svg", "active_content_of_page", "runs_no_script",
           "svg_of_address"]

#: Elements that run code or embed another document.
ACTIVE_TAGS = frozenset({"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base",
                         "form", "svg", "math", "link"})

#: Inside an SVG document (a figure): the same, except its own ``<svg>`` elements, plus
#: ``<foreignObject>`` (HTML inside the drawing) and the animation elements that can rewrite an
#: attribute such as a link (the parser lowercases tag names).
SVG_ACTIVE_TAGS = (ACTIVE_TAGS - {"svg"}) | {"foreignobject", "animate", "set"}

_SVG_IMAGE = "data:image/svg+xml;base64,"
_PAGE = re.compile(r"<(?:html|head)[\s>]", re.IGNORECASE)

_URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "poster",
                             "background", "srcset", "cite", "longdesc", "ping"})
_SCHEME = re.compile(r"^\s*([a-z][a-z0-9+.\-]*)\s*:", re.IGNORECASE)
_DANGEROUS_SCHEMES = frozenset({"javascript", "vbscript", "file", "data"})
_CONTROL = re.compile(r"[\x00-\x20]")


class _ActiveContent(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self.policies: list[str] = []

    def _where(self, tag: str) -> str:
        return f"line {self.getpos()[0]}, <{tag}>"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ACTIVE_TAGS:
            self.found.append((self._where(tag), f"<{tag}> element"))
        if tag == "meta":
            self._meta(dict(attrs))
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append((self._where(tag), f"event handler attribute {name}"))
            elif name in _URL_ATTRIBUTES or name == "srcdoc":
                self._check_url(tag, name, value or "")

    handle_startendtag = handle_starttag

    def _meta(self, attrs: dict[str, str | None]) -> None:
        equiv = (attrs.get("http-equiv") or "").lower()
        if equiv == "refresh":
            self.found.append((self._where("meta"), "meta refresh (redirects the reader)"))
        elif equiv == "content-security-policy":
            self.policies.append(attrs.get("content") or "")

    def _check_url(self, tag: str, name: str, value: str) -> None:
        if name == "srcdoc":
            self.found.append((self._where(tag), "srcdoc attribute (an embedded document)"))
            return
        m = _SCHEME.match(_CONTROL.sub("", value))
        if not m or m.group(1).lower() not in _DANGEROUS_SCHEMES:
            return
        scheme = m.group(1).lower()
        start = value.lstrip()
        if scheme == "data" and tag == "img" and name == "src":
            if start.lower().startswith(("data:image/png", "data:image/jpeg", "data:image/gif", "data:image/webp")):
                return  # embedded raster images
            if start.lower().startswith(_SVG_IMAGE):  # the report's own figures: checked inside
                self.found += [(f"{self._where(tag)} figure, {where}", detail)
                               for where, detail in _svg_in_address(start[len(_SVG_IMAGE):])]
                return
        self.found.append((self._where(tag), f"{name} to a {scheme}: address"))


def svg_of_address(data: str) -> str | None:
    """The SVG document of the base64 part of a ``data:image/svg+xml;base64,`` address (None when
    it is not base64 UTF-8): what the output scan reads of a report's embedded figures.

    >>> svg_of_address("PHN2Zz48L3N2Zz4=")
    '<svg></svg>'
    """
    try:
        return base64.b64decode(data.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _svg_in_address(data: str) -> list[tuple[str, str]]:
    """Active content of a base64 SVG image address (undecodable data counts as found)."""
    svg = svg_of_address(data)
    if svg is None:
        return [("data", "an SVG image address that is not base64 UTF-8")]
    return active_content_in_svg(svg)


def active_content(html: str) -> list[tuple[str, str]]:
    """Every piece of active content in an HTML page or fragment.

    Parameters
    ----------
    html
        The page (or a notebook output's HTML).

    Returns
    -------
    list of (location, detail)
        Empty when the HTML runs nothing: no :data:`ACTIVE_TAGS` element, no ``on…`` attribute,
        no ``javascript:``, ``vbscript:``, ``file:`` or ``data:`` address (embedded raster images
        excepted, and SVG images whose own content passes :func:`active_content_in_svg`), no
        ``srcdoc`` and no meta refresh.
    """
    return _parsed(html).found


def active_content_of_page(html: str) -> list[tuple[str, str]]:
    """:func:`active_content` of an HTML file, and -- when it is a whole page (it has ``<html>`` or
    ``<head>``) -- a finding when it declares no policy that runs no script (:func:`runs_no_script`);
    the page is parsed once for both.

    >>> active_content_of_page("<html><head><title>x</title></head><body>Hoi</body></html>")
    [('<head>', 'no Content-Security-Policy that runs no script')]
    >>> active_content_of_page("<p>Hoi</p>")
    []
    """
    parsed = _parsed(html)
    found = list(parsed.found)
    if _PAGE.search(html) and not _no_script(parsed.policies):
        found.append(("<head>", "no Content-Security-Policy that runs no script"))
    return found


def active_content_in_svg(svg: str) -> list[tuple[str, str]]:
    """Every piece of active content in an SVG document (a report's figure).

    As :func:`active_content`, with the document's own ``<svg>`` elements allowed and
    ``<foreignObject>`` and the animation elements found (they embed HTML or rewrite attributes).
    An SVG is XML: it is read by expat (C, fast on the thousands of elements of a figure, and
    strict), an entity declaration counts as found (no entity is ever expanded into a figure)
    and a document that is not well-formed XML is found as such. A scan meets every figure three
    times (its file, the page, the notebook): the result is remembered per document.
    """
    return list(_svg_findings(svg))


@functools.lru_cache(maxsize=64)
def _svg_findings(svg: str) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    parser = expat.ParserCreate(namespace_separator=" ")

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = name.rsplit(" ", 1)[-1].lower()
        where = f"line {parser.CurrentLineNumber}, <{tag}>"
        if tag in SVG_ACTIVE_TAGS:
            found.append((where, f"<{tag}> element"))
        for qualified, value in attrs.items():
            attr = qualified.rsplit(" ", 1)[-1].lower()
            if attr.startswith("on"):
                found.append((where, f"event handler attribute {attr}"))
            elif attr in _URL_ATTRIBUTES or f"xlink:{attr}" in _URL_ATTRIBUTES:
                m = _SCHEME.match(_CONTROL.sub("", value))
                if m and m.group(1).lower() in _DANGEROUS_SCHEMES:
                    found.append((where, f"{attr} to a {m.group(1).lower()}: address"))

    def entity(name: str, *_: object) -> None:
        found.append((f"line {parser.CurrentLineNumber}", f"entity declaration {name}"))

    parser.StartElementHandler = start
    parser.EntityDeclHandler = entity
    try:
        parser.Parse(svg, True)
    except expat.ExpatError as exc:
        found.append((f"line {exc.lineno}", f"not well-formed SVG ({expat.ErrorString(exc.code)})"))
    return tuple(found)


def _parsed(html: str) -> _ActiveContent:
    parser = _ActiveContent()
    parser.feed(html)
    parser.close()
    return parser


def runs_no_script(page: str) -> bool:
    """Whether a whole HTML page declares a Content-Security-Policy that runs no script at all
    (``default-src 'none'`` without any ``script-src``), as every page of a run does.

    >>> policy = "default-src 'none'"
    >>> runs_no_script(f'<head><meta http-equiv="Content-Security-Policy" content="{policy}"></head>')
    True
    >>> runs_no_script("<head><title>x</title></head>")
    False
    """
    return _no_script(_parsed(page).policies)


def _no_script(policies: list[str]) -> bool:
    return any("default-src 'none'" in p and "script-src" not in p for p in policies)
