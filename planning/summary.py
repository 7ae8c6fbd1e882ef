"""Figures that describe a loaded region, shared by the home page and ``python -m planning info``."""

from __future__ import annotations

import numpy as np

from planning.privacy import suppress_count


def region_summary(region) -> dict:
    """Counts and warnings of a region; incident totals are suppressed below the small-count threshold."""
    population = region.settlements["population"].to_numpy(dtype=float)
    incidents = int(region.incidents["count"].sum()) if len(region.incidents) else 0
    return {
        "name": region.name("ru"),
        "region_id": region.region_id,
        "boundaries": len(region.boundary),
        "districts": len(region.districts),
        "settlements": len(region.settlements),
        "services": len(region.services),
        "incidents": suppress_count(incidents),
        "incidents_synthetic": region.incidents_synthetic,
        "population_total": int(np.nansum(population)),
        "settlements_without_population": int(np.isnan(population).sum()),
        "roads": region.roads_path.name if region.roads_path else None,
        "missing": region.missing(),
        "warnings": [w.format() for w in region.warnings],
    }
