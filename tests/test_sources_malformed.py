"""Malformed inputs are refused with one DataError naming file, row(s) and column.

Every case writes a small file that differs from a valid one in one respect and checks that the
message names the file, the spreadsheet row (header = row 1) and the column where they apply,
and says what was expected.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import pytest

from josanalysis.core.errors import DataError
from josanalysis.sources import (
    load_attendance,
    load_budget,
    load_capacity,
    load_cbs_youthcare,
    load_duo_pupils,
    load_duo_vsv,
    load_municipality_youthcare,
    load_provider_trajectories,
    load_swv_referrals,
    load_thuiszitters,
)

SWV = "vestigingscode;schooljaar;tlv_vso_cluster4;plaatsingen_voorziening\n"
LP = "leerling_id;vestigingscode;type;startdatum;einddatum\n"
ATT = "leerling_id;vestigingscode;datum;lesuren_gepland;lesuren_afwezig_geoorloofd;lesuren_afwezig_ongeoorloofd\n"
PROV = "traject_id;leerling_id;vestigingscode;functie;type;startdatum;einddatum;uitstroom;tevredenheid;terugval\n"
CAP = "vestigingscode;school;functie;fte_eerder;fte_tijdens;uren_per_week_tijdens\n"
GEM = ("vestigingscode;schooljaar;leerlingen_jeugdhulp_ambulant;leerlingen_jeugdhulp_verblijf;kosten_ambulant;"
       "kosten_verblijf;indicaties_licht;indicaties_middel;indicaties_zwaar;duur_maanden_gemiddeld\n")
DUO = '"VESTIGINGSCODE";"GEMEENTENUMMER";"AANTAL LEERLINGEN"\n'
REGION = ["DM0100", "DM0200"]


@dataclass
class Case:
    id: str
    loader: Callable[..., Any]
    name: str
    content: str | bytes
    rows: list[int] | None  # expected rows (None: no row applies)
    column: str | None
    words: str  # a fragment of the explanation
    kwargs: dict | None = None


CASES = [
    Case("wrong-delimiter-tab", load_swv_referrals, "swv.csv",
         SWV.replace(";", "\t") + "DM0100\t2022-2023\t3\t4\n", [1], None, "separated by tab"),
    Case("wrong-delimiter-pipe", load_swv_referrals, "swv.csv",
         SWV.replace(";", "|") + "DM0100|2022-2023|3|4\n", [1], None, "expected ';' or ','"),
    Case("utf16-encoding", load_swv_referrals, "swv.csv",
         (SWV + "DM0100;2022-2023;3;4\n").encode("utf-16"), None, None, "UTF-16"),
    Case("excel-workbook", load_swv_referrals, "swv.csv", b"PK\x03\x04rest-of-a-zip", None, None, "Excel"),
    Case("missing-column", load_swv_referrals, "swv.csv",
         "vestigingscode;schooljaar;tlv_vso_cluster4\nDM0100;2022-2023;3\n", [1], "plaatsingen_voorziening",
         "missing"),
    Case("duplicated-key", load_swv_referrals, "swv.csv",
         SWV + "DM0100;2022-2023;3;4\nDM0200;2022-2023;1;0\nDM0100;2022-2023;5;6\n", [2, 4], None,
         "more than once"),
    Case("negative-count", load_swv_referrals, "swv.csv",
         SWV + "DM0100;2021-2022;3;4\nDM0100;2022-2023;-3;4\n", [3], "tlv_vso_cluster4", "negative"),
    Case("text-in-count", load_swv_referrals, "swv.csv",
         SWV + "DM0100;2022-2023;vijf;4\n", [2], "tlv_vso_cluster4", "whole number"),
    Case("decimal-in-count", load_swv_referrals, "swv.csv",
         SWV + "DM0100;2022-2023;2,5;4\n", [2], "tlv_vso_cluster4", "whole number"),
    Case("unknown-suppression-marker", load_swv_referrals, "swv.csv",
         SWV + "DM0100;2020-2021;<5;.\nDM0100;2021-2022;;4\nDM0100;2022-2023;*;4\n", [4],
         "tlv_vso_cluster4", "'<5' / '.' when suppressed"),
    Case("empty-file", load_swv_referrals, "swv.csv", "", None, None, "empty"),
    Case("only-whitespace", load_swv_referrals, "swv.csv", "\n  \n", None, None, "empty"),
    Case("header-only", load_swv_referrals, "swv.csv", SWV, [1], None, "no data rows"),
    Case("ragged-row", load_swv_referrals, "swv.csv",
         SWV + "DM0100;2021-2022;3;4\nDM0100;2022-2023;3;4;9\n", [3], None, "more fields"),
    Case("duplicated-header", load_swv_referrals, "swv.csv",
         "vestigingscode;schooljaar;tlv_vso_cluster4;tlv_vso_cluster4\nDM0100;2022-2023;3;4\n", [1], None,
         "more than once"),
    Case("unknown-school-code", load_swv_referrals, "swv.csv",
         SWV + "DM0100;2022-2023;3;4\nZZ9900;2022-2023;1;1\n", [3], "vestigingscode", "school of this region",
         {"school_ids": REGION}),
    Case("malformed-school-code", load_swv_referrals, "swv.csv",
         SWV + "DM01;2022-2023;3;4\n", [2], "vestigingscode", "4 characters + 2 digits"),
    Case("bad-school-year", load_swv_referrals, "swv.csv",
         SWV + "DM0100;2022-2024;3;4\n", [2], "schooljaar", "school year"),
    Case("impossible-date", load_thuiszitters, "leerplicht.csv",
         LP + "1;DM0100;absoluut verzuim;2023-01-09;\n2;DM0100;relatief verzuim;2022-10-01;2023-13-01\n",
         [3], "einddatum", "is not a date (expected YYYY-MM-DD)"),
    Case("future-date", load_thuiszitters, "leerplicht.csv",
         LP + "1;DM0100;absoluut verzuim;2099-01-09;\n", [2], "startdatum", "not after today"),
    Case("end-before-start", load_thuiszitters, "leerplicht.csv",
         LP + "1;DM0100;absoluut verzuim;2023-01-09;2022-12-01\n", [2], "einddatum", "on or after the start"),
    Case("unknown-case-type", load_thuiszitters, "leerplicht.csv",
         LP + "1;DM0100;spijbelen;2023-01-09;\n", [2], "type", "known value"),
    Case("empty-pupil-number", load_thuiszitters, "leerplicht.csv",
         LP + "1;DM0100;absoluut verzuim;2023-01-09;\n;DM0100;absoluut verzuim;2023-01-09;\n", [3],
         "leerling_id", "pupil number"),
    Case("attendance-absent-gt-scheduled", load_attendance, "verzuim.csv",
         ATT + "1;DM0100;2023-09-04;6;1;0\n2;DM0100;2023-09-04;6;4;3\n", [3], "lesuren_gepland",
         "exceed the scheduled"),
    Case("attendance-negative-hours", load_attendance, "verzuim.csv",
         ATT + "1;DM0100;2023-09-04;6;1;0\n1;DM0100;2023-09-05;6;-1;0\n", [3],
         "lesuren_afwezig_geoorloofd", "negative"),
    Case("attendance-bad-date", load_attendance, "verzuim.csv",
         ATT + "1;DM0100;2023-09-04;6;1;0\n1;DM0100;2023-13-01;6;0;0\n", [3], "datum", "not a date"),
    Case("attendance-future-date", load_attendance, "verzuim.csv",
         ATT + "1;DM0100;2023-09-04;6;1;0\n1;DM0100;2099-09-01;6;0;0\n", [3], "datum", "not after"),
    Case("attendance-text-in-hours", load_attendance, "verzuim.csv",
         ATT + "1;DM0100;2023-09-04;zes;1;0\n", [2], "lesuren_gepland", "number of hours"),
    Case("attendance-unknown-column", load_attendance, "verzuim.csv",
         ATT.strip() + ";klas\n1;DM0100;2023-09-04;6;1;0;2b\n", [1], "klas", "unknown column"),
    Case("attendance-missing-column", load_attendance, "verzuim.csv",
         "leerling_id;vestigingscode;datum;lesuren_gepland;lesuren_afwezig_geoorloofd\n1;DM0100;2023-09-04;6;1\n",
         [1], "lesuren_afwezig_ongeoorloofd", "missing"),
    Case("attendance-unknown-school", load_attendance, "verzuim.csv",
         ATT + "1;DM0100;2023-09-04;6;1;0\n2;ZZ9900;2023-09-04;6;1;0\n", [3], "vestigingscode",
         "school of this region", {"school_ids": REGION}),
    Case("attendance-extra-field", load_attendance, "verzuim.csv",
         ATT + "1;DM0100;2023-09-04;6;1;0\n2;DM0100;2023-09-04;6;0;0;9\n", [3], None, "7 fields"),
    Case("attendance-missing-field", load_attendance, "verzuim.csv",
         ATT + "1;DM0100;2023-09-04;6;1;0\n2;DM0100;2023-09-04;6\n", [3], None, "4 fields"),
    Case("attendance-header-only", load_attendance, "verzuim.csv", ATT, [1], None, "no data rows"),
    Case("attendance-damaged-gzip", load_attendance, "verzuim.csv.gz",
         gzip.compress((ATT + "1;DM0100;2023-09-04;6;1;0\n" * 50).encode())[:40], None, None, "gzip"),
    Case("satisfaction-out-of-range", load_provider_trajectories, "trajecten.csv",
         PROV + "T1;1;DM0100;JGC;cliënttraject;2022-09-05;2023-02-10;op school gebleven;11;\n", [2],
         "tevredenheid", "1 to 10"),
    Case("outflow-on-open-traject", load_provider_trajectories, "trajecten.csv",
         PROV + "T1;1;DM0100;JGC;cliënttraject;2022-09-05;;uitgevallen;;\n", [2], "uitstroom", "open"),
    Case("relapse-outside-monitortraject", load_provider_trajectories, "trajecten.csv",
         PROV + "T1;1;DM0100;JGC;cliënttraject;2022-09-05;2023-01-01;uitgevallen;;ja\n", [2], "terugval",
         "monitortraject"),
    Case("duplicated-traject-number", load_provider_trajectories, "trajecten.csv",
         PROV + "T1;1;DM0100;JGC;cliënttraject;2022-09-05;;;;\nT1;2;DM0100;PAJ;cliënttraject;2022-09-06;;;;\n",
         [2, 3], None, "more than once"),
    Case("unknown-function", load_capacity, "fte.csv",
         CAP + "DM0100;School;XYZ;0,2;0,4;14\n", [2], "functie", "JOS function"),
    Case("implausible-fte", load_capacity, "fte.csv",
         CAP + "DM0100;School;GW;0,2;0,4;14\nDM0100;School;JGC;0,2;40;14\n", [3], "fte_tijdens", "FTE of 0-20"),
    Case("budget-empty-amount", load_budget, "zio-budget.csv",
         "vestigingscode;jaar;budget_eur\nDM0100;2023;125.000,00\nDM0200;2023;\n", [3], "budget_eur",
         "required"),
    Case("duration-out-of-range", load_municipality_youthcare, "jeugdhulp.csv",
         GEM + "DM0100;2022-2023;84;6;1,00;1,00;1;1;1;500\n", [2], "duur_maanden_gemiddeld", "0-240"),
    Case("vsv-leavers-exceed-participants", load_duo_vsv, "vsv-2022.csv",
         "BRIN NUMMER;JAAR;ONDERWIJSSTRUCTUUR EN LEERJAAR;AANTAL DEELNEMERS;AANTAL VSV ERS\n"
         "DM01;2022-2023;VO totaal;100;4\nDM02;2022-2023;VO totaal;10;12\n", [3], None, "not more than"),
    Case("duo-duplicated-vestiging", load_duo_pupils, "leerlingen-vo-per-vestiging-2024.csv",
         DUO + '"08UV00";"1980";195\n"08UV00";"1980";196\n', [2, 3], None, "more than once"),
    Case("duo-text-in-count", load_duo_pupils, "leerlingen-vo-per-vestiging-2024.csv",
         DUO + '"08UV00";"1980";"honderd"\n', [2], "AANTAL LEERLINGEN", "whole number"),
    Case("cbs-quarterly-period", load_cbs_youthcare, "85099NED.csv",
         "ID;RegioS;Perioden;JongerenMetJeugdhulp_1\n0;GM0361;2022JJ00;10\n1;GM0361;2022KW01;3\n", [3],
         "Perioden", "yearly period"),
    Case("truncated-row", load_swv_referrals, "swv.csv",
         SWV + "DM0100;2021-2022;3;4\nDM0100;2022-2023;3\n", [3], "plaatsingen_voorziening", "cut off"),
    Case("truncated-row-leerplicht", load_thuiszitters, "leerplicht.csv",
         LP + "1;DM0100;absoluut verzuim;2023-01-09\n", [2], "einddatum", "cut off"),
    Case("negative-count-municipality", load_municipality_youthcare, "jeugdhulp.csv",
         GEM + "DM0100;2022-2023;-84;6;1,00;1,00;1;1;1;5\n", [2], "leerlingen_jeugdhulp_ambulant", "negative"),
    Case("below-zero-marker", load_swv_referrals, "swv.csv",
         SWV + "DM0100;2022-2023;<0;4\n", [2], "tlv_vso_cluster4", "whole number"),
    Case("municipality-zero", load_duo_pupils, "leerlingen-vo-per-vestiging-2024.csv",
         DUO + '"08UV00";"0000";195\n', [2], "GEMEENTENUMMER", "municipality number"),
    Case("peildatum-month-13", load_duo_pupils, "leerlingen-vo-per-vestiging.csv",
         '"PEILDATUM";' + DUO + '"2024-13-01";"08UV00";"1980";195\n', [2], "PEILDATUM", "possible date"),
    Case("cbs-invalid-region-code", load_cbs_youthcare, "85099NED.csv",
         "ID;RegioS;Perioden;JongerenMetJeugdhulp_1\n0;GM0361;2022JJ00;10\n1;XX0361;2022JJ00;3\n", [3],
         "RegioS", "CBS region code"),
    Case("cbs-invalid-json", load_cbs_youthcare, "85099NED.json", '{"value": [ {"RegioS": "GM0361"', None,
         None, "not valid JSON"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_input_is_refused_with_location(tmp_path: Path, case: Case) -> None:
    path = tmp_path / case.name
    if isinstance(case.content, bytes):
        path.write_bytes(case.content)
    else:
        path.write_text(case.content, encoding="utf-8")
    with pytest.raises(DataError) as info:
        case.loader(path, **(case.kwargs or {}))
    err = info.value
    text = str(err)
    assert err.file == case.name and text.startswith(case.name)
    if case.rows is not None:
        assert err.rows[: len(case.rows)] == case.rows, text
        assert ("row " if len(case.rows) == 1 else "rows ") in text
    if case.column is not None:
        assert err.column == case.column and f"column '{case.column}'" in text, text
    assert case.words in text, text


def test_at_least_25_distinct_malformed_inputs() -> None:
    assert len({c.id for c in CASES}) >= 25


def test_issue_example_message(tmp_path: Path) -> None:
    f = tmp_path / "leerplicht.csv"
    lines = [LP.strip()] + [f"{i};DM0100;relatief verzuim;2022-10-01;2022-10-20" for i in range(15)]
    lines.append("99;DM0100;relatief verzuim;2022-10-01;2023-13-01")
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_thuiszitters(f)
    assert str(info.value) == (
        "leerplicht.csv, row 17, column 'einddatum': '2023-13-01' is not a date (expected YYYY-MM-DD)."
    )


def test_accepted_suppression_markers_never_become_zero(tmp_path: Path) -> None:
    f = tmp_path / "swv.csv"
    f.write_text(SWV + "DM0100;2020-2021;<5;.\nDM0100;2021-2022;;< 10\nDM0100;2022-2023;0;7\n", encoding="utf-8")
    df = load_swv_referrals(f)
    assert df["tlv_vso_cluster4"].isna().tolist() == [True, True, False]
    assert df["placements_facility"].isna().tolist() == [True, True, False]
    assert df["tlv_vso_cluster4_suppressed"].tolist() == [True, True, False]
    assert df.loc[2, "tlv_vso_cluster4"] == 0 and not df.loc[2, "tlv_vso_cluster4_suppressed"]


def test_bom_header_drift_cp1252_and_english_commas(tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_bytes(("\ufeff" + "VESTIGINGSCODE ; School jaar;TLV-VSO cluster 4;Plaatsingen Voorziening\n"
                     "dm0100;2022/2023;\"3\";\"1.004\"\n").encode("utf-8"))
    df = load_swv_referrals(bom)
    assert df.loc[0, "school_id"] == "DM0100" and df.loc[0, "school_year"] == "2022-2023"
    assert df.loc[0, "placements_facility"] == 1004
    eng = tmp_path / "eng.csv"
    eng.write_bytes(("traject_id,pupil_id,school_id,function,type,start_date,end_date,outflow,satisfaction,relapse\n"
                     "T1,1,DM0100,JGC,Cliënttraject,2022-09-05,2023-01-10,stayed at school,7.5,\n").encode("cp1252"))
    tr = load_provider_trajectories(eng)
    assert tr.loc[0, "type"] == "clienttraject" and tr.loc[0, "satisfaction"] == 7.5
    assert tr.loc[0, "outflow"] == "stayed"


def test_cbs_json_record_numbers(tmp_path: Path) -> None:
    f = tmp_path / "85099NED.json"
    f.write_text(json.dumps({"value": [
        {"ID": 0, "RegioS": "GM0361  ", "Perioden": "2022JJ00", "JongerenMetJeugdhulp_1": 10},
        {"ID": 1, "RegioS": "GM0361  ", "Perioden": "2022JJ00", "JongerenMetJeugdhulp_1": 11},
    ]}), encoding="utf-8")
    with pytest.raises(DataError, match="more than once") as info:
        load_cbs_youthcare(f)
    assert info.value.rows == [1, 2] and info.value.file == "85099NED.json"


def test_leading_zeros_and_quoted_numbers_survive(tmp_path: Path) -> None:
    f = tmp_path / "leerlingen-vo-per-vestiging-2024.csv"
    f.write_text(DUO + '"00ZD00";"0361";"1.457"\n', encoding="utf-8")
    df = load_duo_pupils(f)
    assert df.loc[0, "school_id"] == "00ZD00" and df.loc[0, "municipality_code"] == "GM0361"
    assert df.loc[0, "pupils"] == 1457
    assert isinstance(df.loc[0, "school_id"], str) and pd.api.types.is_string_dtype(df["school_id"])


def test_crlf_trailing_delimiter_blank_lines_and_row_numbers(tmp_path: Path) -> None:
    f = tmp_path / "swv.csv"
    f.write_bytes((SWV.strip() + ";\r\nDM0100;2021-2022;3;4;\r\n\r\nDM0100;2022-2023;x;4;\r\n").encode("cp1252"))
    with pytest.raises(DataError) as info:
        load_swv_referrals(f)
    # the blank line still counts as a spreadsheet row
    assert info.value.rows == [4] and info.value.column == "tlv_vso_cluster4"
    f.write_bytes((SWV.strip() + ";\r\nDM0100;2021-2022;3;4;\r\n\r\nDM0100;2022-2023;5;4;\r\n").encode("cp1252"))
    assert load_swv_referrals(f)["tlv_vso_cluster4"].tolist() == [3, 5]
