"""Presentation mode, laid out for a projector (1400×900 and 1920×1080): the map first and as tall as the screen,
three large figures beside it, one bar of controls above (Previous/Next, the district, the language), no editing.

Step from one scenario to the next (baseline → current → saved scenarios) with Previous/Next. The three figures
count the session's demand basis (pages.need_view: people, expected need or reported incidents), named on the
slide, each with its range: "84 % (79–85 %)". Incident figures at the region or district level only, cells of the
protected release (suppressed below the small-count threshold).

Switching is quick: each scenario's map is drawn once per session for the whole region and kept as HTML; a
district is a view of it that the map itself fits to (planning.render.slides), so a district change reloads no map
and a scenario change reloads one frame from the kept HTML.
"""

import hashlib

import streamlit as st

from pages.auth import guard
from pages.language import lang, language_switch
from pages.need_view import basis_text, choose_basis, session_ranges
from pages.session import bands, get_region, incidents_here, site_minutes, small_count_k
from pages.widgets import synthetic_banner
from planning.analysis import evaluate
from planning.baseline import baseline_name, baseline_services, current_services, scenario_label, services_are_baseline
from planning.coverage import threshold_key
from planning.i18n import t
from planning.markup import markdown_text
from planning.render.exports import scenario_map
from planning.render.population_text import unknown_population_note
from planning.render.report import THRESHOLDS_MINUTES, area_coverage, area_label, district_mask, ranged_figures
from planning.render.slides import focus_tag, slide_html
from planning.scenarios import sites_to_services
from planning.store.db import default_db_path
from planning.store.scenarios import ScenarioStore

MAP_MIN_HEIGHT_PX = 420
"""The map's height before the page's style stretches it to the screen (pixels)."""
BAR_HEIGHT_PX = 84
"""The screen height the bar of controls above the map takes (pixels): the map is the rest of the screen."""
MAPS_KEPT = 8
"""Scenario maps kept per session (HTML of about 0.7 MB each for the bundled region)."""
MAPS_KEY = "_present_maps"
SLOTS = 3
"""Maps kept drawn in the page: the current scenario's, the previous one's and the next one's."""

L = lang()
guard("view_scenarios")
region = get_region()
st.html(
    "<style>"
    "[data-testid=stSidebar], [data-testid=stSidebarCollapsedControl], [data-testid=stHeader],"
    " [data-testid=stToolbar] {display: none;}"
    " [data-testid=stMainBlockContainer] {padding: 0.6rem 1.2rem 0 1.2rem; max-width: 100%;}"
    f" .st-key-present_map iframe {{height: max({MAP_MIN_HEIGHT_PX}px, calc(100vh - {BAR_HEIGHT_PX}px))"
    " !important;}"
    " .st-key-present_figures h1 {font-size: 1.7rem; padding-top: 0;}"
    " .st-key-present_figures [data-testid=stMetricValue] {font-size: 1.9rem;}"
    " .st-key-present_figures h3 {padding: 0; font-size: 1.2rem;}"
    "</style>"
)

BASELINE = baseline_name(region, L)
scenarios = [(BASELINE, baseline_services(region))]
if not region.services.empty and not services_are_baseline(region):
    scenarios.append((t("report.scenario_current", L), current_services(region)))
for saved in ScenarioStore(default_db_path()).list_scenarios(region.region_id):
    if saved.sites:
        shown = scenario_label(saved.name, region, L)
        if shown == BASELINE:  # the saved baseline (as edited, if it was) stands in for the built-in one
            scenarios[0] = (shown, sites_to_services(saved.sites))
        else:
            scenarios.append((shown, sites_to_services(saved.sites)))

POSITION_KEY = "present_position"
position = st.session_state.get(POSITION_KEY, 0) % len(scenarios)


def _step(by: int) -> None:
    st.session_state[POSITION_KEY] = min(max(position + by, 0), len(scenarios) - 1)


name, services = scenarios[position]
with st.container(key="present_bar"):
    back, forward, district_column, language_column, home = st.columns(
        [1.2, 1.2, 2.6, 2.3, 1.0], vertical_alignment="center"
    )
    back.button(t("present.previous", L), width="stretch", disabled=position == 0, on_click=_step, args=(-1,))
    forward.button(
        t("present.next", L), width="stretch", disabled=position == len(scenarios) - 1, on_click=_step, args=(1,)
    )
    district_ids = [None] + [str(d) for d in region.districts["district_id"]]
    district_id = district_column.selectbox(
        t("present.district", L),
        district_ids,
        key="present_district",
        format_func=lambda d: t("report.whole_region", L) if d is None else area_label(region, d, L),
        label_visibility="collapsed",
    )
    with language_column:
        language_switch(key="present_lang")
    home.page_link("pages/home.py", label=t("nav.home", L), icon=":material/home:")  # the way out: no sidebar

table = site_minutes(region)
result = evaluate(region, services, table, incidents=incidents_here(region))


def _slide(index: int) -> str:
    """Scenario ``index``'s map as HTML, drawn once per session, region and language (see the module's docstring)."""
    slide_name, slide_services = scenarios[index]
    positions = ",".join(
        f"{i}:{g.x:.6f}:{g.y:.6f}" for i, g in zip(slide_services["service_id"], slide_services.geometry)
    )
    key = hashlib.sha256(f"{slide_name}|{positions}|{L}|{small_count_k()}".encode()).hexdigest()
    kept = st.session_state.get(MAPS_KEY)
    if kept is None or kept[0] is not region:  # another region, or the same one read again after an upload
        kept = (region, {})
        st.session_state[MAPS_KEY] = kept
    maps = kept[1]
    if key not in maps:
        slide_result = result if index == position else evaluate(region, slide_services, table, incidents=None)
        fmap = scenario_map(
            region,
            slide_result,
            bands=bands(region, slide_services, table),
            lang=L,
            k=small_count_k(),
            method_description=table.describe(L),
            network=table.network,
        )
        maps[key] = slide_html(fmap, region, district_id=district_id)
        while len(maps) > MAPS_KEPT:
            maps.pop(next(iter(maps)))
    maps[key] = maps.pop(key)  # the newest last: the oldest go first
    return maps[key]


map_column, figure_column = st.columns([2.6, 1], gap="medium")  # the figures with their ranges fit beside it
with figure_column.container(key="present_figures"):
    st.markdown(
        f"### {markdown_text(name)}  \n{t('present.step', L, position=str(position + 1), total=str(len(scenarios)))}"
    )
    st.title(markdown_text(area_label(region, district_id, L)))
    basis = choose_basis(region, key="present_basis", lang=L, widget="segmented")
    ranges = session_ranges(region, result.nearest.minutes, basis, mask=district_mask(result, district_id))
    first, last = (str(int(m)) for m in (THRESHOLDS_MINUTES[0], THRESHOLDS_MINUTES[-1]))
    within = ranged_figures(ranges[first], basis.name, minutes=first, lang=L, k=basis.k)
    beyond = ranged_figures(ranges[last], basis.name, minutes=last, lang=L, k=basis.k)
    # three figures: the share of the demand within the first threshold, the settlements beyond the last and the
    # demand beyond it, each with its range
    for figure in (within[0], beyond[1], beyond[2]):
        st.metric(figure.label, figure.value)
    area = area_coverage(result, district_id).within[threshold_key(THRESHOLDS_MINUTES[-1])]
    estimated = unknown_population_note(area, minutes=THRESHOLDS_MINUTES[-1], lang=L)  # "2 of 4 estimated"
    st.caption(f"{basis_text(basis, L)}; {estimated}" if estimated else basis_text(basis, L))
    synthetic_banner(region)
    st.html(focus_tag(region, district_id))  # every map fits itself to what this names
    st.html(  # the maps stacked, the current one on top (see below)
        "<style>.st-key-present_map {display: grid !important; grid-template-columns: minmax(0, 1fr);}"
        " .st-key-present_map > * {grid-area: 1 / 1; width: 100%;}"
        " .st-key-present_map [class*=st-key-present_slot_] {visibility: hidden;}"
        f" .st-key-present_map .st-key-present_slot_{position % SLOTS} {{visibility: visible; z-index: 1;}}</style>"
    )
# the current scenario's map and its neighbours', each in slot (index mod SLOTS), stacked: Previous or Next shows
# a map that is already drawn, and only the slot that falls out of reach loads another, out of sight
with map_column.container(key="present_map"):
    slots = [st.container(key=f"present_slot_{slot}") for slot in range(SLOTS)]
for index in sorted({position, position - 1, position + 1} & set(range(len(scenarios))), key=lambda i: i != position):
    with slots[index % SLOTS]:
        st.iframe(_slide(index), height=MAP_MIN_HEIGHT_PX, alt=t("present.map", L))
