"""Reporting: Dutch figures, tables and text, and the report objects the notebooks display."""
