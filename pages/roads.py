"""Roads: the speeds in use (an editable table for planners, stored for the region in the deployment's data)
beside the speed adjustments of this session, the road network in use (source, date, ways, km by class), and (for
planners) importing an OSM file or a road line layer already on the server, downloading roads from OpenStreetMap,
or removing the imported network. Everything a planner changes is stored beside the database
(planning.store.roads); the region folder is only read."""

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from geo.errors import ValidationError
from geo.osm import DownloadError, RoadSourceError
from geo.speeds import ADJUSTMENTS, SPEEDS_COLUMNS, speed_profile_from_table, speeds_table
from geo.traveltime import CONSTANT_RANGES, TravelConstants, TravelConstantsError
from pages.auth import guard
from pages.language import lang
from pages.session import PROFILE_KEY, current_profile, get_region, reload_region, site_minutes, travel_constants
from pages.widgets import choose_placeholder, show_table
from planning.analysis import TRAVEL_CONSTANTS_KEY, describe_constants, describe_profile, road_class_name
from planning.i18n import CATALOG, fmt_datetime, fmt_number, format_problem, t
from planning.markup import markdown_text
from planning.render.webmap import method_label
from planning.store import access
from planning.store.db import StorageError
from planning.store.roads import (
    RoadsInUse,
    cache_status,
    described_in_use,
    download_roads,
    import_roads,
    remove_roads,
    remove_speeds,
    roads_in_use,
    save_speeds,
    speeds_in_use,
)
from planning.store.settings import RegionSettingsStore
from planning.summary import roads_are_partial

L = lang()
st.title(t("nav.roads", L))
user = guard("view_map")
region = get_region()
if "roads_message" in st.session_state:
    st.success(st.session_state.pop("roads_message"))


def _adjustment_label(name: str) -> str:
    key = f"adjustment.{name}"
    return t(key, L) if key in CATALOG else ADJUSTMENTS[name].description


def _progress_bar():
    bar = st.progress(0.0)
    return lambda fraction, message: bar.progress(min(max(float(fraction), 0.0), 1.0), text=message)


def _changed(message: str) -> None:
    """After a stored change: say so on the next run, and have every page of this session read the region (with
    the network and speeds in use) again."""
    st.session_state["roads_message"] = message
    st.session_state.pop(EDITOR_KEY, None)
    reload_region()
    st.rerun()


def _store(change: Callable[[], object], message: str) -> None:
    try:
        change()
    except StorageError as error:
        st.error(error.message(L))
    else:
        _changed(message)


@st.cache_data(show_spinner=False, max_entries=8)
def _folder_record(path: str, _profile) -> dict:
    """What the region folder's own road file at ``path`` holds (ways, km by class), as an import records it; {}
    when it cannot be read (the status above says so). Cached: describing it reads the file."""
    return described_in_use(region, RoadsInUse(Path(path), "folder"), profile=_profile).record


# --- speeds: the class speeds of the region (planners edit them) beside the adjustments of this session -----------
EDITOR_KEY = "speeds_editor"
can_edit = access.can(user.role, "edit_scenarios")
base = speeds_in_use(region)  # stored for the region, else the folder's speeds.csv, else the built-in; no adjustments
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
        st.caption(t("roadstore.editor_help", L))
        save_column, reset_column = st.columns(2)
        if save_column.button(t("speeds.save", L), key="speeds_save"):
            cells = edited[list(SPEEDS_COLUMNS)].set_axis(range(2, len(edited) + 2))  # lines of the table
            try:
                chosen_profile = speed_profile_from_table(
                    cells, name=t("roadstore.speeds_table", L), source="deployment", base=base
                )
            except ValidationError as error:
                st.error(t("speeds.invalid", L))
                st.code("\n".join(format_problem(p, L) for p in error.problems), language=None)
            else:
                _store(lambda: save_speeds(region, chosen_profile, user=user.username), t("roadstore.speeds_saved", L))
        if base.source == "deployment" and reset_column.button(t("speeds.reset", L), key="speeds_reset"):
            _store(lambda: remove_speeds(region, user=user.username), t("roadstore.speeds_reset", L))
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

# --- travel constants (h-times) -------------------------------------------------------------------------------------
# The access legs and the straight-line estimate, stored per region in the deployment's settings (never the folder).
TRAVEL_FORM_STEPS = {"max_access_km": 0.5, "access_speed_kmh": 1.0, "circuity": 0.05, "estimate_speed_kmh": 1.0}
"""Step of each constant's number field."""
TRAVEL_FORM_LOWEST = {"max_access_km": 0.1}
"""Lowest value a field offers where the range's lowest is excluded (a maximum access distance of 0 km)."""
travel_store = RegionSettingsStore()
travel_stored = travel_store.get(region.region_id, TRAVEL_CONSTANTS_KEY)
travel_now = travel_constants(region)
st.subheader(t("travel.heading", L))
st.caption(t("travel.caption", L))
st.caption(
    t("travel.stored_by", L, when=travel_stored.updated_at, who=markdown_text(travel_stored.updated_by))
    if travel_stored is not None
    else t("travel.defaults_in_use", L)
)
if can_edit:
    with st.form("travel_constants_form", border=False):
        travel_columns = st.columns(2) + st.columns(2)  # two rows: the labels are long in Russian and Kazakh
        travel_values = {
            name: column.number_input(
                t(f"travel.constant.{name}", L),
                min_value=TRAVEL_FORM_LOWEST.get(name, low),
                max_value=high,
                value=float(getattr(travel_now, name)),
                step=TRAVEL_FORM_STEPS[name],
                format="%.2f" if name == "circuity" else "%.1f",
                help=t(f"travel.help.{name}", L),
                key=f"travel_{name}",
            )
            for column, (name, (low, high)) in zip(travel_columns, CONSTANT_RANGES.items())
        }
        travel_save = st.form_submit_button(t("travel.save", L))
    if travel_save:
        try:
            chosen_constants = TravelConstants.from_dict(travel_values)
        except TravelConstantsError as error:
            st.error(t("travel.invalid", L, reason=markdown_text(error)))
        else:
            travel_store.set(
                region.region_id,
                TRAVEL_CONSTANTS_KEY,
                chosen_constants.to_dict(),
                user=user.username,
                action="edit travel constants",
            )
            st.session_state["roads_message"] = t("travel.saved", L)
            st.rerun()
    if travel_stored is not None and st.button(t("travel.reset", L), key="travel_reset"):
        travel_store.remove(region.region_id, TRAVEL_CONSTANTS_KEY, user=user.username, action="reset travel constants")
        for name in CONSTANT_RANGES:
            st.session_state.pop(f"travel_{name}", None)
        st.session_state["roads_message"] = t("travel.reset_done", L)
        st.rerun()
else:
    st.markdown(describe_constants(travel_now, L))
# --- end travel constants (h-times) ---------------------------------------------------------------------------------

# --- the network in use ---------------------------------------------------------------------------------------------
st.subheader(t("roadpage.status", L))
in_use = roads_in_use(region)
minutes_table = site_minutes(region)
network = minutes_table.network
record = in_use.record or (_folder_record(str(in_use.path), profile) if in_use.path is not None else {})
if in_use.origin == "imported":
    st.info(
        t(
            "roadstore.in_use_imported",
            L,
            file=markdown_text(record.get("file", "")),
            kind=t(f"roadstore.kind.{record.get('kind', 'file')}", L),
            when=fmt_datetime(in_use.updated_at, L),
            user=markdown_text(in_use.updated_by),
        )
    )
elif in_use.origin == "folder" and in_use.path is not None:
    st.info(t("roadstore.in_use_folder", L, file=markdown_text(in_use.path.name), path=markdown_text(region.path)))
    if roads_are_partial(region):  # region.json marks it partial (the bundled region's real road layers)
        st.warning(t("roadstore.partial", L), icon="⚠️")
else:
    st.info(t("roadstore.none", L))
if network is not None:
    columns = st.columns(4)
    ways = record.get("ways")
    columns[0].metric(t("roadstore.ways", L), fmt_number(ways, L) if ways is not None else "—")
    columns[1].metric(t("roadstore.km", L), fmt_number(round(float(record.get("km", 0.0))), L) if record else "—")
    columns[2].metric(t("roadpage.nodes", L), fmt_number(network.n_nodes, L))
    columns[3].metric(t("roadpage.edges", L), fmt_number(network.n_edges, L))
    by_class = dict(sorted((record.get("km_by_class") or {}).items(), key=lambda item: -item[1]))
    if by_class:
        st.markdown(f"**{t('roadstore.km_by_class', L)}**")
        show_table(
            {
                t("speeds.column.road", L): [
                    road_class_name(name, L) if name != "speed" else t("roadstore.by_speed", L) for name in by_class
                ],
                t("roadstore.km", L): [fmt_number(km, L, decimals=1) for km in by_class.values()],
            },
            hide_index=True,
        )
cache = cache_status(in_use.path)
st.caption(t("roadpage.cache", L, count=cache.files, size=round(cache.size_mb, 1)))
st.markdown(f"**{t('roadpage.profile', L)}:** {describe_profile(profile, L)}")
st.caption(method_label(minutes_table.method, minutes_table.describe(L), L))

# --- changes (planners): stored in the deployment's data, never in the region folder -------------------------------
if not can_edit:
    st.info(t("roadpage.read_only_role", L))
    st.stop()

if in_use.origin == "imported" and st.button(t("roadstore.remove_button", L), key="roads_remove"):
    _store(
        lambda: remove_roads(region, user=user.username),
        t("roadstore.removed", L) if roads_in_use(region).origin != "none" else t("roadstore.removed_none", L),
    )

st.subheader(t("roadstore.import_heading", L))
st.caption(t("roadstore.import_help", L))
source = st.text_input(t("roadpage.path", L), key="roads_import_path", placeholder="/data/kazakhstan-latest.osm.pbf")
if st.button(t("roadpage.import_button", L), key="roads_import", disabled=not source.strip()):
    path = source.strip()
    try:
        done = import_roads(region, path, user=user.username, profile=profile, progress=_progress_bar())
    except StorageError as error:
        st.error(error.message(L))
    except ValidationError as error:
        st.error(t("roadstore.failed", L))
        st.code("\n".join(format_problem(p, L) for p in error.problems), language=None)
    except (RoadSourceError, OSError) as error:
        st.error(t("roadstore.failed", L))
        st.code(str(error), language=None)
    else:
        _changed(
            t(
                "roadstore.imported",
                L,
                file=markdown_text(done.record.get("file", "")),
                ways=fmt_number(done.record.get("ways", 0), L),
                km=fmt_number(round(float(done.record.get("km", 0.0))), L),
            )
        )

st.subheader(t("roadpage.download", L))
st.caption(t("roadstore.download_help", L))
if st.button(t("roadpage.download_button", L), key="roads_download"):
    try:
        done = download_roads(region, user=user.username, profile=profile, progress=_progress_bar())
    except StorageError as error:
        st.error(error.message(L))
    except (DownloadError, OSError):
        st.error(t("roadpage.no_internet", L))
    except (RoadSourceError, ValidationError) as error:
        st.error(t("roadstore.failed", L))
        st.code(str(error), language=None)
    else:
        _changed(
            t(
                "roadstore.imported",
                L,
                file=markdown_text(done.record.get("file", "")),
                ways=fmt_number(done.record.get("ways", 0), L),
                km=fmt_number(round(float(done.record.get("km", 0.0))), L),
            )
        )
