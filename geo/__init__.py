"""Qorgau's geographic core: reading region folders, road networks, travel times, isochrones.

Nothing in this package imports Streamlit; pages and the CLI call these functions.
"""
