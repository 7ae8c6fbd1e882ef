"""Compare: two scenarios side by side, with their differences and one sentence on what the second buys."""

import math

import pandas as pd
import streamlit as st

from pages.common import (
    current_profile,
    get_region,
    guard,
    incident_level,
    incidents_here,
    lang,
    show_map,
    show_table,
    site_minutes,
    small_count_k,
    synthetic_banner,
)
from planning.analysis import evaluate
from planning.baseline import scenario_label
from planning.coverage import changed_settlements, compare, threshold_key
from planning.i18n import fmt_count, fmt_number, place_names, t
from planning.markup import markdown_text
from planning.render.gapmap import district_names, scenario_map, shown_incidents
from planning.render.report import comparison_sentence
from planning.scenarios import sites_to_services
from planning.store.db import default_db_path
from planning.store.population import population_share_text
from planning.store.scenarios import ScenarioStore

RESULTS_KEY = "_scen_results"
"""Shared with the scenarios page: evaluated scenarios of this session (incident-derived: session state only)."""

L = lang()
user = guard("view_scenarios")
level = incident_level()
region = get_region()
k = small_count_k()
st.title(f"{t('cmp.title', L)}: {markdown_text(region.name(L))}")
synthetic_banner(region)

scenarios = ScenarioStore(default_db_path()).list_scenarios(region.region_id)
if len(scenarios) < 2:
    st.info(t("cmp.need_two", L))
    st.stop()
by_id = {s.scenario_id: s for s in scenarios}
ids = list(by_id)
left, right, middle = st.columns([2, 2, 1])
label = {i: scenario_label(s.name, region, L) for i, s in by_id.items()}  # the baseline's name in this language
id_a = left.selectbox(t("cmp.a", L), ids, index=0, format_func=label.get, key="cmp_a")
id_b = right.selectbox(t("cmp.b", L), ids, index=len(ids) - 1, format_func=label.get, key="cmp_b")
a, b = by_id[id_a], by_id[id_b]

results = st.session_state.setdefault(RESULTS_KEY, {})
minutes_table = site_minutes(region)
incidents = incidents_here(region)


def evaluated(scenario):
    key = (region.region_id, scenario.scenario_id, scenario.version, current_profile().cache_key())
    if key not in results:
        results[key] = evaluate(region, sites_to_services(scenario.sites), minutes_table, incidents=incidents)
    return results[key]


result_a, result_b = evaluated(a), evaluated(b)
steps = result_a.coverage.thresholds_minutes
step = middle.radio(t("cmp.threshold", L), list(steps), format_func=threshold_key, key="cmp_minutes")
key = threshold_key(step)
comparison = compare(result_a.coverage, result_b.coverage)

st.success(
    comparison_sentence(
        result_a,
        result_b,
        name_a=markdown_text(label[id_a]),
        name_b=markdown_text(label[id_b]),
        lang=L,
        threshold_minutes=step,
    )
)


def _minutes(value: float) -> str:
    return fmt_number(value, L, decimals=1) if math.isfinite(value) else t("scen.unreachable", L)


within = comparison.within[key]
shown = [shown_incidents(r.coverage) for r in (result_a, result_b)]
# the two maps first (in the first screen, in a row of their own so that they start at the same height), each
# scenario's figures under its map
map_columns = st.columns(2)
for column, scenario, result, incident_figures, is_b in zip(
    st.columns(2), (a, b), (result_a, result_b), shown, (False, True)
):
    figures = result.coverage.region.within[key]
    with column:
        st.markdown(f"**{markdown_text(label[scenario.scenario_id])}**")
        cols = st.columns(3 if level else 2)
        people, places = within.figures["population_covered"], within.figures["settlements_covered"]
        cols[0].metric(
            t("scen.population_covered", L),
            fmt_number(figures.population_covered, L),
            delta=fmt_number(people.difference, L) if is_b else None,
        )
        cols[0].caption(population_share_text(figures, minutes=step, lang=L))
        cols[1].metric(
            t("scen.settlements_covered", L),
            fmt_number(figures.settlements_covered, L),
            delta=fmt_number(places.difference, L) if is_b else None,
        )
        if level:
            cols[2].metric(t("scen.incidents_covered", L), fmt_count(incident_figures.region_covered[key], L))
        cols = st.columns(2)
        median = comparison.median_minutes
        cols[0].metric(
            t("scen.median", L),
            _minutes(result.coverage.region.median_minutes),
            delta=_minutes(median.difference) if is_b and math.isfinite(median.difference) else None,
            delta_color="inverse",
        )
        cols[1].metric(t("scen.p90", L), _minutes(result.coverage.region.p90_minutes))

for column, scenario, result, is_b in zip(map_columns, (a, b), (result_a, result_b), (False, True)):
    with column:
        st.markdown(f"**{markdown_text(label[scenario.scenario_id])}**")
        show_map(
            scenario_map(
                region,
                sites_to_services(scenario.sites),
                result.coverage,
                threshold_minutes=step,
                lang=L,
                k=k,
                network=minutes_table.network,
            ),
            key=f"cmp_map_{int(is_b)}",
        )

st.subheader(t("cmp.districts", L))
names = district_names(region, L)
rows = []
for district, changes in within.districts.items():
    row = {t("field.district", L): names.get(district, district)}
    for figure, label in (
        ("population_covered", t("scen.col_population_within", L, minutes=key)),
        ("settlements_covered", t("scen.col_settlements_within", L, minutes=key)),
    ):
        change = changes[figure]
        row[t("cmp.col_a", L, what=label)] = change.a
        row[t("cmp.col_b", L, what=label)] = change.b
        row[t("cmp.col_difference", L, what=label)] = change.difference
    area = result_a.coverage.districts.get(district)
    row[t("population.col_unknown", L)] = area.within[key].settlements_unknown_population if area else None
    if level:
        label = t("scen.col_incidents_within", L, minutes=key)
        row[t("cmp.col_a", L, what=label)] = shown[0].covered[key][district]
        row[t("cmp.col_b", L, what=label)] = shown[1].covered[key][district]
    rows.append(row)
show_table(pd.DataFrame(rows), hide_index=True)

st.subheader(t("cmp.changes", L))
changed = changed_settlements(region.settlements, comparison, threshold_minutes=step)
if changed.empty:
    st.caption(t("cmp.no_changes", L))
else:
    rows = pd.Index(region.settlements["settlement_id"]).get_indexer(changed["settlement_id"])
    all_names = place_names(region.settlements, L)
    table = pd.DataFrame(
        {
            t("field.name", L): [all_names[i] for i in rows],
            t("field.district", L): [names.get(d, d) if isinstance(d, str) else "" for d in changed["district_id"]],
            t("cmp.change", L): [t(f"cmp.{c}", L) for c in changed["change"]],
            t("cmp.minutes_a", L): [_minutes(m) for m in changed["minutes_a"]],
            t("cmp.minutes_b", L): [_minutes(m) for m in changed["minutes_b"]],
            t("field.population", L): changed["population"].to_numpy(),
        }
    )
    show_table(table, hide_index=True)
