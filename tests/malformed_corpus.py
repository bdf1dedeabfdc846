"""The malformed-input corpus and the awkward-but-valid files of ``tests/data/malformed/``.

Every malformed file differs from a small valid file of one loader in one respect (a row cut off,
a negative count, an undocumented marker, an invalid code, an impossible date, a key twice, ...)
and must be refused with one sentence naming the file, the row and the column
(``tests/test_sources_corpus.py``). The awkward files are valid exports in the forms the bodies
that supply data really use (BOM, ``;`` or ``,``, Dutch decimals, quoted fields, CRLF, gzip, ...)
and must load, with the values they hold.

The files are committed so that anyone can open them; this module is their one source. After a
change here, regenerate them::

    python -m tests.malformed_corpus

``manifest.csv`` lists every malformed file with its loader, the expected rows, column and a
fragment of the explanation; ``valid.csv`` lists every awkward file with its loader, a column of
the loaded frame, the row (0-based) and the value expected there.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "data" / "malformed"
SCHOOLS = ["DM0100", "DM0200"]

Rows = list[list[str]]


@dataclass(frozen=True)
class Base:
    """A small valid file of one loader: header and data rows (cells as written)."""

    loader: str
    name: str  # file name of the valid file (the year in a DUO name matters)
    header: list[str]
    rows: Rows
    delimiter: str = ";"
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Bad:
    """One malformed file: what is refused and where."""

    file: str
    loader: str
    content: bytes
    rows: list[int]  # expected spreadsheet rows (empty: none applies)
    column: str  # expected column as written ("" when none applies)
    words: str  # fragment of the explanation
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Good:
    """One awkward but valid file and one value it must yield."""

    file: str
    loader: str
    content: bytes
    column: str
    row: int
    value: str  # str() of the expected value
    kwargs: dict = field(default_factory=dict)


BASES: dict[str, Base] = {b.loader: b for b in [
    Base("swv", "swv-verwijzingen.csv",
         ["vestigingscode", "schooljaar", "tlv_vso_cluster4", "plaatsingen_voorziening"],
         [["DM0100", "2021-2022", "7", "12"], ["DM0100", "2022-2023", "<5", "10"],
          ["DM0200", "2022-2023", "3", "0"]]),
    Base("gemeente", "gemeente-jeugdhulp.csv",
         ["vestigingscode", "schooljaar", "leerlingen_jeugdhulp_ambulant", "leerlingen_jeugdhulp_verblijf",
          "kosten_ambulant", "kosten_verblijf", "indicaties_licht", "indicaties_middel", "indicaties_zwaar",
          "duur_maanden_gemiddeld"],
         [["DM0100", "2021-2022", "84", "6", "412.350,00", "298.000,50", "40", "31", "13", "9,5"],
          ["DM0100", "2022-2023", "91", "<5", "450.120,75", ".", "47", "33", "11", "8,7"],
          ["DM0200", "2022-2023", "40", "0", "100.000,00", "0,00", "20", "15", "5", "7,0"]]),
    Base("leerplicht", "leerplicht-registraties.csv",
         ["leerling_id", "vestigingscode", "type", "startdatum", "einddatum"],
         [["100001", "DM0100", "langdurig relatief verzuim", "2022-09-12", "2023-01-20"],
          ["100002", "DM0100", "absoluut verzuim", "2022-11-01", ""],
          ["100003", "DM0200", "relatief verzuim", "2023-02-06", "2023-03-10"]]),
    Base("aanbieder", "aanbieder-trajecten.csv",
         ["traject_id", "leerling_id", "vestigingscode", "functie", "type", "startdatum", "einddatum",
          "uitstroom", "tevredenheid", "terugval"],
         [["T0001", "100001", "DM0100", "JGC", "cliënttraject", "2022-09-05", "2023-02-10",
           "op school gebleven", "8", ""],
          ["T0002", "100002", "DM0100", "PAJ", "eenmalig contact", "2022-10-11", "2022-10-11",
           "op school gebleven", "", ""],
          ["T0003", "100003", "DM0200", "JGC", "cliënttraject", "2023-01-09", "", "", "", ""]]),
    Base("capaciteit", "capaciteit-fte.csv",
         ["vestigingscode", "school", "functie", "fte_eerder", "fte_tijdens", "uren_per_week_tijdens"],
         [["DM0100", "Duinwijk College", "GW", "0,2", "0,4", "14,4"],
          ["DM0100", "Duinwijk College", "JGC", "0,8", "1,0", "36"],
          ["DM0200", "Polderdam Lyceum", "GW", "0,0", "0,5", "18"]]),
    Base("budget", "zio-budget.csv", ["vestigingscode", "jaar", "budget_eur"],
         [["DM0100", "2023", "125.000,00"], ["DM0100", "2024", "131.250,00"], ["DM0200", "2024", "80.000,00"]]),
    Base("rendement", "rendement-indicatoren.csv", ["vestigingscode", "schooljaar", "indicator", "waarde"],
         [["DM0100", "2022-2023", "ziekteverzuim_pct", "6,8"], ["DM0100", "2022-2023", "werkplezier", "7,1"],
          ["DM0200", "2022-2023", "ziekteverzuim_pct", "5,2"]]),
    Base("duo_pupils", "leerlingen-vo-per-vestiging-2024.csv",
         ["INSTELLINGSCODE", "VESTIGINGSCODE", "GEMEENTENUMMER", "AANTAL LEERLINGEN"],
         [["DM01", "DM0100", "9901", "1234"], ["DM02", "DM0200", "0361", "876"], ["DM03", "DM0300", "361", "<5"]]),
    Base("duo_postcode", "leerlingen-vo-postcode-leerjaar-2024.csv",
         ["PEILDATUM", "VESTIGINGSCODE", "POSTCODE LEERLING", "GEMEENTENUMMER LEERLING",
          "LEER- OF VERBLIJFSJAAR 1", "LEER- OF VERBLIJFSJAAR 2"],
         [["2024-10-01", "DM0100", "9901", "9901", "45", "41"], ["2024-10-01", "DM0100", "9902", "9902", "12", "<5"],
          ["2024-10-01", "DM0200", "9902", "9902", "30", "28"]]),
    Base("duo_addresses", "alle-vestigingen-vo.csv",
         ["INSTELLINGSCODE", "VESTIGINGSCODE", "VESTIGINGSNAAM", "POSTCODE", "PLAATSNAAM", "GEMEENTENUMMER"],
         [["DM01", "DM0100", "Duinwijk College", "9901 AA", "DUINWIJK", "9901"],
          ["DM02", "DM0200", "Polderdam Lyceum", "9902 BB", "POLDERDAM", "9902"],
          ["DM03", "DM0300", "Het Kanaal", "9903 CC", "KANAALDORP", "9903"]]),
    Base("duo_vsv", "vsv-2022.csv",
         ["BRIN NUMMER", "JAAR", "ONDERWIJSSTRUCTUUR EN LEERJAAR", "AANTAL DEELNEMERS", "AANTAL VSV ERS"],
         [["DM01", "2022-2023", "VO onderbouw", "1.020", "4"], ["DM01", "2022-2023", "VWO bovenbouw", "214", "0"],
          ["DM02", "2022-2023", "VO onderbouw", "650", "<5"]]),
    Base("cbs", "85099NED.csv", ["ID", "RegioS", "Perioden", "JongerenMetJeugdhulp_1"],
         [["0", "GM9901  ", "2021JJ00", "1510"], ["1", "GM9901  ", "2022JJ00", "1585"],
          ["2", "GM9902  ", "2022JJ00", "."]]),
    Base("attendance", "verzuim-2023-2024.csv",
         ["leerling_id", "vestigingscode", "datum", "lesuren_gepland", "lesuren_afwezig_geoorloofd",
          "lesuren_afwezig_ongeoorloofd"],
         [["100001", "DM0100", "2023-09-04", "6", "0", "0"], ["100001", "DM0100", "2023-09-05", "7", "2", "0"],
          ["100002", "DM0200", "2023-09-04", "6", "1,5", "1"]]),
]}


def _text(header: list[str], rows: Rows, delimiter: str = ";", newline: str = "\n") -> str:
    return newline.join(delimiter.join(r) for r in [header, *rows]) + newline


def _set(rows: Rows, i: int, j: int, value: str) -> Rows:
    out = [list(r) for r in rows]
    out[i][j] = value
    return out


def _cell(base: Base, tag: str, i: int, column: str, value: str, words: str,
          kwargs: dict | None = None) -> Bad:
    """A copy of ``base`` with data row ``i`` (0-based) of ``column`` set to ``value``."""
    j = base.header.index(column)
    content = _text(base.header, _set(base.rows, i, j, value), base.delimiter)
    return _bad(base, tag, content, [i + 2], column, words, kwargs)


def _bad(base: Base, tag: str, content: str | bytes, rows: list[int], column: str, words: str,
         kwargs: dict | None = None) -> Bad:
    data = content.encode("utf-8") if isinstance(content, str) else content
    stem, _, ext = base.name.partition(".")
    return Bad(f"{base.loader}/{stem}--{tag}.{ext}", base.loader, data, rows, column, words,
               kwargs if kwargs is not None else dict(base.kwargs))


def _truncated(base: Base) -> Bad:
    """The second data row cut off after its first fields."""
    keep = 2 if base.loader != "cbs" else 3
    rows = [list(r) for r in base.rows]
    rows[1] = rows[1][:keep]
    column = base.header[keep]
    words = "cut off" if base.loader != "attendance" else f"has {keep} fields"
    return _bad(base, "truncated-row", _text(base.header, rows, base.delimiter), [3],
                column if base.loader != "attendance" else "", words)


def _duplicated(base: Base) -> Bad:
    """The first data row again at the end."""
    rows = [*base.rows, list(base.rows[0])]
    return _bad(base, "duplicated-key", _text(base.header, rows, base.delimiter), [2, len(rows) + 1], "",
                "once")


def _file_level(base: Base) -> list[Bad]:
    """Damage to the file as a whole, the same for every loader."""
    text = _text(base.header, base.rows, base.delimiter)
    return [
        _bad(base, "tab-separated", text.replace(base.delimiter, "\t"), [1], "", "tab"),
        _bad(base, "utf16", text.encode("utf-16"), [], "", "UTF-16"),
        _bad(base, "excel-workbook", b"PK\x03\x04" + text.encode(), [], "", "Excel"),
        _bad(base, "header-only", _text(base.header, [], base.delimiter), [1], "", "no data rows"),
    ]


def malformed() -> list[Bad]:
    """Every malformed file of the corpus."""
    b = BASES
    cases: list[Bad] = []
    for base in b.values():
        cases.append(_truncated(base))
        if base.loader != "attendance":  # one row per lesson is valid: a pupil's day may repeat
            cases.append(_duplicated(base))
    for key in ("swv", "gemeente", "duo_pupils"):
        cases.extend(_file_level(b[key]))
    # negative counts
    for key, col in (("swv", "tlv_vso_cluster4"), ("gemeente", "leerlingen_jeugdhulp_ambulant"),
                     ("gemeente", "indicaties_zwaar"), ("duo_pupils", "AANTAL LEERLINGEN"),
                     ("duo_postcode", "LEER- OF VERBLIJFSJAAR 2"), ("duo_vsv", "AANTAL DEELNEMERS"),
                     ("attendance", "lesuren_afwezig_ongeoorloofd")):
        cases.append(_cell(b[key], f"negative-{col.lower().replace(' ', '-')}", 1, col, "-3",
                           "negative"))
    for key, col in (("capaciteit", "fte_tijdens"), ("budget", "budget_eur"), ("rendement", "waarde")):
        cases.append(_cell(b[key], "negative-value", 1, col, "-2,5", "0"))
    # undocumented markers in counts
    for marker, tag in (("*", "star"), ("x", "x"), ("-", "dash"), ("<0", "below-zero"), ("n.v.t.", "nvt"),
                        ("?", "question-mark"), ("5-", "trailing-sign"), ("1,5", "decimal")):
        cases.append(_cell(b["swv"], f"marker-{tag}", 1, "plaatsingen_voorziening", marker,
                           "whole number"))
    for marker, tag in (("*", "star"), ("x", "x")):
        cases.append(_cell(b["duo_pupils"], f"marker-{tag}", 1, "AANTAL LEERLINGEN", marker,
                           "whole number"))
        cases.append(_cell(b["gemeente"], f"marker-{tag}", 0, "kosten_ambulant", marker, "a number"))
    # invalid codes
    for key, col, value, words in (
        ("swv", "vestigingscode", "DM01", "vestigingscode"),
        ("swv", "vestigingscode", "DM01000", "vestigingscode"),
        ("leerplicht", "vestigingscode", "DM-100", "vestigingscode"),
        ("duo_pupils", "GEMEENTENUMMER", "0", "municipality number"),
        ("duo_pupils", "GEMEENTENUMMER", "GM0000", "municipality number"),
        ("duo_pupils", "GEMEENTENUMMER", "99999", "municipality number"),
        ("duo_postcode", "GEMEENTENUMMER LEERLING", "onbekend", "municipality number"),
        ("duo_postcode", "POSTCODE LEERLING", "99", "postcode"),
        ("duo_addresses", "GEMEENTENUMMER", "0000", "municipality number"),
        ("cbs", "RegioS", "XX0361", "CBS region code"),
        ("cbs", "RegioS", "GM0000", "CBS region code"),
        ("cbs", "RegioS", "0361", "CBS region code"),
        ("leerplicht", "type", "spijbelen", "known value"),
        ("aanbieder", "functie", "XYZ", "known value"),
        ("capaciteit", "functie", "XYZ", "JOS function"),
        ("rendement", "indicator", "geluk", "return indicator"),
    ):
        cases.append(_cell(b[key], f"code-{col.lower().replace(' ', '-')}-{value.lower()}", 1, col,
                           value, words))
    # impossible and implausible dates and years
    for key, col, value, words in (
        ("duo_postcode", "PEILDATUM", "2024-13-01", "possible date"),
        ("duo_postcode", "PEILDATUM", "2024-02-30", "possible date"),
        ("duo_postcode", "PEILDATUM", "oktober", "possible date"),
        ("leerplicht", "startdatum", "2022-13-01", "not a date"),
        ("leerplicht", "einddatum", "2023-02-29", "not a date"),
        ("leerplicht", "startdatum", "2099-01-09", "not after today"),
        ("aanbieder", "startdatum", "32-10-2022", "not a date"),
        ("aanbieder", "einddatum", "2022-00-10", "not a date"),
        ("attendance", "datum", "2023-09-31", "not a date"),
        ("swv", "schooljaar", "2022-2024", "school year"),
        ("gemeente", "schooljaar", "2099-2100", "school year"),
        ("rendement", "schooljaar", "22-23-24", "school year"),
        ("duo_vsv", "JAAR", "2022-2024", "school year"),  # a plain year is the public layout (issue 16)
        ("budget", "jaar", "twintig", "whole number"),
    ):
        cases.append(_cell(b[key], f"date-{col.lower()}-{value.lower()}", 1, col, value, words))
    # unknown schools (the region's own list passed)
    region = {"school_ids": SCHOOLS}
    for key in ("swv", "leerplicht", "aanbieder", "capaciteit", "attendance"):
        cases.append(_cell(b[key], "unknown-school", 1, "vestigingscode", "ZZ9900", "school of this region",
              kwargs=region))
    return cases


def _gz(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"), mtime=0)


def _quoted(header: list[str], rows: Rows, delimiter: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows([header, *rows])
    return buf.getvalue()


def valid() -> list[Good]:
    """Awkward but valid files and one value each must yield."""
    b = BASES
    swv, gem, duo, att = b["swv"], b["gemeente"], b["duo_pupils"], b["attendance"]

    def good(base: Base, tag: str, content: str | bytes, column: str, row: int, value: str) -> Good:
        stem, _, ext = base.name.partition(".")
        data = content.encode("utf-8") if isinstance(content, str) else content
        if tag == "gzip":
            ext += ".gz"
        return Good(f"{base.loader}/{stem}--{tag}.{ext}", base.loader, data, column, row, value)

    files = [good(base, "plain", _text(base.header, base.rows, base.delimiter),
                  "school_id" if base.loader not in ("cbs", "duo_vsv") else "year" if base.loader == "cbs"
                  else "instelling", 0,
                  {"cbs": "2021", "duo_vsv": "DM01"}.get(base.loader, "DM0100"))
             for base in b.values()]
    files += [
        good(swv, "bom", "\ufeff" + _text(swv.header, swv.rows), "tlv_vso_cluster4", 0, "7"),
        good(swv, "comma-quoted-crlf", _quoted(swv.header, swv.rows, ","), "placements_facility", 0, "12"),
        good(swv, "trailing-delimiter-blank-lines",
             _text(swv.header, swv.rows).replace("\n", ";\n").replace("12;\n", "12;\n\n"), "tlv_vso_cluster4", 2, "3"),
        good(swv, "header-drift", _text(["VESTIGINGSCODE ", "School jaar", "TLV-VSO cluster 4",
                                         "Plaatsingen Voorziening"], swv.rows), "school_year", 1, "2022-2023"),
        good(swv, "suppressed-lt10", _text(swv.header, _set(swv.rows, 0, 2, "< 10")), "tlv_vso_cluster4_suppressed",
             0, "True"),
        good(swv, "thousands-quoted", _text(swv.header, _set(swv.rows, 0, 3, '"1.004"')), "placements_facility", 0,
             "1004"),
        good(swv, "lowercase-code-spaces", _text(swv.header, _set(swv.rows, 0, 0, " dm0100 ")), "school_id", 0,
             "DM0100"),
        good(swv, "school-year-slash", _text(swv.header, _set(swv.rows, 0, 1, "2021/2022")), "school_year", 0,
             "2021-2022"),
        good(gem, "cp1252-dutch-decimals", _text(gem.header, gem.rows).encode("cp1252"), "cost_ambulant", 0,
             "412350.0"),
        good(gem, "english-decimals", _text(gem.header, [[c.replace(".", "").replace(",", ".") if i in (4, 5, 9)
                                                           else c for i, c in enumerate(r)] for r in gem.rows]),
             "duration_months", 0, "9.5"),
        good(duo, "leading-zero-municipality", _quoted(duo.header, duo.rows, ";"), "municipality_code", 1, "GM0361"),
        good(duo, "short-municipality-number", _text(duo.header, duo.rows), "municipality_code", 2, "GM0361"),
        good(duo, "gzip", _gz(_text(duo.header, duo.rows)), "pupils", 0, "1234"),
        good(b["duo_postcode"], "peildatum-dutch", _text(b["duo_postcode"].header,
             [_set([r], 0, 0, "01-10-2024")[0] for r in b["duo_postcode"].rows]), "reference_date", 0,
             "2024-10-01 00:00:00"),
        good(b["duo_postcode"], "peildatum-compact", _text(b["duo_postcode"].header,
             [_set([r], 0, 0, "20241001")[0] for r in b["duo_postcode"].rows]), "reference_date", 0,
             "2024-10-01 00:00:00"),
        good(b["leerplicht"], "dutch-dates", _text(b["leerplicht"].header,
             _set(b["leerplicht"].rows, 0, 3, "12-09-2022")), "month", 0, "2022-09-01 00:00:00"),
        good(b["aanbieder"], "cp1252-accents", _text(b["aanbieder"].header, b["aanbieder"].rows).encode("cp1252"),
             "type", 0, "clienttraject"),
        good(b["cbs"], "quoted-padded", _quoted(b["cbs"].header, b["cbs"].rows, ";"), "value", 1, "1585.0"),
        good(att, "gzip", _gz(_text(att.header, att.rows)), "scheduled_hours", 0, "13.0"),
        good(att, "comma-dutch-hours", _text(att.header, att.rows, ","
                                             ).replace(",1,5,", ',"1,5",'), "absent_authorised_hours", 1, "1.5"),
    ]
    return files


def generate(folder: Path = FOLDER) -> None:
    """Write the corpus, ``manifest.csv`` and ``valid.csv`` into ``folder`` (replacing it)."""
    if folder.exists():
        shutil.rmtree(folder)
    for sub in ("bad", "good"):
        (folder / sub).mkdir(parents=True)
    bad, good = malformed(), valid()
    for case in bad:
        path = folder / "bad" / case.file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(case.content)
    for case in good:
        path = folder / "good" / case.file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(case.content)
    with (folder / "manifest.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";", lineterminator="\n")
        w.writerow(["file", "loader", "rows", "column", "words", "kwargs"])
        for c in bad:
            w.writerow([c.file, c.loader, " ".join(map(str, c.rows)), c.column, c.words,
                        json.dumps(c.kwargs) if c.kwargs else ""])
    with (folder / "valid.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";", lineterminator="\n")
        w.writerow(["file", "loader", "column", "row", "value"])
        for g in good:
            w.writerow([g.file, g.loader, g.column, g.row, g.value])


if __name__ == "__main__":
    generate()
    print(f"wrote {len(malformed())} malformed and {len(valid())} valid files to {FOLDER}")
