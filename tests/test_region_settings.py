"""The per-region settings store: values round-trip, replace, remove, and every change is audited."""

from planning.store import access
from planning.store.settings import RegionSettingsStore


def test_a_setting_is_stored_replaced_and_removed_with_an_audit_entry_each(tmp_path):
    store = RegionSettingsStore(tmp_path / "db.sqlite")
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
