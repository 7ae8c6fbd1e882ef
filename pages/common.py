"""What every page needs: the language, the region of this session, the small-count threshold.

Pages only wire widgets; everything they show comes from geo/ and planning/. The region is loaded per session
(``st.session_state``), never in a global cache, because it carries incident counts.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from geo.errors import RegionError
from geo.region import Region, load_region
from geo.settings import region_dir_from_env
from geo.speeds import SpeedProfile
from planning import access, privacy
from planning.access import User
from planning.analysis import SiteMinutes, incident_release, service_bands, site_minutes_for, speed_profile_of
from planning.i18n import DEFAULT_LANGUAGE, format_problem, t
from planning.markup import markdown_text
from planning.scenarios import MAX_SCENARIO_NAME_CHARS, ScenarioNameError


FRAMED_KEY = "_qorgau_framed"
"""Set by app.py in every session it runs in."""


def lang() -> str:
    """The language of this session; also makes sure the page runs inside app.py's navigation.

    Streamlit runs a fresh server's very first request in its legacy ``pages/``-directory mode (the folder name
    our layout uses) until some session calls ``st.navigation``. A page reached that way reruns itself once
    through app.py, so the language switch, the navigation and the access checks are always there.
    """
    if FRAMED_KEY not in st.session_state:
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
        st.rerun()
    return st.session_state.get("lang", DEFAULT_LANGUAGE)


def small_count_k() -> int:
    """The configured small-count threshold (QORGAU_SMALL_COUNT_K, default 5, never below 3)."""
    return privacy.small_count_k()


def region_dir() -> Path:
    return Path(st.session_state.get("region_dir") or region_dir_from_env())


def get_region() -> Region:
    """This session's region; on invalid data, every problem is shown and the page stops."""
    path = region_dir()
    cached = st.session_state.get("_region")
    if cached is not None and cached.path == path:
        return cached
    try:
        region = incidents_for(load_region(path))
    except RegionError as exc:
        st.error(f"{t('home.folder', lang())}: {markdown_text(path)}")
        st.code("\n".join(format_problem(p, lang()) for p in exc.problems), language=None)
        st.stop()
    st.session_state["_region"] = region
    return region


def synthetic_banner(region: Region) -> None:
    if region.incidents_synthetic:
        st.warning(t("synthetic.banner", lang()), icon="⚠️")


# --- travel times -------------------------------------------------------------------------------------------------
# The road network and the site × settlement minutes hold no incident data: they are cached for every session.
# Everything computed with incident counts (coverage, gaps) stays in st.session_state.

PROFILE_KEY = "speed_adjustments"


def current_profile(region: Region | None = None) -> SpeedProfile:
    """The speed profile of this session: the region's (its speeds.csv, else the built-in speeds; default: this
    session's region) with the adjustments the planner switched on."""
    return speed_profile_of(region if region is not None else get_region(),
                            adjustments=st.session_state.get(PROFILE_KEY, ()))


@st.cache_resource(show_spinner=False, max_entries=8)
def _site_minutes(region_path: str, roads_stamp: str, profile_key: str, _region: Region,
                  _profile: SpeedProfile) -> SiteMinutes:
    return site_minutes_for(_region, profile=_profile)


def site_minutes(region: Region) -> SiteMinutes:
    """The shared minutes table of this region and speed profile (the network is built or read from disk once)."""
    profile = current_profile(region)
    roads = region.roads_path
    stamp = f"{roads}:{roads.stat().st_mtime_ns}" if roads else "estimate"
    with st.spinner(t("roads.building", lang())):
        return _site_minutes(str(region.path), stamp, profile.cache_key(), region, profile)


@st.cache_resource(show_spinner=False, max_entries=32)
def _bands(region_path: str, roads_stamp: str, profile_key: str, positions: tuple, _region: Region,
           _services, _site_minutes: SiteMinutes):
    return service_bands(_region, _services, _site_minutes.network)


def bands(region: Region, services, minutes_table: SiteMinutes):
    """Isochrone bands (15/30/60 min) of ``services``; cached by site positions (no incident data in them)."""
    roads = region.roads_path
    stamp = f"{roads}:{roads.stat().st_mtime_ns}" if roads else "estimate"
    positions = tuple((str(i), round(g.x, 6), round(g.y, 6)) for i, g in zip(services["service_id"], services.geometry))
    return _bands(str(region.path), stamp, current_profile(region).cache_key(), positions, region, services, minutes_table)


def incidents_here(region: Region, period: str | None = None):
    """The protected release of the region's incidents (planning.release), aligned with its settlements; None
    without incident data. Every incident figure a page shows is a cell of it. Per session; never cached globally."""
    return incident_release(region, period=period)


# --- access -------------------------------------------------------------------------------------------------------
# Users, the audit log and uploaded incident counts share one SQLite file: QORGAU_SCENARIO_DB, else the user's data
# folder (planning.scenarios.default_db_path). OIDC sign-in is on when .streamlit/secrets.toml has an [auth] section.
USER_KEY = "user"
"""st.session_state key of the signed-in :class:`planning.access.User` (set by the sign-in page)."""
KEEP_ON_SIGN_OUT = ("lang",)
"""Session keys that survive a sign-out; everything else (incident-derived results included) is dropped."""


def access_store() -> access.AccessStore:
    """The users and audit log (the shared database, see above)."""
    return access.AccessStore()


def oidc_configured() -> bool:
    """Whether an identity provider is configured for ``st.login`` (an ``[auth]`` section in secrets.toml)."""
    from streamlit.errors import StreamlitSecretNotFoundError

    try:
        return "auth" in st.secrets
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return False


def current_user() -> User | None:
    """The signed-in user; after an OIDC sign-in, the user an admin registered with that e-mail (else None)."""
    user = st.session_state.get(USER_KEY)
    if user is None and oidc_configured() and st.user.is_logged_in:
        store = access_store()
        user = access.user_for_identity(st.user.get("email"), store)
        if user is not None:
            access.record(store, user=user.username, action="sign-in", object="identity provider")
            st.session_state[USER_KEY] = user
    return user


def sign_out() -> None:
    """End the session's sign-in (and the identity provider's), dropping everything the session computed."""
    user = st.session_state.get(USER_KEY)
    if user is not None:
        access.record(access_store(), user=user.username, action="sign-out", object="session")
    for key in [k for k in st.session_state if k not in KEEP_ON_SIGN_OUT]:
        del st.session_state[key]
    if oidc_configured() and st.user.is_logged_in:
        st.logout()
    st.rerun()


def audit(action: str, object: str) -> None:
    """Record in the audit log that the signed-in user did ``action`` to ``object`` (e.g. "export",
    "district report D3 2023"). Never pass incident content."""
    user = current_user()
    access.record(access_store(), user=user.username if user else "?", action=action, object=object)


def guard(action: str) -> User:
    """Call first on every page, before any data is loaded: stops the page unless the signed-in user's role may
    perform ``action`` (see planning.access.PERMISSIONS)."""
    user = current_user()
    if user is None:
        st.info(t("access.sign_in_first", lang()))
        st.stop()
    if not access.can(user.role, action):
        st.error(t("access.denied", lang(), role=user.role))
        st.stop()
    return user


def incident_level() -> str | None:
    """'settlement', 'district' or None: the finest level of incident figures this user may see."""
    user = current_user()
    return access.incident_level(user.role) if user else None


def incidents_for(region: Region) -> Region:
    """The region with the counts uploaded for it (planning.intake.IncidentStore) in place of its folder's
    incidents, when any were uploaded; else the region itself. Per session: get_region keeps it in session_state."""
    from dataclasses import replace

    from planning.intake import IncidentStore

    stored = IncidentStore().counts(region.region_id)
    return region if stored.empty else replace(region, incidents=stored)


def reload_region() -> None:
    """Make the next get_region() read the region and its stored incident counts again (after an upload)."""
    st.session_state.pop("_region", None)


# --- a selectbox that keeps its choice by value ------------------------------------------------------------------
def _sticky(key: str) -> str:
    return f"_sticky_{key}"


def sticky_value(key: str):
    """The value :func:`sticky_selectbox` ``key`` last kept (None before it was first shown)."""
    return st.session_state.get(_sticky(key))


def set_sticky(key: str, value) -> None:
    """Make :func:`sticky_selectbox` ``key`` show ``value`` on its next run (e.g. a scenario just created)."""
    st.session_state[_sticky(key)] = value


def sticky_selectbox(label: str, options, *, key: str, format_func=str, **kwargs):
    """A selectbox whose choice is kept by value (an id), not by its label, across reruns and page changes.

    A plain selectbox is sent back by the browser as the label it shows; when the label changes (a scenario's
    version, a site renamed) or the page is left (Streamlit forgets the widget's state), the choice falls back to
    the first option without a word. Here the chosen value lives in its own session key and is put back into the
    widget on every run; the browser's choice is taken only when it is one of the options. Labels that come out
    the same for two options get the option appended, so every label stays unique.

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

    def keep() -> None:
        picked = st.session_state.get(key)
        if picked in labels:
            st.session_state[_sticky(key)] = picked

    st.session_state[_sticky(key)] = chosen
    st.session_state[key] = chosen
    st.selectbox(label, options, key=key, format_func=labels.__getitem__, on_change=keep, **kwargs)
    return st.session_state[_sticky(key)]


def scenario_name_problem(exc: ScenarioNameError) -> str:
    """A :class:`planning.scenarios.ScenarioNameError` in the reader's language."""
    if exc.reason == "taken":
        return t("scen_safety.name_taken_archived" if exc.other.archived else "scen_safety.name_taken", lang(),
                 other=markdown_text(exc.other.name))
    if exc.reason == "empty":
        return t("scen.name_needed", lang())
    return t("scen_safety.name_too_long", lang(), max=MAX_SCENARIO_NAME_CHARS)
