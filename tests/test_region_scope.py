"""One deployment, several regions, users scoped to theirs (issue 23, item 4): a planner of one region reads no other
region's scenarios, counts or populations by any route. One test per route: the store (assignments, the upgrade
rule, the audit chain and the audit log), the pages (session state, ``?region=``, Home's folder field, the sidebar's
chooser, the Scenarios and Reports pages, the Users page) and the command line (``--as-user``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import PROJECT, TINY, sign_in_session
from streamlit.testing.v1 import AppTest

from geo.region import load_region
from planning.cli import COMMAND_ACTIONS, COMMANDS, main
from planning.store import access, regions
from planning.store.population import PopulationStore, ingest_populations
from planning.store.regions import RegionScopeStore, Scope, scope_of, set_regions, visible_entries
from planning.store.scenarios import ScenarioStore, baseline_scenario

PASSWORD = "correct horse battery staple"
OTHER_POPULATION = 987_654
"""The population uploaded for the other region's first village: it must show up nowhere a planner of tiny looks."""
OTHER_SCENARIO = "Secret plan of the other region"


@pytest.fixture
def two_regions(tmp_path: Path, monkeypatch) -> dict[str, Path]:
    """A deployment of two small regions (tiny, and a copy of it with the id "other"), its database, and the other
    region's uploaded population and saved scenario; QORGAU_REGION is tiny."""
    return _deployment(tmp_path, monkeypatch, tmp_path / "qorgau.sqlite")


@pytest.fixture
def two_regions_on_both(tmp_path: Path, monkeypatch, db_at) -> dict[str, Path]:
    """:func:`two_regions` with its store on SQLite and, as a second run, on PostgreSQL (the deployment's
    ``QORGAU_DATABASE_URL`` and owner URL set as the README says; the store tests run on both)."""
    from planning.store import dialect
    from planning.store.db import default_db_path

    made = db_at("qorgau")
    if dialect.is_store_file(made):
        app_url, owner_url = dialect.read_store_file(made)
        monkeypatch.setenv(dialect.URL_ENV_VAR, app_url)
        monkeypatch.setenv(dialect.OWNER_URL_ENV_VAR, owner_url or app_url)
        monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "qorgau.sqlite"))
        made = default_db_path()  # the store file the pages and commands name (in QORGAU_SCENARIO_DB's folder)
        assert dialect.is_store_file(made), made
    return _deployment(tmp_path, monkeypatch, made)


def _deployment(tmp_path: Path, monkeypatch, db: Path) -> dict[str, Path]:
    tiny = tmp_path / "regions" / "tiny"
    other = tmp_path / "regions" / "other"
    shutil.copytree(TINY, tiny)
    shutil.copytree(TINY, other)
    meta = json.loads((other / "region.json").read_text(encoding="utf-8"))
    meta["id"] = "other"
    meta["name"] = {"ru": "Другой регион", "kk": "Басқа өңір", "en": "Other region"}
    (other / "region.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    if not str(db).endswith(".pgstore"):
        monkeypatch.setenv("QORGAU_SCENARIO_DB", str(db))
    monkeypatch.setenv("QORGAU_REGION", str(tiny))
    monkeypatch.setenv("QORGAU_REGIONS", f"{tiny}:{other}")
    monkeypatch.setenv("QORGAU_REGION_ROOTS", str(tmp_path / "regions"))
    monkeypatch.setenv("QORGAU_AUDIT_KEY", "k" * 40)
    monkeypatch.delenv("QORGAU_PASSWORD", raising=False)
    monkeypatch.chdir(PROJECT)
    other_region = load_region(other)
    result = ingest_populations(
        f"name,population\nАльфа,{OTHER_POPULATION}\n".encode(),
        filename="pop.csv",
        region=other_region,
        store=PopulationStore(db),
        user="other-planner",
    )
    assert result.accepted, result.errors
    scenarios = ScenarioStore(db)
    baseline = baseline_scenario(scenarios, other_region)
    scenarios.create(OTHER_SCENARIO, "other", baseline.sites, author="other-planner")
    return {"tiny": tiny, "other": other, "db": db}


def _user(name: str, role: str, region_ids: list[str] | None, *, db: Path | None = None) -> access.User:
    """A user with a permanent password and the given regions (None: no assignment, as before regions)."""
    store = RegionScopeStore(db)
    access.create_user(store, name, role=role, password=PASSWORD, by="tests")
    if region_ids is not None:
        set_regions(store, name, region_ids, by="tests", by_scope=None, deployment_ids=["tiny", "other"])
    return next(u for u in access.list_users(store) if u.username == name)


# --------------------------------------------------------------------------------------------------------------
# the store
# --------------------------------------------------------------------------------------------------------------
def test_users_from_before_regions_keep_everything_while_the_deployment_has_one_region(db_at):
    store = RegionScopeStore(db_at("db"))
    for name, role in (("old-planner", "planner"), ("old-admin", "admin")):
        access.create_user(store, name, role=role, password=PASSWORD, by="tests")
    users = {u.username: u for u in access.list_users(store)}
    assert scope_of(store, users["old-planner"], ["tiny"]) == Scope("old-planner", True)  # nothing breaks on upgrade
    # a second region served: the admin keeps the deployment, a planner waits for an assignment
    assert scope_of(store, users["old-admin"], ["tiny", "other"]).whole
    planner = scope_of(store, users["old-planner"], ["tiny", "other"])
    assert not planner.whole and not planner.allows("tiny") and not planner.allows("other")


def test_assigning_regions_is_audited_checked_and_limited_to_the_admins_own(two_regions_on_both):
    store = RegionScopeStore()
    served = ["tiny", "other"]
    planner = _user("tp", "planner", ["tiny"])
    assert scope_of(store, planner, served) == Scope("tp", False, frozenset({"tiny"}))
    last = access.entries(store, limit=1)[0]
    assert (last.action, last.object) == ("set regions", "user tp regions: tiny")
    assert access.object_label(last.object, "ru") == "пользователь tp, регионы: tiny"
    with pytest.raises(access.UserError) as unknown:
        set_regions(store, "tp", ["tiny", "nowhere"], by="tests", by_scope=None, deployment_ids=served)
    assert unknown.value.key == "unknown_region" and "nowhere" in str(unknown.value)
    region_admin = scope_of(store, _user("ta", "admin", ["tiny"]), served)
    _user("op", "planner", ["other"])
    for target, wanted in (("tp", ["other"]), ("tp", ["*"]), ("op", ["tiny"])):  # another region, the whole, a stranger
        with pytest.raises(access.UserError) as refused:
            set_regions(store, target, wanted, by="ta", by_scope=region_admin, deployment_ids=served)
        assert refused.value.key == "region_not_yours"
    assert regions.assigned(store, "op") == {"other"}  # unchanged
    set_regions(store, "tp", ["tiny"], by="ta", by_scope=region_admin, deployment_ids=served)  # their own: allowed


def test_a_deleted_users_regions_do_not_pass_to_a_new_user_of_that_name(two_regions_on_both):
    store = RegionScopeStore()
    _user("tp", "planner", ["other"])
    access.delete_user(store, "tp", by="tests")  # without forget_user: the rows stay behind
    with store.transaction() as db:  # as if the new user was created a second later
        db.execute("UPDATE user_regions SET assigned_at = '2000-01-01T00:00:00+00:00'")
    again = _user("tp", "planner", None)
    assert not scope_of(store, again, ["tiny", "other"]).allows("other")


def test_a_region_assignment_changed_behind_the_chain_is_reported(two_regions_on_both, capsys):
    """A changed ``user_regions`` row (a sealed table) breaks the chain, on SQLite and PostgreSQL (as its owner):
    ``chain.verify_file`` and ``python -m planning audit --verify`` both report it."""
    import pg

    from planning.store import chain

    path = two_regions_on_both["db"]
    _user("tp", "planner", ["tiny"])
    assert all(report.intact for report in chain.verify_file(path))
    assert main(["audit", "--verify"]) == 0, capsys.readouterr()
    with pg.raw_connection(path) as db:
        db.execute("UPDATE user_regions SET region_id = 'other' WHERE username = 'tp'")
    broken = [report for report in chain.verify_file(path) if not report.intact]
    assert broken and "user_regions" in broken[0].first_break.message
    capsys.readouterr()
    assert main(["audit", "--verify"]) == 1
    assert "user_regions" in capsys.readouterr().err


def test_the_audit_log_of_a_region_admin_holds_only_their_regions_entries(two_regions_on_both):
    store = RegionScopeStore()
    served = ["tiny", "other"]
    tiny_admin = scope_of(store, _user("ta", "admin", ["tiny"]), served)
    _user("tp", "planner", ["tiny"])
    _user("op", "planner", ["other"])
    access.record(store, user="tp", action="export", object="tiny settlements.csv")
    access.record(store, user="op", action="export", object="other settlements.csv")
    shown = visible_entries(store, tiny_admin, served, limit=500)
    objects = [e.object for e in shown]
    assert "tiny settlements.csv" in objects and "user tp regions: tiny" in objects
    assert not [o for o in objects if "other" in o or "op" in o.split()]  # upload, scenario, account of the other
    everything = [e.object for e in visible_entries(store, Scope("root", True), served, limit=500)]
    assert f"scenario 2 ({OTHER_SCENARIO})" in everything and "other settlements.csv" in everything


# --------------------------------------------------------------------------------------------------------------
# the pages
# --------------------------------------------------------------------------------------------------------------
def _app(username: str, role: str, region_ids: list[str] | None, *, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    if username not in {u.username for u in access.list_users(access.AccessStore())}:
        _user(username, role, region_ids)
    sign_in_session(at, username, role)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    parts = [*at.title, *at.subheader, *at.markdown, *at.caption, *at.error, *at.warning, *at.info]
    return "\n".join(str(p.value) for p in parts)


def test_a_planner_of_one_region_opens_only_it_whatever_the_session_state_says(two_regions):
    at = _app("tp", "planner", ["tiny"])
    assert "Малый регион" in _texts(at)
    at.session_state["region_dir"] = str(two_regions["other"])  # a stale or forged choice in the session
    at.run()
    text = _texts(at)
    assert "Малый регион" in text and "Другой регион" not in text
    assert str(two_regions["other"]) not in text


def test_a_region_taken_away_closes_at_the_next_click(two_regions):
    at = _app("bp", "planner", ["tiny", "other"], query={"region": "other"})
    assert at.session_state["_region"].region_id == "other"
    at.session_state["suggest_result"] = "computed from the other region"  # a result kept in the session
    set_regions(RegionScopeStore(), "bp", ["tiny"], by="tests", by_scope=None, deployment_ids=["tiny", "other"])
    at.run()  # the session still holds the other region and its figures: none of it is shown again
    assert at.session_state["_region"].region_id == "tiny" and "Другой регион" not in _texts(at)
    assert "suggest_result" not in at.session_state


def test_a_region_in_the_address_opens_only_when_it_is_the_users(two_regions):
    at = _app("tp", "planner", ["tiny"], query={"region": "other"})
    text = _texts(at)
    assert "Регион other не входит в ваши" in text and "Малый регион" in text and "Другой регион" not in text
    both = _app("bp", "planner", ["tiny", "other"], query={"region": "other"})
    assert "Другой регион" in _texts(both) and not both.error


def test_the_sidebar_chooser_lists_the_users_regions_only_when_there_are_several(two_regions):
    both = _app("bp", "planner", ["tiny", "other"])
    chooser = [box for box in both.sidebar.selectbox if box.key == "_region_choice"]
    assert chooser and chooser[0].options == ["Малый регион", "Другой регион"]
    one = _app("tp", "planner", ["tiny"])
    assert not [box for box in one.sidebar.selectbox if box.key == "_region_choice"]


def test_a_user_without_a_region_sees_none(two_regions):
    at = _app("np", "planner", None)  # several regions, no assignment: none
    assert "не закреплены ни за одним регионом" in _texts(at)
    assert "Малый регион" not in _texts(at) and "Другой регион" not in _texts(at)


def test_homes_folder_field_refuses_another_regions_folder(two_regions):
    at = _app("tp", "planner", ["tiny"])
    at.text_input[0].set_value(str(two_regions["other"]))
    next(b for b in at.button if "Открыть" in str(b.label)).click().run()
    text = _texts(at)
    assert "Регион other не входит в ваши" in text and "Малый регион" in text and "Другой регион" not in text
    assert "region_dir" not in at.session_state or at.session_state["region_dir"] != str(two_regions["other"])


def test_scenarios_and_reports_pages_offer_only_the_regions_scenarios(two_regions):
    at = _app("tp", "planner", ["tiny"], query={"region": "other"})
    at.switch_page("pages/scenarios.py").run()
    assert not at.exception, at.exception
    options = [o for box in at.selectbox for o in box.options]
    assert options and not [o for o in options if OTHER_SCENARIO in o]
    at.switch_page("pages/reports.py").run()
    assert not at.exception, at.exception
    assert OTHER_SCENARIO not in [o for box in at.selectbox for o in box.options]
    region = at.session_state["_region"]  # what the exports are built from
    assert region.region_id == "tiny" and region.settlements["population"].max() < OTHER_POPULATION


def test_the_users_page_of_a_region_admin(two_regions):
    _user("op", "planner", ["other"])
    _user("tp", "planner", ["tiny"])
    at = _app("ta", "admin", ["tiny"])
    at.switch_page("pages/admin.py").run()
    assert not at.exception, at.exception
    users = at.dataframe[0].value
    assert set(users.iloc[:, 0]) == {"ta", "tp"}  # not the other region's planner
    assert list(users.columns)[-1] == "Регионы"
    audit = at.dataframe[-1].value
    assert not [o for o in audit.iloc[:, 3] if "op" in str(o) or "other" in str(o)]
    region_boxes = [m for m in at.multiselect if m.label == "Регионы"]
    assert region_boxes and all(m.options == ["Малый регион"] for m in region_boxes)  # only their own to assign
    assert not [c for c in at.checkbox if c.label == "вся установка (все регионы)"]


def test_the_users_page_of_the_whole_deployments_admin_assigns_regions(two_regions):
    _user("tp", "planner", ["tiny"])
    at = _app("root", "admin", ["*"])
    at.switch_page("pages/admin.py").run()
    at.selectbox(key="admin_user").set_value("tp").run()
    at.multiselect(key="change_tp_regions").set_value(["tiny", "other"])
    next(b for b in at.button if str(b.label) == "Назначить регионы").click().run()
    assert not at.exception, at.exception
    assert regions.assigned(RegionScopeStore(), "tp") == {"tiny", "other"}
    assert access.entries(access.AccessStore(), limit=1)[0].user == "root"


# --------------------------------------------------------------------------------------------------------------
# the command line
# --------------------------------------------------------------------------------------------------------------
def test_every_command_says_what_its_user_needs():
    assert set(COMMAND_ACTIONS) == set(COMMANDS)
    assert all(action is None or action in access.ACTIONS for action in COMMAND_ACTIONS.values())


def test_the_signed_in_key_of_the_pages_is_one():
    from pages.auth import USER_KEY
    from pages.session import SIGNED_IN_KEY

    assert SIGNED_IN_KEY == USER_KEY


def test_the_command_line_as_a_planner_reads_only_their_region(two_regions, monkeypatch, capsys):
    _user("tp", "planner", ["tiny"])
    monkeypatch.setenv("QORGAU_PASSWORD", PASSWORD)
    other, tiny = str(two_regions["other"]), str(two_regions["tiny"])
    teams = two_regions["db"].parent / "teams.csv"
    teams.write_text("name,base,day_hours,visit_minutes,days\nTeam A,s1,8,60,10\n", encoding="utf-8")
    for argv in (
        ["info", "--region", other, "--json"],
        ["coverage", "--region", other, "--scenario", OTHER_SCENARIO, "--json"],
        ["coverage", "--region", other, "--json"],
        ["export", "csv", "--region", other, "--out", str(two_regions["db"].parent / "x.csv")],
        ["import-incidents", "--region", other, "--user", "tp", str(TINY / "incidents.csv")],
        ["need-rate", "--region", other, "show"],
        ["compare", "--region", other, OTHER_SCENARIO, OTHER_SCENARIO],
        ["suggest", "--region", other, "--model", "mclp", "--add", "1"],
        ["travel-times", "--region", other, "--out", str(two_regions["db"].parent / "x.times.csv")],
        ["isochrones", "--region", other, "--out", str(two_regions["db"].parent / "x.geojson")],
        ["circuits", "--region", other, "--teams", str(teams)],
        ["report", "--region", other, "--out", str(two_regions["db"].parent / "x.pdf")],
        ["map", "--region", other, "--out", str(two_regions["db"].parent / "x.html")],
        ["import-roads", "--region", other, "--remove"],
    ):
        capsys.readouterr()
        assert main([*argv, "--as-user", "tp", "--lang", "ru"]) == 1, argv
        out, err = capsys.readouterr()
        assert "не закреплён за регионом other" in err, (argv, err)
        assert str(OTHER_POPULATION) not in out + err and OTHER_SCENARIO not in out
    assert not [p.name for p in two_regions["db"].parent.glob("x.*")]
    assert main(["info", "--region", tiny, "--json", "--as-user", "tp"]) == 0  # their own region
    assert "Малый регион" not in capsys.readouterr().err
    # a scenario of the other region named (or its id given) from their own region: not found, and not listed
    other_id = str(ScenarioStore(two_regions["db"]).list_scenarios("other")[-1].scenario_id)
    for value in (OTHER_SCENARIO, other_id):
        assert main(["coverage", "--region", tiny, "--scenario", value, "--as-user", "tp", "--lang", "en"]) == 2
        listed = capsys.readouterr().err.rsplit("(or a .csv file):", 1)[1]
        assert OTHER_SCENARIO not in listed


def test_the_command_line_without_a_user_is_the_machine_owners(two_regions, capsys):
    assert main(["info", "--region", str(two_regions["other"]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["population_total"] >= OTHER_POPULATION


def test_the_command_lines_sign_in_and_role(two_regions, monkeypatch, capsys):
    _user("tp", "planner", ["tiny"])
    _user("pr", "presenter", ["tiny"])
    tiny = str(two_regions["tiny"])
    monkeypatch.setenv("QORGAU_PASSWORD", "not the password at all")
    assert main(["info", "--region", tiny, "--as-user", "tp", "--lang", "en"]) == 2
    assert "wrong user name or password" in capsys.readouterr().err
    monkeypatch.setenv("QORGAU_PASSWORD", PASSWORD)
    assert main(["audit", "--as-user", "tp", "--lang", "en"]) == 1  # a planner's role reads no audit log
    assert "may not run audit" in capsys.readouterr().err
    out = two_regions["db"].parent / "s.csv"
    argv = ["export", "csv", "--region", tiny, "--incident-level", "settlement", "--out", str(out)]
    assert main([*argv, "--as-user", "pr", "--lang", "en"]) == 1  # a presenter sees district figures only
    assert not out.exists()
    assert main(["build-default", "--as-user", "tp", "--lang", "en"]) == 2
    assert "machine owner's command" in capsys.readouterr().err
    assert main(["import-incidents", "--region", tiny, "--user", "pr", str(TINY / "incidents.csv"), "--as-user", "tp"])
    assert "--user" in capsys.readouterr().err


def test_the_command_lines_audit_log_and_user_regions_as_a_region_admin(two_regions, monkeypatch, capsys):
    _user("ta", "admin", ["tiny"])
    _user("tp", "planner", ["tiny"])
    _user("op", "planner", ["other"])
    monkeypatch.setenv("QORGAU_PASSWORD", PASSWORD)
    capsys.readouterr()
    assert main(["audit", "--limit", "500", "--as-user", "ta"]) == 0
    log = capsys.readouterr().out
    assert "user tp regions: tiny" in log and "other" not in log and " op " not in log
    assert main(["audit", "--verify", "--as-user", "ta"]) == 2  # the chain's checks are the owner's
    assert main(["user-regions", "tp", "--set", "tiny,other", "--as-user", "ta", "--lang", "en"]) == 2
    assert "may not assign" in capsys.readouterr().err
    assert main(["user-regions", "op", "--as-user", "ta"]) == 2  # not even shown
    # the machine's owner assigns anything
    assert main(["user-regions", "tp", "--set", "tiny,other", "--lang", "en"]) == 0
    assert "tp: other, tiny" in capsys.readouterr().out
    assert regions.assigned(RegionScopeStore(), "tp") == {"tiny", "other"}
