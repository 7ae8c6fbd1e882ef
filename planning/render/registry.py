"""The export registry: every file the Reports page offers and ``python -m planning export KIND`` writes, one entry
each.

An entry (:class:`ExportKind`) carries its key, how the file is built from :class:`ExportInputs` (what both the page
and the command line hold: the scenarios, the minutes table, the ScenarioResult, the bands, the headline figures
with their ranges, the demand basis and rate, the incident release and the reader's incident level), its media
type, its file name pattern, its label (``reports.<key>`` in the ``.po`` files) and who may have it: the
access action a role needs (``export``; :data:`planning.store.access.PERMISSIONS`) and the incident levels at which
it is offered. The Reports page lists :data:`EXPORTS` as its buttons and the command line offers it as its
``export`` kinds; nothing else lists the files.

Privacy is the page's rule, applied here once: incident figures per settlement go into a file only when
``incident_level`` is ``"settlement"`` (planners); at ``"district"`` (presenters, and the command line unless told
otherwise) the tables hold district figures only and the map no settlement incidents at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line reads the registry to build its help: nothing heavy is imported here
    import geopandas as gpd
    import pandas as pd

    from geo.region import Region
    from planning.analysis import ScenarioResult, SiteMinutes
    from planning.need import NeedRate
    from planning.ranges import Assumptions, Figure
    from planning.release import IncidentRelease

INCIDENT_LEVELS = ("district", "settlement")
"""The incident levels a reader may have (planning.store.access.incident_level): district figures only, or per
settlement as well."""
EXPORT_ACTION = "export"
"""The access action (planning.store.access.ACTIONS) a role needs for any file of the registry."""
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
"""Media type of an Office Open XML workbook."""
DEFAULT_SMALL_COUNT_K = 5
"""Small-count threshold used when the caller gives none (planning.privacy.small_count_k's default), counts."""


@dataclass(frozen=True, eq=False)
class ExportInputs:
    """What every file of the registry is built from, as the Reports page and the command line hold it.

    Parameters
    ----------
    region : geo.region.Region
    scenarios : sequence of (name, services)
        One or two scenarios; the last is the one exported (two are compared in the PDF, first → second).
    minutes : SiteMinutes
        The minutes table the result was computed with (its network draws the map, its description the method).
    result : ScenarioResult
        The last scenario evaluated (planning.analysis.evaluate).
    headline : dict or None
        The headline figures with their ranges on ``demand_basis`` (planning.render.report.basis_ranges); None:
        computed from ``assumptions`` when a file needs them.
    bands : GeoDataFrame or None
        The last scenario's isochrone bands (15/30/60 min); None: computed when a file needs them.
    lang : str
        Language of every text in the files.
    incidents : IncidentRelease or None
        The protected release of the region's incidents; None without incident data.
    incident_level : str
        ``"district"`` or ``"settlement"``: the finest incident figures the reader may have (see the module text).
    k : int
        Small-count threshold of the map's incident cells, counts.
    demand_basis : str
        ``people``, ``need`` or ``incidents``.
    rate : NeedRate or None
        The need rate (``demand_basis="need"``).
    assumptions : Assumptions or None
        The ranges' assumptions (speeds, draws, seed); None: planning.ranges.DEFAULT_ASSUMPTIONS.
    district_id : str or None
        The district of the district report; None: the district report is not offered.
    """

    region: Region
    scenarios: Sequence[tuple[str, gpd.GeoDataFrame]]
    minutes: SiteMinutes
    result: ScenarioResult
    headline: dict[str, dict[str, Figure]] | None = None
    bands: gpd.GeoDataFrame | None = None
    lang: str = "ru"
    incidents: IncidentRelease | None = None
    incident_level: str = "district"
    k: int = DEFAULT_SMALL_COUNT_K
    demand_basis: str = "people"
    rate: NeedRate | None = None
    assumptions: Assumptions | None = None
    district_id: str | None = None

    def __post_init__(self) -> None:
        if self.incident_level not in INCIDENT_LEVELS:
            raise ValueError(f"`incident_level` must be one of {INCIDENT_LEVELS}; got {self.incident_level!r}.")
        if not self.scenarios:
            raise ValueError("`scenarios` must hold one or two (name, services) pairs; got none.")

    @cached_property
    def ranges(self) -> dict[str, dict[str, Figure]]:
        """The headline figures with their ranges: ``headline`` when given, else computed once."""
        if self.headline is not None:
            return self.headline
        from planning.ranges import DEFAULT_ASSUMPTIONS
        from planning.render.report import basis_ranges

        return basis_ranges(
            self.region,
            self.result.nearest.minutes,
            self.demand_basis,
            rate=self.rate,
            incidents=self.incidents,
            assumptions=self.assumptions or DEFAULT_ASSUMPTIONS,
        )

    @cached_property
    def service_bands(self) -> gpd.GeoDataFrame:
        """The exported scenario's isochrone bands: ``bands`` when given, else computed once."""
        if self.bands is not None:
            return self.bands
        from planning.analysis import service_bands

        services = self.scenarios[-1][1]
        return service_bands(self.region, services, self.minutes.network, constants=self.minutes.constants)

    @cached_property
    def sheets(self) -> dict[str, pd.DataFrame]:
        """Every export table by sheet name (planning.render.exports.tables)."""
        from planning.render.exports import tables

        return tables(
            self.region,
            self.result,
            method_description=self.minutes.describe(self.lang),
            headline=self.ranges,
            **self.table_options(),
        )

    def table_options(self) -> dict:
        """The keyword arguments every table and GeoJSON builder takes: incidents at the reader's level, language,
        demand basis and rate."""
        return dict(
            incidents=self.incidents,
            lang=self.lang,
            incident_level=self.incident_level,
            demand_basis=self.demand_basis,
            rate=self.rate,
        )

    def pdf(self, district_id: str | None) -> bytes:
        """The PDF report of the region, or of one district."""
        from planning.ranges import DEFAULT_ASSUMPTIONS
        from planning.render.report import region_pdf

        return region_pdf(
            self.region,
            self.scenarios,
            self.minutes,
            lang=self.lang,
            incidents=self.incidents,
            district_id=district_id,
            incident_level=self.incident_level,
            bands=self.service_bands,
            demand_basis=self.demand_basis,
            rate=self.rate,
            assumptions=self.assumptions or DEFAULT_ASSUMPTIONS,
        )


@dataclass(frozen=True)
class ExportKind:
    """One file of the registry.

    Parameters
    ----------
    key : str
        Its name: the page's button key (``dl_<key>``), the command line's ``export`` kind and the label
        ``reports.<key>``.
    build : callable
        ``build(inputs) -> bytes``: the file's content.
    media_type : str
        The file's media type (IANA).
    file_name : str
        Pattern of the file's name, filled in with :meth:`str.format` (``{demand_basis}``, ``{district_id}``,
        ``{lang}``).
    levels : frozenset of str
        The incident levels at which the file is offered (see :data:`INCIDENT_LEVELS`).
    needs_district : bool
        Offered only when a district is chosen (``ExportInputs.district_id``).
    action : str
        The access action a role needs to have it (planning.store.access).
    aliases : tuple of str
        Other names the command line takes for it (earlier ``export --format`` values).
    """

    key: str
    build: Callable[[ExportInputs], bytes]
    media_type: str
    file_name: str
    levels: frozenset[str] = frozenset(INCIDENT_LEVELS)
    needs_district: bool = False
    action: str = EXPORT_ACTION
    aliases: tuple[str, ...] = field(default=())

    @property
    def label_key(self) -> str:
        """The catalog key of its button text (the three ``.po`` files)."""
        return f"reports.{self.key}"

    def offered(self, inputs: ExportInputs) -> bool:
        """Whether the file is offered for these inputs: at the reader's incident level, and with a district
        chosen when it needs one."""
        return inputs.incident_level in self.levels and (inputs.district_id is not None or not self.needs_district)

    def name_for(self, inputs: ExportInputs) -> str:
        """The file's name for these inputs."""
        return self.file_name.format(demand_basis=inputs.demand_basis, district_id=inputs.district_id, lang=inputs.lang)

    def roles(self) -> frozenset[str]:
        """The roles that may have the file (planning.store.access.PERMISSIONS)."""
        from planning.store.access import ROLES, can

        return frozenset(role for role in ROLES if can(role, self.action))


# --- builders -------------------------------------------------------------------------------------------------------
def _png(inputs: ExportInputs) -> bytes:
    from planning.render.report import report_map_png

    return report_map_png(inputs.region, inputs.result, bands=inputs.service_bands, lang=inputs.lang)


def _html(inputs: ExportInputs) -> bytes:
    from planning.render.exports import scenario_map, standalone_html

    fmap = scenario_map(
        inputs.region,
        inputs.result,
        bands=inputs.service_bands,
        lang=inputs.lang,
        k=inputs.k,
        settlement_incidents=inputs.incidents if inputs.incident_level == "settlement" else None,
        method_description=inputs.minutes.describe(inputs.lang),
        network=inputs.minutes.network,
    )
    return standalone_html(fmap).encode("utf-8")


def _settlements_csv(inputs: ExportInputs) -> bytes:
    from planning.render.exports import csv_bytes, settlement_table

    return csv_bytes(settlement_table(inputs.region, inputs.result, **inputs.table_options()))


def _xlsx(inputs: ExportInputs) -> bytes:
    from planning.render.exports import xlsx_bytes

    return xlsx_bytes(inputs.sheets)


def _headline_csv(inputs: ExportInputs) -> bytes:
    from planning.render.exports import headline_csv

    return headline_csv(inputs.ranges, inputs.demand_basis)


def _bands_geojson(inputs: ExportInputs) -> bytes:
    from planning.render.exports import bands_geojson

    return bands_geojson(inputs.service_bands).encode("utf-8")


def _gaps_geojson(inputs: ExportInputs) -> bytes:
    from planning.render.exports import gaps_geojson

    return gaps_geojson(inputs.region, inputs.result, headline=inputs.ranges, **inputs.table_options()).encode("utf-8")


EXPORTS: tuple[ExportKind, ...] = (
    ExportKind("region_pdf", lambda inputs: inputs.pdf(None), "application/pdf", "qorgau-region.pdf"),
    ExportKind(
        "district_pdf",
        lambda inputs: inputs.pdf(inputs.district_id),
        "application/pdf",
        "qorgau-{district_id}.pdf",
        needs_district=True,
    ),
    ExportKind("png", _png, "image/png", "qorgau-map.png"),
    ExportKind("html", _html, "text/html", "qorgau-map.html"),
    ExportKind("csv", _settlements_csv, "text/csv", "qorgau-settlements.csv", aliases=("settlements",)),
    ExportKind("xlsx", _xlsx, XLSX_MEDIA_TYPE, "qorgau-tables.xlsx", aliases=("tables",)),
    ExportKind("headline", _headline_csv, "text/csv", "qorgau-headline-{demand_basis}.csv"),
    ExportKind("bands", _bands_geojson, "application/geo+json", "qorgau-isochrones.geojson"),
    ExportKind("gaps", _gaps_geojson, "application/geo+json", "qorgau-gaps.geojson"),
)
"""Every export, in the order the Reports page shows them. A new file: one entry here (its builder beside it) and
``reports.<key>`` in the three ``.po`` files and ``messages.pot`` (docs/ARCHITECTURE.md, "Where to add")."""


def export_kind(name: str) -> ExportKind:
    """The entry of key or alias ``name``.

    Raises
    ------
    KeyError
        No entry of that name (the message lists the names there are).
    """
    for kind in EXPORTS:
        if name == kind.key or name in kind.aliases:
            return kind
    raise KeyError(f"No export {name!r}; the exports are {', '.join(kind_names())}.")


def kind_names() -> list[str]:
    """Every name the command line takes: each entry's key, then its aliases."""
    return [kind.key for kind in EXPORTS] + [alias for kind in EXPORTS for alias in kind.aliases]


def offered(inputs: ExportInputs) -> list[ExportKind]:
    """The entries offered for these inputs, in registry order."""
    return [kind for kind in EXPORTS if kind.offered(inputs)]
