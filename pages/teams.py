"""Mobile teams (issue 20): choose a scenario, the threshold T and the districts; planners edit the teams (base, day,
visit time, days per cycle), everyone may build the plan and see it: circuits on the map (one colour per team, each
day's route numbered), the schedule, the villages left out with their reason, coverage with "visited every N days"
as a band of its own, and the route sheets as XLSX and PDF. The computing is planning.circuits and
planning.circuit_data."""

import io

import pandas as pd
import streamlit as st

from geo.errors import QorgauError
from geo.settings import DEFAULT_GAP_MINUTES
from pages.auth import guard
from pages.language import lang
from pages.session import get_region, site_minutes, small_count_k, sticky_value
from pages.widgets import download, show_map, show_table, synthetic_banner
from planning.baseline import scenario_label
from planning.circuit_data import (
    TEAM_COLUMNS,
    circuit_bands,
    fixed_minutes,
    in_language,
    plan_region,
    plan_report,
    read_teams,
)
from planning.circuits import TeamError
from planning.i18n import fmt_number, t
from planning.markup import markdown_text
from planning.render.circuitmap import add_circuits
from planning.render.routesheets import clock, stop_table, write_pdf, write_xlsx
from planning.render.webmap import layer_control_last, region_map
from planning.scenarios import ScenarioConflict, ScenarioError, sites_to_services
from planning.store import access
from planning.store.db import default_db_path
from planning.store.scenarios import ScenarioStore, baseline_scenario

RESULT_KEY = "teams_result"  # st.session_state: (inputs, report, bands); per session
TEAMS_KEY = "teams_table"
SCENARIO_PICK_KEY = "scen_id"
"""The Scenarios page's scenario selector (pages.scenarios.PICK_KEY): the scenario being edited."""
DEFAULT_DAY_HOURS = 8.0
DEFAULT_VISIT_MINUTES = 60.0
DEFAULT_DAYS = 10
DEFAULT_CYCLE_DAYS = 14
"""Calendar days of a cycle (10 working days in two weeks)."""
MINUTES = int(DEFAULT_GAP_MINUTES)

L = lang()
user = guard("view_scenarios")
may_edit = access.can(user.role, "edit_scenarios")
region = get_region()
st.title(f"{t('circuits.title', L)}: {markdown_text(region.name(L))}")
synthetic_banner(region)
st.write(t("circuits.intro", L))
map_slot = st.container()  # the circuits' map first, in the first screen, once there are circuits to show

store = ScenarioStore(default_db_path())
baseline = baseline_scenario(store, region, author=user.username)
scenarios = {s.scenario_id: s for s in store.list_scenarios(region.region_id)}
working = sticky_value(SCENARIO_PICK_KEY)
scenario_id = st.selectbox(
    t("circuits.scenario", L),
    list(scenarios),
    index=list(scenarios).index(working if working in scenarios else baseline.scenario_id),
    format_func=lambda i: scenario_label(scenarios[i].name, region, L),
)
scenario = scenarios[scenario_id]
services = sites_to_services(scenario.sites)
saved = scenario.circuits  # the plan saved with this version of the scenario, if any
if saved is not None:
    st.caption(t("circuits.saved_version", L, version=scenario.version))
settings = (saved or {}).get("settings", {})  # the saved plan's settings start the inputs
left, right = st.columns(2)
with left:
    minutes = st.number_input(
        t("circuits.minutes", L),
        min_value=5,
        max_value=240,
        value=int(settings.get("minutes", MINUTES)),
        step=5,
        key=f"teams_minutes-{scenario_id}-{scenario.version}",
    )
    cycle_days = st.number_input(
        t("circuits.cycle_days", L),
        min_value=1,
        max_value=366,
        value=int(settings.get("cycle_days", DEFAULT_CYCLE_DAYS)),
        step=1,
        key=f"teams_cycle-{scenario_id}-{scenario.version}",
    )
with right:
    district_names = {
        str(d.district_id): str(getattr(d, f"name_{L}", None) or d.district_id) for d in region.districts.itertuples()
    }
    districts = st.multiselect(
        t("circuits.districts", L),
        list(district_names),
        default=[d for d in settings.get("districts", []) if d in district_names],
        format_func=lambda d: district_names[d],
        key=f"teams_districts-{scenario_id}-{scenario.version}",
    )


def default_teams() -> pd.DataFrame:
    """The teams of the saved plan, else one team per mobile site of the scenario, else one at each fixed service
    of the chosen districts."""
    if saved is not None and saved.get("settings", {}).get("teams_csv"):
        return pd.read_csv(io.StringIO(saved["settings"]["teams_csv"]), dtype={"name": str, "base": str})
    mobile = services[services["kind"].astype(str) == "mobile"]
    bases = mobile
    if not len(mobile) and districts:
        inside = region.districts[region.districts["district_id"].isin(districts)].to_crs(services.crs)
        bases = services[services.within(inside.union_all())]
    if not len(bases):
        bases = services.head(1)
    return pd.DataFrame(
        {
            "name": [str(s) for s in bases["name"]],
            # a base by its name as on the map (resolve_base finds services first), by id only where two share it
            "base": [
                str(name) if (services["name"] == name).sum() == 1 else str(service_id)
                for name, service_id in zip(bases["name"], bases["service_id"])
            ],
            "day_hours": DEFAULT_DAY_HOURS,
            "visit_minutes": DEFAULT_VISIT_MINUTES,
            "days": DEFAULT_DAYS,
        }
    )


st.subheader(t("circuits.teams", L))
st.caption(t("circuits.teams_help", L))
teams_frame = st.data_editor(
    default_teams(),
    num_rows="dynamic" if may_edit else "fixed",
    disabled=not may_edit,
    key=f"{TEAMS_KEY}-{scenario_id}-{','.join(districts)}",
    column_config={
        "name": st.column_config.TextColumn(t("circuits.col.team", L), required=True),
        "base": st.column_config.TextColumn(t("circuits.col.base", L), required=True),
        "day_hours": st.column_config.NumberColumn(t("circuits.col.day_hours", L), min_value=0.5, max_value=24.0),
        "visit_minutes": st.column_config.NumberColumn(t("circuits.col.visit_minutes", L), min_value=1),
        "days": st.column_config.NumberColumn(t("circuits.col.days", L), min_value=1, max_value=366, step=1),
    },
)
inputs = (region.region_id, scenario_id, float(minutes), tuple(districts), teams_frame.to_csv(index=False))

if st.button(t("circuits.run", L), type="primary"):
    bar = st.progress(0.0, text=t("circuits.running", L))
    try:
        teams = read_teams(io.StringIO(teams_frame[list(TEAM_COLUMNS)].to_csv(index=False)))
        table = site_minutes(region)
        data, plan = plan_region(
            region,
            services,
            teams,
            table,
            threshold_minutes=float(minutes),
            districts=districts or None,
            progress=lambda share: bar.progress(min(1.0, share), text=t("circuits.running", L)),
        )
        report = {
            "region": region.region_id,
            "scenario": scenario_label(scenarios[scenario_id].name, region, L),
            "minutes": float(minutes),
            **plan_report(region, data, plan),
        }
        bands = circuit_bands(region, fixed_minutes(region, services, table), report, threshold_minutes=float(minutes))
        report["settings"] = {
            "minutes": float(minutes),
            "districts": list(districts),
            "cycle_days": int(cycle_days),
            "teams_csv": teams_frame[list(TEAM_COLUMNS)].to_csv(index=False),
        }
        report["bands"] = [list(b) for b in bands]
        st.session_state[RESULT_KEY] = (inputs, report, bands)
        bar.empty()
    except TeamError as exc:
        bar.empty()
        st.session_state.pop(RESULT_KEY, None)
        st.error(markdown_text(exc.message(L)))
    except QorgauError as exc:
        bar.empty()
        st.session_state.pop(RESULT_KEY, None)
        st.error(markdown_text(exc))

stored = st.session_state.get(RESULT_KEY)
fresh = stored is not None and stored[0][0] == region.region_id and stored[0][1] == scenario_id
if fresh:
    shown_inputs, report, bands = stored
    if shown_inputs != inputs:
        st.info(t("circuits.stale", L))
elif saved is not None:
    report, bands = saved, [tuple(b) for b in saved.get("bands", [])]
    st.info(t("circuits.showing_saved", L, version=scenario.version))
else:
    st.stop()

if fresh and may_edit:
    if scenario.baseline:
        st.caption(t("circuits.baseline_read_only", L))
    elif st.button(t("circuits.save", L)):
        try:
            store.save_circuits(scenario_id, report, author=user.username, base_version=scenario.version)
            st.session_state.pop(RESULT_KEY, None)
            st.rerun()
        except ScenarioConflict as exc:
            st.error(markdown_text(exc))
        except ScenarioError as exc:
            st.error(markdown_text(exc))

report = in_language(report, L)  # the villages named for this reader (saved above as computed)
f = report["figures"]
c1, c2, c3 = st.columns(3)
c1.metric(t("circuits.col.visited", L), f"{f['villages_visited']} / {f['villages_required']}")
c2.metric(t("circuits.col.team_days", L), f"{f['team_days']} / {f['team_days_available']}")
c3.metric(t("circuits.col.lower_bound", L), f["lower_bound_team_days"])
if f["populations_filled"]:
    st.caption(t("circuits.filled_note", L, n=f["populations_filled"]))

st.subheader(t("circuits.coverage", L))
total_people = sum(b[2] for b in bands) or 1.0
show_table(
    pd.DataFrame(
        {
            t("circuits.band", L): [
                t(
                    f"circuits.band.{key}",
                    L,
                    minutes=fmt_number(float(report.get("minutes", minutes)), L),
                    n=int(report.get("settings", {}).get("cycle_days", cycle_days)),
                )
                for key, _, _ in bands
            ],
            t("circuits.col.settlements", L): [n for _, n, _ in bands],
            t("circuits.col.people", L): [fmt_number(round(p), L) for _, _, p in bands],
            t("circuits.col.share", L): [f"{100 * p / total_people:.1f}%" for _, _, p in bands],
        }
    ),
    hide_index=True,
)

fmap = region_map(region, lang=L, services=services, k=small_count_k(), network=site_minutes(region).network)
add_circuits(fmap, report, L)
layer_control_last(fmap)
with map_slot:
    st.subheader(t("circuits.map", L))
    show_map(fmap, key="teams_map")

st.subheader(t("circuits.schedule", L))
rows = []
for team in report["teams"]:
    for day in team["days"]:
        rows.append(
            {
                t("circuits.col.team", L): team["name"],
                t("circuits.col.day", L): day["day"],
                t("circuits.col.village", L): " → ".join(
                    f"{s['name']} ({clock(s['arrival_minutes'])})" for s in day["stops"]
                ),
                t("circuits.col.day_total", L): clock(day["total_minutes"]),
                t("circuits.col.hours_driven", L): round(day["drive_minutes"] / 60.0, 1),
            }
        )
show_table(pd.DataFrame(rows), hide_index=True)
st.subheader(t("circuits.stops", L))  # each visit with its people: an estimate with its range, marked as one
show_table(stop_table(report, L), hide_index=True)
st.caption(t("circuits.stops_help", L))
if report["left_out"]:
    st.subheader(t("circuits.sheet.left_out", L))
    show_table(
        pd.DataFrame(
            {
                t("circuits.col.village", L): [item["name"] for item in report["left_out"]],
                t("circuits.col.reason", L): [t(f"circuits.reason.{item['reason']}", L) for item in report["left_out"]],
                t("circuits.col.round_trip", L): [item["best_round_trip_minutes"] for item in report["left_out"]],
            }
        ),
        hide_index=True,
    )


def _sheet(writer, suffix: str) -> bytes:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"routes{suffix}"
        writer(report, path, L)
        return path.read_bytes()


SHEET_FORMATS = (
    ("xlsx", write_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("pdf", write_pdf, "application/pdf"),
)
"""The route sheets offered: file extension, writer and media type."""
for column, (extension, writer, mime) in zip(st.columns(len(SHEET_FORMATS)), SHEET_FORMATS):
    with column:
        download(
            t(f"circuits.download_{extension}", L),
            lambda writer=writer, extension=extension: _sheet(writer, f".{extension}"),
            file_name=f"routes.{extension}",
            mime=mime,
            key=f"teams_{extension}",
            object=f"route sheets {region.region_id}",
        )
