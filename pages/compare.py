"""Compare: two scenarios side by side, with their differences and one sentence on what the second buys; each
scenario's headline figures on the session's demand basis with their ranges (pages.need_view)."""

import math

import pandas as pd
import streamlit as st

from pages.auth import guard, incident_level
from pages.language import lang
from pages.need_view import assumptions_caption, basis_text, choose_basis, need_caption, session_ranges
from pages.session import current_profile, get_region, incidents_here, site_minutes, small_count_k, sticky_value
from pages.widgets import show_map, show_table, synthetic_banner
from planning.analysis import evaluate
from planning.baseline import scenario_label
from planning.beyond import display
from planning.coverage import changed_settlements, compare, default_threshold_index, threshold_key
from planning.i18n import fmt_count, fmt_minutes, fmt_number, place_names, t
from planning.markup import markdown_text
from planning.render.gapmap import district_names, scenario_map, shown_incidents
from planning.render.population_text import population_share_text
from planning.render.report import comparison_sentence, ranged_figures
from planning.scenarios import sites_to_services
from planning.store.db import default_db_path
from planning.store.scenarios import ScenarioStore, baseline_scenario

SCENARIO_PICK_KEY = "scen_id"
"""The Scenarios page's scenario selector (pages.scenarios.PICK_KEY): the scenario being worked on."""
RESULTS_KEY = "_scen_results"
"""Shared with the scenarios page: evaluated scenarios of this session (incident-derived: session state only)."""

L = lang()
user = guard("view_scenarios")
level = incident_level()
region = get_region()
k = small_count_k()
st.title(f"{t('cmp.title', L)}: {markdown_text(region.name(L))}")
synthetic_banner(region)

store = ScenarioStore(default_db_path())
baseline = baseline_scenario(store, region, author=user.username)
scenarios = store.list_scenarios(region.region_id)
if len(scenarios) < 2:
    st.info(t("cmp.need_two", L))
    st.stop()
by_id = {s.scenario_id: s for s in scenarios}
ids = list(by_id)
others = [i for i in ids if i != baseline.scenario_id]
# A: the baseline, the official plan. B: the scenario open on the Scenarios page, else the only other one; with
# several others and none open, the reader chooses (never silently the newest).
working = sticky_value(SCENARIO_PICK_KEY)
default_b = working if working in others else others[0] if len(others) == 1 else None
left, right, middle = st.columns([2, 2, 1])
label = {i: scenario_label(s.name, region, L) for i, s in by_id.items()}  # the baseline's name in this language
id_a = left.selectbox(t("cmp.a", L), ids, index=ids.index(baseline.scenario_id), format_func=label.get, key="cmp_a")
id_b = right.selectbox(
    t("cmp.b", L),
    ids,
    index=None if default_b is None else ids.index(default_b),
    format_func=label.get,
    key="cmp_b",
    placeholder=t("scen_base.choose_b", L),
)
if id_b is None:
    st.info(t("scen_base.choose_b_info", L, name=markdown_text(label[id_a])))
    st.stop()
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
step = middle.radio(
    t("cmp.threshold", L),
    list(steps),
    index=default_threshold_index(steps),
    format_func=threshold_key,
    key="cmp_minutes",
)
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
    return fmt_minutes(value, L) if math.isfinite(value) else t("scen.unreachable", L)


def _delta(difference: float, decimals: int = 0, *, inverse: bool = False) -> dict:
    """``st.metric``'s delta options for a change of ``difference``: an arrow in green or red, or, when the change
    shows as zero at ``decimals``, a neutral grey 0 without an arrow."""
    if round(difference, decimals) == 0:
        return dict(delta=fmt_number(0, L, decimals=decimals), delta_color="off", delta_arrow="off")
    return dict(delta=fmt_number(difference, L, decimals=decimals), delta_color="inverse" if inverse else "normal")


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
            **(_delta(people.difference) if is_b else {}),
        )
        cols[0].caption(population_share_text(figures, minutes=step, lang=L))
        cols[1].metric(
            t("scen.settlements_covered", L),
            fmt_number(figures.settlements_covered, L),
            **(_delta(places.difference) if is_b else {}),
        )
        if level:
            cols[2].metric(t("scen.incidents_covered", L), fmt_count(incident_figures.region_covered[key], L))
        cols = st.columns(2)
        median = comparison.median_minutes
        cols[0].metric(
            t("scen.median", L),
            _minutes(result.coverage.region.median_minutes),
            **(_delta(median.difference, 1, inverse=True) if is_b and math.isfinite(median.difference) else {}),
            help=t("scen.median_help", L),
        )
        cols[1].metric(t("scen.p90", L), _minutes(result.coverage.region.p90_minutes), help=t("scen.p90_help", L))

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

st.subheader(t("cmp.ranges", L))
basis = choose_basis(region, key="cmp_basis", lang=L)
if basis.name == "need":
    need_caption(basis.rate, L)
ranged = [
    ranged_figures(
        session_ranges(region, r.nearest.minutes, basis, thresholds=(step,))[key],
        basis.name,
        minutes=key,
        lang=L,
        k=basis.k,
    )
    for r in (result_a, result_b)
]
show_table(  # a data grid: st.table would render Markdown in the scenario names of its header
    pd.DataFrame(
        {
            t("report.col_figure", L): [f.label for f in ranged[0]],
            label[id_a]: [f.value for f in ranged[0]],
            label[id_b]: [f.value for f in ranged[1]],
        }
    ).set_index(t("report.col_figure", L))
)
st.caption(basis_text(basis, L))
assumptions_caption(region, basis, L)

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
    row[t("population.col_unknown", L)] = area.within[key].settlements_without_known_population if area else None
    if level:
        label = t("scen.col_incidents_within", L, minutes=key)
        row[t("cmp.col_a", L, what=label)] = shown[0].covered[key][district]
        row[t("cmp.col_b", L, what=label)] = shown[1].covered[key][district]
    rows.append(row)
show_table(display(pd.DataFrame(rows), lang=L), hide_index=True)  # figures grouped as the language groups them

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
    show_table(display(table, lang=L), hide_index=True)
