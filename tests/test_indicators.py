from __future__ import annotations

import pytest

from josanalysis.core.errors import ConfigError
from josanalysis.core.indicators import INDICATORS, get_indicator, indicators_for


def test_registry_covers_bijlage_2():
    for key in ["thuiszitters", "early_leavers", "youthcare_ambulant", "youthcare_residential",
                "cost_ambulant", "indications_light", "indications_heavy", "duration_months",
                "tlv_vso_cluster4", "placements_facility", "pupils", "absence_rate", "fte_per_100"]:
        assert key in INDICATORS
    assert get_indicator("indications_light").direction == "up"
    assert get_indicator("tlv_vso_cluster4").early_rise
    assert all(i.frequency in {"month", "schoolyear"} for i in INDICATORS.values())
    assert {i.key for i in indicators_for("month")} >= {"absence_rate", "thuiszitters"}


def test_unknown_indicator_names_the_known_ones():
    with pytest.raises(ConfigError, match="Indicator 'verzuimm' is not in the registry; known indicators: absence_rate"):
        get_indicator("verzuimm")


def test_return_indicators_live_in_the_one_registry():
    from josanalysis.core.indicators import RENDEMENT_BY_KEY, RENDEMENT_INDICATORS, get_rendement_indicator

    assert list(RENDEMENT_BY_KEY) == [i.key for i in RENDEMENT_INDICATORS]
    assert {i.kind for i in RENDEMENT_INDICATORS} == {"count", "rate", "score"}
    assert get_rendement_indicator("thuiszitters").kind == "count"
    assert get_indicator("thuiszitters").frequency == "month"      # same key, the monitor's meaning
    with pytest.raises(ConfigError, match="werkplezier"):
        get_rendement_indicator("werkplezir")
