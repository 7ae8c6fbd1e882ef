"""From a region and a set of service sites to the figures every page, export and CLI command shows.

The expensive part, minutes from a site to every settlement, is computed once per site position and kept in a
:class:`SiteMinutes` table; evaluating a scenario is then a vector minimum over its rows (DESIGN.md: "a scenario
change costs a vector minimum, not a graph search"). Nothing here holds incident data except the arrays passed
in for one call, so a :class:`SiteMinutes` may be shared between sessions; incident-derived results may not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np

from geo.isochrones import DEFAULT_BANDS_MINUTES, isochrones
from geo.network import RoadNetwork
from geo.osm import build_network
from geo.region import Region, outline_degrees
from geo.speeds import DEFAULT_PROFILE, SpeedProfile, load_speed_profile
from geo.traveltime import (
    DEFAULT_CIRCUITY,
    DEFAULT_ESTIMATE_SPEED_KMH,
    METHOD_ESTIMATE,
    METHOD_NETWORK,
    estimate_description,
    minutes_matrix,
)
from planning.coverage import Coverage, Nearest, coverage, nearest, reach_minutes_of
from planning.estimates import estimated, with_estimates
from planning.i18n import fmt_number, t
from planning.release import IncidentRelease, region_release

MATRIX_CUTOFF_MINUTES = 240.0
"""Minutes beyond which a site is taken not to reach a settlement (4 hours: beyond any planning threshold)."""
POSITION_DECIMALS = 6
"""Site positions are keyed to about 0.1 m: a site moved by less reuses its row."""


def speed_profile_of(
    region: Region, *, speeds_file: str | Path | None = None, adjustments: Iterable[str] = ()
) -> SpeedProfile:
    """The speed profile in use for ``region``: the one every page, export and CLI command computes times with.

    Parameters
    ----------
    region : geo.region.Region
    speeds_file : path, optional
        A speeds CSV that overrides the folder's own (``--speeds FILE`` on the command line).
    adjustments : iterable of str
        Names of :data:`geo.speeds.ADJUSTMENTS` to switch on.

    Returns
    -------
    SpeedProfile
        ``speeds_file`` when given, else the folder's ``speeds.csv`` (read with the region), else the built-in
        speeds; with ``adjustments`` on.

    Raises
    ------
    ValidationError
        When ``speeds_file`` cannot be used.
    """
    base = load_speed_profile(speeds_file) if speeds_file is not None else region.speed_profile
    return base.with_adjustments(*adjustments)


def region_network(region: Region, *, profile: SpeedProfile | None = None) -> RoadNetwork | None:
    """The region's routable road network (from the disk cache when built before), or None without roads.
    ``profile`` defaults to :func:`speed_profile_of` the region."""
    if region.roads_path is None:
        return None
    return build_network(
        region.roads_path,
        analysis_crs=region.analysis_crs,
        profile=profile if profile is not None else speed_profile_of(region),
        boundary=outline_degrees(region),
    )


def method_of(network: RoadNetwork | None) -> str:
    return METHOD_NETWORK if network is not None else METHOD_ESTIMATE


def method_description(network: RoadNetwork | None) -> str:
    """What produced the minutes: the speed profile, or the estimate's assumptions."""
    if network is None:
        return estimate_description(circuity=DEFAULT_CIRCUITY, speed_kmh=DEFAULT_ESTIMATE_SPEED_KMH)
    return network.profile_description


class SiteMinutes:
    """Rows of the site × settlement minutes matrix, computed once per site position and reused.

    Parameters
    ----------
    network : RoadNetwork or None
        None gives the labelled straight-line estimate.
    settlements : GeoDataFrame
        The columns of every row, in this order.
    analysis_crs : str
    cutoff_minutes : float
        Minutes beyond which a row holds ``inf``.
    """

    def __init__(
        self,
        network: RoadNetwork | None,
        settlements: gpd.GeoDataFrame,
        *,
        analysis_crs: str,
        cutoff_minutes: float = MATRIX_CUTOFF_MINUTES,
        profile: SpeedProfile = DEFAULT_PROFILE,
    ):
        self.network = network
        self.profile = profile
        self.settlements = settlements
        self.analysis_crs = analysis_crs
        self.cutoff_minutes = cutoff_minutes
        self._rows: dict[tuple[float, float], np.ndarray] = {}

    @property
    def method(self) -> str:
        return method_of(self.network)

    @property
    def description(self) -> str:
        return method_description(self.network)

    def describe(self, lang: str) -> str:
        """:attr:`description` in ``lang``: the speed profile and its adjustments, or the estimate's assumptions."""
        if self.network is None:
            return t(
                "method.estimate_desc",
                lang,
                circuity=fmt_number(DEFAULT_CIRCUITY, lang, decimals=1),
                speed=DEFAULT_ESTIMATE_SPEED_KMH,
            )
        return describe_profile(self.profile, lang)

    def rows(self, sites: gpd.GeoDataFrame) -> np.ndarray:
        """Minutes from each of ``sites`` (rows, in order) to every settlement (columns), float32, ``inf`` beyond
        the cutoff. Positions not seen before are computed together in one batch."""
        keys = _position_keys(sites)
        missing = [i for i, key in enumerate(keys) if key not in self._rows]
        if missing:
            fresh = minutes_matrix(
                self.network,
                sites.iloc[missing],
                self.settlements,
                cutoff_minutes=self.cutoff_minutes,
                analysis_crs=self.analysis_crs,
            )
            for i, row in zip(missing, fresh):
                self._rows[keys[i]] = row
        if not keys:
            return np.empty((0, len(self.settlements)), dtype=np.float32)
        return np.vstack([self._rows[key] for key in keys])


def site_minutes_for(region: Region, *, profile: SpeedProfile | None = None) -> SiteMinutes:
    """The minutes table of a region: over its road network with ``profile`` (default: :func:`speed_profile_of`
    the region), or the estimate without roads."""
    profile = profile if profile is not None else speed_profile_of(region)
    return SiteMinutes(
        region_network(region, profile=profile), region.settlements, analysis_crs=region.analysis_crs, profile=profile
    )


def describe_profile(profile: SpeedProfile, lang: str) -> str:
    """The speed profile in ``lang``, as stated with every network result: where its speeds come from (built-in,
    the region's speeds.csv, a file), the main class speeds, the unpaved factor, maxspeed use, adjustments."""
    speeds = ", ".join(
        f"{road_class_name(name, lang)} "
        f"{fmt_number(profile.speeds_kmh[name], lang, decimals=_decimals(profile.speeds_kmh[name]))}"
        for name in profile.described_classes()
    )
    source = t(f"speeds.source.{profile.source}", lang, name=profile.name)
    ignored = profile.maxspeed_ignored_classes()
    maxspeed = (
        t("speeds.maxspeed.used", lang)
        if not ignored
        else t("speeds.maxspeed.ignored", lang)
        if len(ignored) == len(profile.speeds_kmh)
        else t("speeds.maxspeed.partly", lang, classes=", ".join(ignored))
    )
    adjustments = ", ".join(t(f"adjustment.{a}", lang) for a in profile.adjustments) or t("method.none", lang)
    return t(
        "speeds.network_desc",
        lang,
        source=source,
        speeds=speeds,
        maxspeed=maxspeed,
        adjustments=adjustments,
        unpaved=fmt_number(profile.unpaved_factor, lang, decimals=1),
    )


def road_class_name(highway: str, lang: str) -> str:
    """An OpenStreetMap ``highway`` class as a reader of ``lang`` calls it (``road_class.<class>``); a class the
    catalog does not know keeps its tag."""
    from planning.i18n import CATALOG

    return t(f"road_class.{highway}", lang) if f"road_class.{highway}" in CATALOG else highway


def _decimals(value: float) -> int:
    return 0 if float(value).is_integer() else 1


def _position_keys(sites: gpd.GeoDataFrame) -> list[tuple[float, float]]:
    return [(round(float(p.x), POSITION_DECIMALS), round(float(p.y), POSITION_DECIMALS)) for p in sites.geometry]


def incident_release(
    region: Region, *, secret: bytes, period: str | None = None, k: int | None = None
) -> IncidentRelease | None:
    """The protected release of the region's incidents (all periods, or one fixed period: "2023", "2023-H1"),
    aligned with ``region.settlements``; None when the region has no incident data. ``secret``: the deployment's
    (:func:`planning.store.release.deployment_secret`).

    See :func:`planning.release.region_release`; counts recorded only per district are not in its per-settlement
    arrays (they have no settlement) but are part of its whole-region cell (``with_unplaced=True``)."""
    return region_release(region, period=period, secret=secret, k=k)


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario evaluated: per settlement the nearest service and its minutes, and the coverage figures.

    Incident-derived (``coverage`` counts incidents): keep it per session, never in a shared cache or on disk.
    """

    services: gpd.GeoDataFrame
    nearest: Nearest
    coverage: Coverage
    method: str
    description: str
    nearest_service_ids: np.ndarray = field(repr=False)


def evaluate(
    region: Region,
    services: gpd.GeoDataFrame,
    site_minutes: SiteMinutes,
    *,
    incidents: IncidentRelease | None,
    thresholds: Iterable[float] = (30.0, 60.0),
) -> ScenarioResult:
    """Coverage of ``services`` over the region's settlements.

    Parameters
    ----------
    region : geo.region.Region
    services : GeoDataFrame
        The scenario's sites (canonical services schema); mobile teams serve only within their reach_minutes.
    site_minutes : SiteMinutes
        Built for ``region.settlements``.
    incidents : IncidentRelease or None
        The protected release of the period (see :func:`incident_release`); None when there are none. Every incident
        figure of the result is shown through it.
    """
    matrix = site_minutes.rows(services)
    near = nearest(matrix, reach_minutes=reach_minutes_of(services))
    settlements = with_estimates(region.settlements)  # no unknown population counts as zero people
    figures = coverage(
        near.minutes,
        settlements["population"].to_numpy(dtype=float),
        None if incidents is None else incidents.counts,
        settlements["district_id"].to_numpy(dtype=object),
        thresholds=tuple(thresholds),
        release=incidents,
        estimated=estimated(settlements),
    )
    ids = services["service_id"].to_numpy(dtype=object)
    nearest_ids = np.array([ids[i] if i >= 0 else None for i in near.site_index], dtype=object)
    return ScenarioResult(
        services=services,
        nearest=near,
        coverage=figures,
        method=site_minutes.method,
        description=site_minutes.description,
        nearest_service_ids=nearest_ids,
    )


def service_bands(
    region: Region,
    services: gpd.GeoDataFrame,
    network: RoadNetwork | None,
    *,
    minutes: Sequence[float] = DEFAULT_BANDS_MINUTES,
) -> gpd.GeoDataFrame:
    """Isochrone bands of the services, clipped to the region (no incident data: may be cached globally)."""
    return isochrones(
        network, services, analysis_crs=region.analysis_crs, minutes=minutes, boundary=outline_degrees(region)
    )
