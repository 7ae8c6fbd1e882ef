"""Suggested sites: choose a base scenario, a model, K, T, the demand and the candidates; see the picks in order on
a map and in a table; add the chosen ones to the scenario being edited (a new version of it) or save them as a new
scenario (the baseline is read-only). The computing is planning.suggest.

The models are the objects of planning.siting.MODELS: the page reads each one's properties (its texts, whether it
takes K, whether it offers the robust choice) and never its name. Maximal coverage also gives the robust choice
across the seeded draws of the assumptions (planning.robust, issue 19 item 6): how often each site is chosen
("chosen in 184 of 200 draws"), the choice with the most expected covered demand over the draws beside the central
one, and either may be saved."""

import time

import pandas as pd
import streamlit as st

from geo.errors import QorgauError, ValidationError
from geo.settings import DEFAULT_GAP_MINUTES
from pages.auth import guard, incident_level
from pages.language import lang
from pages.need_view import PEOPLE, need_caption, region_rate, suggest_demand
from pages.session import get_region, incidents_here, site_minutes, small_count_k, sticky_value
from pages.widgets import scenario_name_problem, show_map, show_table, synthetic_banner
from planning.baseline import scenario_label
from planning.i18n import fmt_number, format_problem, place_names, t
from planning.markup import markdown_text
from planning.ranges import DEFAULT_ASSUMPTIONS
from planning.render import palette
from planning.render.webmap import add_legend, layer_control_last, numbered_sites_layer, region_map
from planning.robust import BASIS_OF_MODE, RobustSuggestion, robust_suggest
from planning.scenarios import (
    ScenarioConflict,
    ScenarioError,
    ScenarioNameError,
    sites_from_services,
    sites_to_services,
)
from planning.siting import DEFAULT_INCIDENT_WEIGHT, DEFAULT_UNDERREPORTING_FACTOR, DEMAND_MODES, METHODS, MODELS
from planning.store import access
from planning.store.db import default_db_path
from planning.store.scenarios import ScenarioStore, baseline_scenario
from planning.suggest import (
    CANDIDATE_SOURCES,
    DEFAULT_MIN_POPULATION,
    EXACT_GAP_MAX_CANDIDATES,
    candidate_sites,
    pick_table,
    sites_of_picks,
    suggest,
)

RESULT_KEY = "suggest_result"  # st.session_state: (inputs, Suggestion, RobustSuggestion or None); per session only
PICK_COLOUR = palette.SUGGESTED_SITE
ROBUST_COLOUR = palette.OKABE_ITO["orange"]
"""Sites of the robust choice that the central choice does not hold."""
PROGRESS_AFTER_S = 1.0
"""The robust choice shows a progress bar once it has taken this long."""
DEFAULT_ADD = 5
DEFAULT_MINUTES = int(DEFAULT_GAP_MINUTES)
SCENARIO_PICK_KEY = "scen_id"
"""The Scenarios page's scenario selector (pages.scenarios.PICK_KEY): the scenario being edited."""

L = lang()
user = guard("view_scenarios")
region = get_region()
st.title(f"{t('suggest.title', L)}: {markdown_text(region.name(L))}")
synthetic_banner(region)
st.write(t("suggest.intro", L))

# --- inputs ---------------------------------------------------------------------------------------------------------
store = ScenarioStore(default_db_path())
baseline = baseline_scenario(store, region, author=user.username)  # listed once, as the saved scenario it is
scenarios = {s.scenario_id: s for s in store.list_scenarios(region.region_id)}
working = sticky_value(SCENARIO_PICK_KEY)  # the scenario open on the Scenarios page, else the baseline
base_id = st.selectbox(
    t("suggest.base", L),
    list(scenarios),
    index=list(scenarios).index(working if working in scenarios else baseline.scenario_id),
    format_func=lambda i: scenario_label(scenarios[i].name, region, L),
)
base = sites_to_services(scenarios[base_id].sites)
base_name = scenario_label(scenarios[base_id].name, region, L)
st.caption(t("suggest.base_sites", L, n=len(base)))

left, right = st.columns(2)
with left:
    model = st.radio(
        t("suggest.model", L),
        list(MODELS),
        format_func=lambda m: t(MODELS[m].label_key, L),
        help=t("suggest.model_tooltip", L),
    )
    siting_model = MODELS[model]
    st.caption(t(siting_model.help_key, L))
    add = st.number_input(
        t("suggest.add", L),
        min_value=1,
        max_value=100,
        value=DEFAULT_ADD,
        step=1,
        disabled=not siting_model.takes_k,
    )
    minutes = st.number_input(t("suggest.minutes", L), min_value=5, max_value=240, value=DEFAULT_MINUTES, step=5)
    level = incident_level()
    incidents = incidents_here(region) if level is not None else None
    rate = region_rate(region)  # demand = need only where region.json sets a rate with its source
    modes = [m for m in DEMAND_MODES if (m != "need" or rate is not None) and (incidents is not None or m in PEOPLE)]
    demand = suggest_demand(modes, key="suggest_demand", lang=L)  # starts from, and sets, the session's basis
    st.caption(t(f"suggest.demand_help.{demand}", L))
    need_caption(rate, L)
    incident_weight = DEFAULT_INCIDENT_WEIGHT
    underreporting = DEFAULT_UNDERREPORTING_FACTOR
    if demand == "blend":
        incident_weight = st.slider(t("suggest.incident_weight", L), 0.0, 1.0, DEFAULT_INCIDENT_WEIGHT, 0.05)
    if demand in ("incidents", "blend"):
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
    method = st.radio(
        t("suggest.method", L),
        METHODS,
        format_func=lambda m: t(f"suggest.method.{m}", L),
        help=t("suggest.method_tooltip", L),
    )

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
robust_possible = siting_model.robust and demand in BASIS_OF_MODE
robust_on = st.checkbox(
    t("suggest_robust.enable", L, count=DEFAULT_ASSUMPTIONS.draws),
    value=robust_possible,
    disabled=not robust_possible,
    help=t("suggest_robust.enable_help", L),
)
robust_on = robust_on and robust_possible
if not robust_possible:
    st.caption(t("suggest_robust.only_mclp", L))

inputs = (
    region.region_id,
    base_id,
    model,
    int(add) if siting_model.takes_k else None,
    float(minutes),
    demand,
    incident_weight,
    underreporting,
    None if rate is None else rate.per_1000,
    source,
    min_population,
    getattr(upload, "file_id", None),
    every_district,
    method,
    exact_gap,
    robust_on,
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
                add=int(add) if siting_model.takes_k else None,
                demand=demand,
                incidents=incidents,
                incident_weight=incident_weight,
                underreporting_factor=underreporting,
                rate_per_1000=None if rate is None else rate.per_1000,
                method=method,
                every_district=every_district and not region.districts.empty,
                exact_gap=exact_gap,
            )
        robust = None
        if robust_on:
            bar = st.empty()
            started = time.perf_counter()

            def _progress(share: float) -> None:
                if time.perf_counter() - started > PROGRESS_AFTER_S:
                    bar.progress(min(share, 1.0), text=t("suggest_robust.progress", L))

            robust = robust_suggest(
                region,
                base,
                site_minutes(region),
                candidates,
                add=int(add),
                threshold_minutes=float(minutes),
                basis=BASIS_OF_MODE[demand],
                rate=rate,
                incidents=incidents,
                assumptions=DEFAULT_ASSUMPTIONS,
                every_district=every_district and not region.districts.empty,
                central=result.result.chosen,
                progress=_progress,
            )
            bar.empty()
        st.session_state[RESULT_KEY] = (inputs, result, robust)
    except QorgauError as exc:
        st.session_state.pop(RESULT_KEY, None)
        st.error(markdown_text(exc))

# --- result ---------------------------------------------------------------------------------------------------------
stored = st.session_state.get(RESULT_KEY)
if stored is None:
    st.stop()
shown_inputs, result, robust = stored
if shown_inputs != inputs:
    st.info(t("suggest.stale", L))
if shown_inputs[0] != region.region_id:
    st.stop()

st.subheader(t("suggest.result", L))
k = small_count_k()
show_incidents = level == "settlement"
shown_model = result.siting_model
value = (
    result.objective_shown
    if isinstance(result.objective_shown, str)
    else fmt_number(
        result.objective_shown,
        L,
        decimals=0 if shown_model.objective_counts_sites or result.demand.mode != "blend" else 4,
    )
)
st.markdown(t(shown_model.objective_key, L, minutes=result.threshold_minutes, value=value))
if result.method == "exact":
    st.markdown(t("suggest.optimal" if result.status == "optimal" else "suggest.feasible", L))
elif result.gap is not None and result.bound_kind == "optimal" and round(100 * result.gap, 1) == 0:
    st.success(t("suggest.gap_none", L))  # "0,0 %" said in words
elif result.gap is not None and result.bound_kind == "optimal":
    st.success(t("suggest.gap_exact", L, pct=fmt_number(100 * result.gap, L, decimals=1)))
elif result.gap is not None and result.gap != float("inf"):
    st.info(t("suggest.gap_bound", L, pct=fmt_number(100 * result.gap, L, decimals=1)))
else:
    st.info(t("suggest.gap_unknown", L))

table = pick_table(result, show_incidents=show_incidents)
district_label = dict(zip(region.districts["district_id"].astype(str), place_names(region.districts, L)))
place_label = dict(zip(region.settlements["settlement_id"].astype(str), place_names(region.settlements, L)))
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
    table = table.assign(name=[place_label.get(str(i), n) for i, n in zip(table["settlement_id"], table["name"])])
    shown = table.assign(
        district_id=table["district_id"].map(lambda d: district_label.get(d, d or "")),
        gain_people=table["gain_people"].map(lambda v: fmt_number(v, L)),
        gain_objective=table["gain_objective"].map(
            lambda v: v if isinstance(v, str) else fmt_number(v, L, decimals=0 if float(v).is_integer() else 2)
        ),
        place=[
            t("suggest.col.place_value", L, lat=fmt_number(la, L, decimals=4), lon=fmt_number(lo, L, decimals=4))
            for la, lo in zip(table["lat"], table["lon"])
        ],
    )
    labels["place"] = t("suggest.col.place", L)
    if robust is not None:  # "chosen in 184 of 200 draws" for each central pick
        counts = dict(zip(robust.table["settlement_id"], robust.table["draws_chosen"]))
        n_draws = robust.choice.n_draws
        shown["draws"] = [
            t("suggest_robust.chosen", L, n=fmt_number(counts.get(str(i), 0), L), count=n_draws)
            for i in table["settlement_id"]
        ]
        at = list(labels).index("district_id") + 1  # beside the site's name and district
        labels = dict(
            [*list(labels.items())[:at], ("draws", t("suggest_robust.col.draws", L)), *list(labels.items())[at:]]
        )
    shown = shown[[c for c in labels if c in shown.columns]].rename(columns=labels)
    show_table(shown, hide_index=True, width="stretch")

    fmap = region_map(region, lang=L, services=result.base, k=k, network=site_minutes(region).network)
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
    legend = [(PICK_COLOUR, t("suggest.legend_pick", L))]
    extra = [] if robust is None else [p for p in robust.picks if p.settlement_id not in set(table["settlement_id"])]
    if robust is not None and extra:
        counts = dict(zip(robust.table["settlement_id"], robust.table["draws_chosen"]))
        chosen_text = [
            t("suggest_robust.chosen", L, n=fmt_number(counts[p.settlement_id], L), count=robust.choice.n_draws)
            for p in extra
        ]
        numbered_sites_layer(
            [p.lat for p in extra],
            [p.lon for p in extra],
            [p.order for p in extra],
            [f"{p.order}. {place_label.get(p.settlement_id, p.name)}: {c}" for p, c in zip(extra, chosen_text)],
            name=t("suggest_robust.legend", L),
            colour=ROBUST_COLOUR,
        ).add_to(fmap)
        legend.append((ROBUST_COLOUR, t("suggest_robust.legend", L)))
    layer_control_last(fmap)
    add_legend(fmap, legend, lang=L)
    show_map(fmap, key="suggest_map")


def robust_section(robust: RobustSuggestion) -> None:
    """The robust choice beside the central one: the model in words, their expected covered demand over the
    draws, and each site's count of draws."""
    st.subheader(t("suggest_robust.title", L))
    assumptions = robust.assumptions
    st.caption(
        t(
            "suggest_robust.model",
            L,
            draws=fmt_number(robust.choice.n_draws, L),
            low=fmt_number(100 * assumptions.speed_low, L),
            high=fmt_number(100 * assumptions.speed_high, L),
            minutes=result.threshold_minutes,
            compared=fmt_number(robust.choice.n_compared, L),
            seed=str(assumptions.seed),
        )
    )
    if robust.central_mean is not None and robust.robust_mean is not None:
        left, right = st.columns(2)
        left.metric(
            t(f"suggest_robust.expected_central.{robust.basis}", L, minutes=result.threshold_minutes),
            fmt_number(robust.central_mean, L),
        )
        difference = robust.robust_mean - robust.central_mean
        right.metric(
            t(f"suggest_robust.expected_robust.{robust.basis}", L, minutes=result.threshold_minutes),
            fmt_number(robust.robust_mean, L),
            delta=f"+{fmt_number(difference, L)}" if round(difference) > 0 else None,
        )
    else:
        st.caption(t("suggest_robust.hidden", L))
    if set(robust.choice.best) == set(robust.choice.central):
        st.success(t("suggest_robust.same", L))
    else:
        st.info(t("suggest_robust.differs", L))
    rows = robust.table
    frame = {
        t("suggest.col.name", L): [place_label.get(i, n) for i, n in zip(rows["settlement_id"], rows["name"])],
        t("suggest.col.district", L): [district_label.get(d, d or "") for d in rows["district_id"]],
        t("suggest_robust.col.draws", L): [
            t("suggest_robust.chosen", L, n=fmt_number(n, L), count=robust.choice.n_draws) for n in rows["draws_chosen"]
        ],
        t("suggest_robust.col.central", L): ["✓" if v else "" for v in rows["central"]],
        t("suggest_robust.col.robust", L): ["✓" if v else "" for v in rows["robust"]],
    }
    show_table(pd.DataFrame(frame), hide_index=True, width="stretch")


if robust is not None:
    robust_section(robust)

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

# --- add to the scenario being edited, or save as a new scenario ---------------------------------------------------
if table.empty:
    st.stop()
if not access.can(user.role, "edit_scenarios"):
    st.info(t("suggest.save_needs_edit", L))
    st.stop()
which = "central"
if robust is not None and set(robust.choice.best) != set(robust.choice.central):
    which = st.radio(
        t("suggest_robust.which", L),
        ["central", "robust"],
        format_func=lambda w: t(f"suggest_robust.which.{w}", L),
        horizontal=True,
        key=f"suggest_which_{abs(hash(shown_inputs))}",
    )
picks = robust.picks if which == "robust" and robust is not None else result.picks
pick_labels = {p.order: f"{p.order}. {place_label.get(p.settlement_id, p.name)}" for p in picks}
orders = st.multiselect(
    t("suggest_add.chosen", L),
    list(pick_labels),
    default=list(pick_labels),
    format_func=pick_labels.__getitem__,
    key=f"suggest_chosen_{which}_{abs(hash(shown_inputs))}",
    placeholder=t("suggest_add.choose", L),
)
picked = [p for p in picks if p.order in set(orders)]
target = scenarios.get(shown_inputs[1])  # the scenario the suggestion was made for
target_name = base_name if target is None else scenario_label(target.name, region, L)
if target is None or target.baseline:
    st.caption(t("suggest_add.baseline", L, name=markdown_text(target_name)))
elif st.button(
    t("suggest_add.add", L, count=len(orders), name=markdown_text(target_name)),
    key="suggest_add",
    type="primary",
    disabled=not orders,
):
    latest = store.load(target.scenario_id)  # the newest version: the sites are added on top of it
    sites = sites_of_picks(latest.sites, picked, name_prefix=t("suggest.site_prefix", L))
    added = len(sites) - len(latest.sites)
    if not added:
        st.info(t("suggest_add.already", L, name=markdown_text(target_name)))
    else:
        try:
            saved = store.save(target.scenario_id, sites, author=user.username, base_version=latest.version)
        except ScenarioConflict:
            st.error(t("suggest_add.conflict", L, name=markdown_text(target_name)))
        except ScenarioError:  # archived meanwhile
            st.error(t("scen_safety.archived_meanwhile", L, name=markdown_text(target.name)))
        else:
            st.success(t("suggest_add.added", L, count=added, name=markdown_text(target_name), version=saved.version))
with st.form("save_suggestion"):
    name_key = "suggest_robust.default_name" if which == "robust" else "suggest.default_name"
    default_name = t(name_key, L, base=target_name, count=len(orders) or len(picks))
    name = st.text_input(t("suggest.save_name", L), value=default_name)
    save_label = "suggest_add.copy_new" if target is None or target.baseline else "suggest_add.save_new"
    if st.form_submit_button(t(save_label, L, name=markdown_text(target_name)), disabled=not orders):
        sites = sites_of_picks(sites_from_services(result.base), picked, name_prefix=t("suggest.site_prefix", L))
        try:
            saved = store.create(name.strip() or default_name, region.region_id, sites, author=user.username)
        except ScenarioNameError as exc:  # names are unique per region
            st.error(scenario_name_problem(exc))
        else:
            st.success(t("suggest.saved", L, name=markdown_text(saved.name), count=len(saved.sites)))
