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
from planning.render.registry import ExportInputs, export_kind, offered
from planning.render.report import area_label
from planning.scenarios import sites_to_services
from planning.store.db import default_db_path
from planning.store.scenarios import ScenarioStore

FILES_KEY = "_report_files"
"""st.session_state key of the prepared files: (request, {key: (build() -> bytes, media type, file name)})."""


def file_builders(inputs: ExportInputs) -> dict:
    """What each file offered for ``inputs`` is built from, in the registry's order (planning.render.registry):
    key -> (build() -> bytes, media type, file name). Nothing is built here; a file is built when its button is
    clicked (pages.widgets.download)."""
    return {
        kind.key: ((lambda kind=kind: kind.build(inputs)), kind.media_type, kind.name_for(inputs))
        for kind in offered(inputs)
    }


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
        inputs = ExportInputs(
            region,
            compared,
            table,
            result,
            headline=session_ranges(region, result.nearest.minutes, basis),
            bands=bands(region, services, table),
            lang=L,
            incidents=incidents,
            incident_level=level,
            k=k,
            demand_basis=basis.name,
            rate=basis.rate,
            district_id=district_id,
        )
    st.session_state[FILES_KEY] = (request, file_builders(inputs))

prepared = st.session_state.get(FILES_KEY)
if prepared is not None and prepared[0] == request:
    st.caption(t("accounts.download_hint", L))
    columns = st.columns(4)
    for position, (key, (build, mime, file_name)) in enumerate(prepared[1].items()):
        kind = export_kind(key)
        with columns[position % 4]:
            download(
                t(kind.label_key, L),
                build,
                file_name=file_name,
                mime=mime,
                key=f"dl_{key}",
                action=kind.action,
                width="stretch",
                object=f"{region.region_id}, {chosen}, {L}, incidents: {level}",
            )
