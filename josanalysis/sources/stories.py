"""Stories and practice examples per school and framework element: ``kwalitatief/verhalen*.csv``.

"Die cijfers zijn relatief leeg als je het verhaal erachter niet duidt" (Oberon, §2.6): a school
writes down short stories that explain its numbers, each tied to one element of the theoretical
framework, with its date and the role (never the name) of its author. The reports show them next
to the numbers of that element.

Stories are the one free-text input, so the loader refuses text that carries identifiers: e-mail
addresses, telephone numbers, numbers of six digits or more (pupil numbers, BSN), Dutch postcodes,
pseudonyms and dates of birth. It cannot recognise a person's name: whoever writes a story writes
about "een leerling uit klas 2", never a name (``docs/qualitative.md``).

Examples
--------
>>> from josanalysis.sources.stories import identifiers_in
>>> identifiers_in("Mail naar j.jansen@school.nl of bel 06-12345678")
['e-mailadres', 'telefoonnummer']
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from josanalysis.core.framework import FRAMEWORK
from josanalysis.sources.reading.codes import map_values
from josanalysis.sources.reading.columns import spec
from josanalysis.sources.reading.schema import finish, raise_bad_rows
from josanalysis.sources.reading.school_table import read_school_table
from josanalysis.sources.reading.table import normalise_name

__all__ = ["load_stories", "identifiers_in", "AUTHOR_ROLES", "STORY_COLUMNS", "MAX_STORY_CHARACTERS"]

#: Roles of a story's author: accepted spelling -> Dutch text for reports.
AUTHOR_ROLES: dict[str, str] = {
    "ondersteuningscoordinator": "ondersteuningscoördinator", "oco": "ondersteuningscoördinator",
    "gedragswetenschapper": "gedragswetenschapper", "jeugd_en_gezinscoach": "jeugd- en gezinscoach",
    "jgc": "jeugd- en gezinscoach", "paj": "preventief ambulant jeugdhulpverlener",
    "preventief_ambulant_jeugdhulpverlener": "preventief ambulant jeugdhulpverlener",
    "mentor": "mentor", "docent": "docent", "schoolleiding": "schoolleiding", "procesbegeleider": "procesbegeleider",
    "ouder": "ouder", "jongere": "jongere", "anders": "anders",
}
MAX_STORY_CHARACTERS = 1200
STORY_COLUMNS = ["school_id", "date", "author_role", "element", "title", "text"]

#: What counts as an identifier in a story: Dutch name of the kind -> pattern.
_IDENTIFIERS: dict[str, re.Pattern[str]] = {
    "e-mailadres": re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"),
    "telefoonnummer": re.compile(r"(?<!\d)(?:\+31|0031|0)[\s-]?(?:6|[1-9]\d{1,2})[\s-]?\d{2,4}[\s-]?\d{2,4}"
                                 r"(?:[\s-]?\d{2,4})?(?!\d)"),
    "nummer van zes cijfers of meer": re.compile(r"(?<!\d)\d{6,}(?!\d)"),
    "postcode": re.compile(r"(?<!\w)[1-9]\d{3}\s?[A-Z]{2}(?!\w)"),
    "pseudoniem": re.compile(r"(?<![0-9A-Za-z])ll-[0-9a-f]{16}(?![0-9A-Za-z])"),
    "geboortedatum": re.compile(r"(?i)geboren|geboortedatum|geb\.\s*\d"),
    "leerlingnummer": re.compile(r"(?i)leerling(?:nummer|nr)|bsn"),
}


def identifiers_in(text: str) -> list[str]:
    """The kinds of identifier found in a text (empty when none), in a fixed order."""
    return [kind for kind, pattern in _IDENTIFIERS.items() if pattern.search(text or "")]


def load_stories(path: str | Path, *, school_ids: Iterable[str] | None = None,
                 today: dt.date | None = None) -> pd.DataFrame:
    """Read a school's stories and practice examples.

    Layout (``;`` or ``,``; put the story in double quotes when it holds the delimiter)::

        vestigingscode;datum;rol_auteur;element;titel;verhaal
        DM0100;2024-02-12;jeugd_en_gezinscoach;snelle_inzet_hulp;Binnen een week een gesprek;"..."

    ``element`` is a key of :data:`josanalysis.core.framework.FRAMEWORK` (or its Dutch label);
    ``rol_auteur`` one of :data:`AUTHOR_ROLES`.

    Returns
    -------
    pandas.DataFrame
        ``school_id, date, author_role`` (Dutch), ``element`` (key), ``title``, ``text``.

    Raises
    ------
    DataError
        An identifier in the title or text (e-mail, telephone, six or more digits, postcode,
        pseudonym, date of birth, pupil number), an empty or too long story (over
        :data:`MAX_STORY_CHARACTERS` characters), an unknown element or role, a future date.

    Examples
    --------
    >>> load_stories("data/examples/verhalen.csv")["element"].tolist()   # doctest: +SKIP
    """
    st = read_school_table(path, [
        spec("school_id", "vestigingscode", "vestiging", "school"), spec("date", "datum", "date"),
        spec("author_role", "rol_auteur", "rol", "auteur"), spec("element", "element", "onderdeel"),
        spec("title", "titel", "title"), spec("text", "verhaal", "tekst", "text"),
    ], what="stories (verhalen)", school_ids=school_ids, period="date", today=today)
    table, df, out = st.table, st.cells, st.rows
    out["author_role"] = map_values(table, df, "author_role", AUTHOR_ROLES)
    lookup = {normalise_name(e.key): e.key for e in FRAMEWORK}
    lookup.update({normalise_name(e.label): e.key for e in FRAMEWORK})
    out["element"] = map_values(table, df, "element", lookup)
    for col in ("title", "text"):
        text = df[col].astype(str).str.strip()
        raise_bad_rows(table, (text == "").to_numpy(dtype=bool), df["_row"], col, text,
                       "empty (expected a title and a story in every row)")
        found = text.map(identifiers_in)
        bad = found.map(bool).to_numpy(dtype=bool)
        kinds = sorted({k for ks in found for k in ks})
        raise_bad_rows(table, bad, df["_row"], col, pd.Series(["<tekst niet getoond>"] * len(text)),
                       f"free of identifiers (found: {', '.join(kinds)}; write about 'een leerling', "
                       "never a name, number or address)")
        out[col] = text
    long_text = (out["text"].str.len() > MAX_STORY_CHARACTERS).to_numpy(dtype=bool)
    raise_bad_rows(table, long_text, df["_row"], "text", out["text"].str[:30] + "…",
                   f"short enough (expected at most {MAX_STORY_CHARACTERS} characters)")
    return finish(out, STORY_COLUMNS)
