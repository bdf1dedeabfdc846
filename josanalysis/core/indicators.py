"""The indicator registry: Bijlage 2 of the Oberon monitor report, plus the factsheet.

Every indicator the package knows carries its key, Dutch label, unit, expected direction once
JOS works, source, frequency, denominator and whether it is a count of pupils (which makes it
subject to count models and small-cell suppression).

The registry has two parts, both here:

* :data:`INDICATORS` (:class:`Indicator`): the monitor indicators of Bijlage 2 that the panel
  holds and the trend models estimate (month or school year, with a denominator and a
  plausible effect size);
* :data:`RENDEMENT_INDICATORS` (:class:`RendementIndicator`): the fixed return ("rendement")
  set of the Holland Rijnland factsheet, described per school year without a model. They have
  their own dataclass because what describes them differs: how a region total is formed
  (``kind``: counts are summed and suppressed, rates and scores averaged), the file that
  supplies them and the factsheet wording they implement; they have no frequency, denominator
  or plausible effect. Some keys occur in both parts with another meaning (``thuiszitters``
  is a monthly count in the panel and a school-year mean in the return set), so each part
  is looked up by its own function (:func:`get_indicator`, :func:`get_rendement_indicator`).

Examples
--------
>>> from josanalysis.core.indicators import INDICATORS, get_indicator
>>> get_indicator("absence_rate").label
'Verzuim (aandeel gemiste lesuren)'
>>> get_indicator("thuiszitters").is_count
True
>>> get_rendement_indicator("werkplezier").kind
'score'
"""

from __future__ import annotations

from dataclasses import dataclass

from josanalysis.core.errors import ConfigError

__all__ = [
    "Indicator",
    "INDICATORS",
    "get_indicator",
    "indicators_for",
    "RendementIndicator",
    "RENDEMENT_INDICATORS",
    "RENDEMENT_BY_KEY",
    "get_rendement_indicator",
]


@dataclass(frozen=True)
class Indicator:
    """One monitor indicator.

    Attributes
    ----------
    key
        Machine name used in the panel, params and results files.
    label
        Dutch label as shown in reports.
    unit
        Dutch unit text (``"aandeel"``, ``"leerlingen"``, ``"euro"``, ``"maanden"``, ...).
    direction
        Expected direction once JOS works: ``"down"``, ``"up"`` or ``None`` (descriptive only).
    source
        Where the data come from (Dutch, as in Bijlage 2).
    frequency
        ``"month"`` or ``"schoolyear"``.
    denominator
        Panel indicator used as denominator (``"pupils"`` for counts per pupil), or ``None``.
    is_count
        A count of pupils (count model; suppressed below the privacy threshold).
    early_rise
        A rise right after the start is expected from earlier detection (referrals, youth care).
    plausible_effect
        A plausible size of a JOS effect, on the indicator's model scale: a difference for rates,
        a rate ratio for counts. Used to judge whether a minimum detectable effect is realistic.
    """

    key: str
    label: str
    unit: str
    direction: str | None
    source: str
    frequency: str
    denominator: str | None = None
    is_count: bool = False
    early_rise: bool = False
    plausible_effect: float | None = None


INDICATORS: dict[str, Indicator] = {i.key: i for i in [
    Indicator("absence_rate", "Verzuim (aandeel gemiste lesuren)", "aandeel", "down",
              "verzuimregistratie scholen", "month", "scheduled_hours", plausible_effect=0.01),
    Indicator("unauthorised_absence_rate", "Ongeoorloofd verzuim (aandeel gemiste lesuren)", "aandeel",
              "down", "verzuimregistratie scholen", "month", "scheduled_hours", plausible_effect=0.005),
    Indicator("thuiszitters", "Thuiszitters (langdurig relatief verzuim)", "leerlingen",
              "down", "Leerplicht", "month", "pupils", is_count=True, plausible_effect=0.75),
    Indicator("absolute_absence", "Absoluut verzuim (niet ingeschreven)", "leerlingen",
              "down", "Leerplicht", "month", "pupils", is_count=True, plausible_effect=0.75),
    Indicator("pupils", "Leerlingen (teldatum 1 oktober)", "leerlingen", None, "DUO", "schoolyear",
              is_count=True),
    Indicator("early_leavers", "Voortijdig schoolverlaters (vsv)", "leerlingen", "down", "DUO",
              "schoolyear", "participants", is_count=True, plausible_effect=0.8),
    # DUO publishes vsv per instelling; an instelling with several vestigingen in the region shows
    # its figure at every vestiging under this label (never added up over the vestigingen)
    Indicator("early_leavers_instelling", "Voortijdig schoolverlaters (vsv) van de hele instelling, "
              "niet per vestiging", "leerlingen", None, "DUO", "schoolyear", "participants", is_count=True),
    Indicator("youthcare_ambulant", "Leerlingen met jeugdhulp zonder verblijf", "leerlingen", "down",
              "gemeente", "schoolyear", "pupils", is_count=True, early_rise=True, plausible_effect=0.85),
    Indicator("youthcare_residential", "Leerlingen met jeugdhulp met verblijf", "leerlingen", "down",
              "gemeente", "schoolyear", "pupils", is_count=True, early_rise=True, plausible_effect=0.85),
    Indicator("cost_ambulant", "Kosten jeugdhulp zonder verblijf", "euro", "down", "gemeente",
              "schoolyear"),
    Indicator("cost_residential", "Kosten jeugdhulp met verblijf", "euro", "down", "gemeente",
              "schoolyear"),
    Indicator("indications_light", "Lichte indicaties", "indicaties", "up", "gemeente", "schoolyear",
              "pupils", is_count=True),
    Indicator("indications_medium", "Middelzware indicaties", "indicaties", "down", "gemeente",
              "schoolyear", "pupils", is_count=True, early_rise=True),
    Indicator("indications_heavy", "Zware indicaties", "indicaties", "down", "gemeente", "schoolyear",
              "pupils", is_count=True, early_rise=True),
    Indicator("duration_months", "Gemiddelde duur jeugdhulp", "maanden", "down", "gemeente",
              "schoolyear"),
    Indicator("tlv_vso_cluster4", "Verwijzingen vso cluster 4 (TLV)", "leerlingen", "down",
              "scholen, samenwerkingsverband", "schoolyear", "pupils", is_count=True, early_rise=True,
              plausible_effect=0.8),
    Indicator("placements_facility", "Verwijzingen naar voorzieningen (zoals OPDC)", "leerlingen",
              "down", "scholen, samenwerkingsverband", "schoolyear", "pupils", is_count=True,
              early_rise=True, plausible_effect=0.8),
    Indicator("jos_trajectories", "JOS-trajecten (registratie aanbieder)", "trajecten", None,
              "registratie aanbieder", "schoolyear", "pupils", is_count=True),
    Indicator("fte_per_100", "JOS-formatie per 100 leerlingen", "fte", None,
              "overzicht aanbieder (Bijlage 5)", "schoolyear"),
]}


def get_indicator(key: str) -> Indicator:
    """The registry entry for ``key``; a :class:`ConfigError` naming the known keys otherwise."""
    try:
        return INDICATORS[key]
    except KeyError:
        raise ConfigError(
            f"Indicator '{key}' is not in the registry; known indicators: {', '.join(INDICATORS)}."
        ) from None


def indicators_for(frequency: str) -> list[Indicator]:
    """Indicators measured at ``frequency`` (``"month"`` or ``"schoolyear"``)."""
    if frequency not in {"month", "schoolyear"}:
        raise ConfigError(f"Frequency '{frequency}' is not 'month' or 'schoolyear'.")
    return [i for i in INDICATORS.values() if i.frequency == frequency]


@dataclass(frozen=True)
class RendementIndicator:
    """One indicator of the fixed return ("rendement") set of the Holland Rijnland factsheet.

    Attributes
    ----------
    key
        Identifier used in the long return frame, the schools' ``rendement`` file and in
        ``notes.indicators`` of the params.
    label
        Dutch label for reports.
    unit
        Dutch unit (``"aantal"``, ``"%"``, ``"uren"``, ``"score 1-10"``).
    expected
        Expected direction under JOS: ``"down"``, ``"up"`` or ``None`` (descriptive).
    kind
        ``"count"`` (pupil count: summed over schools, suppressed when small), ``"rate"`` or
        ``"score"`` (averaged over schools, unweighted).
    source
        The source that supplies it (a key of
        :data:`josanalysis.questions.missing.SOURCE_FILES`).
    factsheet
        The factsheet's wording it implements (Dutch).
    panel_key
        The school-year indicator of the panel that holds the same counts (reports publish both:
        they must hide the same cells), or None.
    """

    key: str
    label: str
    unit: str
    expected: str | None
    kind: str
    source: str
    factsheet: str
    panel_key: str | None = None


#: The fixed return set, in report order.
RENDEMENT_INDICATORS: tuple[RendementIndicator, ...] = (
    RendementIndicator("thuiszitters", "Thuiszitters (gemiddeld aantal per maand)", "aantal", "down", "count",
                       "leerplicht", "aantal thuiszitters"),
    RendementIndicator("instroom", "Instroom: nieuwe leerlingen", "aantal", None, "count", "school",
                       "instroomgegevens van leerlingen"),
    RendementIndicator("doorstroom_pct", "Doorstroom: leerlingen bevorderd", "%", "up", "rate", "school",
                       "doorstroomgegevens van leerlingen"),
    RendementIndicator("vsv", "Uitstroom: voortijdig schoolverlaters", "aantal", "down", "count", "vsv",
                       "uitstroomgegevens van leerlingen (voorkomen van uitval)", panel_key="early_leavers"),
    RendementIndicator("tlv_vso", "Uitstroom: toelaatbaarheidsverklaringen vso cluster 4", "aantal", "down",
                       "count", "swv", "uitstroomgegevens van leerlingen", panel_key="tlv_vso_cluster4"),
    RendementIndicator("procedures", "Procedures: individuele indicaties/beschikkingen ZiO", "aantal", "down",
                       "count", "school", "terugdringen van procedures"),
    RendementIndicator("administratie_uren", "Administratieve lasten (uren per maand)", "uren", "down", "score",
                       "school", "terugdringen van administratieve lasten"),
    RendementIndicator("ziekteverzuim_pct", "Ziekteverzuim personeel", "%", "down", "rate", "school",
                       "ziekteverzuim"),
    RendementIndicator("verloop_leraren_pct", "Verloop leraren", "%", "down", "rate", "school",
                       "lerarentekort en -verloop"),
    RendementIndicator("vacatures_leraren", "Openstaande vacatures leraren (fte)", "fte", "down", "score",
                       "school", "lerarentekort"),
    RendementIndicator("werkplezier", "Werkplezier en tevredenheid personeel", "score 1-10", "up", "score",
                       "school", "bevorderen van werkplezier en satisfactie"),
    RendementIndicator("jeugdhulp_buiten_school", "Leerlingen met jeugdhulp buiten school", "aantal", "down",
                       "count", "gemeente", "welke hulp leerlingen buiten de school krijgen"),
)

#: The return set by key.
RENDEMENT_BY_KEY: dict[str, RendementIndicator] = {i.key: i for i in RENDEMENT_INDICATORS}


def get_rendement_indicator(key: str) -> RendementIndicator:
    """The return-set entry for ``key``; a :class:`ConfigError` naming the known keys otherwise."""
    try:
        return RENDEMENT_BY_KEY[key]
    except KeyError:
        raise ConfigError(
            f"Return indicator '{key}' is not in the registry; known: {', '.join(RENDEMENT_BY_KEY)}."
        ) from None
