"""The baseline scenario of the 2017 pilot: one permanent service in each district centre."""

from __future__ import annotations

import geopandas as gpd

from geo.default_region import baseline_sites
from geo.region import read_services


def baseline_services(region) -> gpd.GeoDataFrame:
    """Baseline sites of ``region`` as a services frame (see :func:`geo.default_region.baseline_sites` for how a
    district centre is chosen)."""
    table = baseline_sites(region.settlements, region.districts)
    return read_services(table.to_csv(index=False).encode("utf-8"), name="baseline.csv", districts=region.districts,
                         analysis_crs=region.analysis_crs)


def current_services(region) -> gpd.GeoDataFrame:
    """The region's own services.csv, or the baseline when the region has none."""
    return region.services if not region.services.empty else baseline_services(region)
