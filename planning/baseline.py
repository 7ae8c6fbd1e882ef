"""The baseline scenario of the 2017 pilot: one permanent service in each district centre, and its one name.

A region folder may declare its baseline in ``region.json``: ``"baseline": {"files": ["services.csv"], "name":
{"ru": …, "kk": …, "en": …}}`` (the bundled default does, with the services at the KATO district centres, see
:mod:`geo.default_region`). Without it, the baseline is computed (:func:`geo.default_region.baseline_sites`) and
named by the catalog (``scen.baseline_name``). Either way every page shows it under :func:`baseline_name` in the
reader's language, and a saved scenario that bears one of its names (in any language) is shown under it too
(:func:`scenario_label`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from geo.default_region import baseline_sites, district_centres
from geo.region import Region, read_services
from planning.i18n import LANGUAGES, made_name, t

SAME_POINT_DEGREES = 1e-5
"""A baseline site stands at a settlement when their coordinates differ by at most this much (degrees)."""


def baseline_name(region: Region, lang: str) -> str:
    """The baseline's name in ``lang``: region.json's ``baseline.name`` when given, else the catalog's."""
    names = _declared_names(region)
    return names.get(lang) or t("scen.baseline_name", lang)


def baseline_names(region: Region) -> set[str]:
    """Every name the baseline goes by: region.json's and the catalog's, in every language."""
    return {baseline_name(region, lang) for lang in LANGUAGES} | {t("scen.baseline_name", lang) for lang in LANGUAGES}


def scenario_label(name: str, region: Region, lang: str) -> str:
    """How a saved scenario's ``name`` is shown: the baseline's name in ``lang`` when ``name`` is one of the
    baseline's names (it was saved in another reader's language), else as :func:`planning.i18n.made_name` shows it
    (another name the app made, in ``lang``; a name a user typed as saved)."""
    return baseline_name(region, lang) if name in baseline_names(region) else made_name(name, lang)


def services_are_baseline(region: Region) -> bool:
    """Whether the region's services.csv is its baseline (region.json's ``baseline.files`` lists it)."""
    declared = region.meta.get("baseline")
    files = declared.get("files") if isinstance(declared, dict) else None
    return not region.services.empty and isinstance(files, list) and "services.csv" in files


def baseline_services(region: Region) -> gpd.GeoDataFrame:
    """Baseline sites of ``region`` as a services frame: its services.csv when region.json declares that file the
    baseline, else computed (see :func:`geo.default_region.baseline_sites` for how a district centre is chosen)."""
    if services_are_baseline(region):
        return region.services
    table = baseline_sites(region.settlements, region.districts)
    return read_services(
        table.to_csv(index=False).encode("utf-8"),
        name="baseline.csv",
        districts=region.districts,
        analysis_crs=region.analysis_crs,
    )


def centre_settlements(region: Region) -> gpd.GeoDataFrame:
    """The settlements taken as district centres: those the declared baseline's sites stand at (the KATO district
    centres of the bundled default; a site and its settlement share coordinates to :data:`SAME_POINT_DEGREES`), else the
    proxy of :func:`geo.default_region.district_centres` (the most populous settlement of each district)."""
    if not services_are_baseline(region):
        return district_centres(region.settlements, region.districts)
    settlements = region.settlements
    sites = np.column_stack([region.services.geometry.x, region.services.geometry.y])
    points = np.column_stack([settlements.geometry.x, settlements.geometry.y])
    apart = np.abs(points[:, None, :] - sites[None, :, :]).max(axis=2)  # degrees, settlement x site
    return settlements[(apart <= SAME_POINT_DEGREES).any(axis=1)]


def current_services(region: Region) -> gpd.GeoDataFrame:
    """The region's own services.csv, or the baseline when the region has none."""
    return region.services if not region.services.empty else baseline_services(region)


def _declared_names(region: Region) -> dict:
    declared = region.meta.get("baseline")
    names = declared.get("name") if isinstance(declared, dict) else None
    return {k: v for k, v in names.items() if isinstance(v, str) and v.strip()} if isinstance(names, dict) else {}
