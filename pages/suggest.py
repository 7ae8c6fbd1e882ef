"""Suggested sites: choose a base scenario, a model, K, T, the demand and the candidates; see the picks in order on
a map and in a table; save them as a new scenario. The computing is planning.suggest."""

import streamlit as st

from geo.errors import QorgauError, ValidationError
from pages.common import (
    get_region,
    guard,
    incident_level,
    incidents_here,
    lang,
    scenario_name_problem,
    show_map,
    show_table,
    site_minutes,
    small_count_k,
    synthetic_banner,
)
from planning.baseline import baseline_name, current_services, scenario_label, services_are_baseline
from planning.i18n import fmt_number, format_problem, place_names, t
from planning.markup import markdown_text
from planning.render import palette
from planning.render.webmap import add_legend, layer_control_last, numbered_sites_layer, region_map
from planning.scenarios import ScenarioNameError, sites_from_services, sites_to_services
from planning.siting import DEFAULT_INCIDENT_WEIGHT, DEFAULT_UNDERREPORTING_FACTOR, DEMAND_MODES, METHODS, MODELS
from planning.store import access
from planning.store.db import default_db_path
from planning.store.scenarios import ScenarioStore
from planning.suggest import (
    CANDIDATE_SOURCES,
    DEFAULT_MIN_POPULATION,
    EXACT_GAP_MAX_CANDIDATES,
    candidate_sites,
    pick_table,
    suggest,
    suggested_sites,
)

RESULT_KEY = "suggest_result"  # st.session_state: (inputs, Suggestion); incident-derived, so per session only
PICK_COLOUR = palette.SUGGESTED_SITE
DEFAULT_ADD = 5
DEFAULT_MINUTES = 30

L = lang()
user = guard("view_scenarios")
region = get_region()
st.title(f"{t('suggest.title', L)}: {markdown_text(region.name(L))}")
synthetic_banner(region)
st.write(t("suggest.intro", L))

# --- inputs ---------------------------------------------------------------------------------------------------------
store = ScenarioStore(default_db_path())
scenarios = {s.scenario_id: s for s in store.list_scenarios(region.region_id)}
current_label = (
    baseline_name(region, L) if region.services.empty or services_are_baseline(region) else t("suggest.base_current", L)
)
base_id = st.selectbox(
    t("suggest.base", L),
    [None, *scenarios],
    format_func=lambda i: current_label if i is None else scenario_label(scenarios[i].name, region, L),
)
base = current_services(region) if base_id is None else sites_to_services(scenarios[base_id].sites)
base_name = current_label if base_id is None else scenario_label(scenarios[base_id].name, region, L)
st.caption(t("suggest.base_sites", L, n=len(base)))

left, right = st.columns(2)
with left:
    model = st.radio(t("suggest.model", L), MODELS, format_func=lambda m: t(f"suggest.model.{m}", L), horizontal=True)
    st.caption(t(f"suggest.model_help.{model}", L))
    add = st.number_input(
        t("suggest.add", L), min_value=1, max_value=100, value=DEFAULT_ADD, step=1, disabled=model == "lscp"
    )
    minutes = st.number_input(t("suggest.minutes", L), min_value=5, max_value=240, value=DEFAULT_MINUTES, step=5)
    level = incident_level()
    incidents = incidents_here(region) if level is not None else None
    modes = list(DEMAND_MODES) if incidents is not None else ["population"]
    demand = st.radio(t("suggest.demand", L), modes, format_func=lambda m: t(f"suggest.demand.{m}", L), horizontal=True)
    st.caption(t(f"suggest.demand_help.{demand}", L))
    incident_weight = DEFAULT_INCIDENT_WEIGHT
    underreporting = DEFAULT_UNDERREPORTING_FACTOR
    if demand == "blend":
        incident_weight = st.slider(t("suggest.incident_weight", L), 0.0, 1.0, DEFAULT_INCIDENT_WEIGHT, 0.05)
    if demand != "population":
        underreporting = st.number_input(
            t("suggest.underreporting", L), min_value=1.0, max_value=20.0, value=DEFAULT_UNDERREPORTING_FACTOR, step=0.5
        )
with right:
    source = st.radio(
        t("suggest.candidates", L), CANDIDATE_SOURCES, format_func=lambda s: t(f"suggest.candidates.{s}", L)
    )
    min_population = DEFAULT_MIN_POPULATION
    upload = None
    if source == "population":
        min_population = st.number_input(
            t("suggest.min_population", L), min_value=0, value=DEFAULT_MIN_POPULATION, step=500
        )
    elif source == "upload":
        upload = st.file_uploader(t("suggest.upload", L), type=["csv", "xlsx"])
    every_district = st.checkbox(t("suggest.every_district", L), disabled=region.districts.empty)
    if region.districts.empty:
        st.caption(t("suggest.no_districts", L))
    method = st.radio(t("suggest.method", L), METHODS, format_func=lambda m: t(f"suggest.method.{m}", L))

candidates = None
candidate_notes = []
if source == "upload" and upload is None:
    st.info(t("suggest.upload_first", L))
else:
    try:
        candidates = candidate_sites(
            region,
            source=source,
            min_population=min_population,
            upload=None if upload is None else upload.getvalue(),
            upload_name=getattr(upload, "name", "candidates.csv"),
            notes=candidate_notes,
        )
    except QorgauError as exc:
        st.error(
            "  \n".join(markdown_text(format_problem(p, L)) for p in exc.problems)
            if isinstance(exc, ValidationError)
            else markdown_text(exc)
        )
if candidates is not None:
    st.caption(t("suggest.candidate_count", L, n=len(candidates)))
    for note in candidate_notes:  # e.g. which column of the upload was read as the id
        st.text(format_problem(note, L))  # text, not Markdown: it quotes the file's headers
exact_gap = method == "greedy" and st.checkbox(
    t("suggest.exact_gap", L), value=candidates is not None and len(candidates) <= EXACT_GAP_MAX_CANDIDATES
)

inputs = (
    region.region_id,
    base_id,
    model,
    None if model == "lscp" else int(add),
    float(minutes),
    demand,
    incident_weight,
    underreporting,
    source,
    min_population,
    getattr(upload, "file_id", None),
    every_district,
    method,
    exact_gap,
)
if st.button(t("suggest.run", L), type="primary", disabled=candidates is None):
    try:
        with st.spinner(t("suggest.run", L)):
            result = suggest(
                region,
                base,
                site_minutes(region),
                candidates,
                model=model,
                threshold_minutes=float(minutes),
                add=None if model == "lscp" else int(add),
                demand=demand,
                incidents=incidents,
                incident_weight=incident_weight,
                underreporting_factor=underreporting,
                method=method,
                every_district=every_district and not region.districts.empty,
                exact_gap=exact_gap,
            )
        st.session_state[RESULT_KEY] = (inputs, result)
    except QorgauError as exc:
        st.session_state.pop(RESULT_KEY, None)
        st.error(markdown_text(exc))

# --- result ---------------------------------------------------------------------------------------------------------
stored = st.session_state.get(RESULT_KEY)
if stored is None:
    st.stop()
shown_inputs, result = stored
if shown_inputs != inputs:
    st.info(t("suggest.stale", L))
if shown_inputs[0] != region.region_id:
    st.stop()

st.subheader(t("suggest.result", L))
k = small_count_k()
show_incidents = level == "settlement"
value = (
    result.objective_shown
    if isinstance(result.objective_shown, str)
    else fmt_number(
        result.objective_shown, L, decimals=0 if result.model == "lscp" or result.demand.mode != "blend" else 4
    )
)
st.markdown(t(f"suggest.objective.{result.model}", L, minutes=result.threshold_minutes, value=value))
if result.method == "exact":
    st.markdown(t("suggest.optimal" if result.status == "optimal" else "suggest.feasible", L))
elif result.gap is not None and result.bound_kind == "optimal":
    st.success(t("suggest.gap_exact", L, pct=fmt_number(100 * result.gap, L, decimals=1)))
elif result.gap is not None and result.gap != float("inf"):
    st.info(t("suggest.gap_bound", L, pct=fmt_number(100 * result.gap, L, decimals=1)))
else:
    st.info(t("suggest.gap_unknown", L))

table = pick_table(result, show_incidents=show_incidents)
districts = region.districts.drop(columns="geometry").set_index("district_id")
district_label = {d: row.get(f"name_{L}") or row.get("name_ru") or d for d, row in districts.iterrows()}
if table.empty:
    st.info(t("suggest.nothing", L))
else:
    labels = {
        "order": t("suggest.col.order", L),
        "name": t("suggest.col.name", L),
        "district_id": t("suggest.col.district", L),
        "gain_people": t("suggest.col.gain_people", L, minutes=result.threshold_minutes),
        "gain_incidents": t("suggest.col.gain_incidents", L, minutes=result.threshold_minutes),
        "gain_settlements": t("suggest.col.gain_settlements", L),
        "gain_objective": t("suggest.col.gain_objective", L),
    }
    shown = table.assign(
        district_id=table["district_id"].map(lambda d: district_label.get(d, d or "")),
        gain_people=table["gain_people"].map(lambda v: fmt_number(v, L)),
    )
    shown = shown[[c for c in labels if c in shown.columns] + ["lat", "lon"]].rename(columns=labels)
    show_table(shown, hide_index=True, width="stretch")

    fmap = region_map(region, lang=L, services=result.base, k=k)
    tooltips = [
        t("suggest.pick_tooltip", L, order=str(row.order), name=row.name, count=row.gain_people)
        + (
            t("suggest.pick_tooltip_incidents", L, incidents=row.gain_incidents)
            if "gain_incidents" in table.columns
            else ""
        )
        for row in table.itertuples(index=False)
    ]
    numbered_sites_layer(
        table["lat"], table["lon"], table["order"], tooltips, name=t("suggest.legend_pick", L), colour=PICK_COLOUR
    ).add_to(fmap)
    layer_control_last(fmap)
    add_legend(fmap, [(PICK_COLOUR, t("suggest.legend_pick", L))], lang=L)
    show_map(fmap, key="suggest_map")

if result.unreachable:
    names = region.settlements.set_index("settlement_id").loc[list(result.unreachable)]
    with st.expander(t("suggest.unreachable", L, minutes=result.threshold_minutes, n=len(result.unreachable))):
        st.write(markdown_text(", ".join(place_names(names.reset_index(), L))))
if result.districts_without_candidates:
    st.warning(
        t(
            "suggest.no_candidate_districts",
            L,
            names=markdown_text(", ".join(str(district_label.get(d, d)) for d in result.districts_without_candidates)),
        )
    )
if result.demand.unknown_population:
    st.caption(t("suggest.unknown_population", L, n=result.demand.unknown_population))
st.caption(t("suggest.travel_times", L, description=site_minutes(region).describe(L)))

# --- save -----------------------------------------------------------------------------------------------------------
if table.empty:
    st.stop()
if not access.can(user.role, "edit_scenarios"):
    st.info(t("suggest.save_needs_edit", L))
    st.stop()
with st.form("save_suggestion"):
    name = st.text_input(
        t("suggest.save_name", L), value=t("suggest.default_name", L, base=base_name, count=len(table))
    )
    if st.form_submit_button(t("suggest.save", L)):
        sites = suggested_sites(sites_from_services(result.base), result, name_prefix=t("suggest.site_prefix", L))
        try:
            saved = store.create(
                name.strip() or t("suggest.default_name", L, base=base_name, count=len(table)),
                region.region_id,
                sites,
                author=user.username,
            )
        except ScenarioNameError as exc:  # names are unique per region
            st.error(scenario_name_problem(exc))
        else:
            st.success(t("suggest.saved", L, name=markdown_text(saved.name), count=len(saved.sites)))
