"""The output scan: no pupil pseudonym and no unsuppressed small pupil count in any output file.

:func:`scan_outputs` reads every file a batch wrote (notebooks, HTML, CSV/TSV, JSON, text) and
lists each :class:`Violation`; :func:`assert_outputs_private` raises
:class:`~josanalysis.privacy.PrivacyError` when there is one. Pupil counts are recognised by
name (:data:`COUNT_FIELD_PATTERNS`, :func:`is_count_field`); pupil identifiers to look for come
from the region's input files (:func:`pupil_identifiers`).

Examples
--------
>>> is_count_field("Aantal thuiszitters"), is_count_field("n_months")
(True, False)
"""

from __future__ import annotations

import csv
import fnmatch
import functools
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from josanalysis.core.errors import ConfigError, DataError
from josanalysis.privacy.active_content import (
    active_content,
    active_content_in_svg,
    active_content_of_page,
    svg_of_address,
)
from josanalysis.privacy.protected import PrivacyError
from josanalysis.privacy.suppression import check_threshold
from josanalysis.sources.reading.files import decode_text, read_bytes, sniff_delimiter
from josanalysis.sources.reading.pseudonyms import PUPIL_ID_HEADERS, pseudonymise

__all__ = [
    "COUNT_FIELD_PATTERNS",
    "NON_COUNT_FIELD_PATTERNS",
    "OutputScanner",
    "PSEUDONYM_PATTERN",
    "PUPIL_ID_COLUMNS",
    "SCANNED_SUFFIXES",
    "Violation",
    "is_count_field",
    "scan_outputs",
    "assert_outputs_private",
    "pupil_identifiers",
]

#: Column / field names (case-insensitive globs) that hold pupil counts. Results files and
#: report tables name pupil counts by these patterns; :func:`scan_outputs` checks them.
COUNT_FIELD_PATTERNS: tuple[str, ...] = (
    "n",
    "n_*",
    "aantal",
    "aantal*",
    "leerlingen*",
    "pupils*",
    "thuiszitters*",
    "vsv*",
    "voortijdig*",
    "tlv*",
    "plaatsingen*",
    "verwijzingen*",
    "trajecten*",
    "indicaties*",
    "jeugdhulp_leerlingen*",
    "leerlingen_jeugdhulp*",
    "count",
    "*_count",
    "*_n",
    "*_leerlingen",
    "*_thuiszitters",
)

#: Names that match a count pattern but do not count pupils (months, points, schools,
#: simulations). These are never treated as pupil counts.
NON_COUNT_FIELD_PATTERNS: tuple[str, ...] = (
    "n_pre",
    "n_post",
    "n_obs",
    "n_months*",
    "n_maanden*",
    "n_points*",
    "n_punten*",
    "n_schools*",
    "n_scholen*",
    "n_simulations*",
    "n_sim*",
    "n_dates*",
    "n_placebo*",
    "n_params*",
    "n_lags*",
    "n_caveats*",
    "n_kanttekeningen*",
    "n_below_minimum*",
    "n_years*",
    "n_jaren*",
    "n_excluded*",
    "n_permutations*",
    "n_units*",
    "n_terms*",
    "*_months",
    "*_maanden",
    "aantal_maanden*",
    "aantal_lesmaanden*",
    "aantal_scholen*",
    "aantal_punten*",
    "aantal_jaren*",
    "aantal_schooljaren*",
    "aantal_kanttekeningen*",
    "aantal_caveats*",
)

#: The shape of pupil pseudonyms made by :func:`josanalysis.sources.pseudonymise`
#: (``ll-`` + 16 lowercase hex digits). Opt-in for :func:`scan_outputs` (``pseudonym_pattern=``).
PSEUDONYM_PATTERN = re.compile(r"(?<![0-9A-Za-z])ll-[0-9a-f]{16}(?![0-9A-Za-z])")

#: What a pupil-count check needs to know: whether a column / field name is a pupil count.
IsCount = Callable[[Any], bool]


@dataclass(frozen=True)
class Violation:
    """One privacy problem found in an output file.

    Attributes
    ----------
    file
        The file.
    kind
        ``"pseudonym"``, ``"small_count"`` or ``"active_content"`` (script, event handler,
        ``javascript:`` link, or an HTML page without the run's Content-Security-Policy).
    location
        Where in the file (line, row/column, JSON path, table/row/column).
    detail
        What was found (a pseudonym is shown shortened).
    """

    file: Path
    kind: Literal["pseudonym", "small_count", "active_content"]
    location: str
    detail: str

    def __str__(self) -> str:
        return f"{self.file}: {self.location}: {self.detail}"


def is_count_field(
    name: Any,
    count_fields: Sequence[str] = COUNT_FIELD_PATTERNS,
    ignore_fields: Sequence[str] = NON_COUNT_FIELD_PATTERNS,
) -> bool:
    """Whether a column/field name denotes a pupil count under the naming convention.

    Examples
    --------
    >>> is_count_field("n_thuiszitters"), is_count_field("n_pre"), is_count_field("Aantal leerlingen")
    (True, False, True)
    """
    if not isinstance(name, str):
        return False
    return _matches_count(name, tuple(count_fields), tuple(ignore_fields))


@functools.lru_cache(maxsize=4096)
def _matches_count(name: str, count_fields: tuple[str, ...], ignore_fields: tuple[str, ...]) -> bool:
    """:func:`is_count_field` on a text, remembered: a scan asks about the same headers thousands
    of times."""
    n = re.sub(r"[\s\-]+", "_", name.strip().lower())
    if any(fnmatch.fnmatchcase(n, p.lower()) for p in ignore_fields):
        return False
    return any(fnmatch.fnmatchcase(n, p.lower()) for p in count_fields)


def _small(value: Any, min_count: int) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return 1 <= value < min_count and float(value).is_integer()
    if isinstance(value, str):
        t = value.strip().replace(".", "").replace(",", ".") if re.fullmatch(r"\d+(,0+)?", value.strip()) else value.strip()
        try:
            f = float(t)
        except ValueError:
            return False
        return 1 <= f < min_count and f.is_integer()
    return False


_IMAGE_DATA = re.compile(r"data:image/(svg\+xml|png|jpeg|gif|webp);base64,([A-Za-z0-9+/=]*)")


def _readable(text: str) -> str:
    """The text in which a pseudonym could be read: embedded SVG figures decoded (their labels
    are text), raster image data left out (random base64 can look like a pseudonym, and no
    reader sees it as text); line breaks kept where they were, so locations stay true.

    >>> _readable('<img src="data:image/svg+xml;base64,PHRleHQ+QUJDPC90ZXh0Pg==">')
    '<img src=" <text>ABC</text> ">'
    """
    if "data:image/" not in text:
        return text

    def decoded(m: re.Match[str]) -> str:
        svg = svg_of_address(m.group(2)) if m.group(1) == "svg+xml" else None
        return " " if svg is None else " " + svg.replace("\n", " ") + " "

    return _IMAGE_DATA.sub(decoded, text)


def _short(p: str) -> str:
    return p[:6] + "…" if len(p) > 6 else "…"


class _Pseudonyms:
    def __init__(self, pseudonyms: Iterable[str], pattern: re.Pattern[str] | None) -> None:
        self.exact = {str(p) for p in pseudonyms if p is not None and str(p).strip()}
        self.pattern = pattern
        self._token = re.compile(r"[0-9A-Za-z][0-9A-Za-z_\-]*")
        self._odd = [p for p in self.exact if not self._token.fullmatch(p)]

    def find(self, text: str) -> list[tuple[int, str]]:
        hits: list[tuple[int, str]] = []
        if self.exact:
            # set intersections first (C speed): almost every text has no hit at all
            tokens = set(self._token.findall(text))
            direct = tokens & self.exact
            # tokens may carry a prefix/suffix joined by _
            parts = {p for t in tokens if "_" in t for p in t.split("_") if p != t} & self.exact
            if direct or parts:
                for m in self._token.finditer(text):
                    tok = m.group(0)
                    if tok in direct:
                        hits.append((m.start(), tok))
                    elif "_" in tok:
                        hits += [(m.start(), part) for part in tok.split("_") if part != tok and part in parts]
            for p in self._odd:
                start = text.find(p)
                while start >= 0:
                    hits.append((start, p))
                    start = text.find(p, start + 1)
        if self.pattern is not None:
            seen = {pos for pos, _ in hits}
            for m in self.pattern.finditer(text):
                if not any(abs(m.start() - s) < 3 for s in seen):
                    hits.append((m.start(), m.group(0)))
        return hits


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


class _TableParser(HTMLParser):
    """Collect the cells of every <table> in an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._stack: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "table":
            self._stack.append([])
        elif tag == "tr" and self._stack:
            self._stack[-1].append([])
        elif tag in ("td", "th") and self._stack:
            if not self._stack[-1]:
                self._stack[-1].append([])
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._stack:
            self._stack[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _scan_html_tables(html: str, min_count: int, is_count: Any) -> list[tuple[str, str]]:
    parser = _TableParser()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # malformed HTML: pseudonym scan still covers the text
        return []
    found = []
    for t_no, rows in enumerate(parser.tables, start=1):
        if not rows:
            continue
        header = rows[0]
        count_cols = [j for j, h in enumerate(header) if is_count(h)]
        for r_no, row in enumerate(rows[1:], start=2):
            for j in count_cols:
                if j < len(row) and _small(row[j], min_count):
                    found.append((f"table {t_no}, row {r_no}, column '{header[j]}'", row[j]))
    return found


def _walk_json(obj: Any, path: str, min_count: int, is_count: Any, out: list[tuple[str, Any]],
               file_counts: bool | None = None) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            p = f"{path}.{k}" if path else str(k)
            if is_count(k):
                if isinstance(v, list):
                    for i, x in enumerate(v):
                        if _small(x, min_count):
                            out.append((f"{p}[{i}]", x))
                elif _small(v, min_count):
                    out.append((p, v))
            if isinstance(v, (dict, list)):
                _walk_json(v, p, min_count, is_count, out, file_counts)
        # pandas orient="split"/"table" style: {"columns": [...], "data": [[...], ...]}
        cols = obj.get("columns")
        data = obj.get("data")
        if isinstance(cols, list) and isinstance(data, list):
            names = [c.get("name") if isinstance(c, dict) else c for c in cols]
            for r, row in enumerate(data):
                if isinstance(row, list):
                    for j, name in enumerate(names):
                        if j < len(row) and is_count(name) and _small(row[j], min_count):
                            out.append((f"{path}.data[{r}][{j}] ('{name}')", row[j]))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            if isinstance(v, dict) and file_counts is not None:
                keys = list(v)
                for j in _period_counts(keys, [v[k] for k in keys], file_counts):
                    if _small(v[keys[j]], min_count):
                        out.append((f"{path}[{i}].{keys[j]}", v[keys[j]]))
            if isinstance(v, (dict, list)):
                _walk_json(v, f"{path}[{i}]", min_count, is_count, out, file_counts)


#: Column names that are periods (school years ``2022-2023`` or years): in a wide table their
#: values are counts when the row's unit column says so, or the file is named after a count.
PERIOD_COLUMN = re.compile(r"^\s*(19|20)\d{2}([-/](19|20)\d{2})?\s*$")
UNIT_COLUMNS = ("eenheid", "unit")
COUNT_UNITS = ("aantal", "leerlingen", "pupils", "count", "aantal leerlingen")
#: Words in a results file name that make its period columns pupil counts (when it has no unit
#: column), e.g. ``rendement_thuiszitters.csv``.
COUNT_FILE_WORDS = ("thuiszitters", "vsv", "tlv", "verwijzingen", "plaatsingen", "jeugdhulp",
                    "leerlingen", "trajecten", "indicaties", "pupils")


def _file_counts(path: Path) -> bool:
    stem = path.stem.lower()
    return any(w in stem for w in COUNT_FILE_WORDS)


def _period_counts(header: Sequence[Any], row: Sequence[Any], file_counts: bool) -> list[int]:
    """Indices of period columns whose values are pupil counts in this row."""
    periods = [j for j, h in enumerate(header) if isinstance(h, str) and PERIOD_COLUMN.match(h)]
    if not periods:
        return []
    units = [j for j, h in enumerate(header) if isinstance(h, str) and h.strip().lower() in UNIT_COLUMNS]
    if units:
        unit = str(row[units[0]]).strip().lower() if units[0] < len(row) else ""
        return periods if unit in COUNT_UNITS else []
    return periods if file_counts else []



def _csv_delimiter(path: Path, first_line: str) -> str:
    """Tab for ``.tsv``; else the shared reading layer's sniffer, tab when it sees one."""
    if path.suffix.lower() == ".tsv":
        return "\t"
    try:
        return sniff_delimiter(first_line, path)
    except DataError:
        return "\t"


def _scan_csv(path: Path, text: str, min_count: int, is_count: IsCount) -> list[tuple[str, Any]]:
    first = text.splitlines()[0] if text else ""
    rows = list(csv.reader(io.StringIO(text), delimiter=_csv_delimiter(path, first)))
    if not rows:
        return []
    header = rows[0]
    count_cols = [j for j, h in enumerate(header) if is_count(h)]
    found = []
    file_counts = _file_counts(path)
    for r_no, row in enumerate(rows[1:], start=2):
        for j in sorted(set(count_cols) | set(_period_counts(header, row, file_counts))):
            if j < len(row) and _small(row[j], min_count):
                found.append((f"row {r_no}, column '{header[j]}'", row[j]))
    return found


def _notebook_html(text: str) -> list[tuple[int, str]]:
    """The HTML outputs of a notebook as (cell number, HTML); a JavaScript output counts as a
    ``<script>`` element."""
    try:
        nb = json.loads(text)
    except json.JSONDecodeError:
        nb = {}
    found = []
    for c_no, cell in enumerate(nb.get("cells", []) if isinstance(nb, dict) else []):
        for output in cell.get("outputs", []) or []:
            data = output.get("data", {}) if isinstance(output, dict) else {}
            for mime, wrap in (("text/html", "{}"), ("application/javascript", "<script>{}</script>")):
                if data.get(mime):
                    body = "".join(data[mime]) if isinstance(data[mime], list) else str(data[mime])
                    found.append((c_no + 1, wrap.format(body)))
    return found


def _scan_notebook(text: str, min_count: int, is_count: IsCount) -> list[tuple[str, Any]]:
    """Small counts in the HTML tables of a notebook's outputs."""
    return [(f"cell {c_no}, {loc}", v) for c_no, html in _notebook_html(text)
            for loc, v in _scan_html_tables(html, min_count, is_count)]


def _small_counts_in(path: Path, text: str, min_count: int, is_count: IsCount) -> list[Violation]:
    """The unsuppressed small pupil counts of one file, by its kind."""
    suffix = path.suffix.lower()
    small: list[tuple[str, Any]] = []
    if suffix in (".csv", ".tsv"):
        small = _scan_csv(path, text, min_count, is_count)
    elif suffix == ".json":
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            return [Violation(path, "small_count", f"line {exc.lineno}",
                              "not valid JSON, so its counts cannot be checked")]
        _walk_json(obj, "", min_count, is_count, small, _file_counts(path))
    elif suffix in (".html", ".htm"):
        small = _scan_html_tables(text, min_count, is_count)
    elif suffix == ".ipynb":
        small = _scan_notebook(text, min_count, is_count)
    return [Violation(path, "small_count", loc, f"pupil count {v} is below {min_count} and not suppressed")
            for loc, v in small]


SCANNED_SUFFIXES = (".ipynb", ".html", ".htm", ".csv", ".json", ".txt", ".md", ".tsv", ".svg")


class OutputScanner:
    """The output scan's settings, ready to scan files and folders (:func:`scan_outputs` is the
    one-call form).

    Built once per run: the pupil identifiers are indexed once, and a batch scans each report
    folder as soon as the report is written (:meth:`scan_folder`), then what is left.

    Parameters are those of :func:`scan_outputs`.

    Examples
    --------
    >>> scanner = OutputScanner(pseudonyms=["4a83854cf6f0112b"], min_count=5)
    >>> scanner.scan_folder("outputs/demoregio/schools/DM0100")  # doctest: +SKIP
    []
    """

    def __init__(self, *, pseudonyms: Iterable[str] = (), min_count: int = 5,
                 count_fields: Sequence[str] = COUNT_FIELD_PATTERNS,
                 ignore_fields: Sequence[str] = NON_COUNT_FIELD_PATTERNS,
                 pseudonym_pattern: re.Pattern[str] | None = None) -> None:
        self.min_count = check_threshold(min_count, "min_count", 1)
        self._finder = _Pseudonyms(pseudonyms, pseudonym_pattern)
        self._count_fields, self._ignore_fields = tuple(count_fields), tuple(ignore_fields)

    def _is_count(self, name: Any) -> bool:
        return is_count_field(name, self._count_fields, self._ignore_fields)

    def scan_file(self, path: Path) -> list[Violation]:
        """The violations in one file (any suffix of :data:`SCANNED_SUFFIXES`)."""
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            text = path.read_text(encoding="cp1252", errors="replace")
        violations = [Violation(path, "pseudonym", f"line {_line_of(text, pos)}", f"pupil pseudonym {_short(p)} found")
                      for pos, p in self._finder.find(_readable(text))]
        violations.extend(_small_counts_in(path, text, self.min_count, self._is_count))
        violations.extend(_active_content_in(path, text))
        return violations

    def scan_folder(self, folder: str | Path, *, skip: Iterable[str | Path] = ()) -> list[Violation]:
        """The violations in every scanned file under ``folder`` (recursively), except under the
        folders ``skip`` (already scanned); a sentence if ``folder`` does not exist."""
        folder = Path(folder)
        if not folder.is_dir():
            raise ConfigError(f"Output folder {folder} does not exist; run the batch first.")
        skipped = tuple(Path(f) for f in skip)
        violations: list[Violation] = []
        for path in sorted(folder.rglob("*")):
            if (not path.is_file() or path.suffix.lower() not in SCANNED_SUFFIXES
                    or any(path.is_relative_to(f) for f in skipped)):
                continue
            violations.extend(self.scan_file(path))
        return violations


def scan_outputs(
    folder: str | Path,
    *,
    pseudonyms: Iterable[str] = (),
    min_count: int = 5,
    count_fields: Sequence[str] = COUNT_FIELD_PATTERNS,
    ignore_fields: Sequence[str] = NON_COUNT_FIELD_PATTERNS,
    pseudonym_pattern: re.Pattern[str] | None = None,
) -> list[Violation]:
    """Scan every file a batch wrote for pupil pseudonyms and unsuppressed small pupil counts.

    What is checked:

    * every ``.ipynb``, ``.html``, ``.csv``, ``.tsv``, ``.json``, ``.txt``, ``.md`` and ``.svg``
      (figure) file under ``folder`` (recursively) for any of ``pseudonyms`` (and, with
      ``pseudonym_pattern=PSEUDONYM_PATTERN``, anything shaped like one);
    * results files (CSV/TSV: columns; JSON: keys, also ``{"columns", "data"}`` tables) whose
      column/field name is a pupil count by the naming convention (:func:`is_count_field`) for
      values 1 to ``min_count - 1``; in wide tables also the period columns (``2022-2023``)
      of rows whose ``eenheid``/``unit`` is ``aantal``/``leerlingen``, or of every row when the
      file has no unit column and its name contains a count word (:data:`COUNT_FILE_WORDS`,
      e.g. ``rendement_thuiszitters.csv``);
    * HTML tables (also inside notebooks' HTML outputs) whose header is a pupil count name
      (e.g. ``aantal thuiszitters``, ``leerlingen``) for such values;
    * HTML pages, notebooks' HTML outputs and figures for active content
      (:mod:`~josanalysis.privacy.active_content`).

    Parameters
    ----------
    folder
        The output folder (e.g. ``outputs/demoregio``).
    pseudonyms
        All pupil pseudonyms of the run's inputs (and raw ids, if at hand).
    min_count
        The region's threshold (``region.privacy.min_count``).
    count_fields, ignore_fields
        Name patterns (case-insensitive globs) that hold / do not hold pupil counts.
    pseudonym_pattern
        Optional regex for pseudonym-shaped text (e.g. :data:`PSEUDONYM_PATTERN`); default None
        checks the given pseudonyms only.

    Returns
    -------
    list[Violation]
        Empty when the outputs are clean.

    Examples
    --------
    >>> scan_outputs("outputs/demoregio", pseudonyms=["4a83854cf6f0112b"])  # doctest: +SKIP
    []
    """
    return OutputScanner(pseudonyms=pseudonyms, min_count=min_count, count_fields=count_fields,
                         ignore_fields=ignore_fields, pseudonym_pattern=pseudonym_pattern).scan_folder(folder)


def _active_content_in(path: Path, text: str) -> list[Violation]:
    """Scripts, event handlers and dangerous addresses in an HTML file or a notebook's HTML outputs;
    a whole page (with ``<html>`` or ``<head>``) without a policy that runs no script."""
    suffix = path.suffix.lower()
    found: list[tuple[str, str]] = []
    if suffix in (".html", ".htm"):
        found = active_content_of_page(text)
    elif suffix == ".ipynb":
        for i, html in _notebook_html(text):
            found += [(f"cell {i}, {loc}", detail) for loc, detail in active_content(html)]
    elif suffix == ".svg":
        found = active_content_in_svg(text)
    return [Violation(path, "active_content", loc, detail) for loc, detail in found]


#: Column names that hold pupil identifiers in input files (docs/data-formats.md): every synonym
#: the loaders accept.
PUPIL_ID_COLUMNS = PUPIL_ID_HEADERS


def _ids_in_file(path: Path) -> set[str]:
    """The values of the pupil identifier columns of one input CSV (none if it has none or is
    not a ``;``/``,`` separated text file); DataError if it cannot be read."""
    try:
        path, raw = read_bytes(path)
    except OSError as exc:
        raise DataError(f"cannot be read ({exc})", file=path) from None
    try:
        text, _ = decode_text(raw, path)
        first = text.lstrip("\ufeff").split("\n", 1)[0]
        delim = sniff_delimiter(first, path)
    except DataError:
        return set()
    header = [h.strip().strip('"').lower() for h in first.strip().split(delim)]
    cols = [j for j, h in enumerate(header) if h in PUPIL_ID_COLUMNS]
    if not cols:
        return set()
    # pandas' C parser: input files hold a row per pupil and month
    frame = pd.read_csv(io.StringIO(text.lstrip("\ufeff")), sep=delim, usecols=cols, dtype=str,
                        keep_default_na=False, on_bad_lines="skip", engine="c")
    values = pd.unique(frame.to_numpy().ravel())
    return {v.strip() for v in values if isinstance(v, str) and v.strip()}


def pupil_identifiers(data_dir: str | Path, *, key: bytes | str | None = None) -> set[str]:
    """Every pupil identifier in a region's input files, to pass to :func:`scan_outputs`.

    Reads the identifier column (:data:`PUPIL_ID_COLUMNS`) of every CSV (also ``.csv.gz``)
    under ``data_dir`` that has one, with the shared reading layer of
    :mod:`josanalysis.sources.reading` (encoding, ``;`` or ``,``). With ``key``, the pseudonyms
    those ids get on load (:func:`josanalysis.sources.pseudonymise`) are added, so a scan
    finds raw ids and pseudonyms alike; run the batch with the same key
    (``JOSANALYSIS_PSEUDONYM_KEY``).

    Parameters
    ----------
    data_dir
        The region's data folder (``region.data_dir``).
    key
        The pseudonymisation key of the run, or None for raw ids only.

    Returns
    -------
    set of str

    Examples
    --------
    >>> ids = pupil_identifiers("data/demo", key="sleutel-van-de-run")   # doctest: +SKIP
    >>> assert_outputs_private("outputs/demoregio", pseudonyms=ids)      # doctest: +SKIP
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ConfigError(f"Data folder {data_dir} does not exist.")
    ids: set[str] = set()
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()
                       and (p.name.lower().endswith(".csv") or p.name.lower().endswith(".csv.gz"))):
        ids |= _ids_in_file(path)
    if key is not None and ids:
        k = key.encode("utf-8") if isinstance(key, str) else key
        ids |= set(pseudonymise(pd.Series(sorted(ids)), key=k).dropna())
    return ids


def assert_outputs_private(folder: str | Path, **kwargs: Any) -> None:
    """Raise :class:`~josanalysis.privacy.PrivacyError` if :func:`scan_outputs` finds anything.

    Parameters
    ----------
    folder
        The output folder.
    **kwargs
        Passed to :func:`scan_outputs` (``pseudonyms``, ``min_count``, …).

    Examples
    --------
    >>> assert_outputs_private("outputs/demoregio", min_count=5)  # doctest: +SKIP
    """
    found = scan_outputs(folder, **kwargs)
    if found:
        shown = "; ".join(str(v) for v in found[:5])
        more = f" (and {len(found) - 5} more)" if len(found) > 5 else ""
        raise PrivacyError(
            f"The outputs in {folder} are not safe to share: {len(found)} privacy problem(s) "
            f"found — {shown}{more}. Pass counts through josanalysis.privacy.apply_privacy and "
            "keep pupil identifiers out of reports."
        )
