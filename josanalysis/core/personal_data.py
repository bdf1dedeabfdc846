"""Personal data in free text: BSN-shaped numbers, e-mail addresses and telephone numbers.

The notes in the parameter files ("het verhaal bij de cijfers") are printed in reports that are
mailed to schools and municipalities. A note must never carry a pupil's citizen service number
(BSN), an e-mail address or a telephone number; :func:`personal_data_in` finds them so that the
configuration refuses such a note with a sentence (``core.config_schema``) before any report is
made. It is a guard against slips, not a full anonymiser: names of pupils cannot be recognised
reliably and remain the author's responsibility (``docs/privacy.md``).

* A BSN is nine digits (also written ``1234.56.782`` or ``123 456 782``) that pass the
  *elfproef*: ``9·d1 + 8·d2 + … + 2·d8 − d9`` is a multiple of 11 (and not all zeros).
* An e-mail address is ``name@domain.tld``.
* A Dutch telephone number is ten digits starting with ``0`` (``06-12345678``,
  ``072 512 3456``) or ``+31``/``0031`` followed by nine digits, with optional spaces and dashes.

Examples
--------
>>> [f.kind for f in personal_data_in("Leerling 111222333 belde 06-12345678 of mail j@school.nl.")]
['BSN', 'telefoonnummer', 'e-mailadres']
>>> personal_data_in("In 2022-2023 daalde het verzuim met 1,2 procentpunt.")
()
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PersonalData", "passes_elfproef", "personal_data_in"]

_BSN = re.compile(r"(?<![\d.,-])(\d{9}|\d{4}\.\d{2}\.\d{3}|\d{3} \d{3} \d{3})(?![\d,]|\.\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\d+])(?:(?:\+|00)31[\s-]?(?:\(0\)[\s-]?)?[1-9]|0[1-9])(?:[\s-]?\d){8}(?!\d)")


@dataclass(frozen=True)
class PersonalData:
    """One finding: its kind in Dutch (``BSN``, ``e-mailadres``, ``telefoonnummer``) and where."""

    kind: str
    start: int
    text: str

    def masked(self) -> str:
        """The finding with all but its last two characters replaced (safe to print in an error)."""
        return "•" * max(len(self.text) - 2, 0) + self.text[-2:]


def passes_elfproef(digits: str) -> bool:
    """Whether nine digits pass the BSN *elfproef* (and are not all zeros).

    >>> passes_elfproef("111222333"), passes_elfproef("123456789")
    (True, False)
    """
    d = [int(c) for c in digits if c.isdigit()]
    if len(d) != 9 or not any(d):
        return False
    return (sum(w * x for w, x in zip(range(9, 1, -1), d[:8])) - d[8]) % 11 == 0


def personal_data_in(text: str) -> tuple[PersonalData, ...]:
    """Every BSN-shaped number, e-mail address and telephone number in ``text``, in order.

    Parameters
    ----------
    text
        Free text, e.g. a note from a parameter file.

    Returns
    -------
    tuple of PersonalData
        The findings sorted by position; empty when the text holds none.
    """
    found = [PersonalData("BSN", m.start(), m.group()) for m in _BSN.finditer(text) if passes_elfproef(m.group())]
    found += [PersonalData("e-mailadres", m.start(), m.group()) for m in _EMAIL.finditer(text)]
    found += [PersonalData("telefoonnummer", m.start(), m.group()) for m in _PHONE.finditer(text)
              if not any(f.start <= m.start() < f.start + len(f.text) for f in found)]
    return tuple(sorted(found, key=lambda f: f.start))
