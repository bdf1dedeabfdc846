"""The project's own input formats shipped as Excel templates with an instructions sheet.

DUO and CBS files are read as published; the other sources (Leerplicht, verzuim, gemeente, SWV,
aanbieder, capaciteit, budget, rendement) have no published form, so this project defines one
(``docs/data-formats.md``, "project templates"). :func:`write_template` writes each as a workbook
with an ``Instructies`` sheet (what the file holds, where it goes, one line per column) and a
``Gegevens`` sheet with the header and the example rows of ``data/examples/``. The loaders read
the filled-in workbook as they read the CSV (:mod:`josanalysis.sources.reading.workbook`).
Attendance has two templates, hours already split (``verzuim``) and hours per reason code
(``verzuim-redenen``); a large attendance export is better saved as CSV (a workbook holds at
most 1,048,576 rows and is read more slowly).

Examples
--------
>>> sorted(TEMPLATES)[:3]
['aanbieder', 'budget', 'capaciteit']
>>> write_templates("data/templates")                     # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

from josanalysis.core.config import PROJECT_ROOT
from josanalysis.sources.reading.table import read_table

__all__ = ["Template", "TEMPLATES", "EXAMPLES_DIR", "write_template", "write_templates"]

EXAMPLES_DIR = PROJECT_ROOT / "data" / "examples"


@dataclass(frozen=True)
class Template:
    """One project template: its example file, where a filled-in copy goes, and its columns."""

    example: str
    folder: str
    title: str
    columns: tuple[tuple[str, str], ...]
    #: file stem of the workbook (default: ``<folder>-sjabloon``) and extra instruction lines
    name: str = ""
    notes: tuple[str, ...] = ()

    @property
    def file_name(self) -> str:
        """The workbook's file name, e.g. ``verzuim-redenen-sjabloon.xlsx``."""
        return f"{self.name or self.folder}-sjabloon.xlsx"


TEMPLATES: dict[str, Template] = {
    "leerplicht": Template("leerplicht-registraties.csv", "leerplicht", "Meldingen van Leerplicht per leerling", (
        ("leerling_id", "leerlingnummer zoals Leerplicht het kent (wordt bij inlezen gepseudonimiseerd)"),
        ("vestigingscode", "DUO-vestigingscode van de school, bijv. 08UV00"),
        ("type", "absoluut verzuim, relatief verzuim, langdurig relatief verzuim of vrijstelling"),
        ("startdatum", "JJJJ-MM-DD"),
        ("einddatum", "JJJJ-MM-DD; leeg zolang de melding loopt"))),
    "verzuim": Template("verzuim-2023-2024.csv", "verzuim", "Verzuim per leerling per lesdag, al gesplitst", (
        ("leerling_id", "leerlingnummer in het leerlingvolgsysteem (wordt bij inlezen gepseudonimiseerd)"),
        ("vestigingscode", "DUO-vestigingscode, bijv. 08UV00"),
        ("datum", "JJJJ-MM-DD; één regel per leerling per lesdag (of per lesuur met een kolom lesuur)"),
        ("lesuren_gepland", "geplande lesuren die dag"),
        ("lesuren_afwezig_geoorloofd", "lesuren geoorloofd afwezig"),
        ("lesuren_afwezig_ongeoorloofd", "lesuren ongeoorloofd afwezig")),
        notes=("Dezelfde leerling op dezelfde dag (en hetzelfde lesuur) twee keer wordt geweigerd: hij zou "
               "dubbel tellen.", "Grote exports: sla op als CSV (.csv of .csv.gz).")),
    "verzuim-redenen": Template("verzuim-redenen-2023-2024.csv", "verzuim",
                                "Verzuim per leerling, lesdag en absentiereden (zoals Somtoday en Magister exporteren)", (
        ("leerling_id", "leerlingnummer in het leerlingvolgsysteem (wordt bij inlezen gepseudonimiseerd)"),
        ("vestigingscode", "DUO-vestigingscode, bijv. 08UV00"),
        ("datum", "JJJJ-MM-DD"),
        ("lesuur", "optioneel: het lesuur (een regel per lesuur)"),
        ("lesuren_gepland", "geplande lesuren van die dag (of dat lesuur); gelijk op elke regel van die dag"),
        ("reden", "de absentiecode van de school (bijv. ziek, TL); leeg als de leerling er was"),
        ("lesuren_afwezig", "lesuren afwezig met deze reden; 0 als de leerling er was")),
        name="verzuim-redenen",
        notes=("Elke school legt vast wat haar codes betekenen: absence_reasons in params/schools/<regio>/<school>.yaml "
               "(of voor de hele regio in params/regions/<regio>.yaml), met geoorloofd, ongeoorloofd of niet_meetellen "
               "(bijv. te laat). Een code die daar niet staat, wordt geweigerd met bestand, school, code en rijen.",
               "Eén regel per leerling, dag, lesuur en reden; een herhaalde regel wordt geweigerd.",
               "Grote exports: sla op als CSV (.csv of .csv.gz).")),
    "gemeente": Template("gemeente-jeugdhulp-per-school.csv", "gemeente", "Jeugdhulp per school van de gemeente", (
        ("vestigingscode", "DUO-vestigingscode"), ("schooljaar", "bijv. 2022-2023"),
        ("leerlingen_jeugdhulp_ambulant", "aantal leerlingen met jeugdhulp zonder verblijf (<5 mag)"),
        ("leerlingen_jeugdhulp_verblijf", "aantal leerlingen met jeugdhulp met verblijf (<5 mag)"),
        ("kosten_ambulant", "euro"), ("kosten_verblijf", "euro"),
        ("indicaties_licht", "aantal"), ("indicaties_middel", "aantal"), ("indicaties_zwaar", "aantal"),
        ("duur_maanden_gemiddeld", "gemiddelde duur in maanden"),
        ("duur_maanden_ambulant", "gemiddelde duur van jeugdhulp zonder verblijf in maanden (mag leeg)"),
        ("duur_maanden_verblijf", "gemiddelde duur van jeugdhulp met verblijf in maanden (mag leeg)"))),
    "swv": Template("swv-verwijzingen.csv", "swv", "Verwijzingen van het samenwerkingsverband", (
        ("vestigingscode", "DUO-vestigingscode"), ("schooljaar", "bijv. 2022-2023"),
        ("tlv_vso_cluster4", "aantal toelaatbaarheidsverklaringen vso cluster 4"),
        ("plaatsingen_voorziening", "aantal plaatsingen in een voorziening"))),
    "aanbieder": Template("aanbieder-trajecten.csv", "aanbieder", "JOS-trajecten van de aanbieder", (
        ("traject_id", "uniek nummer van het traject"), ("leerling_id", "leerlingnummer (gepseudonimiseerd)"),
        ("vestigingscode", "DUO-vestigingscode"), ("functie", "GW, JGC of PAJ"),
        ("type", "cliënttraject, consultatie, ..."), ("startdatum", "JJJJ-MM-DD"),
        ("einddatum", "JJJJ-MM-DD of leeg"), ("uitstroom", "bijv. op school gebleven"),
        ("tevredenheid", "cijfer 1-10 of leeg"), ("terugval", "ja/nee of leeg"))),
    "capaciteit": Template("capaciteit-fte.csv", "capaciteit", "Fte per JOS-functie per school (Bijlage 5)", (
        ("vestigingscode", "DUO-vestigingscode"), ("school", "naam van de school"),
        ("functie", "GW, JGC of PAJ"), ("fte_eerder", "fte vóór JOS; n.v.t. als de functie er niet is"),
        ("fte_tijdens", "fte tijdens JOS"), ("uren_per_week_tijdens", "uren per week tijdens JOS"))),
    "budget": Template("zio-budget.csv", "budget", "ZiO-budget per school per jaar", (
        ("vestigingscode", "DUO-vestigingscode"), ("jaar", "kalenderjaar"), ("budget_eur", "euro"))),
    "rendement": Template("rendement-indicatoren.csv", "rendement", "Rendementsindicatoren van de scholen", (
        ("vestigingscode", "DUO-vestigingscode"), ("schooljaar", "bijv. 2022-2023"),
        ("indicator", "naam van de indicator, zie docs/budget.md"), ("waarde", "getal"))),
}

_GENERAL = (
    "Vul het blad 'Gegevens' in: één regel per record, de kolomkoppen ongewijzigd. De voorbeeldregels mogen weg.",
    "Kleine aantallen mogen als <5 worden ingevuld; een lege cel is 'onbekend', nooit nul.",
    "Bedragen en decimalen met een komma of een punt; datums als JJJJ-MM-DD.",
    "Sla op als .xlsx of als CSV (puntkomma-gescheiden) en zet het bestand in de map van de regio, submap '{folder}'.",
    "Controleer daarna met: josanalysis check-data --region <regio>. Fouten noemen bestand, rij en kolom.",
)


def write_template(name: str, out_dir: str | Path) -> Path:
    """Write one template workbook (:attr:`Template.file_name`) with its instructions; returns its path."""
    t = TEMPLATES[name]
    table = read_table(EXAMPLES_DIR / t.example)
    book = openpyxl.Workbook()
    info = book.active
    info.title = "Instructies"
    info.append([t.title])
    info["A1"].font = Font(bold=True, size=14)
    info.append([])
    for line in (*_GENERAL, *t.notes):
        info.append([line.format(folder=t.folder)])
    info.append([])
    info.append(["Kolom", "Inhoud"])
    for col, meaning in t.columns:
        info.append([col, meaning])
    info.column_dimensions["A"].width = 34
    info.column_dimensions["B"].width = 90
    data = book.create_sheet("Gegevens")
    header = [table.original[c] for c in table.data.columns if c != "_row"]
    data.append(header)
    for row in table.data.drop(columns="_row").itertuples(index=False):
        data.append(list(row))  # as text, exactly as in the example CSV
    for cell in data[1]:
        cell.font = Font(bold=True)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / t.file_name
    book.save(path)
    return path


def write_templates(out_dir: str | Path) -> list[Path]:
    """Write every template of :data:`TEMPLATES` into ``out_dir``."""
    return [write_template(name, out_dir) for name in TEMPLATES]
