"""Figures that describe a loaded region, shared by the home page and ``python -m planning info``."""

from __future__ import annotations

import numpy as np

from planning.release import region_release


def region_summary(region, *, secret: bytes | None = None) -> dict:
    """Counts and warnings of a region; the incident total is the release's cell of every record (those tied to a
    district only included), the same cell the scenarios page shows when every record has a settlement."""
    population = region.settlements["population"].to_numpy(dtype=float)
    release = region_release(region, secret=secret)
    return {
        "name": region.name("ru"),
        "region_id": region.region_id,
        "boundaries": len(region.boundary),
        "districts": len(region.districts),
        "settlements": len(region.settlements),
        "services": len(region.services),
        "incidents": "0" if release is None else release.text(with_unplaced=True),
        "incidents_synthetic": region.incidents_synthetic,
        "population_total": int(np.nansum(population)),
        "settlements_without_population": int(np.isnan(population).sum()),
        "roads": region.roads_path.name if region.roads_path else None,
        "missing": region.missing(),
        "warnings": [w.format() for w in region.warnings],
    }
