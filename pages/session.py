"""What every page needs of its session: the region, the travel times and isochrones, the protected incident
release, the small-count threshold, and selectboxes that keep their choice by value.

Pages only wire widgets; everything they show comes from geo/ and planning/. The region is loaded per session
(``st.session_state``), never in a global cache, because it carries incident counts.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import streamlit as st

from geo.errors import RegionError
from geo.region import Region, RegionHeading, load_region, region_heading
from geo.settings import deployment_region_dirs, region_dir_from_env
from geo.speeds import SpeedProfile
from geo.traveltime import TravelConstants, TravelConstantsError
from pages.language import lang
from planning import privacy
from planning.analysis import (
    TRAVEL_CONSTANTS_KEY,
    SiteMinutes,
    incident_release,
    service_bands,
    site_minutes_for,
    speed_profile_of,
)
from planning.i18n import format_problem, t
from planning.markup import markdown_text
from planning.store.regions import RegionScopeStore, Scope, scope_of
from planning.store.release import deployment_secret
from planning.store.settings import RegionSettingsStore, settings_stamp
from planning.store.stored import with_stored_figures

SETTINGS_STAMP_KEY = "_settings_stamp"
"""When the region's road network and speeds were set, as this session last read them (see get_region)."""


def small_count_k() -> int:
    """The configured small-count threshold (QORGAU_SMALL_COUNT_K, default 5, never below 3)."""
    return privacy.small_count_k()


SIGNED_IN_KEY = "user"
"""st.session_state key of the signed-in user (``pages.auth.USER_KEY``: set by ``current_user`` on every run, after
the session was checked against the database; a test keeps the two equal)."""
REGION_DIR_KEY = "region_dir"
"""st.session_state key of the region folder this session chose (the sidebar's chooser, ``?region=``, Home)."""
REGION_PARAM = "region"
"""The URL parameter naming a region of the deployment by its id (``?region=tiny``): opened when the user may."""
REGION_PARAM_SEEN_KEY = "_region_param_seen"
"""The ``?region=`` value this session already acted on (a refused one is said once, not on every run)."""
REGION_REFUSED_KEY = "_region_refused"
"""A region id this session asked for (``?region=``) and may not open: said once by the next page."""
REGION_CHOICE_KEY = "_region_choice"
"""The sidebar region chooser's widget key."""


def deployment_regions() -> list[RegionHeading]:
    """The regions this deployment serves (geo.settings.deployment_region_dirs), as their region.json names them; a
    folder without a readable region.json is listed under its folder name (opening it reports what is wrong)."""
    headings = []
    for folder in deployment_region_dirs():
        try:
            headings.append(region_heading(folder))
        except RegionError:
            headings.append(RegionHeading(folder, folder.name, {}))
    return headings


def region_labels(headings: list[RegionHeading], L: str) -> dict[str, str]:
    """Region id -> its name in ``L``, as choosers show it; two regions of one name get their ids in brackets."""
    names = [h.name(L) for h in headings]
    return {
        h.region_id: name if names.count(name) == 1 else f"{name} [{h.region_id}]" for h, name in zip(headings, names)
    }


def session_scope() -> Scope | None:
    """The regions the signed-in user may see (planning.store.regions.scope_of); None when nobody is signed in."""
    user = st.session_state.get(SIGNED_IN_KEY)
    if user is None:
        return None
    return scope_of(RegionScopeStore(), user, [h.region_id for h in deployment_regions()])


def my_regions(scope: Scope | None = None) -> list[RegionHeading]:
    """The deployment's regions the signed-in user may see, in the deployment's order."""
    scope = scope if scope is not None else session_scope()
    return [h for h in deployment_regions() if scope is not None and scope.allows(h.region_id)]


def choose_region(heading: RegionHeading) -> None:
    """Make ``heading``'s folder this session's region; what was computed from the previous one is dropped."""
    if st.session_state.get(REGION_DIR_KEY) != str(heading.path):
        st.session_state[REGION_DIR_KEY] = str(heading.path)
        reload_region()


def region_dir() -> Path:
    """This session's region folder: the one it chose while the user may still see it, else the deployment's
    default (QORGAU_REGION) when the user may, else the first of the user's regions. The page stops with a message
    when the user may see no region."""
    scope = session_scope()
    folder = None if scope is None else _current_folder(scope, my_regions(scope))
    if folder is None:
        st.warning(t("scope.no_region", lang()))
        st.stop()
    return folder


def _current_folder(scope: Scope, mine: list[RegionHeading]) -> Path | None:
    chosen = st.session_state.get(REGION_DIR_KEY)
    if chosen and _allowed_folder(Path(chosen), scope):
        return Path(chosen)
    default = region_dir_from_env()
    return default if any(h.path == default for h in mine) else (mine[0].path if mine else None)


def _allowed_folder(folder: Path, scope: Scope) -> bool:
    try:
        return scope.allows(region_heading(folder).region_id)
    except RegionError:
        return scope.whole  # a broken folder of the whole deployment's user: opening it says what is wrong


def region_chooser(L: str) -> None:
    """In the sidebar: the region of this session when the user may see more than one (its id kept in the URL as
    ``?region=``). A ``?region=`` the user may not open is refused (said once on the page) and changes nothing."""
    scope = session_scope()
    if scope is None:
        return
    mine = my_regions(scope)
    wanted = st.query_params.get(REGION_PARAM)
    if wanted and wanted != st.session_state.get(REGION_PARAM_SEEN_KEY):
        st.session_state[REGION_PARAM_SEEN_KEY] = wanted
        found = next((h for h in mine if h.region_id == wanted), None)
        if found is None:
            st.session_state[REGION_REFUSED_KEY] = wanted
        else:
            choose_region(found)
    if len(mine) < 2:
        return
    current = _current_folder(scope, mine)
    ids = [h.region_id for h in mine]
    by_id = {h.region_id: h for h in mine}
    labels = region_labels(mine, L)
    shown = next((h.region_id for h in mine if h.path == current), None)

    def picked() -> None:
        value = st.session_state.get(REGION_CHOICE_KEY)
        if value in by_id:
            choose_region(by_id[value])
            st.query_params[REGION_PARAM] = value
            st.session_state[REGION_PARAM_SEEN_KEY] = value

    st.session_state[REGION_CHOICE_KEY] = shown  # the region open (None: a folder opened on Home)
    st.sidebar.selectbox(
        t("scope.region", L),
        ids,
        key=REGION_CHOICE_KEY,
        format_func=labels.__getitem__,
        on_change=picked,
        placeholder=t("scope.other_folder", L),
    )


def get_region() -> Region:
    """This session's region, when the signed-in user may see it (planning.store.regions); on invalid data, every
    problem is shown and the page stops."""
    refused = st.session_state.pop(REGION_REFUSED_KEY, None)
    if refused is not None:
        st.error(t("scope.refused", lang(), region=markdown_text(refused)))
    path = region_dir()
    scope = session_scope()
    cached = st.session_state.get("_region")
    if cached is not None:
        kept = cached.path == path and scope is not None and scope.allows(cached.region_id)
        if kept and st.session_state.get(SETTINGS_STAMP_KEY) == settings_stamp(cached.region_id):
            return cached
        # another region (chosen, or the one kept is no longer the user's), or a setting (roads, speeds, the rate,
        # ...) changed in another session: read the region again, and drop what was computed from the old one
        reload_region()
    try:
        region = load_region(path)
    except RegionError as exc:
        st.error(f"{t('home.folder', lang())}: {markdown_text(path)}")
        st.code("\n".join(format_problem(p, lang()) for p in exc.problems), language=None)
        st.stop()
    if scope is None or not scope.allows(region.region_id):  # checked before the uploads are read
        reload_region()
        st.error(t("scope.refused", lang(), region=markdown_text(region.region_id)))
        st.stop()
    region = with_stored_figures(region)  # the uploads, laid over as the CLI does
    st.session_state["_region"] = region
    st.session_state[SETTINGS_STAMP_KEY] = settings_stamp(region.region_id)
    return region


# --- travel times -------------------------------------------------------------------------------------------------
# The road network and the site × settlement minutes hold no incident data: they are cached for every session.
# Everything computed with incident counts (coverage, gaps) stays in st.session_state.

PROFILE_KEY = "speed_adjustments"


def current_profile(region: Region | None = None) -> SpeedProfile:
    """The speed profile of this session: the region's (its speeds.csv, else the built-in speeds; default: this
    session's region) with the adjustments the planner switched on."""
    return speed_profile_of(
        region if region is not None else get_region(), adjustments=st.session_state.get(PROFILE_KEY, ())
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def _site_minutes(
    region_path: str,
    roads_stamp: str,
    profile_key: str,
    constants: TravelConstants,
    _region: Region,
    _profile: SpeedProfile,
) -> SiteMinutes:
    return site_minutes_for(_region, profile=_profile, constants=constants)


def travel_constants(region: Region) -> TravelConstants:
    """The travel constants of ``region`` (maximum access distance, access speed, estimate circuity and speed): the
    ones a planner stored on the Roads page, else the defaults. A stored value that no longer passes the checks is
    reported and the defaults are used."""
    stored = RegionSettingsStore().get(region.region_id, TRAVEL_CONSTANTS_KEY)
    if stored is None:
        return TravelConstants()
    try:
        return TravelConstants.from_dict(stored.value)
    except TravelConstantsError as error:
        st.warning(t("travel.stored_invalid", lang(), reason=markdown_text(error)))
        return TravelConstants()


def site_minutes(region: Region) -> SiteMinutes:
    """The shared minutes table of this region, speed profile and travel constants (the network is built or read
    from disk once)."""
    profile = current_profile(region)
    roads = region.roads_path
    stamp = f"{roads}:{roads.stat().st_mtime_ns}" if roads else "estimate"
    constants = travel_constants(region)
    with st.spinner(t("roads.building", lang())):
        return _site_minutes(str(region.path), stamp, profile.cache_key(), constants, region, profile)


@st.cache_resource(show_spinner=False, max_entries=32)
def _bands(
    region_path: str,
    roads_stamp: str,
    profile_key: str,
    constants_key: tuple,
    positions: tuple,
    _region: Region,
    _services,
    _site_minutes: SiteMinutes,
):
    return service_bands(_region, _services, _site_minutes.network, constants=_site_minutes.constants)


def bands(region: Region, services, minutes_table: SiteMinutes):
    """Isochrone bands (15/30/60 min) of ``services``; cached by site positions (no incident data in them)."""
    roads = region.roads_path
    stamp = f"{roads}:{roads.stat().st_mtime_ns}" if roads else "estimate"
    positions = tuple((str(i), round(g.x, 6), round(g.y, 6)) for i, g in zip(services["service_id"], services.geometry))
    return _bands(
        str(region.path),
        stamp,
        current_profile(region).cache_key(),
        dataclasses.astuple(minutes_table.constants),
        positions,
        region,
        services,
        minutes_table,
    )


RELEASE_KEY = "_incident_releases"
"""st.session_state key of this session's incident releases: (the region they were made from, {(period, k): release});
dropped with the region (:data:`DERIVED_KEYS`)."""


def incidents_here(region: Region, period: str | None = None):
    """The protected release of the region's incidents (planning.release), aligned with its settlements; None
    without incident data. Every incident figure a page shows is a cell of it. Per session (kept in its session state
    for the region object it was made from, so a page's rerun does not make it again); never cached globally."""
    made_from, releases = st.session_state.get(RELEASE_KEY) or (None, {})
    if made_from is not region:
        releases = {}
        st.session_state[RELEASE_KEY] = (region, releases)
    key = (period, small_count_k())
    if key not in releases:
        releases[key] = incident_release(region, period=period, secret=deployment_secret())
    return releases[key]


DERIVED_KEYS = ("_scen_results", "suggest_result", "_report_files", RELEASE_KEY)
"""st.session_state keys of results computed from the region's figures (the Scenarios and Compare pages' coverage
per scenario version, the Suggest page's result, the Reports page's prepared files): dropped by reload_region."""


def reload_region() -> None:
    """Make the next get_region() read the region, its stored incident counts and populations again (after an
    upload); results computed with the old figures are dropped, so no page shows them as current."""
    for key in ("_region", *DERIVED_KEYS):
        st.session_state.pop(key, None)


# --- a selectbox that keeps its choice by value ------------------------------------------------------------------
def _sticky(key: str) -> str:
    return f"_sticky_{key}"


def _sticky_generation(key: str) -> str:
    return f"_sticky_generation_{key}"


def sticky_value(key: str):
    """The value :func:`sticky_selectbox` ``key`` last kept (None before it was first shown)."""
    return st.session_state.get(_sticky(key))


def set_sticky(key: str, value) -> None:
    """Make :func:`sticky_selectbox` ``key`` show ``value`` from its next run on (e.g. a scenario just created).

    The selectbox is then drawn under a new widget key: a browser that has not yet seen this run still shows
    (and sends back) the old choice, and under the old key that stale choice would read as the user's pick.
    """
    st.session_state[_sticky(key)] = value
    st.session_state[_sticky_generation(key)] = st.session_state.get(_sticky_generation(key), 0) + 1


def sticky_widget_key(key: str) -> str:
    """The widget key :func:`sticky_selectbox` ``key`` is drawn under now (``key`` until :func:`set_sticky`)."""
    generation = st.session_state.get(_sticky_generation(key), 0)
    return key if generation == 0 else f"{key}~{generation}"


def sticky_selectbox(label: str, options, *, key: str, format_func=str, **kwargs):
    """A selectbox whose choice is kept by value (an id), not by its label, across reruns and page changes.

    A plain selectbox is sent back by the browser as the label it shows; when the label changes (a scenario's
    version, a site renamed) or the page is left (Streamlit forgets the widget's state), the choice falls back to
    the first option without a word. Here the chosen value lives in its own session key and is put back into the
    widget on every run; the browser's choice is taken only when it is one of the options. Labels that come out
    the same for two options get the option appended, so every label stays unique. A choice the server makes
    (:func:`set_sticky`) moves the widget to a new key, so that a browser still showing the old choice cannot
    send it back as a pick.

    Returns
    -------
    The chosen option (None when ``options`` is empty).
    """
    options = list(options)
    if not options:
        return None
    chosen = st.session_state.get(_sticky(key))
    if chosen not in options:
        chosen = options[0]
    texts = [str(format_func(option)) for option in options]
    labels = {option: text if texts.count(text) == 1 else f"{text} [{option}]" for option, text in zip(options, texts)}
    widget_key = sticky_widget_key(key)

    def keep() -> None:
        picked = st.session_state.get(widget_key)
        if picked in labels:
            st.session_state[_sticky(key)] = picked

    st.session_state[_sticky(key)] = chosen
    st.session_state[widget_key] = chosen
    st.selectbox(label, options, key=widget_key, format_func=labels.__getitem__, on_change=keep, **kwargs)
    return st.session_state[_sticky(key)]
