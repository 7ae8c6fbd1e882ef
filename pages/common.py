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
from geo.speeds import DEFAULT_PROFILE, SpeedProfile
from planning import access, privacy
from planning.access import User
from planning.analysis import SiteMinutes, incident_vector, region_network, service_bands
from planning.i18n import DEFAULT_LANGUAGE, t


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
        region = load_region(path)
    except RegionError as exc:
        st.error(f"{t('home.folder', lang())}: {path}")
        st.code("\n".join(p.format() for p in exc.problems), language=None)
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


def current_profile() -> SpeedProfile:
    """The speed profile of this session: the default with the adjustments the planner switched on."""
    return DEFAULT_PROFILE.with_adjustments(*st.session_state.get(PROFILE_KEY, ()))


@st.cache_resource(show_spinner=False, max_entries=8)
def _site_minutes(region_path: str, roads_stamp: str, profile_key: str, _region: Region,
                  _profile: SpeedProfile) -> SiteMinutes:
    network = region_network(_region, profile=_profile)
    return SiteMinutes(network, _region.settlements, analysis_crs=_region.analysis_crs)


def site_minutes(region: Region) -> SiteMinutes:
    """The shared minutes table of this region and speed profile (the network is built or read from disk once)."""
    profile = current_profile()
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
    return _bands(str(region.path), stamp, current_profile().cache_key(), positions, region, services, minutes_table)


def incidents_here(region: Region, period: str | None = None):
    """Incident counts aligned with the region's settlements (per session; never cached globally)."""
    return incident_vector(region.incidents, region.settlements["settlement_id"], period=period) \
        if len(region.incidents) else None


# --- access -------------------------------------------------------------------------------------------------------
USER_KEY = "user"
"""st.session_state key of the signed-in :class:`planning.access.User` (set by the sign-in page)."""


def current_user() -> User | None:
    return st.session_state.get(USER_KEY)


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
