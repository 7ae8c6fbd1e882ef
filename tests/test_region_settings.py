"""The per-region settings store: values round-trip, replace, remove, and every change is audited."""

from planning.store import access
from planning.store.settings import RegionSettingsStore


def test_a_setting_is_stored_replaced_and_removed_with_an_audit_entry_each(tmp_path, db_at):
    store = RegionSettingsStore(db_at("db"))
    assert store.get("r1", "speeds") is None
    store.set("r1", "speeds", {"primary": 80}, user="planner1", action="edit speeds")
    store.set("r1", "speeds", {"primary": 70}, user="planner2", action="edit speeds")
    stored = store.get("r1", "speeds")
    assert stored.value == {"primary": 70} and stored.updated_by == "planner2"
    assert store.get("r2", "speeds") is None  # keyed by region
    assert store.remove("r1", "speeds", user="planner1", action="reset speeds") is True
    assert store.remove("r1", "speeds", user="planner1", action="reset speeds") is False
    assert store.get("r1", "speeds") is None
    actions = [entry.action for entry in access.entries(store)]
    assert actions == ["reset speeds", "edit speeds", "edit speeds"]


def test_the_stamp_changes_with_every_setting_of_the_region_and_reading_it_creates_no_database(tmp_path):
    from planning.store.settings import settings_stamp

    path = tmp_path / "db.sqlite"
    assert settings_stamp("r1", path) == () and not path.exists()  # reading never creates the database
    store = RegionSettingsStore(path)
    store.set("r1", "roads", {"file": "a"}, user="p", action="import roads")
    stamps = [settings_stamp("r1", path)]
    store.set("r1", "need_rate", {"per_1000": 1.0}, user="p", action="set rate")  # any key, not only roads/speeds
    stamps.append(settings_stamp("r1", path))
    store.set("r1", "need_rate", {"per_1000": 2.0}, user="p", action="set rate")  # same second, another value
    stamps.append(settings_stamp("r1", path))
    store.remove("r1", "roads", user="p", action="remove roads")
    stamps.append(settings_stamp("r1", path))
    assert len(set(stamps)) == len(stamps), stamps
    store.set("r2", "need_rate", {"per_1000": 3.0}, user="p", action="set rate")
    assert settings_stamp("r1", path) == stamps[-1]  # another region's change is not this one's
