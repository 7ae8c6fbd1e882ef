"""Scenario edits, the append-only SQLite store (undo, history, two processes saving at once) and CSV."""

from __future__ import annotations

import math
import multiprocessing
import sqlite3

import pytest

from geo.errors import QorgauError, ValidationError
from geo.schema import SERVICE_COLUMNS
from planning.scenarios import (
    Edit,
    ScenarioConflict,
    ScenarioError,
    ScenarioNameError,
    Site,
    add_site,
    apply_edit,
    export_csv,
    free_site_id,
    import_csv,
    move_site,
    remove_site,
    rename_site,
    set_kind,
    sites_to_services,
)
from planning.store.scenarios import ScenarioStore

SAVES_PER_PROCESS = 60

CENTRE = Site("c1", "Turkistan centre", "permanent", 43.2973, 68.2517, capacity=20)
MOBILE = Site("m1", "Mobile team, Sozak", "mobile", 44.1400, 68.4500, reach_minutes=45)


def test_site_edits_are_pure():
    sites = [CENTRE]
    added = add_site(sites, MOBILE)
    assert sites == [CENTRE] and [s.service_id for s in added] == ["c1", "m1"]
    moved = move_site(added, "m1", lat=43.5, lon=68.9)
    assert (moved[1].lat, moved[1].lon) == (43.5, 68.9) and added[1].lat == 44.14
    renamed = rename_site(moved, "c1", "Туркестан")
    assert renamed[0].name == "Туркестан" and moved[0].name == "Turkistan centre"
    permanent = set_kind(renamed, "m1", "permanent")
    assert permanent[1].kind == "permanent" and math.isnan(permanent[1].reach_minutes)
    mobile = set_kind(permanent, "c1", "mobile", reach_minutes=30)
    assert (mobile[0].kind, mobile[0].reach_minutes) == ("mobile", 30.0)
    assert [s.service_id for s in remove_site(mobile, "c1")] == ["m1"] and len(mobile) == 2


def test_site_edit_errors():
    with pytest.raises(ValidationError, match="already in the scenario"):
        add_site([CENTRE], CENTRE)
    with pytest.raises(ScenarioError, match="no site with id 'x'"):
        remove_site([CENTRE], "x")
    with pytest.raises(ValidationError, match="kind must be one of"):
        set_kind([CENTRE], "c1", "van")
    with pytest.raises(ValidationError) as caught:
        Site("", "Nowhere", "permanent", 143.0, 68.0, capacity=-1, reach_minutes=0)
    assert {p.column for p in caught.value.problems} == {"id", "lat", "capacity", "reach_minutes"}
    assert isinstance(caught.value, QorgauError)


def test_create_save_load_history(tmp_path, db_at):
    store = ScenarioStore(db_at("scenarios"))
    created = store.create("Baseline", "turkistan", [CENTRE], author="ana")
    assert (created.version, created.sites, created.name) == (1, (CENTRE,), "Baseline")
    saved = store.save(created.scenario_id, add_site(created.sites, MOBILE), author="bek", base_version=1)
    assert saved.version == 2 and saved.sites == (CENTRE, MOBILE)
    assert store.load(created.scenario_id, version=1).sites == (CENTRE,)
    assert store.load(created.scenario_id).sites[1].reach_minutes == 45.0
    history = store.history(created.scenario_id)
    assert [(v.version, v.author, v.action) for v in history] == [(1, "ana", "create"), (2, "bek", "save")]
    assert history[0].saved_at < history[1].saved_at
    with pytest.raises(ScenarioError, match="no version 9"):
        store.load(created.scenario_id, version=9)
    with pytest.raises(ScenarioError, match="no scenario"):
        store.load(999)


def test_undo_is_a_new_version_and_steps_back(tmp_path, db_at):
    store = ScenarioStore(db_at("scenarios"))
    a = [CENTRE]
    b = add_site(a, MOBILE)
    c = move_site(b, "m1", lat=43.9, lon=68.3)
    scenario_id = store.create("Plan", "turkistan", a).scenario_id
    store.save(scenario_id, b, author="ana", base_version=1)
    store.save(scenario_id, c, author="ana", base_version=2)
    first_undo = store.undo(scenario_id, author="ana", base_version=3)
    assert (first_undo.version, list(first_undo.sites)) == (4, b)
    second_undo = store.undo(scenario_id, base_version=4)
    assert (second_undo.version, list(second_undo.sites)) == (5, a)
    with pytest.raises(ScenarioError, match="nothing to undo"):
        store.undo(scenario_id, base_version=5)
    d = rename_site(a, "c1", "Centre")
    store.save(scenario_id, d, author="ana", base_version=5)
    # undoing a save made after undos goes back to before it
    assert list(store.undo(scenario_id, base_version=6).sites) == a
    history = store.history(scenario_id)
    assert [v.action for v in history] == ["create", "save", "save", "undo", "undo", "save", "undo"]
    assert [v.restored_from for v in history if v.action == "undo"] == [2, 1, 1]
    assert [list(v.sites) for v in history[:3]] == [a, b, c]  # nothing was overwritten


def test_versions_cannot_be_rewritten(tmp_path):
    path = tmp_path / "scenarios.sqlite"
    store = ScenarioStore(path)
    store.create("Plan", "turkistan", [CENTRE])
    with sqlite3.connect(path) as db, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE scenario_versions SET author = 'x'")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_list_rename_archive(tmp_path, db_at):
    store = ScenarioStore(db_at("scenarios"))
    one = store.create("One", "turkistan", [CENTRE])
    two = store.create("Two", "turkistan", [MOBILE])
    store.create("Elsewhere", "almaty", [])
    assert [s.name for s in store.list_scenarios("turkistan")] == ["One", "Two"]
    assert store.rename(one.scenario_id, "One, renamed").name == "One, renamed"
    store.archive(two.scenario_id)
    assert [s.name for s in store.list_scenarios("turkistan")] == ["One, renamed"]
    assert store.load(two.scenario_id).archived and store.load(two.scenario_id).sites == (MOBILE,)
    with pytest.raises(ScenarioError, match="archived"):
        store.save(two.scenario_id, [], author="ana", base_version=1)
    with pytest.raises(ValidationError, match="repeated"):
        store.save(one.scenario_id, [CENTRE, CENTRE], author="ana", base_version=1)
    assert store.load(one.scenario_id).version == 1  # the refused save left nothing behind


def _save_many(path: str, scenario_id: int, author: str, count: int) -> None:
    store = ScenarioStore(path)
    for i in range(count):
        while True:  # an editor that meets a conflict reloads and saves again on the newest version
            try:
                store.save(
                    scenario_id,
                    [Site(f"{author}-{i}", f"{author} save {i}", "permanent", 43.0, 68.0)],
                    author=author,
                    base_version=store.load(scenario_id).version,
                )
                break
            except ScenarioConflict:
                continue


def test_two_processes_saving_at_once_lose_nothing(tmp_path, db_at):
    path = db_at("scenarios")
    scenario_id = ScenarioStore(path).create("Shared", "turkistan", [CENTRE]).scenario_id
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_save_many, args=(str(path), scenario_id, author, SAVES_PER_PROCESS))
        for author in ("p1", "p2")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    history = ScenarioStore(path).history(scenario_id)
    assert [v.version for v in history] == list(range(1, 2 * SAVES_PER_PROCESS + 2))
    assert [v.saved_at for v in history] == sorted(v.saved_at for v in history)
    for author in ("p1", "p2"):
        own = [v.sites[0].service_id for v in history if v.author == author]
        assert own == [f"{author}-{i}" for i in range(SAVES_PER_PROCESS)]  # all present, in order
    authors = [v.author for v in history[1:]]
    assert any(a != b for a, b in zip(authors, authors[1:]))  # the saves really interleaved
    from planning.store import chain

    assert all(report.intact for report in chain.verify_file(path))  # and the chains hold after them


def test_csv_round_trip(tmp_path):
    sites = [CENTRE, MOBILE, Site("c2", 'Сарыагаш, "centre"', "permanent", 41.4537, 69.1698)]
    text = export_csv(sites)
    assert text.splitlines()[0] == "id,name,kind,lat,lon,capacity,reach_minutes"
    assert text.splitlines()[1] == "c1,Turkistan centre,permanent,43.2973,68.2517,20.0,"
    path = tmp_path / "plan.csv"
    path.write_text(text, encoding="utf-8")
    assert import_csv(path) == sites
    assert import_csv(text.encode("utf-8"), name="upload.csv") == sites


def test_csv_import_reports_every_problem():
    bad = "id,name,kind,lat,lon,capacity,reach_minutes\nx1,One,van,43.0,68.0,,\nx1,Two,permanent,43.0,68.0,,\n"
    with pytest.raises(ValidationError) as caught:
        import_csv(bad.encode("utf-8"), name="upload.csv")
    assert {p.column for p in caught.value.problems} >= {"kind", "id"}


def test_sites_to_services_follows_the_schema():
    services = sites_to_services([CENTRE, MOBILE])
    assert list(services.columns) == SERVICE_COLUMNS and services.crs.to_epsg() == 4326
    assert services.geometry.iloc[1].x == MOBILE.lon and services["reach_minutes"].iloc[1] == 45.0


# --- two editors, one scenario: the second save names its base version and is refused (issue 11, item 6) -----------
def test_two_stores_saving_from_the_same_version_conflict_and_merge_keeps_both(tmp_path, db_at):
    path = db_at("scenarios")
    ana, bek = ScenarioStore(path), ScenarioStore(path)  # two planners, two connections to one file
    scenario_id = ana.create("Shared", "turkistan", [CENTRE], author="ana").scenario_id
    ana_view, bek_view = ana.load(scenario_id), bek.load(scenario_id)
    ana_edit = Edit("add", site=Site("site-1", "Ana's site", "permanent", 43.0, 68.0))
    bek_edit = Edit("add", site=Site("site-1", "Bek's site", "mobile", 44.0, 68.5, reach_minutes=30))
    saved = ana.save(scenario_id, apply_edit(ana_view.sites, ana_edit), author="ana", base_version=ana_view.version)
    with pytest.raises(ScenarioConflict) as caught:
        bek.save(scenario_id, apply_edit(bek_view.sites, bek_edit), author="bek", base_version=bek_view.version)
    conflict = caught.value
    assert (conflict.authors, conflict.base_version, conflict.latest_version) == (("ana",), 1, 2)
    assert conflict.saved_at == bek.history(scenario_id)[-1].saved_at
    assert "changed by ana" in str(conflict) and "version 2" in str(conflict) and isinstance(conflict, QorgauError)
    assert bek.load(scenario_id) == saved  # nothing of Bek's was written
    # merge: Bek's change applied again on the newest version; the taken id is replaced, Ana's site stays
    newest = bek.load(scenario_id)
    merged = bek.save(scenario_id, apply_edit(newest.sites, bek_edit), author="bek", base_version=newest.version)
    assert [(s.service_id, s.name) for s in merged.sites] == [
        ("c1", "Turkistan centre"),
        ("site-1", "Ana's site"),
        ("site-2", "Bek's site"),
    ]
    # an undo also names what it undoes: Ana's view is stale now
    with pytest.raises(ScenarioConflict, match="changed by bek"):
        ana.undo(scenario_id, author="ana", base_version=saved.version)
    with pytest.raises(ScenarioError, match="no site with id 'm1'"):  # a merge onto a version without the site
        apply_edit(merged.sites, Edit("move", service_id="m1", lat=43.0, lon=68.0))


def test_apply_edit_covers_every_page_edit():
    sites = [CENTRE, MOBILE]
    assert apply_edit(sites, Edit("remove", service_id="c1")) == [MOBILE]
    assert apply_edit(sites, Edit("move", service_id="m1", lat=43.5, lon=68.9))[1].lat == 43.5
    assert apply_edit(sites, Edit("rename", service_id="c1", name="Centre"))[0].name == "Centre"
    assert apply_edit(sites, Edit("set_kind", service_id="m1", kind="permanent"))[1].kind == "permanent"
    assert apply_edit(sites, Edit("replace", sites=(MOBILE,))) == [MOBILE]
    assert sites == [CENTRE, MOBILE]
    assert free_site_id([Site("site-1", "x", "permanent", 0, 0), CENTRE]) == "site-2"
    with pytest.raises(ValueError, match="unknown edit action"):
        Edit("delete")


def test_names_are_unique_per_region_ignoring_case_and_spaces(tmp_path, db_at):
    store = ScenarioStore(db_at("scenarios"))
    plan = store.create("  Plan   B ", "turkistan", [CENTRE], author="ana")
    assert plan.name == "Plan B"
    for taken in ("plan b", "PLAN  B", "Plan\tB"):
        with pytest.raises(ScenarioNameError, match="already named 'Plan B'") as caught:
            store.create(taken, "turkistan", [], author="bek")
        assert caught.value.reason == "taken" and caught.value.other.scenario_id == plan.scenario_id
    assert store.create("Plan B", "almaty", [], author="ana").name == "Plan B"  # another region
    other = store.create("Other", "turkistan", [], author="ana")
    with pytest.raises(ScenarioNameError, match="already named"):
        store.rename(other.scenario_id, "plan b", author="ana")
    assert store.rename(plan.scenario_id, "PLAN B", author="ana").name == "PLAN B"  # its own name, other case
    store.archive(plan.scenario_id, author="ana")
    with pytest.raises(ScenarioNameError, match="an archived scenario .* restore that one") as caught:
        store.create("Plan B", "turkistan", [], author="bek")
    assert caught.value.other.archived
    for bad, reason in (("   ", "empty"), ("x" * 121, "too_long")):
        with pytest.raises(ScenarioNameError) as caught:
            store.create(bad, "turkistan", [], author="ana")
        assert caught.value.reason == reason
    assert [s.name for s in store.list_scenarios("turkistan")] == ["Other"]
    assert [s.name for s in store.list_scenarios("turkistan", archived=True)] == ["PLAN B"]
    with pytest.raises(ScenarioError, match="last scenario in use"):
        store.archive(other.scenario_id, author="ana")
    assert store.restore(plan.scenario_id, author="ana").archived is False
