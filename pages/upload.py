"""Incident upload (planners): a CSV, XLSX or GeoJSON file of points or counts, read in memory, stored as counts.

A rejected upload changes nothing; the page then shows that the periods stored before are still there.
"""

import streamlit as st

from pages.common import get_region, guard, lang, reload_region
from planning.i18n import t
from planning.markup import markdown_text
from planning.intake import MODES, IncidentStore, ingest_incidents
from planning.privacy import available_periods

L = lang()
user = guard("upload_incidents")
region = get_region()
store = IncidentStore()
st.title(t("upload.title", L))
st.caption(markdown_text(region.name(L)))
st.write(t("upload.intro", L))


def show_stored() -> None:
    stored = store.counts(region.region_id)
    if stored.empty:
        st.info(t("upload.none_stored", L))
    else:
        st.info(t("upload.stored", L, periods=markdown_text(", ".join(available_periods(stored)))))


st.markdown(f"**{t('upload.layout', L)}**")
st.markdown(f"- {t('upload.layout.points', L)}\n- {t('upload.layout.counts', L)}")
with st.form("upload", clear_on_submit=True):
    upload = st.file_uploader(t("upload.file", L), type=["csv", "txt", "xlsx", "geojson", "json"])
    mode = st.radio(t("upload.mode", L), MODES, format_func=lambda m: t(f"upload.mode.{m}", L), horizontal=True)
    submitted = st.form_submit_button(t("upload.submit", L), type="primary")

if submitted and upload is not None:
    result = ingest_incidents(upload.getvalue(), filename=upload.name, region=region, store=store,
                              user=user.username, mode=mode)
    if result.accepted:
        reload_region()  # every page of this session now uses the stored counts
        st.success(t("upload.accepted", L, counts=result.counts_stored, rows=result.rows,
                     periods=markdown_text(", ".join(result.periods))))
        if result.problems:
            st.markdown(f"**{t('upload.warnings', L)}**")
    else:
        st.error(t("upload.rejected", L))
    if result.problems:
        st.code("\n".join(result.messages(L)), language=None)
show_stored()
