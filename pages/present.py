"""Presentation mode: the map full width with isochrone bands and gaps, a few large figures, no editing controls.

Step from one scenario to the next (baseline → current → saved scenarios) with Previous/Next. Incident figures at
the region or district level only, suppressed below the small-count threshold.
"""

import streamlit as st

from pages.common import (
    bands,
    get_region,
    guard,
    incidents_here,
    lang,
    show_map,
    site_minutes,
    small_count_k,
    synthetic_banner,
)
from planning.analysis import evaluate
from planning.baseline import baseline_name, baseline_services, current_services, scenario_label, services_are_baseline
from planning.i18n import t
from planning.markup import markdown_text
from planning.render.exports import scenario_map
from planning.render.report import area_label, key_figures
from planning.scenarios import sites_to_services
from planning.store.db import default_db_path
from planning.store.scenarios import ScenarioStore

L = lang()
guard("view_scenarios")
region = get_region()
st.markdown(
    "<style>[data-testid=stSidebar], [data-testid=stHeader], [data-testid=stToolbar] {display: none;}"
    " .block-container {padding-top: 1rem; max-width: 100%;}</style>",
    unsafe_allow_html=True,
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


left, middle, right, district_column = st.columns([1, 3, 1, 3])
left.button(t("present.previous", L), width="stretch", disabled=position == 0, on_click=_step, args=(-1,))
right.button(t("present.next", L), width="stretch", disabled=position == len(scenarios) - 1, on_click=_step, args=(1,))
name, services = scenarios[position]
middle.markdown(
    f"### {markdown_text(name)}  \n{t('present.step', L, position=str(position + 1), total=str(len(scenarios)))}"
)
district_ids = [None] + [str(d) for d in region.districts["district_id"]]
district_id = district_column.selectbox(
    t("present.district", L),
    district_ids,
    key="present_district",
    format_func=lambda d: t("report.whole_region", L) if d is None else area_label(region, d, L),
)

st.page_link("pages/home.py", label=t("nav.home", L), icon=":material/home:")  # the way out: no sidebar here
st.title(markdown_text(area_label(region, district_id, L)))
synthetic_banner(region)
table = site_minutes(region)
result = evaluate(region, services, table, incidents=incidents_here(region))
figures = key_figures(result, district_id=district_id, lang=L)
for column, figure in zip(st.columns(len(figures)), figures):
    column.metric(figure.label, figure.value, help=figure.detail)
    column.caption(figure.detail)
fmap = scenario_map(
    region,
    result,
    bands=bands(region, services, table),
    lang=L,
    k=small_count_k(),
    method_description=table.describe(L),
    district_id=district_id,
)
show_map(fmap, key=f"present_map_{position}")
