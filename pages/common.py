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
from planning import privacy
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
