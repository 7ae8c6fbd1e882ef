"""Home: what Qorgau is, which region is loaded, data status and warnings, sources and licences."""

import streamlit as st

from geo.errors import RegionError
from geo.names import corrections
from geo.region import load_region, region_folder_under_roots
from geo.settings import region_roots
from pages.auth import guard
from pages.language import lang
from pages.session import REGION_DIR_KEY, get_region, region_dir, reload_region, session_scope
from pages.widgets import synthetic_banner
from planning.i18n import CATALOG, fmt_count, fmt_number, format_problem, t
from planning.markup import markdown_text
from planning.render.report import source_text
from planning.store import access
from planning.store.release import deployment_secret
from planning.summary import region_summary, roads_are_partial, source_attribution

L = lang()
user = guard("view_map")
st.title(t("app.title", L))
st.write(t("home.intro", L))

region = get_region()
summary = region_summary(region, secret=deployment_secret())
synthetic_banner(region)

st.subheader(f"{t('home.region', L)}: {markdown_text(region.name(L))}")
st.caption(f"{t('home.folder', L)}: {markdown_text(region_dir())}")
columns = st.columns(6)
for column, (key, label) in zip(
    columns,
    [
        ("districts", "count.districts"),
        ("settlements", "count.settlements"),
        ("services", "count.services"),
        ("incidents", "count.incidents"),
        ("population_total", "count.population"),
        ("settlements_without_population", "count.no_population"),
    ],
):
    value = summary[key]
    column.metric(t(label, L), fmt_count(value, L), help=t(f"{label}_help", L) if f"{label}_help" in CATALOG else None)

st.subheader(t("home.status", L))
if region.meta.get("bundled"):
    st.info(
        t(
            "default.about",
            L,
            districts=fmt_number(len(region.districts), L),
            settlements=fmt_number(len(region.settlements), L),
        )
    )
if roads_are_partial(region):
    st.warning(t("roadstore.partial", L), icon="⚠️")
missing = region.missing()
if missing:
    st.markdown("**" + t("home.lacks", L) + "**")
    for key in missing:
        st.markdown(f"- {t('lack.' + key, L)}")
fixed = corrections(region.districts["name_ru"]) if "name_ru" in region.districts else []
if fixed:  # the one rule of geo.names: the source's doubled suffixes, corrected where shown
    names = "; ".join(f"{source} → {shown}" for source, shown in fixed)
    st.caption(t("home.name_corrections", L, names=markdown_text(names)))
if "label_ru" in region.settlements:
    st.caption(t("home.names_rule", L, unnamed=int(region.settlements["label_ru"].isna().sum())))
with st.expander(t("home.warnings", L, n=len(summary["warnings"])), expanded=False):
    for warning in region.warnings:
        st.markdown(f"- {markdown_text(format_problem(warning, L))}")

st.subheader(t("home.sources", L))
attribution = source_attribution(region.meta)
if attribution:
    st.markdown(t("home.attribution", L, text=markdown_text(attribution)))
for source in region.meta.get("sources", []):
    files = markdown_text(", ".join(str(f) for f in source.get("files", [])))
    st.markdown(
        f"- **{files}** — {markdown_text(source_text(source, 'name', L))}. "
        f"*{markdown_text(source_text(source, 'licence', L))}*"
        + (f" — {markdown_text(source['attribution'])}" if source.get("attribution") else "")
    )

if not access.can(user.role, "edit_scenarios"):  # reading another folder of the server is a planner's action
    st.stop()
st.divider()
st.write(t("home.open_other", L))
with st.form("open_region"):
    folder = st.text_input(t("home.folder", L), value=str(region_dir()))
    if st.form_submit_button(t("home.open_button", L)):
        try:  # only under the configured roots, symlinks resolved; a folder that is not a region is not read
            chosen = region_folder_under_roots(folder, roots=region_roots())
            opened = load_region(chosen)
        except RegionError as exc:
            st.error("  \n".join(markdown_text(format_problem(p, L)) for p in exc.problems))
        else:
            scope = session_scope()
            if scope is None or not scope.allows(opened.region_id):  # a folder of a region that is not the user's
                st.error(t("scope.refused", L, region=markdown_text(opened.region_id)))
            else:
                st.session_state[REGION_DIR_KEY] = str(chosen)
                reload_region()
                st.rerun()
