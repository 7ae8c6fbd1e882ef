"""What every page needs: the language, the region of this session, the small-count threshold.

Pages only wire widgets; everything they show comes from geo/ and planning/. The region is loaded per session
(``st.session_state``), never in a global cache, because it carries incident counts.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from geo.errors import RegionError
from geo.region import Region, load_region
from geo.settings import SMALL_COUNT_K, region_dir_from_env
from planning.i18n import DEFAULT_LANGUAGE, t


def lang() -> str:
    return st.session_state.get("lang", DEFAULT_LANGUAGE)


def small_count_k() -> int:
    return SMALL_COUNT_K


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
