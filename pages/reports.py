"""Reports and exports: the region and district PDFs, the map as PNG and standalone HTML, CSV, XLSX and GeoJSON.

"Prepare" computes what the files are built from; each file is built only when its button is clicked, for a session
still signed in with the export role, handed to that browser once (server.py), and recorded in the audit log.
Presenters get district-level incident figures only. Every file counts the session's demand basis (pages.need_view):
the PDF states it with the ranges of its headline figures and their assumptions, the tables and GeoJSON carry
``demand_basis`` and each settlement's demand, the headline figures go out with ``low`` and ``high``.
"""

import streamlit as st

from pages.auth import guard, incident_level
from pages.language import lang
from pages.need_view import basis_text, choose_basis, need_caption, session_ranges
from pages.session import bands, get_region, incidents_here, site_minutes, small_count_k
from pages.widgets import download, synthetic_banner
from planning.analysis import evaluate
from planning.baseline import baseline_name, baseline_services, current_services, scenario_label, services_are_baseline
from planning.i18n import t
from planning.render.exports import (
    bands_geojson,
    csv_bytes,
    gaps_geojson,
    headline_csv,
    scenario_map,
    standalone_html,
    tables,
    xlsx_bytes,
)
from planning.render.report import area_label, region_pdf, report_map_png
from planning.scenarios import sites_to_services
from planning.store.db import default_db_path
from planning.store.scenarios import ScenarioStore

FILES_KEY = "_report_files"


def file_builders(
    region, compared, table, result, shapes, sheets, common, counts, district_id, *, k, demand, headline
) -> dict:
    """What each file is built from: key -> (build() -> bytes, mime type, file name). Nothing is built here; a file
    is built when its button is clicked (pages.widgets.download). ``demand``: the PDF's and the gaps' demand basis
    and rate (``demand_basis``, ``rate``); ``headline``: the headline figures with their ranges on it."""
    level, language = common["incident_level"], common["lang"]
    common = {**common, **demand}
    builders = {
        "region_pdf": (lambda: region_pdf(region, compared, table, **common), "application/pdf", "qorgau-region.pdf"),
        "png": (lambda: report_map_png(region, result, bands=shapes, lang=language), "image/png", "qorgau-map.png"),
        "html": (
            lambda: standalone_html(
                scenario_map(
                    region,
                    result,
                    bands=shapes,
                    lang=language,
                    k=k,
                    settlement_incidents=counts,
                    method_description=table.describe(language),
                    network=table.network,
                )
            ),
            "text/html",
            "qorgau-map.html",
        ),
        "csv": (lambda: csv_bytes(next(iter(sheets.values()))), "text/csv", "qorgau-settlements.csv"),
        "xlsx": (
            lambda: xlsx_bytes(sheets),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "qorgau-tables.xlsx",
        ),
        "headline": (
            lambda: headline_csv(headline, demand["demand_basis"]),
            "text/csv",
            f"qorgau-headline-{demand['demand_basis']}.csv",
        ),
        "bands": (lambda: bands_geojson(shapes), "application/geo+json", "qorgau-isochrones.geojson"),
        "gaps": (
            lambda: gaps_geojson(
                region,
                result,
                incidents=common["incidents"],
                lang=language,
                incident_level=level,
                headline=headline,
                **demand,
            ),
            "application/geo+json",
            "qorgau-gaps.geojson",
        ),
    }
    if district_id is not None:
        builders["district_pdf"] = (
            lambda: region_pdf(region, compared, table, district_id=district_id, **common),
            "application/pdf",
            f"qorgau-{district_id}.pdf",
        )
    return builders


L = lang()
guard("export")
region = get_region()
st.title(t("nav.reports", L))
synthetic_banner(region)
st.caption(t("reports.intro", L))

scenarios = {baseline_name(region, L): baseline_services(region)}
if not region.services.empty and not services_are_baseline(region):
    scenarios[t("report.scenario_current", L)] = current_services(region)
for saved in ScenarioStore(default_db_path()).list_scenarios(region.region_id):
    if saved.sites:  # a saved scenario under the baseline's name (in any language) stands in for the built-in one
        scenarios[scenario_label(saved.name, region, L)] = sites_to_services(saved.sites)
names = list(scenarios)
chosen = st.selectbox(t("present.scenario", L), names, index=0)  # the baseline, the official plan: never the newest
district_ids = [str(d) for d in region.districts["district_id"]]
district_id = (
    st.selectbox(t("present.district", L), district_ids, format_func=lambda d: area_label(region, d, L))
    if district_ids
    else None
)
if not district_ids:
    st.info(t("reports.no_districts", L))

basis = choose_basis(region, key="reports_basis", lang=L)
if basis.name == "need":
    need_caption(basis.rate, L)
st.caption(basis_text(basis, L))

level = incident_level() or "district"
k = small_count_k()
request = (region.region_id, chosen, district_id, L, level, basis.name)
if st.button(t("reports.prepare", L), type="primary"):
    with st.spinner(t("reports.prepare", L)):
        table = site_minutes(region)
        incidents = incidents_here(region)
        services = scenarios[chosen]
        compared = [(names[0], scenarios[names[0]]), (chosen, services)] if chosen != names[0] else [(chosen, services)]
        result = evaluate(region, services, table, incidents=incidents)
        shapes = bands(region, services, table)
        demand = dict(demand_basis=basis.name, rate=basis.rate)
        headline = session_ranges(region, result.nearest.minutes, basis)
        sheets = tables(
            region,
            result,
            incidents=incidents,
            lang=L,
            incident_level=level,
            method_description=table.describe(L),
            headline=headline,
            **demand,
        )
        common = dict(lang=L, incidents=incidents, incident_level=level, bands=shapes)
        counts = incidents if level == "settlement" else None
    builders = file_builders(
        region,
        compared,
        table,
        result,
        shapes,
        sheets,
        common,
        counts,
        district_id,
        k=k,
        demand=demand,
        headline=headline,
    )
    st.session_state[FILES_KEY] = (request, builders)

prepared = st.session_state.get(FILES_KEY)
if prepared is not None and prepared[0] == request:
    labels = {
        "region_pdf": "reports.region_pdf",
        "district_pdf": "reports.district_pdf",
        "png": "reports.png",
        "html": "reports.html",
        "csv": "reports.csv",
        "xlsx": "reports.xlsx",
        "headline": "reports.headline",
        "bands": "reports.bands",
        "gaps": "reports.gaps",
    }
    st.caption(t("accounts.download_hint", L))
    columns = st.columns(4)
    for position, (key, label) in enumerate((k_, v) for k_, v in labels.items() if k_ in prepared[1]):
        build, mime, file_name = prepared[1][key]
        with columns[position % 4]:
            download(
                t(label, L),
                build,
                file_name=file_name,
                mime=mime,
                key=f"dl_{key}",
                width="stretch",
                object=f"{region.region_id}, {chosen}, {L}, incidents: {level}",
            )
