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
    DEFAULT_CONSTANTS,
    METHOD_ESTIMATE,
    METHOD_NETWORK,
    TravelConstants,
    estimate_description,
    nearest_service_minutes,
    travel_matrix,
)
from planning.coverage import NO_SITE_INDEX, Coverage, Nearest, coverage, nearest, reach_minutes_of
from planning.estimates import population_is_estimated, with_estimates
from planning.i18n import fmt_number, t
from planning.release import IncidentRelease, region_release

MATRIX_CUTOFF_MINUTES = 240.0
"""Minutes beyond which a site is taken not to reach a settlement (4 hours: beyond any planning threshold)."""
TRAVEL_CONSTANTS_KEY = "travel_constants"
"""Key of a region's :class:`geo.traveltime.TravelConstants` in the deployment's settings store (the pages and the CLI
read it there and pass the constants in; the core never opens the store)."""
FAR_CACHE_SIZE = 16
"""Scenarios whose far settlements (beyond the cutoff) a minutes table remembers."""
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


def method_description(network: RoadNetwork | None, constants: TravelConstants = DEFAULT_CONSTANTS) -> str:
    """What produced the minutes: the speed profile and the access and estimate constants, or the estimate's
    assumptions."""
    if network is None:
        return estimate_description(circuity=constants.circuity, speed_kmh=constants.estimate_speed_kmh)
    return f"{network.profile_description}; {constants.describe()}"


def describe_constants(constants: TravelConstants, lang: str) -> str:
    """The travel constants in ``lang``, as stated with every result over a network: the maximum access distance,
    the off-road access speed, and the estimate's circuity and speed."""
    return t(
        "travel.constants_desc",
        lang,
        max_access_km=fmt_number(constants.max_access_km, lang, decimals=_decimals(constants.max_access_km)),
        access_speed=fmt_number(constants.access_speed_kmh, lang, decimals=_decimals(constants.access_speed_kmh)),
        circuity=fmt_number(
            constants.circuity, lang, decimals=2 if round(constants.circuity, 1) != constants.circuity else 1
        ),
        speed=fmt_number(constants.estimate_speed_kmh, lang, decimals=_decimals(constants.estimate_speed_kmh)),
    )


class SiteMinutes:
    """Rows of the site × settlement minutes matrix, computed once per site position and reused, with the method of
    each pair (network or straight-line estimate, :func:`geo.traveltime.network_pairs`).

    Parameters
    ----------
    network : RoadNetwork or None
        None gives the labelled straight-line estimate for every pair.
    settlements : GeoDataFrame
        The columns of every row, in this order.
    analysis_crs : str
    cutoff_minutes : float
        Minutes beyond which a row holds ``inf``.
    profile : SpeedProfile
    constants : TravelConstants
        Maximum access distance, access speed, estimate circuity and speed (the region's stored ones).
    """

    def __init__(
        self,
        network: RoadNetwork | None,
        settlements: gpd.GeoDataFrame,
        *,
        analysis_crs: str,
        cutoff_minutes: float = MATRIX_CUTOFF_MINUTES,
        profile: SpeedProfile = DEFAULT_PROFILE,
        constants: TravelConstants = DEFAULT_CONSTANTS,
    ):
        self.network = network
        self.profile = profile
        self.constants = constants
        self.settlements = settlements
        self.analysis_crs = analysis_crs
        self.cutoff_minutes = cutoff_minutes
        self._rows: dict[tuple[float, float], tuple[np.ndarray, np.ndarray]] = {}
        self._access_km: np.ndarray | None = None
        self._far: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    @property
    def method(self) -> str:
        return method_of(self.network)

    @property
    def description(self) -> str:
        return method_description(self.network, self.constants)

    def describe(self, lang: str) -> str:
        """:attr:`description` in ``lang``: the speed profile and its adjustments with the access and estimate
        constants, or the estimate's assumptions."""
        if self.network is None:
            return t(
                "method.estimate_desc",
                lang,
                circuity=fmt_number(self.constants.circuity, lang, decimals=1),
                speed=fmt_number(
                    self.constants.estimate_speed_kmh, lang, decimals=_decimals(self.constants.estimate_speed_kmh)
                ),
            )
        return f"{describe_profile(self.profile, lang)}. {describe_constants(self.constants, lang)}"

    @property
    def access_km(self) -> np.ndarray:
        """Each settlement's distance to the nearest road, km (NaN without a network)."""
        if self._access_km is None:
            self._access_km = travel_matrix(
                self.network,
                self.settlements.iloc[:0],
                self.settlements,
                cutoff_minutes=self.cutoff_minutes,
                analysis_crs=self.analysis_crs,
                constants=self.constants,
            ).access_km
        return self._access_km

    def rows(self, sites: gpd.GeoDataFrame) -> np.ndarray:
        """Minutes from each of ``sites`` (rows, in order) to every settlement (columns), float32, ``inf`` beyond
        the cutoff. Positions not seen before are computed together in one batch."""
        return self.rows_with_method(sites)[0]

    def rows_with_method(self, sites: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`rows` and, in the same shape, True where the pair's time is the straight-line estimate."""
        keys = _position_keys(sites)
        missing = [i for i, key in enumerate(keys) if key not in self._rows]
        if missing:
            fresh = travel_matrix(
                self.network,
                sites.iloc[missing],
                self.settlements,
                cutoff_minutes=self.cutoff_minutes,
                analysis_crs=self.analysis_crs,
                constants=self.constants,
            )
            if self._access_km is None:
                self._access_km = fresh.access_km
            for i, row, estimated in zip(missing, fresh.minutes, fresh.estimated):
                self._rows[keys[i]] = (row, estimated)
        if not keys:
            n = len(self.settlements)
            return np.empty((0, n), dtype=np.float32), np.empty((0, n), dtype=bool)
        return (
            np.vstack([self._rows[key][0] for key in keys]),
            np.vstack([self._rows[key][1] for key in keys]),
        )

    def beyond_cutoff(self, sites: gpd.GeoDataFrame, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For settlements ``columns`` (positions) that no row reaches within :attr:`cutoff_minutes`: their minutes to
        the nearest of ``sites`` with no limit, by the same rule (:func:`geo.traveltime.nearest_service_minutes`), so
        that a far village gets its long time rather than "unreachable".

        Returns
        -------
        minutes : ndarray of float64
            ``inf`` only where nothing reaches the settlement.
        site : ndarray of int64
            Position of that site in ``sites`` (-1: none).
        estimated : ndarray of bool
            True where the time is a straight-line estimate.
        """
        key = (tuple(_position_keys(sites)), np.asarray(columns, dtype=np.int64).tobytes())
        if key not in self._far:
            numbered = sites.assign(service_id=[str(i) for i in range(len(sites))])
            times = nearest_service_minutes(
                self.network,
                self.settlements.iloc[np.asarray(columns, dtype=np.int64)],
                numbered,
                analysis_crs=self.analysis_crs,
                constants=self.constants,
            )
            site = np.array([-1 if s is None else int(s) for s in times.service_id], dtype=np.int64)
            estimated = (times.methods == METHOD_ESTIMATE) & (site >= 0)
            if len(self._far) >= FAR_CACHE_SIZE:
                self._far.pop(next(iter(self._far)))
            self._far[key] = (np.asarray(times.minutes, dtype=np.float64), site, estimated)
        return self._far[key]


def site_minutes_for(
    region: Region, *, profile: SpeedProfile | None = None, constants: TravelConstants = DEFAULT_CONSTANTS
) -> SiteMinutes:
    """The minutes table of a region: over its road network with ``profile`` (default: :func:`speed_profile_of`
    the region) and ``constants`` (the region's stored ones, passed in by the pages and the CLI), or the estimate
    without roads."""
    profile = profile if profile is not None else speed_profile_of(region)
    return SiteMinutes(
        region_network(region, profile=profile),
        region.settlements,
        analysis_crs=region.analysis_crs,
        profile=profile,
        constants=constants,
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
    access_km: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    """Each settlement's distance to the nearest road, km (NaN without a network)."""
    constants: TravelConstants = DEFAULT_CONSTANTS
    """The access and estimate constants the minutes were computed with."""

    @property
    def methods(self) -> np.ndarray:
        """Per settlement the method of its time: ``"network"`` or ``"estimate"`` (all ``"estimate"`` without a
        network)."""
        if self.method == METHOD_ESTIMATE:
            return np.full(len(self.nearest.minutes), METHOD_ESTIMATE, dtype=object)
        return self.nearest.methods


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
    matrix, estimated = site_minutes.rows_with_method(services)
    reach = reach_minutes_of(services)
    near = _beyond_cutoff(
        nearest(matrix, reach_minutes=reach, estimated=estimated), services, np.isnan(reach), site_minutes
    )
    settlements = with_estimates(region.settlements)  # no unknown population counts as zero people
    figures = coverage(
        near.minutes,
        settlements["population"].to_numpy(dtype=float),
        None if incidents is None else incidents.counts,
        settlements["district_id"].to_numpy(dtype=object),
        thresholds=tuple(thresholds),
        release=incidents,
        estimated=near.estimated,
        estimated_population=population_is_estimated(settlements),
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
        access_km=site_minutes.access_km,
        constants=site_minutes.constants,
    )


def _beyond_cutoff(
    near: Nearest, services: gpd.GeoDataFrame, unlimited: np.ndarray, site_minutes: SiteMinutes
) -> Nearest:
    """``near`` with the settlements no site reaches within the matrix's cutoff given their time to the nearest site
    without an own reach (a permanent service), with no cutoff (:meth:`SiteMinutes.beyond_cutoff`)."""
    far = np.flatnonzero(np.isinf(near.minutes))
    rows = np.flatnonzero(unlimited)
    if not len(far) or not len(rows):
        return near
    minutes, site, estimated = site_minutes.beyond_cutoff(services.iloc[rows], far)
    out_minutes, out_site, out_estimated = near.minutes.copy(), near.site_index.copy(), near.estimated.copy()
    out_minutes[far] = minutes
    out_site[far] = np.where(site >= 0, rows[np.maximum(site, 0)], NO_SITE_INDEX)
    out_estimated[far] = estimated
    return Nearest(out_minutes, out_site, out_estimated)


def service_bands(
    region: Region,
    services: gpd.GeoDataFrame,
    network: RoadNetwork | None,
    *,
    minutes: Sequence[float] = DEFAULT_BANDS_MINUTES,
    constants: TravelConstants = DEFAULT_CONSTANTS,
) -> gpd.GeoDataFrame:
    """Isochrone bands of the services, clipped to the region (no incident data: may be cached globally); services
    join the network, and the estimate draws its circles, by the same travel ``constants`` as the minutes."""
    return isochrones(
        network,
        services,
        analysis_crs=region.analysis_crs,
        minutes=minutes,
        boundary=outline_degrees(region),
        circuity=constants.circuity,
        estimate_speed_kmh=constants.estimate_speed_kmh,
        max_snap_m=constants.max_access_m,
        access_speed_kmh=constants.access_speed_kmh,
    )
