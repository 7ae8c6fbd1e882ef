"""The rate of expected need a planner sets (planning.store.need): stored in the deployment's settings and audited,
laid over region.json's by with_stored_figures (stored wins, removing it brings region.json's back), so that
planning.need.rate_from_meta(region.meta) is the one rate in use; the command line ``need-rate`` does the same."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import TINY

from geo.region import load_region
from planning.need import NeedRate, rate_from_meta
from planning.store import access
from planning.store.chain import verify_file
from planning.store.need import (
    NEED_RATE_KEY,
    REMOVE_ACTION,
    SET_ACTION,
    RateFieldError,
    checked_rate,
    may_set_rate,
    rate_bases,
    rate_set_by,
    remove_rate,
    save_rate,
    stored_rate,
    stored_rate_problem,
    with_stored_rate,
)
from planning.store.settings import RegionSettingsStore
from planning.store.stored import with_stored_figures

FOLDER_RATE = {"per_1000": 4.0, "low": 3.0, "high": 5.0, "source": "folder test source"}


@pytest.fixture
def db(tmp_path):
    return tmp_path / "qorgau.sqlite"


@pytest.fixture
def tiny_with_rate(tmp_path):
    """The tiny region with a rate (and, optionally, a women's share) in its region.json."""

    def make(**extra):
        target = tmp_path / "tiny"
        shutil.copytree(TINY, target, dirs_exist_ok=True)
        meta = json.loads((target / "region.json").read_text())
        meta.update(extra)
        (target / "region.json").write_text(json.dumps(meta))
        return load_region(target)

    return make


def _audit(db) -> list[tuple[str, str, str]]:
    return [(e.user, e.action, e.object) for e in access.entries(access.AccessStore(db))]


def test_a_stored_rate_round_trips_and_is_audited(db):
    tiny = load_region(TINY)
    assert stored_rate("tiny", db) is None
    save_rate(tiny, {"per_1000": "12,5", "low": 10, "high": None, "source": "  a  test  source ", "basis": "residents"},
              user="planner1", db_path=db)  # fmt: skip
    stored = stored_rate("tiny", db)
    assert (stored.per_1000, stored.low, stored.high, stored.source, stored.basis) == (
        12.5,
        10.0,
        12.5,  # no high end given: the rate itself
        "a test source",  # spaces folded
        "residents",
    )
    assert stored.updated_by == "planner1" and stored.updated_at
    assert _audit(db)[0] == ("planner1", SET_ACTION, f"tiny {NEED_RATE_KEY}")
    assert all(r.intact for r in verify_file(db))  # the settings table is sealed by the keyed audit chain
    assert remove_rate(tiny, user="planner2", db_path=db)
    assert stored_rate("tiny", db) is None
    assert _audit(db)[0] == ("planner2", REMOVE_ACTION, f"tiny {NEED_RATE_KEY}")
    assert not remove_rate(tiny, user="planner2", db_path=db)  # nothing stored: nothing audited
    assert [a for _, a, _ in _audit(db)].count(REMOVE_ACTION) == 1
    assert all(r.intact for r in verify_file(db))


def test_the_stored_rate_wins_over_region_json_and_removing_it_brings_that_back(db, tiny_with_rate):
    region = tiny_with_rate(need_rate=FOLDER_RATE)
    assert rate_from_meta(with_stored_figures(region, db).meta) == NeedRate(4.0, 3.0, 5.0, "folder test source")
    assert rate_set_by(with_stored_figures(region, db).meta) is None
    save_rate(region, {"per_1000": 9, "low": 6, "high": 14, "source": "stored test source"}, user="p", db_path=db)
    in_use = with_stored_figures(region, db)
    assert rate_from_meta(in_use.meta) == NeedRate(9.0, 6.0, 14.0, "stored test source")
    assert rate_set_by(in_use.meta)["by"] == "p"
    assert rate_from_meta(region.meta).source == "folder test source"  # the region itself is not changed
    remove_rate(region, user="p", db_path=db)
    assert rate_from_meta(with_stored_figures(region, db).meta) == NeedRate(4.0, 3.0, 5.0, "folder test source")


def test_without_region_json_rate_the_stored_one_is_the_only_one(db):
    tiny = load_region(TINY)
    assert rate_from_meta(with_stored_figures(tiny, db).meta) is None
    save_rate(tiny, {"per_1000": 2, "source": "test"}, user="p", db_path=db)
    assert rate_from_meta(with_stored_figures(tiny, db).meta) == NeedRate(2.0, 2.0, 2.0, "test")
    remove_rate(tiny, user="p", db_path=db)
    assert rate_from_meta(with_stored_figures(tiny, db).meta) is None


def test_a_rate_per_women_is_offered_only_where_the_region_gives_their_share(db, tiny_with_rate):
    plain = load_region(TINY)
    assert rate_bases(plain.meta) == ("residents",)
    with pytest.raises(RateFieldError) as refused:
        save_rate(plain, {"per_1000": 30, "source": "test", "basis": "women_18_75"}, user="p", db_path=db)
    assert refused.value.field == "basis" and "women_18_75_share" in str(refused.value)
    assert stored_rate("tiny", db) is None
    region = tiny_with_rate(women_18_75_share=0.25)
    assert rate_bases(region.meta) == ("residents", "women_18_75")
    save_rate(region, {"per_1000": 40, "low": 20, "high": 60, "source": "test", "basis": "women_18_75"}, user="p",
              db_path=db)  # fmt: skip
    # 40 per 1,000 women of 18-75, a quarter of the residents: 10 per 1,000 residents
    assert rate_from_meta(with_stored_rate(region, db).meta) == NeedRate(10.0, 5.0, 15.0, "test")
    assert rate_set_by(with_stored_rate(region, db).meta)["entered"]["per_1000"] == 40.0
    # region.json losing the share: the stored rate is left out (not misread per resident) and the reason is said
    assert rate_from_meta(with_stored_rate(plain, db).meta) is None
    assert "women_18_75_share" in stored_rate_problem(plain, db)


@pytest.mark.parametrize(
    "value, field, key",
    [
        ({"per_1000": None, "source": "s"}, "per_1000", "missing"),
        ({"per_1000": "abc", "source": "s"}, "per_1000", "not_number"),
        ({"per_1000": -1, "source": "s"}, "per_1000", "negative"),
        ({"per_1000": 5, "low": "x", "source": "s"}, "low", "not_number"),
        ({"per_1000": 5, "source": "   "}, "source", "no_source"),
        ({"per_1000": 5, "source": "s" * 501}, "source", "source_long"),
        ({"per_1000": 5, "low": 6, "source": "s"}, "low", "range"),
        ({"per_1000": 5, "high": 4, "source": "s"}, "high", "range"),
        ({"per_1000": 5, "source": "s", "basis": "households"}, "basis", "bad_basis"),
    ],
)
def test_an_unusable_rate_names_its_field_and_the_fix(value, field, key):
    with pytest.raises(RateFieldError) as error:
        checked_rate({}, **value)
    assert (error.value.field, error.value.key) == (field, key)
    assert "Fix" in str(error.value) or key in ("not_number", "bad_basis")


def test_a_stored_rate_that_no_longer_passes_is_not_used(db):
    tiny = load_region(TINY)
    RegionSettingsStore(db).set("tiny", NEED_RATE_KEY, {"per_1000": 5, "low": 7, "high": 9, "source": "x"}, user="t",
                                action=SET_ACTION)  # fmt: skip
    assert rate_from_meta(with_stored_figures(tiny, db).meta) is None
    assert "range" in stored_rate_problem(tiny, db)


def test_planners_and_admins_may_set_the_rate_presenters_not():
    assert may_set_rate("planner") and may_set_rate("admin")
    assert not may_set_rate("presenter") and not may_set_rate(None)


def test_cli_need_rate_show_set_remove(db, capsys):
    from planning.cli import main

    access.AccessStore(db)  # the database exists (the CLI reads only an existing one)
    base = ["--lang", "en", "need-rate", "--region", str(TINY), "--db", str(db)]
    assert main([*base, "show", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rate"] is None
    assert main([*base, "set", "--rate", "8", "--rate-low", "5", "--rate-high", "11", "--rate-source", "cli test",
                 "--user", "ops"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main([*base, "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["rate"] == {"per_1000": 8.0, "low": 5.0, "high": 11.0, "source": "cli test"}
    assert (shown["from"], shown["set_by"]) == ("stored", "ops")
    assert _audit(db)[0] == ("ops", SET_ACTION, f"tiny {NEED_RATE_KEY}")
    # what coverage and suggest read on the command line is the stored rate (planning.cli.data.open_region)
    from planning.cli.data import open_region

    class Args:
        region, db = TINY, None

    Args.db = db
    assert rate_from_meta(open_region(Args, "en").meta) == NeedRate(8.0, 5.0, 11.0, "cli test")
    assert main([*base, "set", "--rate", "8", "--rate-low", "9", "--rate-source", "x"]) == 2
    assert "--rate-low" in capsys.readouterr().err
    assert main([*base, "set", "--rate", "8"]) == 2
    assert "--rate-source" in capsys.readouterr().err
    assert main([*base, "show", "--rate", "3"]) == 2
    assert main([*base, "remove", "--user", "ops"]) == 0
    assert "removed" in capsys.readouterr().out
    assert _audit(db)[0] == ("ops", REMOVE_ACTION, f"tiny {NEED_RATE_KEY}")
    assert main([*base, "show"]) == 0
    assert "no rate" in capsys.readouterr().out
