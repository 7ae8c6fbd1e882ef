"""Uploads (planners): incidents (a CSV, XLSX or GeoJSON file of points or counts, read in memory, stored as counts)
and the akimat's populations (a statistics table matched to the settlements, planning.store.population).

A rejected upload changes nothing; the page then shows that what was stored before is still there.
"""

import streamlit as st

from pages.auth import guard
from pages.language import lang
from pages.session import get_region, reload_region
from pages.widgets import show_table
from planning.i18n import place_names, t
from planning.intake.population import population_sources
from planning.markup import markdown_text
from planning.privacy import available_periods
from planning.store.access import can
from planning.store.db import StorageError
from planning.store.intake import MODES, IncidentStore, ingest_incidents
from planning.store.population import PopulationStore, ingest_populations

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
    result = ingest_incidents(
        upload.getvalue(), filename=upload.name, region=region, store=store, user=user.username, mode=mode
    )
    if result.accepted:
        reload_region()  # every page of this session now uses the stored counts
        st.success(
            t(
                "upload.accepted",
                L,
                counts=result.counts_stored,
                rows=result.rows,
                periods=markdown_text(", ".join(result.periods)),
            )
        )
        if result.problems:
            st.markdown(f"**{t('upload.warnings', L)}**")
    else:
        st.error(t("upload.rejected", L))
    if result.problems:
        st.code("\n".join(result.messages(L)), language=None)
show_stored()


# --- populations the akimat holds -------------------------------------------------------------------------------
def show_populations() -> None:
    settlements = get_region().settlements
    not_known = ("estimate", "unknown")  # an estimate (planning.estimates) is not a known population
    unknown, total = sum(s in not_known for s in population_sources(settlements)), len(settlements)
    last = PopulationStore().last_upload(region.region_id)
    if last is None:
        st.info(t("population_upload.none_stored", L, unknown=unknown, total=total))
    else:
        st.info(
            t(
                "population_upload.stored",
                L,
                matched=last["matched"],
                at=last["uploaded_at"],
                unknown=unknown,
                total=total,
            )
        )


def population_report(rows) -> None:
    districts = dict(zip(region.districts["district_id"].astype(str), place_names(region.districts, L)))
    names = {  # the settlement matched, by its name and district (never its id)
        str(i): f"{name} ({districts[d]})" if d in districts else name
        for i, name, d in zip(
            region.settlements["settlement_id"], place_names(region.settlements, L), region.settlements["district_id"]
        )
    }
    show_table(
        {
            t("population_upload.col_line", L): rows["line"].tolist(),
            t("field.name", L): rows["name"].tolist(),
            t("field.population", L): rows["population"].tolist(),
            t("population_upload.col_status", L): [t(f"population_upload.status.{s}", L) for s in rows["status"]],
            t("population_upload.col_settlement", L): [
                names.get(i, "") if isinstance(i, str) else "" for i in rows["settlement_id"]
            ],
            t("population_upload.col_by", L): [
                t(f"population_upload.by.{b}", L) if isinstance(b, str) else "" for b in rows["matched_by"]
            ],
        },
        hide_index=True,
    )


if can(user.role, "upload_populations"):
    st.divider()
    st.header(t("population_upload.title", L))
    st.write(t("population_upload.intro", L))
    with st.form("upload_populations", clear_on_submit=True):
        table_file = st.file_uploader(t("population_upload.file", L), type=["xlsx", "csv", "txt"])
        population_submitted = st.form_submit_button(t("population_upload.submit", L), type="primary")
    if population_submitted and table_file is not None:
        try:
            outcome = ingest_populations(
                table_file.getvalue(),
                filename=table_file.name,
                region=region,
                store=PopulationStore(),
                user=user.username,
            )
        except StorageError as exc:
            st.error(exc.message(L))
        else:
            if outcome.accepted:
                reload_region()  # every page of this session now weighs by the uploaded populations
                st.success(
                    t(
                        "population_upload.accepted",
                        L,
                        matched=outcome.count("matched"),
                        ambiguous=outcome.count("ambiguous"),
                        unmatched=outcome.count("unmatched"),
                    )
                )
            else:
                st.error(t("population_upload.rejected", L))
            if outcome.problems:
                st.code("\n".join(outcome.messages(L)), language=None, wrap_lines=True)
            if outcome.rows is not None:
                st.markdown(f"**{t('population_upload.report', L)}**")
                population_report(outcome.rows)
    show_populations()
