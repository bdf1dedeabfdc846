"""What a report says when a source is absent: the file to supply, and where its format is described.

A missing source is never an error in the budget report: each section without data shows the
sentence of :func:`missing_source_message`, naming the file (by its name, never a path: reports
are read outside the machine that made them) and what it should hold.

Examples
--------
>>> sorted(SOURCE_FILES)[:3]
['aanbieder', 'budget', 'capaciteit']
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from josanalysis.core.errors import ConfigError

__all__ = ["SOURCE_FILES", "missing_source_message"]

#: Files (relative to a region's data folder) and what they hold, for "supply this file" messages.
SOURCE_FILES: dict[str, tuple[str, str]] = {
    "leerplicht": ("leerplicht/leerplicht-registraties.csv", "meldingen van Leerplicht per leerling"),
    "vsv": ("duo/vsv-JJJJ.csv", "DUO-bestand voortijdig schoolverlaters"),
    "swv": ("swv/verwijzingen.csv", "verwijzingen van het samenwerkingsverband"),
    "gemeente": ("gemeente/jeugdhulp-per-school.csv", "jeugdhulp per school van de gemeente"),
    "school": ("rendement/rendement-indicatoren.csv",
               "de vaste rendementsindicatoren per school en schooljaar, door de scholen aangeleverd"),
    "aanbieder": ("aanbieder/trajecten.csv", "registratie van JOS-trajecten door de aanbieder"),
    "capaciteit": ("capaciteit/fte.csv", "fte per functie per school, eerder en tijdens (Bijlage 5)"),
    "budget": ("budget/zio-budget.csv", "ZiO-budget per school per jaar"),
    "herkomst": ("duo/leerlingen-vo-postcode-leerjaar-JJJJ.csv",
                 "DUO-bestand leerlingen per vestiging naar postcode en gemeente van de leerling"),
    "leerlingen": ("duo/leerlingen-vo-per-vestiging-JJJJ.csv", "DUO-bestand leerlingen per vestiging"),
}


def missing_source_message(source: str, data_dir: str | Path | None = None, *, what: str | None = None) -> str:
    """The Dutch sentence for a report section whose data are absent.

    Parameters
    ----------
    source
        Key of :data:`SOURCE_FILES` (for example ``"budget"``).
    data_dir
        The region's data folder (``region.data_dir``); accepted for callers, not shown: a report
        names no paths, only the file name and where its format is described.
    what
        The report section, in Dutch (default: derived from the file's description).

    Examples
    --------
    >>> missing_source_message("budget", "data/regio-alkmaar")
    'Geen gegevens: lever het bestand zio-budget.csv aan (ZiO-budget per school per jaar; het formaat staat in de handleiding bij de gegevensbestanden).'
    """
    if source not in SOURCE_FILES:
        raise ConfigError(f"unknown source {source!r}; expected one of {', '.join(SOURCE_FILES)}.")
    file, desc = SOURCE_FILES[source]
    head = f"Voor {what} ontbreken gegevens" if what else "Geen gegevens"
    doc = "de handleiding bij het budgetrapport" if source == "school" else "de handleiding bij de gegevensbestanden"
    return f"{head}: lever het bestand {PurePosixPath(file).name} aan ({desc}; het formaat staat in {doc})."
