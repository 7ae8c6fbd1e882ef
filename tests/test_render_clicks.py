"""planning.render.clicks: a click on the map is sent to the page at once, as streamlit-folium would send it."""

from __future__ import annotations

import folium
import pytest

from planning.render.clicks import ImmediateClick, sends_clicks_at_once


def _script(returned_objects) -> str:
    fmap = folium.Map(location=[43.0, 68.0], zoom_start=7, tiles=None)
    fmap.add_child(ImmediateClick(returned_objects))
    return fmap.get_root().render()


def test_only_click_values_are_sent_at_once():
    assert sends_clicks_at_once(["last_clicked", "last_object_clicked"])
    assert sends_clicks_at_once(["last_object_clicked"])
    assert not sends_clicks_at_once([])  # the component returns everything then
    assert not sends_clicks_at_once(["last_clicked", "bounds"])  # the view's values: the component's own update
    with pytest.raises(ValueError, match="sends_clicks_at_once"):
        ImmediateClick(["zoom"])


def test_the_value_has_the_components_keys_in_its_order():
    # streamlit-folium compares the value it would send with the last one sent as JSON text: same keys, same order
    script = _script(["last_object_clicked", "last_clicked"])
    assert '["last_clicked", "last_object_clicked"]' in script
    assert '"last_clicked": "lat_lng_clicked"' in script and "setComponentValue" in script
    assert "map_" in script.split("})(", 1)[1].split(",", 1)[0]  # bound to the map it was added to
    only = _script(["last_object_clicked"])
    assert '["last_object_clicked"]' in only and '"last_clicked"' not in only
