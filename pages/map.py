"""Map: outline, districts, settlements, services and incidents per settlement, offline."""

import streamlit as st
from streamlit_folium import st_folium

from planning.webmap import incident_counts, region_map
from pages.common import get_region, lang, small_count_k, synthetic_banner
from planning.baseline import current_services
from planning.i18n import t

L = lang()
region = get_region()
st.title(f"{t('nav.map', L)}: {region.name(L)}")
synthetic_banner(region)

fmap = region_map(region, lang=L, services=current_services(region),
                  incidents_by_settlement=incident_counts(region.incidents) if len(region.incidents) else None,
                  k=small_count_k())
st_folium(fmap, height=640, use_container_width=True, returned_objects=[], key="region_map")
st.caption(t("map.caption", L))
