"""Uploads read in memory, before anything is stored: incident tables, district outlines and the akimat's
population table, parsed, checked and matched to the region (pure functions: no database, no SQL).

The store (:mod:`planning.store`) calls these and writes what they return.
"""
