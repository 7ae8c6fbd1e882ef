"""Scenarios: pick, create and edit a placement of services; its coverage, gaps and map."""

import math
from typing import NoReturn

import pandas as pd
import streamlit as st

from geo.errors import ValidationError
from pages.auth import guard, incident_level
from pages.beyond_view import district_section, draw_route, gap_section, village_panel
from pages.language import lang
from pages.need_view import ranged_section
from pages.session import (
    current_profile,
    get_region,
    incidents_here,
    set_sticky,
    site_minutes,
    small_count_k,
    sticky_selectbox,
    sticky_value,
)
from pages.widgets import (
    download,
    scenario_name_problem,
    session_layers,
    show_layered_map,
    show_table,
    synthetic_banner,
)
from planning.analysis import evaluate
from planning.baseline import scenario_label
from planning.coverage import default_threshold_index, estimated_sentence, threshold_key
from planning.i18n import fmt_count, fmt_minutes, fmt_number, format_problem, made_name, place_names, t
from planning.markup import markdown_text
from planning.render.gapmap import district_names, scenario_overlay, shown_incidents
from planning.render.population_text import population_share_text
from planning.render.webmap import region_base, region_base_key
from planning.scenarios import (
    MAX_SCENARIO_NAME_CHARS,
    NEW_SITE_ID_PREFIX,
    BaselineReadOnly,
    Edit,
    Scenario,
    ScenarioConflict,
    ScenarioError,
    ScenarioNameError,
    Site,
    apply_edit,
    export_csv,
    free_scenario_name,
    free_site_id,
    import_csv,
    sites_to_services,
)
from planning.store import access
from planning.store.db import default_db_path
from planning.store.scenarios import ScenarioStore, baseline_scenario

MAP_KEY = "scen_map"
LAST_CLICK_KEY = "_scen_last_click"
RESULTS_KEY = "_scen_results"
"""Evaluated scenarios of this session, by (scenario id, version): incident-derived, so session state only."""
PICK_KEY = "scen_id"
"""The scenario selector; its choice is kept by id (pages.session.sticky_selectbox) until the user picks another."""
BASE_KEY = "_scen_base"
"""(scenario id, version) the editor is working from: every save names it, so nobody's save is dropped."""
CONFLICT_KEY = "_scen_conflict"
"""A change refused because someone saved meanwhile: {"scenario_id", "edit" (None for an undo), "error"}."""
NOTICE_KEY = "_scen_notice"
"""A message to show once after the rerun that follows a change: (st function name, text)."""
CREATE_GEN_KEY = "_scen_create_gen"
"""Generation of the new-scenario form: each form instance creates at most one scenario (a second submit of
the same form, e.g. Enter and then the button, finds no widget and does nothing)."""
IMPORT_NOTES_KEY = "_scen_import_notes"
"""Which column of an imported file was read as what, shown on the run after the import."""
CLICK_FOR_KEY = "_scen_click_for"
"""The scenario the map's click mode was chosen on: on another one, a click inspects until "adds" is chosen again."""
DEFAULT_REACH_MINUTES = 60.0

L = lang()
user = guard("view_scenarios")
may_edit = access.can(user.role, "edit_scenarios")
level = incident_level()
region = get_region()
k = small_count_k()
st.title(f"{t('scen.title', L)}: {markdown_text(region.name(L))}")
synthetic_banner(region)

store = ScenarioStore(default_db_path())
baseline_scenario(store, region, author=user.username)  # made on first use; read-only
scenarios = store.list_scenarios(region.region_id)


def label(scenario) -> str:
    """The scenario's name as this reader sees it (the baseline's in their language)."""
    return scenario_label(scenario.name, region, L)


def notice(kind: str, text: str) -> NoReturn:
    """Rerun, then show ``text`` once (``kind``: success, info, warning or error)."""
    st.session_state[NOTICE_KEY] = (kind, text)
    st.rerun()


def when(saved_at: str) -> str:
    """An ISO 8601 UTC time as ``2024-05-01 14:03 UTC``."""
    return f"{saved_at[:16].replace('T', ' ')} UTC"


def saved_since(key: str, newest: Scenario, version: int) -> str:
    """The message ``key`` about ``newest``: who saved it after ``version`` (each once, oldest first) and when the
    last of them did."""
    later = store.history(newest.scenario_id)[version:]
    who = ", ".join(dict.fromkeys(v.author or t("scen_safety.someone", L) for v in later))
    return t(
        key,
        L,
        name=markdown_text(newest.name),
        who=markdown_text(who),
        when=when(later[-1].saved_at),
        version=newest.version,
        base=version,
    )


# one element whether or not a notice is shown: a notice gone on the next run moves nothing below it, so the map keeps
# its place in the page and the browser keeps the map drawn (issue 24)
notice_slot = st.empty()
if NOTICE_KEY in st.session_state:
    kind, text = st.session_state.pop(NOTICE_KEY)
    getattr(notice_slot, kind)(text)

by_id = {s.scenario_id: s for s in scenarios}
previous_id = sticky_value(PICK_KEY)
chosen_id = sticky_selectbox(t("scen.pick", L), list(by_id), key=PICK_KEY, format_func=lambda i: label(by_id[i]))
if previous_id is not None and previous_id not in by_id:
    try:
        gone = store.load(previous_id)
    except ScenarioError:
        gone = None
    if gone is not None and gone.archived and gone.region_id == region.region_id:
        st.warning(
            t("scen_safety.gone", L, name=markdown_text(gone.name), shown=markdown_text(label(by_id[chosen_id])))
        )
latest = by_id[chosen_id]
base_id, base_version = st.session_state.get(BASE_KEY) or (None, None)
if base_id != chosen_id or not base_version or base_version > latest.version:
    base_version = latest.version
st.session_state[BASE_KEY] = (chosen_id, base_version)
scenario = latest if base_version == latest.version else store.load(chosen_id, base_version)
sites = list(scenario.sites)
settlements = region.settlements
st.caption(t("scen_safety.version", L, version=scenario.version, sites=len(sites)))

conflict = st.session_state.get(CONFLICT_KEY)
if conflict is not None and conflict["scenario_id"] != chosen_id:  # the user picked another scenario
    st.session_state.pop(CONFLICT_KEY)
    conflict = None


def commit(edit: Edit, *, on: Scenario) -> None:
    """Save ``edit`` applied to ``on`` (the version this editor works from), then rerun. When someone saved after
    ``on``, nothing is saved and the page asks whether to reload or to apply the edit on the newest version."""
    try:
        new_sites = apply_edit(on.sites, edit)
    except ScenarioError:  # the site it changes was removed in the newer version
        notice("error", t("scen_safety.merge_failed", L, version=on.version))
    except ValidationError as exc:
        notice("error", "\n".join(format_problem(p, L) for p in exc.problems))
    try:
        saved = store.save(on.scenario_id, new_sites, author=user.username, base_version=on.version)
    except ScenarioConflict as exc:
        st.session_state[CONFLICT_KEY] = {"scenario_id": on.scenario_id, "edit": edit, "error": exc}
        st.rerun()
    except BaselineReadOnly:
        notice("error", t("scen_base.read_only", L, name=markdown_text(label(on))))
    except ScenarioError:  # archived meanwhile
        notice("error", t("scen_safety.archived_meanwhile", L, name=markdown_text(on.name)))
    st.session_state[BASE_KEY] = (saved.scenario_id, saved.version)
    st.session_state.pop(CONFLICT_KEY, None)
    if on.version != scenario.version:
        notice("success", t("scen_safety.merged", L, base=on.version, version=saved.version))
    st.rerun()


def new_site(lat: float, lon: float, kind: str, reach_minutes: float, name: str | None = None) -> Site:
    service_id = free_site_id(sites)
    name = name or t("scen.new_site_name", L, n=service_id.removeprefix(NEW_SITE_ID_PREFIX))
    return Site(service_id, name, kind, lat, lon, reach_minutes=reach_minutes if kind == "mobile" else math.nan)


# --- a click on the map edits the scenario first -------------------------------------------------------------------
# The component's value from the previous run, read before anything is drawn: a click that adds or moves a site
# saves and reruns at once, so the run it costs draws nothing (issue 24). The editor's choices (what a click does,
# the new site's kind and reach, the site to move) are their widgets' values as the browser sent them.
editable = may_edit and conflict is None and not latest.baseline
if st.session_state.get(CLICK_FOR_KEY) != chosen_id:  # another scenario: a click inspects again until chosen
    st.session_state[CLICK_FOR_KEY] = chosen_id
    st.session_state.pop("scen_click", None)
click = (st.session_state.get(MAP_KEY) or {}).get("last_clicked")
if click and editable and click != st.session_state.get(LAST_CLICK_KEY):
    st.session_state[LAST_CLICK_KEY] = click
    chosen_mode = st.session_state.get("scen_click", "inspect")
    if chosen_mode == "add":
        commit(
            Edit(
                "add",
                site=new_site(
                    click["lat"],
                    click["lng"],
                    st.session_state.get("scen_kind", "permanent"),
                    st.session_state.get("scen_reach", DEFAULT_REACH_MINUTES),
                ),
            ),
            on=scenario,
        )
    site_ids = [s.service_id for s in sites]
    moved = sticky_value("scen_site") if sticky_value("scen_site") in site_ids else next(iter(site_ids), None)
    if chosen_mode == "move" and moved is not None:  # the site the editor shows (sticky_selectbox's choice)
        commit(Edit("move", service_id=moved, lat=click["lat"], lon=click["lng"]), on=scenario)
elif click:
    st.session_state[LAST_CLICK_KEY] = click

# --- someone else saved: say who and when; reload, or apply this editor's change on top ------------------------------
if conflict is not None:
    error: ScenarioConflict = conflict["error"]
    newest = store.load(chosen_id)
    st.warning(saved_since("scen_safety.conflict", newest, error.base_version))
    if conflict["edit"] is None:
        st.caption(t("scen_safety.conflict_undo", L))
    left, right = st.columns(2)
    if left.button(t("scen_safety.reload", L, version=newest.version), key="scen_conflict_reload"):
        st.session_state.pop(CONFLICT_KEY, None)
        st.session_state[BASE_KEY] = (chosen_id, newest.version)
        st.rerun()
    if conflict["edit"] is not None and right.button(
        t("scen_safety.merge", L, version=newest.version), key="scen_conflict_merge"
    ):
        commit(conflict["edit"], on=newest)
elif scenario.version < latest.version:
    st.info(saved_since("scen_safety.newer", latest, scenario.version))
    if st.button(t("scen_safety.show_newest", L), key="scen_show_newest"):
        st.session_state[BASE_KEY] = (chosen_id, latest.version)
        st.rerun()

# --- the baseline is read-only: it is changed through a copy --------------------------------------------------


def copy_form(generation: int) -> None:
    """A name (the copy's default name, editable) and one button that copies the shown scenario into a new one,
    which is then selected for editing."""
    taken = [s.name for s in scenarios] + [s.name for s in store.list_scenarios(region.region_id, archived=True)]
    default = free_scenario_name(t("scen_base.copy_name", L, name=label(latest)), taken)
    with st.form(f"scen_new_form_{generation}_{chosen_id}", enter_to_submit=True, border=False):
        name = st.text_input(
            t("scen.new_name", L),
            value=default,
            key=f"scen_new_name_{generation}_{chosen_id}",
            max_chars=MAX_SCENARIO_NAME_CHARS,
        )
        if st.form_submit_button(t("scen_base.copy", L), key=f"scen_create_{generation}_{chosen_id}", type="primary"):
            try:
                created = store.copy(chosen_id, name, author=user.username)
            except ScenarioNameError as exc:
                st.error(scenario_name_problem(exc))
            else:
                st.session_state[CREATE_GEN_KEY] = generation + 1
                set_sticky(PICK_KEY, created.scenario_id)
                notice("success", t("scen_base.copied", L, name=markdown_text(created.name)))


# the map first, in the first screen, with what it shows (the gap threshold, a village) under it; then the copy of
# the baseline, the editor, the figures and the tables
map_slot, map_controls = st.container(), st.container()

if latest.baseline:
    st.info(t("scen_base.is_baseline", L, name=markdown_text(label(latest))))
if may_edit:
    generation = st.session_state.setdefault(CREATE_GEN_KEY, 0)
    if latest.baseline:
        copy_form(generation)
    else:
        with st.popover(t("scen_base.copy", L)):
            copy_form(generation)

# --- editing (not the baseline) --------------------------------------------------------------------------------------


@st.fragment
def editor() -> None:
    """The editor: what a map click does, a site added from the list, the chosen site changed, undo. Its own
    choices rerun it alone (the map and the figures are not drawn again for them, issue 24); a change saved
    reruns the page (commit)."""
    new_kind, reach, picked = "permanent", DEFAULT_REACH_MINUTES, None
    with st.expander(t("scen.edit", L), expanded=True):
        left, right = st.columns(2)
        with left:
            st.radio(  # read by the click handling above, from the run after the click
                t("scen.click_mode", L),
                ["inspect", "add", "move"],
                horizontal=True,
                key="scen_click",
                format_func=lambda m: t(f"scen_base.click_{m}" if m == "inspect" else f"scen.click_{m}", L),
            )
            new_kind = st.radio(
                t("scen.new_kind", L),
                ["permanent", "mobile"],
                horizontal=True,
                key="scen_kind",
                format_func=lambda m: t(f"kind.{m}", L),
            )
            reach = st.number_input(
                t("scen.reach", L),
                min_value=5.0,
                max_value=240.0,
                value=DEFAULT_REACH_MINUTES,
                step=5.0,
                key="scen_reach",
            )
            names = district_names(region, L)
            labels = [
                name + (f" ({names.get(d, d)})" if isinstance(d, str) and d else "")
                for name, d in zip(place_names(settlements, L), settlements["district_id"])
            ]
            row_index = st.selectbox(
                t("scen.add_from_list", L),
                range(len(settlements)),
                index=None,
                placeholder=t("scen.search_placeholder", L),
                format_func=labels.__getitem__,
                key="scen_settlement",
            )
            if st.button(t("scen.add", L), key="scen_add", disabled=row_index is None):
                point = settlements.geometry.iloc[row_index]
                commit(
                    Edit("add", site=new_site(point.y, point.x, new_kind, reach, name=labels[row_index])), on=scenario
                )
        with right:
            if sites:
                by_site = {s.service_id: s for s in sites}
                picked = sticky_selectbox(
                    t("scen.site", L),
                    list(by_site),
                    key="scen_site",
                    format_func=lambda i: made_name(by_site[i].name, L),
                )
                site = by_site[picked]
                new_name = st.text_input(
                    t("scen.site_name", L), value=made_name(site.name, L), key=f"scen_name_{picked}"
                )
                if st.button(t("scen.rename", L), key="scen_rename") and new_name.strip():
                    commit(Edit("rename", service_id=picked, name=new_name.strip()), on=scenario)
                kind = st.radio(
                    t("scen.kind", L),
                    ["permanent", "mobile"],
                    horizontal=True,
                    index=["permanent", "mobile"].index(site.kind),
                    key=f"scen_site_kind_{picked}",
                    format_func=lambda m: t(f"kind.{m}", L),
                )
                site_reach = st.number_input(
                    t("scen.reach", L),
                    min_value=5.0,
                    max_value=240.0,
                    value=site.reach_minutes if not math.isnan(site.reach_minutes) else DEFAULT_REACH_MINUTES,
                    step=5.0,
                    key=f"scen_site_reach_{picked}",
                )
                if st.button(t("scen.set_kind", L), key="scen_set_kind"):
                    commit(
                        Edit(
                            "set_kind",
                            service_id=picked,
                            kind=kind,
                            reach_minutes=site_reach if kind == "mobile" else None,
                        ),
                        on=scenario,
                    )
                if st.button(t("scen.remove", L), key="scen_remove"):
                    commit(Edit("remove", service_id=picked), on=scenario)
            if st.button(t("scen.undo", L), key="scen_undo"):
                try:
                    undone = store.undo(scenario.scenario_id, author=user.username, base_version=scenario.version)
                except ScenarioConflict as exc:
                    st.session_state[CONFLICT_KEY] = {"scenario_id": scenario.scenario_id, "edit": None, "error": exc}
                    st.rerun()
                except ScenarioError:
                    st.info(t("scen.nothing_to_undo", L))
                else:
                    st.session_state[BASE_KEY] = (undone.scenario_id, undone.version)
                    st.rerun()


if editable:
    editor()
if may_edit and conflict is None:
    with st.expander(t("scen_safety.manage", L)):
        if not latest.baseline:
            with st.form(f"scen_rename_form_{chosen_id}"):
                new_title = st.text_input(
                    t("scen_safety.rename_label", L),
                    value=made_name(latest.name, L),
                    key=f"scen_title_{chosen_id}",
                    max_chars=MAX_SCENARIO_NAME_CHARS,
                )
                if st.form_submit_button(t("scen_safety.rename_button", L), key=f"scen_rename_scenario_{chosen_id}"):
                    try:
                        renamed = store.rename(chosen_id, new_title, author=user.username)
                    except ScenarioNameError as exc:
                        st.error(scenario_name_problem(exc))
                    else:
                        notice("success", t("scen_safety.renamed", L, name=markdown_text(renamed.name)))
        if not latest.baseline and st.button(
            t("scen_safety.archive_button", L), key="scen_archive", help=t("scen_safety.archive_help", L)
        ):
            try:
                archived = store.archive(chosen_id, author=user.username)
            except ScenarioError:
                st.error(t("scen_safety.archive_last", L))
            else:
                set_sticky(PICK_KEY, next(i for i in by_id if i != chosen_id))
                notice("success", t("scen_safety.archived", L, name=markdown_text(archived.name)))
        archived_list = store.list_scenarios(region.region_id, archived=True)
        if archived_list:
            st.markdown(f"**{t('scen_safety.show_archived', L, n=len(archived_list))}**")
            for old in archived_list:
                if st.button(
                    t("scen_safety.restore", L, name=markdown_text(old.name)), key=f"scen_restore_{old.scenario_id}"
                ):
                    restored = store.restore(old.scenario_id, author=user.username)
                    set_sticky(PICK_KEY, restored.scenario_id)
                    notice("success", t("scen_safety.restored", L, name=markdown_text(restored.name)))
        st.markdown(f"**{t('scen_safety.history', L)}**")
        show_table(
            pd.DataFrame(
                [
                    (
                        v.version,
                        t(f"scen_safety.action.{v.action}", L),
                        v.author,
                        when(v.saved_at).removesuffix(" UTC"),
                        len(v.sites),
                    )
                    for v in reversed(store.history(chosen_id))
                ],
                columns=[t(f"scen_safety.col.{c}", L) for c in ("version", "action", "author", "saved_at", "sites")],
            ),
            hide_index=True,
        )
if editable:
    with st.expander(t("scen.import", L)):
        for note in st.session_state.pop(IMPORT_NOTES_KEY, []):
            st.text(note)  # text, not Markdown: it quotes the file's headers
        upload = st.file_uploader(t("scen.import", L), type=["csv"], key="scen_upload")
        if upload is not None and st.button(t("scen.import_button", L), key="scen_import"):
            try:
                notes = []
                imported = import_csv(upload.getvalue(), name=upload.name, region=region, notes=notes)
            except ValidationError as exc:
                st.error(t("scen.import_failed", L))
                st.code("\n".join(format_problem(p, L) for p in exc.problems), language=None)
            else:
                # commit() reruns the page at once: the notes (which column was read as what) are shown on that run
                st.session_state[IMPORT_NOTES_KEY] = [format_problem(note, L) for note in notes]
                commit(Edit("replace", sites=tuple(imported)), on=scenario)
elif not may_edit:
    st.caption(t("scen.read_only", L))

if access.can(user.role, "export"):
    download(
        t("scen.export", L),
        lambda sites=sites: export_csv(sites),
        file_name=f"scenario-{scenario.scenario_id}.csv",
        mime="text/csv",
        key="scen_export",
        object=f"scenario {scenario.scenario_id} v{scenario.version} csv",
    )

# --- figures ------------------------------------------------------------------------------------------------
services = sites_to_services(sites)
results = st.session_state.setdefault(RESULTS_KEY, {})
result_key = (region.region_id, scenario.scenario_id, scenario.version, current_profile().cache_key())
if result_key not in results:
    results[result_key] = evaluate(region, services, site_minutes(region), incidents=incidents_here(region))
result = results[result_key]
cov = result.coverage
shown = shown_incidents(cov)
st.caption(t("scen.method", L, description=site_minutes(region).describe(L)))
if (estimated_text := estimated_sentence(cov.region, L)) is not None:
    st.caption(estimated_text)

st.subheader(t("scen.figures", L))
for step in cov.thresholds_minutes:
    key = threshold_key(step)
    figures = cov.region.within[key]
    st.markdown(f"**{t('scen.within', L, minutes=key)}**")
    cols = st.columns(3 if level else 2)
    share = fmt_number(100.0 * figures.population_share, L, decimals=1)
    cols[0].metric(
        t("scen.population_covered", L),
        fmt_number(figures.population_covered, L),
        help=t("scen.population_of", L, share=share, total=fmt_number(figures.population_total, L)),
    )
    cols[0].caption(t("scen.population_of", L, share=share, total=fmt_number(figures.population_total, L)))
    cols[1].metric(t("scen.settlements_covered", L), fmt_number(figures.settlements_covered, L))
    cols[1].caption(t("scen.of", L, total=fmt_number(figures.settlements_total, L)))
    if level:
        cols[2].metric(t("scen.incidents_covered", L), fmt_count(shown.region_covered[key], L))
        cols[2].caption(t("scen.of", L, total=fmt_count(shown.region_total, L)))
    if figures.settlements_without_known_population:  # estimated or unknown: said beside the figure
        st.caption(population_share_text(figures, minutes=step, lang=L))


def _minutes(value: float) -> str:
    return fmt_minutes(value, L) if math.isfinite(value) else t("scen.unreachable", L)


cols = st.columns(2)
cols[0].metric(t("scen.median", L), _minutes(cov.region.median_minutes), help=t("scen.median_help", L))
cols[1].metric(t("scen.p90", L), _minutes(cov.region.p90_minutes), help=t("scen.p90_help", L))
ranged_section(region, cov, result.nearest.minutes, key="scen_demand_basis", lang=L)  # basis + ranges (issue 19)

with map_controls:
    gap_minutes = st.radio(
        t("scen.gap_threshold", L),
        list(cov.thresholds_minutes),
        index=default_threshold_index(cov.thresholds_minutes),
        horizontal=True,
        format_func=threshold_key,
        key="scen_gap_minutes",
    )
    village = village_panel(
        region,
        services,
        cov,
        result.nearest_service_ids,
        map_key=MAP_KEY,
        key="scen",
        network=site_minutes(region).network,
        lang=L,
        constants=result.constants,
    )
# the map in two parts (issue 24): the region's base, the same for every scenario, is sent once and kept by the
# browser; the scenario's services, gap layers, incidents and the route are swapped over it
network = site_minutes(region).network
overlay = scenario_overlay(
    region,
    services,
    cov,
    threshold_minutes=gap_minutes,
    lang=L,
    k=k,
    settlement_incidents=cov.release if level == "settlement" else None,
    network=network,
    layer_cache=session_layers(),
)
draw_route(overlay, village, lang=L)
with map_slot:
    show_layered_map(
        lambda: region_base(region, lang=L, network=network),
        region_base_key(region, lang=L, network=network),
        overlay,
        key=MAP_KEY,
        returned_objects=["last_clicked", "last_object_clicked"],
    )
    if level == "district":
        st.caption(t("scen.district_only", L))
district_section(region, cov, lang=L, incidents=level is not None)


@st.fragment
def gaps() -> None:
    """The gap list: its district filter reruns it alone, not the map above (issue 24)."""
    gap_section(
        region,
        cov,
        result.nearest_service_ids,
        services,
        threshold_minutes=gap_minutes,
        key="scen",
        lang=L,
        access_km=result.access_km,
    )


gaps()
