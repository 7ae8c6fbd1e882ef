"""Scenarios: pick, create and edit a placement of services; its coverage, gaps and map."""

import math

import streamlit as st
from streamlit_folium import st_folium

from geo.errors import ValidationError
from pages.common import (current_profile, download, get_region, guard, incident_level, incidents_here, lang,
                          site_minutes, small_count_k, synthetic_banner)
from planning import access
from planning.analysis import evaluate
from planning.baseline import current_services
from planning.coverage import threshold_key
from planning.gapmap import district_names, district_table, gap_list, scenario_map, shown_incidents
from planning.i18n import fmt_number, format_problem, place_names, t
from planning.scenarios import (ScenarioError, ScenarioStore, Site, add_site, default_db_path, export_csv,
                                import_csv, move_site, remove_site, rename_site, set_kind, sites_from_services,
                                sites_to_services)
from planning.webmap import incident_counts

MAP_KEY = "scen_map"
LAST_CLICK_KEY = "_scen_last_click"
RESULTS_KEY = "_scen_results"
"""Evaluated scenarios of this session, by (scenario id, version): incident-derived, so session state only."""
IMPORT_NOTES_KEY = "_scen_import_notes"
NEXT_PICK_KEY = "_scen_pick_next"
"""A scenario just created, to be selected on the next run."""
DEFAULT_REACH_MINUTES = 60.0

L = lang()
user = guard("view_scenarios")
may_edit = access.can(user.role, "edit_scenarios")
level = incident_level()
region = get_region()
k = small_count_k()
st.title(f"{t('scen.title', L)}: {region.name(L)}")
synthetic_banner(region)

store = ScenarioStore(default_db_path())
scenarios = store.list_scenarios(region.region_id)
if not scenarios:
    name = t("scen.current_name" if not region.services.empty else "scen.baseline_name", L)
    store.create(name, region.region_id, sites_from_services(current_services(region)), author=user.username)
    scenarios = store.list_scenarios(region.region_id)

by_id = {s.scenario_id: s for s in scenarios}
if st.session_state.get(NEXT_PICK_KEY) in by_id:
    st.session_state["scen_id"] = st.session_state.pop(NEXT_PICK_KEY)
chosen_id = st.selectbox(t("scen.pick", L), list(by_id), key="scen_id",
                         format_func=lambda i: t("scen.option", L, name=by_id[i].name, version=by_id[i].version,
                                                 sites=len(by_id[i].sites)))
scenario = by_id[chosen_id]
sites = list(scenario.sites)
settlements = region.settlements


def save(new_sites) -> None:
    store.save(scenario.scenario_id, new_sites, author=user.username)
    st.rerun()


def new_site(lat: float, lon: float, kind: str, reach_minutes: float, name: str | None = None) -> Site:
    taken = {s.service_id for s in sites}
    n = next(i for i in range(1, len(sites) + 2) if f"site-{i}" not in taken)
    return Site(f"site-{n}", name or t("scen.new_site_name", L, n=str(n)), kind, lat, lon,
                reach_minutes=reach_minutes if kind == "mobile" else math.nan)


# --- editing ------------------------------------------------------------------------------------------------
click_mode, new_kind, reach, picked = "none", "permanent", DEFAULT_REACH_MINUTES, None
if may_edit:
    with st.expander(t("scen.edit", L), expanded=True):
        left, right = st.columns(2)
        with left:
            click_mode = st.radio(t("scen.click_mode", L), ["add", "move", "none"], horizontal=True, key="scen_click",
                                  format_func=lambda m: t(f"scen.click_{m}", L))
            new_kind = st.radio(t("scen.new_kind", L), ["permanent", "mobile"], horizontal=True, key="scen_kind",
                                format_func=lambda m: t(f"kind.{m}", L))
            reach = st.number_input(t("scen.reach", L), min_value=5.0, max_value=240.0, value=DEFAULT_REACH_MINUTES,
                                    step=5.0, key="scen_reach")
            names = district_names(region, L)
            labels = [name + (f" ({names.get(d, d)})" if isinstance(d, str) and d else "")
                      for name, d in zip(place_names(settlements, L), settlements["district_id"])]
            row_index = st.selectbox(t("scen.add_from_list", L), range(len(settlements)), index=None,
                                     placeholder=t("scen.search_placeholder", L),
                                     format_func=labels.__getitem__, key="scen_settlement")
            if st.button(t("scen.add", L), key="scen_add", disabled=row_index is None):
                point = settlements.geometry.iloc[row_index]
                save(add_site(sites, new_site(point.y, point.x, new_kind, reach, name=labels[row_index])))
        with right:
            if sites:
                ids = [s.service_id for s in sites]
                picked = st.selectbox(t("scen.site", L), ids, key="scen_site",
                                      format_func=lambda i: next(s.name for s in sites if s.service_id == i))
                site = next(s for s in sites if s.service_id == picked)
                new_name = st.text_input(t("scen.site_name", L), value=site.name, key=f"scen_name_{picked}")
                if st.button(t("scen.rename", L), key="scen_rename") and new_name.strip():
                    save(rename_site(sites, picked, new_name.strip()))
                kind = st.radio(t("scen.kind", L), ["permanent", "mobile"], horizontal=True,
                                index=["permanent", "mobile"].index(site.kind), key=f"scen_site_kind_{picked}",
                                format_func=lambda m: t(f"kind.{m}", L))
                site_reach = st.number_input(t("scen.reach", L), min_value=5.0, max_value=240.0,
                                             value=site.reach_minutes if not math.isnan(site.reach_minutes)
                                             else DEFAULT_REACH_MINUTES, step=5.0, key=f"scen_site_reach_{picked}")
                if st.button(t("scen.set_kind", L), key="scen_set_kind"):
                    save(set_kind(sites, picked, kind, reach_minutes=site_reach if kind == "mobile" else None))
                if st.button(t("scen.remove", L), key="scen_remove"):
                    save(remove_site(sites, picked))
            if st.button(t("scen.undo", L), key="scen_undo"):
                try:
                    store.undo(scenario.scenario_id, author=user.username)
                    st.rerun()
                except ScenarioError:
                    st.info(t("scen.nothing_to_undo", L))
    with st.popover(t("scen.new", L)):
        name = st.text_input(t("scen.new_name", L), key="scen_new_name")
        source = st.selectbox(t("scen.copy_of", L), list(by_id), format_func=lambda i: by_id[i].name,
                              key="scen_copy_of")
        if st.button(t("scen.create", L), key="scen_create"):
            if not name.strip():
                st.warning(t("scen.name_needed", L))
            else:
                created = store.create(name.strip(), region.region_id, by_id[source].sites, author=user.username)
                st.session_state[NEXT_PICK_KEY] = created.scenario_id
                st.rerun()
    with st.expander(t("scen.import", L)):
        for note in st.session_state.pop(IMPORT_NOTES_KEY, []):
            st.text(note)  # text, not Markdown: it quotes the file's headers
        upload = st.file_uploader(t("scen.import", L), type=["csv"], key="scen_upload")
        if upload is not None and st.button(t("scen.import_button", L), key="scen_import"):
            try:
                notes = []
                imported = import_csv(upload.getvalue(), name=upload.name, region=region, notes=notes)
                # save() reruns the page at once: the notes (which column was read as what) are shown on that run
                st.session_state[IMPORT_NOTES_KEY] = [format_problem(note, L) for note in notes]
                save(imported)
            except ValidationError as exc:
                st.error(t("scen.import_failed", L))
                st.code("\n".join(format_problem(p, L) for p in exc.problems), language=None)
else:
    st.caption(t("scen.read_only", L))

# a click on the map (the component's value from the previous run) edits the scenario before it is evaluated
click = (st.session_state.get(MAP_KEY) or {}).get("last_clicked")
if click and may_edit and click != st.session_state.get(LAST_CLICK_KEY):
    st.session_state[LAST_CLICK_KEY] = click
    if click_mode == "add":
        save(add_site(sites, new_site(click["lat"], click["lng"], new_kind, reach)))
    elif click_mode == "move" and picked is not None:
        save(move_site(sites, picked, lat=click["lat"], lon=click["lng"]))
elif click:
    st.session_state[LAST_CLICK_KEY] = click

if access.can(user.role, "export"):
    download(t("scen.export", L), lambda sites=sites: export_csv(sites),
             file_name=f"scenario-{scenario.scenario_id}.csv", mime="text/csv", key="scen_export",
             object=f"scenario {scenario.scenario_id} v{scenario.version} csv")

# --- figures ------------------------------------------------------------------------------------------------
services = sites_to_services(sites)
results = st.session_state.setdefault(RESULTS_KEY, {})
result_key = (region.region_id, scenario.scenario_id, scenario.version, current_profile().cache_key())
if result_key not in results:
    results[result_key] = evaluate(region, services, site_minutes(region), incidents=incidents_here(region))
result = results[result_key]
cov = result.coverage
shown = shown_incidents(cov, k=k)
st.caption(t("scen.method", L, description=site_minutes(region).describe(L)))

st.subheader(t("scen.figures", L))
for step in cov.thresholds_minutes:
    key = threshold_key(step)
    figures = cov.region.within[key]
    st.markdown(f"**{t('scen.within', L, minutes=key)}**")
    cols = st.columns(3 if level else 2)
    share = fmt_number(100.0 * figures.population_share, L, decimals=1)
    cols[0].metric(t("scen.population_covered", L), fmt_number(figures.population_covered, L),
                   help=t("scen.population_of", L, share=share, total=fmt_number(figures.population_total, L)))
    cols[0].caption(t("scen.population_of", L, share=share, total=fmt_number(figures.population_total, L)))
    cols[1].metric(t("scen.settlements_covered", L), fmt_number(figures.settlements_covered, L))
    cols[1].caption(t("scen.of", L, total=fmt_number(figures.settlements_total, L)))
    if level:
        cols[2].metric(t("scen.incidents_covered", L), shown.region_covered[key])
        cols[2].caption(t("scen.of", L, total=shown.region_total))
    if figures.settlements_unknown_population:
        st.caption(t("scen.unknown_population", L, count=figures.settlements_unknown_population,
                     covered=figures.settlements_unknown_population_covered))


def _minutes(value: float) -> str:
    return fmt_number(value, L, decimals=1) if math.isfinite(value) else t("scen.unreachable", L)


cols = st.columns(2)
cols[0].metric(t("scen.median", L), _minutes(cov.region.median_minutes))
cols[1].metric(t("scen.p90", L), _minutes(cov.region.p90_minutes))

gap_minutes = st.radio(t("scen.gap_threshold", L), list(cov.thresholds_minutes), horizontal=True,
                       format_func=threshold_key, key="scen_gap_minutes")
settlement_incidents = level == "settlement" and len(region.incidents) > 0
fmap = scenario_map(region, services, cov, threshold_minutes=gap_minutes, lang=L, k=k,
                    incidents_by_settlement=incident_counts(region.incidents) if settlement_incidents else None)
st_folium(fmap, height=600, use_container_width=True, returned_objects=["last_clicked"], key=MAP_KEY)

st.subheader(t("scen.districts", L))
if level == "district":
    st.caption(t("scen.district_only", L))
st.dataframe(district_table(region, cov, lang=L, k=k, incidents=level is not None), hide_index=True)
table = gap_list(region, cov, result.nearest_service_ids, threshold_minutes=gap_minutes, lang=L, k=k,
                 services=services, incidents=level == "settlement")
st.subheader(t("scen.gaps", L, count=len(table)))
st.dataframe(table, hide_index=True)
