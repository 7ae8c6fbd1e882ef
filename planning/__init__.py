"""Qorgau's planning layer: coverage, gaps, scenarios, suggested sites, privacy rules. No Streamlit here."""
