"""Figures that describe a loaded region, shared by the home page and ``python -m planning info``."""

from __future__ import annotations

import numpy as np

from geo.region import Region
from planning.estimates import population_is_estimated, with_estimates
from planning.release import region_release


def region_summary(region: Region, *, secret: bytes) -> dict:
    """Counts and warnings of a region; the incident total is the release's cell of every record (those tied to a
    district only included), the same cell the scenarios page shows when every record has a settlement. ``secret``:
    the deployment's release secret (:func:`planning.store.release.deployment_secret`)."""
    settlements = with_estimates(region.settlements)
    population = settlements["population"].to_numpy(dtype=float)  # known or estimated (NaN: nothing to estimate from)
    guessed = population_is_estimated(settlements)
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
        "population_total": int(np.nansum(population[~guessed])),  # known only ("Population (known)")
        "population_time_estimated": int(np.nansum(population[guessed])),
        "settlements_without_population": int(np.isnan(population).sum() + guessed.sum()),
        "settlements_estimated_population": int(guessed.sum()),
        "roads": region.roads_path.name if region.roads_path else None,
        "missing": region.missing(),
        "warnings": [w.format() for w in region.warnings],
    }


def source_attribution(meta: dict) -> str:
    """The attribution line a region's data requires, from region.json's sources: each distinct ``attribution``
    with its licence, in the order of the sources ("© OpenStreetMap contributors (ODbL 1.0); …"); "" when none
    has one."""
    parts: dict[str, None] = {}
    for source in meta.get("sources") or []:
        if isinstance(source, dict) and source.get("attribution"):
            licence = f" ({source['licence']})" if source.get("licence") else ""
            parts[f"{source['attribution']}{licence}"] = None
    return "; ".join(parts)


def roads_are_partial(region: Region) -> bool:
    """Whether the road file ``region`` computes with is the folder's own and its ``region.json`` marks it partial
    (a source with ``"partial": true`` listing the file, as the bundled region's real road layers)."""
    path = region.roads_path
    if path is None or path.parent.resolve() != region.path.resolve():
        return False
    return any(
        isinstance(source, dict) and source.get("partial") is True and path.name in (source.get("files") or [])
        for source in region.meta.get("sources") or []
    )
