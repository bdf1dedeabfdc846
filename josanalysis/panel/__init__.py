"""The panel: school x period x indicator, with denominators, built from validated sources."""

from josanalysis.panel.build import PANEL_COLUMNS, Panel, build_panel, load_panel, prepare_region, vsv_per_school

__all__ = ["PANEL_COLUMNS", "Panel", "build_panel", "load_panel", "prepare_region", "vsv_per_school"]
