"""Roads: the speeds in use (an editable table for planners, saved to the region's speeds.csv) beside the speed
adjustments of this session, the network's status, and (for planners) importing an OSM file already on the server
or downloading roads from OpenStreetMap into the region folder."""

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from geo.errors import ValidationError
from geo.osm import DownloadError, RoadSourceError
from geo.speeds import ADJUSTMENTS, SPEEDS_COLUMNS, SPEEDS_FILE_NAME, speed_profile_from_table, speeds_table
from pages.common import (
    PROFILE_KEY,
    audit,
    choose_placeholder,
    current_profile,
    get_region,
    guard,
    lang,
    show_table,
    site_minutes,
)
from planning.analysis import describe_profile, road_class_name, speed_profile_of
from planning.i18n import CATALOG, fmt_number, format_problem, t
from planning.markup import markdown_text
from planning.render.webmap import method_label
from planning.roadfiles import (
    RegionWriteError,
    build_region_network,
    cache_status,
    download_region_files,
    import_road_file,
    remove_region_speeds,
    save_region_speeds,
)
from planning.store import access

REGION_CACHE_KEY = "_region"  # pages.common's per-session region: dropped after the folder changed

L = lang()
st.title(t("nav.roads", L))
user = guard("view_map")
region = get_region()
if "roads_message" in st.session_state:
    st.success(st.session_state.pop("roads_message"))


def _adjustment_label(name: str) -> str:
    key = f"adjustment.{name}"
    return t(key, L) if key in CATALOG else ADJUSTMENTS[name].description


def _write_error(error: RegionWriteError) -> None:
    st.error(
        t("roadpage.bundled", L)
        if error.reason == "bundled"
        else t("roadpage.read_only", L, path=markdown_text(error.path))
    )


def _progress_bar():
    bar = st.progress(0.0)
    return lambda fraction, message: bar.progress(min(max(float(fraction), 0.0), 1.0), text=message)


def _region_changed() -> None:
    st.session_state.pop(REGION_CACHE_KEY, None)
    st.rerun()


def _write_speeds(write: Callable[[], Path], *, action: str, message_key: str) -> None:
    """Run ``write`` (it changes the region's speeds file and returns its path); on success audit ``action``, drop the
    editor's edits and reload with the message ``message_key``, else say why nothing was written."""
    try:
        path = write()
    except RegionWriteError as error:
        _write_error(error)
    else:
        audit(action, f"{region.region_id} {SPEEDS_FILE_NAME}")
        st.session_state.pop(EDITOR_KEY, None)
        st.session_state["roads_message"] = t(message_key, L, path=markdown_text(path))
        _region_changed()


# --- speeds: the class speeds of the region (planners edit them) beside the adjustments of this session -----------
EDITOR_KEY = "speeds_editor"
can_edit = access.can(user.role, "edit_scenarios")
base = speed_profile_of(region)  # the folder's speeds.csv, else the built-in speeds; no adjustments
st.subheader(t("speeds.heading", L))
st.caption(t("speeds.in_use", L, source=t(f"speeds.source.{base.source}", L, name=markdown_text(base.name))))
SPEED_COLUMN_WIDTHS_PX = {"highway": 152, "road": 195, "speed_kmh": 165, "use_maxspeed": 165}
"""Widths of the speed table's columns, pixels: each header and road name fits whole in Russian and Kazakh (the table
fits the wider column at 1400 px: 680 px)."""
speeds_column, adjustments_column = st.columns([3, 1])
with speeds_column:
    widths = SPEED_COLUMN_WIDTHS_PX
    column_config = {
        "highway": st.column_config.TextColumn(t("speeds.column.highway", L), disabled=True, width=widths["highway"]),
        "road": st.column_config.TextColumn(t("speeds.column.road", L), disabled=True, width=widths["road"]),
        "speed_kmh": st.column_config.NumberColumn(
            t("speeds.column.speed_kmh", L), format="%g", step=1, width=widths["speed_kmh"]
        ),
        "use_maxspeed": st.column_config.CheckboxColumn(
            t("speeds.column.use_maxspeed", L), width=widths["use_maxspeed"]
        ),
    }
    table = speeds_table(base)
    table.insert(1, "road", [road_class_name(highway, L) for highway in table["highway"]])  # the tag, in words
    if can_edit:
        edited = st.data_editor(
            table, key=EDITOR_KEY, hide_index=True, placeholder="—", num_rows="fixed", column_config=column_config
        )
        st.caption(t("speeds.editor_help", L))
        save_column, reset_column = st.columns(2)
        if save_column.button(t("speeds.save", L), key="speeds_save"):
            cells = edited[list(SPEEDS_COLUMNS)].set_axis(range(2, len(edited) + 2))  # lines of the file
            try:
                chosen_profile = speed_profile_from_table(cells, name=SPEEDS_FILE_NAME, source="region", base=base)
            except ValidationError as error:
                st.error(t("speeds.invalid", L))
                st.code("\n".join(format_problem(p, L) for p in error.problems), language=None)
            else:
                _write_speeds(
                    lambda: save_region_speeds(chosen_profile, region.path),
                    action="edit speeds",
                    message_key="speeds.saved",
                )
        if base.source == "region" and reset_column.button(t("speeds.reset", L), key="speeds_reset"):
            _write_speeds(
                lambda: remove_region_speeds(region.path), action="reset speeds", message_key="speeds.reset_done"
            )
    else:
        show_table(table, hide_index=True, column_config=column_config)
        st.caption(t("speeds.read_only_role", L))
with adjustments_column:
    st.markdown(f"**{t('roadpage.adjustments', L)}**")
    if "roads_adjustments" not in st.session_state:
        st.session_state["roads_adjustments"] = list(st.session_state.get(PROFILE_KEY, ()))
    chosen = st.multiselect(
        t("roadpage.adjustments", L),
        list(ADJUSTMENTS),
        format_func=_adjustment_label,
        placeholder=choose_placeholder(many=True),
        help=t("roadpage.adjustments_help", L),
        key="roads_adjustments",
        label_visibility="collapsed",
    )
    st.session_state[PROFILE_KEY] = tuple(chosen)
profile = current_profile(region)

# --- status ---------------------------------------------------------------------------------------------------------
st.subheader(t("roadpage.status", L))
st.caption(t("roadpage.folder", L, path=markdown_text(region.path)))
minutes_table = site_minutes(region)
network = minutes_table.network
if region.roads_path is None:
    st.info(t("roadpage.no_source", L))
else:
    columns = st.columns(3)
    columns[0].metric(t("roadpage.source", L), markdown_text(region.roads_path.name))
    columns[1].metric(t("roadpage.nodes", L), fmt_number(network.n_nodes, L))
    columns[2].metric(t("roadpage.edges", L), fmt_number(network.n_edges, L))
cache = cache_status(region.roads_path)
st.caption(t("roadpage.cache", L, count=cache.files, size=round(cache.size_mb, 1)))
st.markdown(f"**{t('roadpage.profile', L)}:** {describe_profile(profile, L)}")
st.caption(method_label(minutes_table.method, minutes_table.describe(L), L))

# --- actions that change the region folder ------------------------------------------------------------------------
if not access.can(user.role, "edit_scenarios"):
    st.info(t("roadpage.read_only_role", L))
    st.stop()

st.subheader(t("roadpage.import", L))
st.caption(t("roadpage.import_help", L))
source = st.text_input(t("roadpage.path", L), key="roads_import_path", placeholder="/data/kazakhstan-latest.osm.pbf")
if st.button(t("roadpage.import_button", L), key="roads_import", disabled=not source.strip()):
    try:
        road_file = import_road_file(Path(source.strip()), region.path)
        built = build_region_network(region, road_file, profile=profile, progress=_progress_bar())
    except RegionWriteError as error:
        _write_error(error)
    except RoadSourceError as error:
        st.error(t("roadpage.bad_file", L, reason=markdown_text(error)))
    else:
        st.session_state["roads_message"] = t(
            "roadpage.imported",
            L,
            file=markdown_text(road_file.name),
            nodes=t("roadpage.n_nodes", L, count=built.n_nodes),
            edges=t("roadpage.n_edges", L, count=built.n_edges),
        )
        _region_changed()

st.subheader(t("roadpage.download", L))
st.caption(t("roadpage.download_help", L))
if st.button(t("roadpage.download_button", L), key="roads_download"):
    try:
        written = download_region_files(region, profile=profile, progress=_progress_bar())
    except RegionWriteError as error:
        _write_error(error)
    except (DownloadError, OSError):
        st.error(t("roadpage.no_internet", L))
    else:
        st.session_state["roads_message"] = t(
            "roadpage.downloaded", L, files=markdown_text(", ".join(p.name for p in written.values()))
        )
        _region_changed()
