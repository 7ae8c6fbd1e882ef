"""Map: the scenario's services, their 15/30/60-minute bands and settlements coloured by minutes to the nearest
service, with the method (network or estimate) and its profile stated; incidents per settlement for planners."""

import streamlit as st

from pages.auth import guard, incident_level
from pages.beyond_view import district_section, draw_route, gap_section, village_panel
from pages.language import lang
from pages.need_view import headline_section
from pages.session import bands, get_region, incidents_here, site_minutes, small_count_k
from pages.widgets import session_layers, show_layered_map, synthetic_banner
from planning.analysis import evaluate
from planning.baseline import current_services
from planning.coverage import default_threshold_index, estimated_sentence, threshold_key
from planning.i18n import t
from planning.markup import markdown_text
from planning.privacy import available_periods
from planning.render.webmap import method_label, region_base, region_base_key, region_overlay

L = lang()
st.title(t("nav.map", L))
guard("view_map")
region = get_region()
st.subheader(markdown_text(region.name(L)))
synthetic_banner(region)
map_slot = st.container()  # the map first, in the first screen; its controls and the tables below it

services = current_services(region)  # the scenario's sites; scenario selection will pass its own frame here

minutes_table = site_minutes(region)
result = evaluate(region, services, minutes_table, incidents=None)  # minutes only: no incident figure in it
service_bands = bands(region, services, minutes_table) if len(services) else None
if not len(services):
    st.warning(t("map.no_services", L))

incidents = None
if incident_level() == "settlement" and len(region.incidents):
    periods = available_periods(region.incidents)
    period = st.selectbox(
        t("map.period", L),
        [None, *periods],
        format_func=lambda p: t("map.period.all", L) if p is None else p,
        key="map_period",
    )
    incidents = incidents_here(region, period=period)

method_text = method_label(result.method, minutes_table.describe(L), L)
village = village_panel(
    region,
    services,
    result.coverage,
    result.nearest_service_ids,
    map_key="region_map",
    key="map",
    network=minutes_table.network,
    lang=L,
    constants=minutes_table.constants,
)
# the map in two parts (issue 24): the base (roads, settlements by minutes, bands, names) rendered once for every
# session and kept by the browser; the services, incidents, legend and a clicked village's route drawn over it
base_options = dict(
    lang=L,
    bands=service_bands,
    settlement_minutes=result.nearest.minutes,
    settlement_estimated=result.methods == "estimate",
    network=minutes_table.network,
)
overlay = region_overlay(
    region,
    services=services,
    settlement_incidents=incidents,
    k=small_count_k(),
    method=result.method,
    method_description=minutes_table.describe(L),
    layer_cache=session_layers(),
    **base_options,
)
draw_route(overlay, village, lang=L)
with map_slot:
    show_layered_map(
        lambda: region_base(region, **base_options),
        region_base_key(region, **base_options),
        overlay,
        key="region_map",
        returned_objects=["last_object_clicked"],
    )
    st.caption(method_text)
    if (estimated_text := estimated_sentence(result.coverage.region, L)) is not None:
        st.caption(estimated_text)
    st.caption(f"{t('map.services_shown', L, n=len(services))} · {t('map.caption', L)}")


# the figures below the map rerun alone when their own choices change (a threshold, a district, the demand basis):
# the map above is not drawn again for them (issue 24)
@st.fragment
def _headline() -> None:
    headline_section(region, result.coverage, result.nearest.minutes, key="map_demand_basis", lang=L)


@st.fragment
def _gaps() -> None:
    gap_minutes = st.radio(
        t("beyond.threshold", L),
        list(result.coverage.thresholds_minutes),
        horizontal=True,
        format_func=threshold_key,
        index=default_threshold_index(result.coverage.thresholds_minutes),
        key="map_gap_minutes",
    )
    gap_section(
        region,
        result.coverage,
        result.nearest_service_ids,
        services,
        threshold_minutes=gap_minutes,
        key="map",
        lang=L,
        access_km=result.access_km,
    )


_headline()
district_section(region, result.coverage, lang=L)
_gaps()
