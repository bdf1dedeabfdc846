"""The result of an event study: :class:`EventStudyResult`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from josanalysis.core import formatting as nl

__all__ = ["EventStudyResult"]


@dataclass(frozen=True)
class EventStudyResult:
    """Result of :func:`~josanalysis.methods.eventstudy.event_study`.

    Attributes
    ----------
    event
        Indexed by ``event_year`` (0 = the first 12 months after the start, -1 = the 12 months
        before, ...): ``estimate``, ``ci_low``, ``ci_high``, ``p_value`` (wild cluster
        bootstrap), ``se_cluster`` (pyfixest's large-sample GMM cluster SE, for reference
        only), ``n_obs`` (school-months) and ``n_units`` (schools). Negative years are
        pre-trend checks: near zero if the untreated model fits the schools before their start.
        With randomization inference (``n_permutations`` > 0), the post-start years also have
        ``ri_p_value`` (the share of reassignments of the start dates among the schools with an
        estimate at least as far from zero, the real one counted), ``ri_n_permutations`` (the
        reassignments used) and ``ri_threshold`` (the size an estimate must exceed for
        ``ri_p_value <= alpha``, or for the smallest reachable p when alpha is out of reach).
    att
        The pooled average effect over the treated school-months from event year
        ``pooled_from`` on (one-row DataFrame indexed ``"att"``), same columns.
    n_units, n_treated, n_never
        Schools used; schools that start within the data; schools that never start.
    spec
        Settings used.
    notes
        Warnings a reader should see (Dutch: they are printed in the region report).
    """

    event: pd.DataFrame
    att: pd.DataFrame
    n_units: int
    n_treated: int
    n_never: int
    spec: dict[str, Any]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary_nl(self, label: str = "de uitkomst", percent_points: bool = False) -> str:
        """Dutch summary of the pooled effect (never a causal claim)."""
        row = self.att.iloc[0]
        f, unit = (100.0, " procentpunt") if percent_points else (1.0, "")
        d = 1 if percent_points else 3
        conf = int(round(100 * (1 - self.spec["alpha"])))

        def num(x: float) -> str:
            return nl.number(x * f, d)

        direction = "lager" if row["estimate"] < 0 else "hoger"
        text = (
            f"Gemiddeld over {self.n_treated} JOS-scholen ligt {label} na de start "
            f"{num(abs(row['estimate']))}{unit} {direction} dan verwacht op grond van de scholen die "
            f"(nog) niet met JOS werkten ({conf}%-BI {num(row['ci_low'])} tot {num(row['ci_high'])}{unit}; "
            f"{self.n_never} scholen zonder JOS)."
        )
        if row["ci_low"] <= 0 <= row["ci_high"]:
            text += " Het interval omvat geen verschil."
        text += (
            " Dit is een vergelijking, geen bewijs dat JOS de oorzaak is: andere ontwikkelingen "
            "op dezelfde scholen kunnen meespelen."
        )
        return text
