"""Printable reports: a PDF for the region or one district, built from a region, its services and the minutes table.

Everything comes from :mod:`planning.analysis` and :mod:`planning.coverage` (no page code): the static map, the key
figures (coverage within 30 and 60 minutes), the gap list, the comparison of two scenarios, the data sources and
licences, the method, and a "demo data" line on every page when the incidents are synthetic. Text goes through the
catalog in the chosen language; numbers through :func:`planning.i18n.fmt_number`. Incident figures are cells of the
one protected release (:mod:`planning.release`) and shown per district or region only unless
``incident_level="settlement"``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace
from PIL import Image

from geo.region import Region
from geo.settings import DEFAULT_GAP_MINUTES
from planning.analysis import ScenarioResult, SiteMinutes, evaluate, service_bands
from planning.coverage import AreaCoverage, compare, estimated_sentence, is_beyond, summary_sentence, threshold_key
from planning.estimates import people_range, population_is_estimated
from planning.i18n import fmt_count, fmt_number, place_names, t
from planning.need import NeedRate
from planning.ranges import DEFAULT_ASSUMPTIONS, Assumptions, Figure, headline_ranges, range_text
from planning.release import IncidentRelease, shown_text
from planning.render.gapmap import gap_list
from planning.render.population_text import unknown_population_note
from planning.render.staticmap import MAX_ASPECT, map_figure, png_bytes

THRESHOLDS_MINUTES = (30.0, 60.0)
"""Coverage thresholds of every report, minutes."""
GAP_THRESHOLD_MINUTES = DEFAULT_GAP_MINUTES
"""A settlement farther than this from any service is a gap, minutes."""
GAP_LIST_LENGTH = 20
"""Rows of the gap list."""
INCIDENT_LEVELS = ("district", "settlement")
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
"""DejaVu, bundled with matplotlib: covers Cyrillic and the Kazakh letters (ә ғ қ ң ө ұ ү һ і)."""
FONT_FAMILY = "DejaVu"
PAGE_MARGIN_MM = 15.0
BODY_PT, HEADING_PT, TITLE_PT, SMALL_PT = 10, 13, 17, 8
DEMO_COLOUR = (192, 57, 43)
PICTURE_HEADING_MM = 14.0
"""Height of a picture's heading with its spacing, mm."""
MIN_MAP_HEIGHT_MM = 110.0
"""The map goes on the first page, sized to the room left under the key figures, when that room is at least this
tall (mm); else on the next page at its full size."""
THOUSANDS_FROM = 10_000
"""From this many people (or cases) a demand figure is shown in thousands (the label says so), so that its range
fits a metric."""
RANGED_FIGURE_COLUMNS_MM = (95.0, 85.0)
"""Widths of the ranged figures' table (label, value with its range), mm."""
KEY_FIGURE_COLUMNS_MM = (60.0, 30.0, 90.0)
"""Widths of the key figures' table (label, value, detail), mm: the detail column is the widest, so each row takes
two or three lines, not five."""


@dataclass(frozen=True)
class KeyFigure:
    """One large figure: what it is, the value as shown, and a line under it (all text in one language)."""

    label: str
    value: str
    detail: str


def area_label(region: Region, district_id: str | None, lang: str) -> str:
    """The region's name, or the district's name in ``lang`` (the id when it has none)."""
    if district_id is None:
        return region.name(lang)
    row = region.districts[region.districts["district_id"].astype(object) == district_id]
    return place_names(row, lang)[0] if not row.empty else str(district_id)


def settlement_incidents(incidents: IncidentRelease | None, incident_level: str) -> IncidentRelease | None:
    """``incidents`` when their cells may be printed per settlement (``incident_level="settlement"``), else None.

    Raises
    ------
    ValueError
        When ``incident_level`` is not one of :data:`INCIDENT_LEVELS`.
    """
    if incident_level not in INCIDENT_LEVELS:
        raise ValueError(f"`incident_level` must be one of {INCIDENT_LEVELS}; got {incident_level!r}.")
    return incidents if incident_level == "settlement" else None


def area_coverage(result: ScenarioResult, district_id: str | None) -> AreaCoverage:
    """The region's coverage figures, or one district's."""
    return result.coverage.region if district_id is None else result.coverage.districts[str(district_id)]


def incident_pair(
    result: ScenarioResult, *, district_id: str | None = None, threshold_minutes: float
) -> tuple[str, str]:
    """``(within the threshold, in total)`` incidents of the region or a district as shown: two cells of the
    release, the same the scenarios page, the exports and the CLI show for these sets."""
    cov = result.coverage
    area = np.ones(len(cov.incidents), dtype=bool) if district_id is None else cov.district_ids == str(district_id)
    assert cov.release is not None, "incident_cells needs a coverage computed with incidents"
    return cov.release.text(area & cov.covered(threshold_minutes)), cov.release.text(area)


def key_figures(result: ScenarioResult, *, district_id: str | None = None, lang: str = "ru") -> list[KeyFigure]:
    """The three or four large figures: population within 30 and 60 minutes, settlements beyond 60 minutes, and
    (when there are incidents) incidents within 60 minutes — at the region or district level only."""
    area = area_coverage(result, district_id)
    figures = []
    for minutes in THRESHOLDS_MINUTES:
        within = area.within[threshold_key(minutes)]
        share = 100.0 * within.population_share
        detail = (
            t(
                "report.figure_share_estimated" if within.settlements_estimated_population else "report.figure_share",
                lang,
                share=fmt_number(share, lang, decimals=1),
            )
            if math.isfinite(share)
            else t("report.figure_unknown_population", lang, count=within.settlements_unknown_population)
        )
        note = unknown_population_note(within, minutes=minutes, lang=lang) if math.isfinite(share) else ""
        detail = f"{detail}; {note}" if note else detail
        figures.append(
            KeyFigure(
                t("report.figure_population_within", lang, minutes=int(minutes)),
                fmt_number(within.population_covered, lang),
                detail,
            )
        )
    last = area.within[threshold_key(THRESHOLDS_MINUTES[-1])]
    figures.append(
        KeyFigure(
            t("report.figure_uncovered", lang, minutes=int(THRESHOLDS_MINUTES[-1])),
            fmt_number(last.settlements_total - last.settlements_covered, lang),
            t("report.figure_of_total", lang, total=fmt_number(last.settlements_total, lang)),
        )
    )
    if last.incidents_total > 0 and result.coverage.release is not None:
        covered, total = incident_pair(result, district_id=district_id, threshold_minutes=THRESHOLDS_MINUTES[-1])
        figures.append(
            KeyFigure(
                t("report.figure_incidents_within", lang, minutes=int(THRESHOLDS_MINUTES[-1])),
                fmt_count(covered, lang),
                t("report.figure_of_total", lang, total=fmt_count(total, lang)),
            )
        )
    return figures


def basis_statement(basis: str, lang: str) -> str:
    """ "Demand counted: people (known + estimated)": the basis named beside the figures."""
    return t("need.basis_stated", lang, basis=t(f"need.basis.{basis}", lang))


def rate_statement(rate: NeedRate | None, lang: str) -> str:
    """The rate with its range and source, or that none is set (and where to set it)."""
    if rate is None:
        return t("need.no_rate", lang)
    return t(
        "need.rate",
        lang,
        rate=fmt_number(rate.per_1000, lang, decimals=1),
        low=fmt_number(rate.low, lang, decimals=1),
        high=fmt_number(rate.high, lang, decimals=1),
        source=rate.source,
    )


def assumptions_statement(
    settlements: pd.DataFrame,
    basis: str,
    *,
    rate: NeedRate | None,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
    lang: str = "ru",
    mask: np.ndarray | None = None,
) -> str:
    """The assumptions the ranges rest on, in words: road speeds, the estimated populations with their ranges (how
    many settlements of the area ``mask``, default the region, and their people central and low-high), the rate's
    range (demand = need), the number of draws and the seed."""
    estimated = population_is_estimated(settlements)
    if mask is not None:
        estimated = estimated & np.asarray(mask, dtype=bool)
    mid, low, high = people_range(settlements)
    parts = [
        t(
            "report.assume_speeds",
            lang,
            low=fmt_number(100 * assumptions.speed_low, lang),
            high=fmt_number(100 * assumptions.speed_high, lang),
        )
    ]
    if basis != "incidents" and assumptions.populations:  # incidents as demand do not rest on populations
        parts.append(
            t(
                "report.assume_populations",
                lang,
                settlements=fmt_number(int(estimated.sum()), lang),
                people=fmt_number(float(mid[estimated].sum()), lang),
                low=fmt_number(float(low[estimated].sum()), lang),
                high=fmt_number(float(high[estimated].sum()), lang),
            )
        )
    if basis == "need" and rate is not None and assumptions.rate:
        parts.append(
            t(
                "report.assume_rate",
                lang,
                low=fmt_number(rate.low, lang, decimals=1),
                high=fmt_number(rate.high, lang, decimals=1),
            )
        )
    if basis == "incidents":
        parts.append(t("report.assume_incidents", lang))
    parts.append(t("report.assume_draws", lang, draws=fmt_number(assumptions.draws, lang), seed=str(assumptions.seed)))
    return t("report.assumptions", lang, items="; ".join(parts))


def basis_ranges(
    region: Region,
    nearest_minutes: np.ndarray,
    basis: str,
    *,
    rate: NeedRate | None = None,
    incidents: IncidentRelease | None = None,
    mask: np.ndarray | None = None,
    thresholds: Sequence[float] = THRESHOLDS_MINUTES,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
) -> dict[str, dict[str, Figure]]:
    """:func:`planning.ranges.headline_ranges` of a scenario's minutes to the nearest service on ``basis``, over
    the settlements in ``mask`` (a district; default the region). Incidents: the protected release, never raw
    counts (and only used when ``basis="incidents"``)."""
    return headline_ranges(
        nearest_minutes,
        region.settlements,
        basis,
        thresholds=tuple(float(m) for m in thresholds),
        assumptions=assumptions,
        rate=rate,
        incidents=incidents if basis == "incidents" else None,
        mask=mask,
    )


def district_mask(result: ScenarioResult, district_id: str | None) -> np.ndarray | None:
    """The settlements of ``district_id`` (None: the whole region, no mask)."""
    return None if district_id is None else result.coverage.district_ids == str(district_id)


def ranged_figures(row: dict[str, Figure], basis: str, *, minutes: str, lang: str, k: int) -> list[KeyFigure]:
    """The three headline figures of one threshold, each as "62 % (55–68 %)": the share of the demand within T, the
    settlements beyond T and the demand beyond T (in thousands from :data:`THOUSANDS_FROM`, the label says so).
    With demand = incidents a hidden released cell reads ``"<k"``; ``detail`` names the basis."""
    named = t(f"need.basis.{basis}", lang)
    demand = row["demand_beyond"]
    large = max(v or 0.0 for v in (demand.value, demand.high)) >= THOUSANDS_FROM
    hidden = shown_text(None, k) if basis == "incidents" else "—"
    return [
        KeyFigure(
            t(f"need.within.{basis}", lang, minutes=minutes),
            range_text(row["share_within"], lang, share=True),
            named,
        ),
        KeyFigure(t("need.settlements_beyond", lang, minutes=minutes), range_text(row["settlements_beyond"], lang), ""),
        KeyFigure(
            t(f"need.beyond.{basis}", lang, minutes=minutes) + (t("need.thousands", lang) if large else ""),
            range_text(demand, lang, scale=1000.0 if large else 1.0, hidden=hidden),
            named,
        ),
    ]


def summary_message(lang: str) -> Callable[..., str]:
    """``message`` for :func:`planning.coverage.summary_sentence` in ``lang``: the phrases of
    :data:`planning.coverage.SUMMARY_TEMPLATES` from the catalog (``report.summary_<name>``), plural forms by
    ``count``."""

    def message(name: str, count: int | None = None, **values: object) -> str:
        return t(f"report.summary_{name}", lang, count=count, **values)

    return message


def gap_table(
    region: Region,
    result: ScenarioResult,
    *,
    incidents: IncidentRelease | None,
    district_id: str | None = None,
    lang: str = "ru",
    incident_level: str = "district",
    threshold_minutes: float = GAP_THRESHOLD_MINUTES,
) -> pd.DataFrame:
    """The scenarios page's gap list (:func:`planning.render.gapmap.gap_list`) as text for print and export; the
    incident
    column only when ``incident_level`` is "settlement" and there are incidents."""
    table = gap_list(
        region,
        result.coverage,
        result.nearest_service_ids,
        threshold_minutes=threshold_minutes,
        lang=lang,
        services=result.services,
        district_id=district_id,
        incidents=settlement_incidents(incidents, incident_level) is not None,
        access_km=result.access_km,
    )
    population, minutes = t("field.population", lang), t("scen.col_minutes", lang)
    table[population] = [
        fmt_number(p, lang) if math.isfinite(p) else t("value.unknown", lang) for p in table[population]
    ]
    table[minutes] = [
        fmt_number(m, lang) if m is not None and math.isfinite(m) else t("report.unreachable", lang)
        for m in table[minutes]
    ]
    return table.reset_index(drop=True)


def comparison_rows(
    result_a: ScenarioResult, result_b: ScenarioResult, *, district_id: str | None = None, lang: str = "ru"
) -> list[list[str]]:
    """Rows (figure, A, B, difference) comparing two scenarios within each threshold."""
    comparison = compare(result_a.coverage, result_b.coverage)
    rows = []
    for minutes in THRESHOLDS_MINUTES:
        key = threshold_key(minutes)
        changes = (
            comparison.within[key].figures
            if district_id is None
            else comparison.within[key].districts[str(district_id)]
        )
        for name, label in (
            ("population_covered", "report.col_population_within"),
            ("settlements_covered", "report.col_settlements_within"),
        ):
            change = changes[name]
            rows.append(
                [
                    t(label, lang, minutes=int(minutes)),
                    fmt_number(change.a, lang),
                    fmt_number(change.b, lang),
                    ("+" if change.difference > 0 else "") + fmt_number(change.difference, lang),
                ]
            )
    return rows


def comparison_sentence(
    result_a: ScenarioResult,
    result_b: ScenarioResult,
    *,
    name_a: str,
    name_b: str,
    lang: str = "ru",
    threshold_minutes: float = GAP_THRESHOLD_MINUTES,
) -> str:
    """:func:`planning.coverage.summary_sentence` in ``lang``."""
    comparison = compare(result_a.coverage, result_b.coverage)
    return summary_sentence(
        comparison,
        threshold_minutes=threshold_minutes,
        name_a=name_a,
        name_b=name_b,
        message=summary_message(lang),
        number=lambda value, decimals=0: fmt_number(value, lang, decimals=decimals),
    )


def source_text(source: dict, field: str, lang: str) -> str:
    """``field`` ("name", "licence") of one region.json source in ``lang``: ``<field>_<lang>`` where the folder
    gives it, else the plain ``<field>`` (as the folder's author wrote it)."""
    value = source.get(f"{field}_{lang}")
    return value if isinstance(value, str) and value else str(source.get(field) or "")


def source_lines(region: Region, lang: str) -> list[str]:
    """One line per data source: its name, files, licence and attribution, in ``lang`` where region.json has it."""
    lines = []
    for source in region.meta.get("sources") or []:
        files = ", ".join(source.get("files") or [])
        parts = [source_text(source, "name", lang) or files]
        if files:
            parts.append(f"[{files}]")
        if source.get("licence"):
            parts.append(t("report.licence", lang, licence=source_text(source, "licence", lang)))
        if source.get("attribution"):
            parts.append(str(source["attribution"]))
        lines.append(" — ".join(parts))
    return lines


def report_map_png(
    region: Region,
    result: ScenarioResult,
    *,
    bands: gpd.GeoDataFrame | None,
    district_id: str | None = None,
    lang: str = "ru",
    max_aspect: float = MAX_ASPECT,
) -> bytes:
    """The static map of a scenario: its services, bands and the settlements beyond the gap threshold; its height at
    most ``max_aspect`` of its width (:func:`planning.render.staticmap.map_figure`)."""
    figure = map_figure(
        region,
        services=result.services,
        bands=bands,
        uncovered=is_beyond(result.nearest.minutes, GAP_THRESHOLD_MINUTES),
        gap_minutes=GAP_THRESHOLD_MINUTES,
        district_id=district_id,
        lang=lang,
        max_aspect=max_aspect,
    )
    return png_bytes(figure)


class _ReportPdf(FPDF):
    """A4 pages with the demo line in the header (when synthetic) and the page number in the footer."""

    def __init__(self, *, lang: str, demo: bool, footer_text: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.lang, self.demo, self.footer_text = lang, demo, footer_text
        self.set_margins(PAGE_MARGIN_MM, PAGE_MARGIN_MM + (6 if demo else 0), PAGE_MARGIN_MM)
        self.set_auto_page_break(True, margin=PAGE_MARGIN_MM + 5)
        self.add_font(FONT_FAMILY, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT_FAMILY, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_font(FONT_FAMILY, size=BODY_PT)

    def header(self):
        if self.demo:
            self.set_xy(PAGE_MARGIN_MM, 6)
            self.set_font(FONT_FAMILY, "B", SMALL_PT + 1)
            self.set_text_color(*DEMO_COLOUR)
            self.cell(0, 6, t("report.demo", self.lang), align="C")
            self.set_text_color(0, 0, 0)
            self.set_xy(PAGE_MARGIN_MM, PAGE_MARGIN_MM + 6)
            self.set_font(FONT_FAMILY, size=BODY_PT)

    def footer(self):
        self.set_y(-12)
        self.set_font(FONT_FAMILY, size=SMALL_PT)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, f"{self.footer_text} · {t('report.page', self.lang, page=str(self.page_no()))}", align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str, size: int = HEADING_PT):
        self.ln(3)
        self.set_font(FONT_FAMILY, "B", size)
        self.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT_FAMILY, size=BODY_PT)
        self.ln(1)

    def paragraph(self, text: str, size: int = BODY_PT):
        self.set_font(FONT_FAMILY, size=size)
        self.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT_FAMILY, size=BODY_PT)

    def room_for_picture_mm(self) -> float:
        """Height left on this page for a picture under a heading, mm."""
        return self.page_break_trigger - self.get_y() - PICTURE_HEADING_MM

    def picture(self, heading: str, png: bytes):
        """A heading and a picture the width of the page, moved together to a new page when they do not fit."""
        width_px, height_px = Image.open(io.BytesIO(png)).size
        height_mm = self.epw * height_px / width_px
        if self.get_y() + height_mm + HEADING_PT > self.page_break_trigger:
            self.add_page()
        self.heading(heading)
        self.image(io.BytesIO(png), w=self.epw, h=height_mm)

    def rows_table(
        self,
        header: list[str] | None,
        rows: list[list[str]],
        *,
        size: int = SMALL_PT + 1,
        col_widths: tuple[float, ...] | None = None,
    ):
        self.set_font(FONT_FAMILY, size=size)
        with self.table(
            col_widths=col_widths,
            text_align="LEFT",
            line_height=size * 0.5,
            first_row_as_headings=header is not None,
            headings_style=FontFace(emphasis="BOLD", fill_color=(236, 240, 241)),
        ) as table:
            for values in ([header] if header is not None else []) + rows:
                row = table.row()
                for value in values:
                    row.cell(str(value))
        self.set_font(FONT_FAMILY, size=BODY_PT)


def region_pdf(
    region: Region,
    scenarios: Sequence[tuple[str, gpd.GeoDataFrame]],
    site_minutes: SiteMinutes,
    *,
    lang: str = "ru",
    incidents: IncidentRelease | None = None,
    district_id: str | None = None,
    incident_level: str = "district",
    bands: gpd.GeoDataFrame | None = None,
    built: date | None = None,
    demand_basis: str = "people",
    rate: NeedRate | None = None,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
) -> bytes:
    """The report as PDF bytes: the region, or one district when ``district_id`` is given.

    Parameters
    ----------
    region : geo.region.Region
    scenarios : sequence of (name, services)
        One or two scenarios; the last is the one mapped and listed, two are compared (first → second).
    site_minutes : SiteMinutes
        Built for ``region.settlements``; its method and speed profile are described in the report.
    lang : {"ru", "kk", "en"}
    incidents : IncidentRelease, optional
        The protected release of the incidents (:func:`planning.analysis.incident_release`).
    district_id : str, optional
        Report on this district only (figures, map and gap list filtered to it).
    incident_level : {"district", "settlement"}
        The finest level of incident figures printed; "district" leaves them out of the gap list.
    bands : GeoDataFrame, optional
        Isochrone bands of the last scenario (computed when not given).
    built : date, optional
        The date printed (today by default).
    demand_basis : {"people", "need", "incidents"}
        The demand the ranged figures count; stated in the report with the assumptions of the ranges.
    rate : NeedRate, optional
        The rate of expected need in use (required for ``demand_basis="need"``).
    assumptions : Assumptions
        What the ranges vary (road speeds, estimated populations, the rate), the number of draws and the seed.
    """
    if not 1 <= len(scenarios) <= 2:
        raise ValueError(f"`scenarios` needs one or two (name, services) pairs; got {len(scenarios)}.")
    settlement_incidents(incidents, incident_level)  # an unknown level fails before any work
    if demand_basis == "need" and rate is None:
        raise ValueError("`demand_basis='need'` needs the rate in use (`rate`); got None.")
    if demand_basis == "incidents" and incidents is None:
        raise ValueError("`demand_basis='incidents'` needs the protected release (`incidents`); got None.")
    if district_id is not None and str(district_id) not in set(region.districts["district_id"].astype(str)):
        raise KeyError(
            f"`district_id` {district_id!r} is not a district of the region; known: "
            f"{', '.join(map(str, region.districts['district_id']))}."
        )
    results = [
        evaluate(region, services, site_minutes, incidents=incidents, thresholds=THRESHOLDS_MINUTES)
        for _, services in scenarios
    ]
    name, services = scenarios[-1]
    result = results[-1]
    if bands is None:
        bands = service_bands(region, services, site_minutes.network, constants=site_minutes.constants)
    area = area_label(region, district_id, lang)
    if district_id is not None:
        area = t("report.district_of", lang, district=area, region=region.name(lang))
    built_text = t("report.built", lang, date=(built or date.today()).isoformat())
    pdf = _ReportPdf(lang=lang, demo=region.incidents_synthetic, footer_text=f"Qorgau · {built_text}")
    pdf.add_page()
    pdf.heading(t("report.title", lang, area=area), TITLE_PT)
    pdf.paragraph(" · ".join([t("report.scenario", lang, name=name), built_text]))

    pdf.heading(t("report.figures", lang))
    figures = key_figures(result, district_id=district_id, lang=lang)
    pdf.rows_table(
        None, [[f.label, f.value, f.detail] for f in figures], size=BODY_PT, col_widths=KEY_FIGURE_COLUMNS_MM
    )
    if incidents is not None:
        pdf.paragraph(t("release.note", lang, k=str(incidents.k)), SMALL_PT)

    pdf.heading(t("report.ranges", lang))
    pdf.paragraph(basis_statement(demand_basis, lang))
    if demand_basis == "need":
        pdf.paragraph(rate_statement(rate, lang), SMALL_PT + 1)
    ranges = basis_ranges(
        region,
        result.nearest.minutes,
        demand_basis,
        rate=rate,
        incidents=incidents,
        mask=district_mask(result, district_id),
        assumptions=assumptions,
    )
    k = incidents.k if incidents is not None else 0
    rows = [
        [f.label, f.value]
        for minutes, row in ranges.items()
        for f in ranged_figures(row, demand_basis, minutes=minutes, lang=lang, k=k)
    ]
    pdf.rows_table(None, rows, size=BODY_PT, col_widths=RANGED_FIGURE_COLUMNS_MM)
    pdf.paragraph(
        assumptions_statement(
            region.settlements,
            demand_basis,
            rate=rate,
            assumptions=assumptions,
            lang=lang,
            mask=district_mask(result, district_id),
        ),
        SMALL_PT,
    )

    room_mm = pdf.room_for_picture_mm()  # the map on the first page, under the figures, when it fits there legibly
    max_aspect = room_mm / pdf.epw if room_mm >= MIN_MAP_HEIGHT_MM else MAX_ASPECT
    pdf.picture(
        t("report.map", lang),
        report_map_png(region, result, bands=bands, district_id=district_id, lang=lang, max_aspect=max_aspect),
    )

    if len(scenarios) == 2:
        pdf.heading(t("report.comparison", lang))
        name_a = scenarios[0][0]
        if district_id is None:
            pdf.paragraph(comparison_sentence(results[0], result, name_a=name_a, name_b=name, lang=lang))
            pdf.ln(2)
        pdf.rows_table(
            [t("report.col_figure", lang), name_a, name, t("report.col_change", lang)],
            comparison_rows(results[0], result, district_id=district_id, lang=lang),
        )
        ranges_a = basis_ranges(  # each scenario's headline figures on the basis, with their ranges
            region,
            results[0].nearest.minutes,
            demand_basis,
            rate=rate,
            incidents=incidents,
            mask=district_mask(result, district_id),
            assumptions=assumptions,
        )
        pdf.ln(2)
        pdf.paragraph(basis_statement(demand_basis, lang), SMALL_PT + 1)
        pdf.rows_table(
            [t("report.col_figure", lang), name_a, name],
            [
                [a.label, a.value, b.value]
                for minutes in ranges
                for a, b in zip(
                    ranged_figures(ranges_a[minutes], demand_basis, minutes=minutes, lang=lang, k=k),
                    ranged_figures(ranges[minutes], demand_basis, minutes=minutes, lang=lang, k=k),
                )
            ],
        )

    table = gap_table(
        region, result, incidents=incidents, district_id=district_id, lang=lang, incident_level=incident_level
    )
    pdf.heading(t("report.gaps", lang, minutes=int(GAP_THRESHOLD_MINUTES), count=GAP_LIST_LENGTH))
    if table.empty:
        pdf.paragraph(t("report.no_gaps", lang, minutes=int(GAP_THRESHOLD_MINUTES)))
    else:
        pdf.rows_table(list(table.columns), table.head(GAP_LIST_LENGTH).to_numpy().tolist())

    pdf.heading(t("report.method", lang))
    pdf.paragraph(t("report.method_network" if site_minutes.network is not None else "report.method_estimate", lang))
    pdf.paragraph(site_minutes.describe(lang), SMALL_PT + 1)
    estimated_text = estimated_sentence(result.coverage.region, lang)
    if site_minutes.network is not None and estimated_text is not None:
        pdf.paragraph(estimated_text, SMALL_PT + 1)

    pdf.heading(t("report.sources", lang))
    for line in source_lines(region, lang):
        pdf.paragraph(f"• {line}", SMALL_PT + 1)
    return bytes(pdf.output())
