"""A click on a map tells the page at once (issue 24: the time from a click to the figures).

streamlit-folium (0.27) tells the page of a click through a debounced update: 250 ms after the last map event, it
sends the values the page asked for (``returned_objects``) when they changed. A click that adds a site on the
Scenarios page or picks a village thus waits a quarter of a second before the page even starts its run.
:class:`ImmediateClick` sends the same values right after the click's own handlers ran (the component's, which record
the clicked point and object), and records them as sent, so that the component's debounced update finds nothing new
and sends nothing: one run per click, a quarter of a second earlier.

Only the click values (``last_clicked``, ``last_object_clicked``) are sent so; a page that asks for other values
(the view's bounds, its zoom) keeps the component's own update for all of them. The value sent is the one the
component would send: the same keys in the same order (it compares the two as JSON text).
"""

from __future__ import annotations

from collections.abc import Iterable

from branca.element import MacroElement, Template

from planning.markup import js_value

CLICK_VALUES = ("last_clicked", "last_object_clicked")
"""The component values :class:`ImmediateClick` sends, in the order streamlit-folium builds its value."""
CLICK_STATE = {"last_clicked": "lat_lng_clicked", "last_object_clicked": "last_object_clicked"}
"""Where streamlit-folium keeps each value in the frame (``window.__GLOBAL_DATA__``)."""


def sends_clicks_at_once(returned_objects: Iterable[str]) -> bool:
    """Whether :class:`ImmediateClick` can send the values ``returned_objects`` asks for: some, and only, clicks."""
    wanted = set(returned_objects)
    return bool(wanted) and wanted <= set(CLICK_VALUES)


class ImmediateClick(MacroElement):
    """On a click on the map, send streamlit-folium's click values to the page at once (see the module's note).

    Parameters
    ----------
    returned_objects : iterable of str
        The values the page asked ``st_folium`` for; a subset of :data:`CLICK_VALUES` (else ValueError).
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function(map, keys, state) {
  map.on("click", function() {
    // after this click's other handlers (the component's records the point; a layer's, the object)
    window.setTimeout(function() {
      var data = window.__GLOBAL_DATA__, streamlit = window.Streamlit;
      if (!data || !streamlit || !streamlit.setComponentValue) { return; }
      var value = {};
      keys.forEach(function(key) { value[key] = data[state[key]] === undefined ? null : data[state[key]]; });
      if (JSON.stringify(data.previous_data) === JSON.stringify(value)) { return; }
      data.previous_data = value;  // the component's own (debounced) update then finds nothing new to send
      streamlit.setComponentValue(value);
    }, 0);
  });
})({{ this._parent.get_name() }}, {{ this.keys_js }}, {{ this.state_js }});
{% endmacro %}
""")

    def __init__(self, returned_objects: Iterable[str]):
        super().__init__()
        wanted = list(returned_objects)
        if not sends_clicks_at_once(wanted):
            raise ValueError(
                f"ImmediateClick sends only {list(CLICK_VALUES)}; got returned_objects={wanted}: leave such a map to "
                "streamlit-folium's own update (check with sends_clicks_at_once first)."
            )
        self._name = "ImmediateClick"
        keys = [key for key in CLICK_VALUES if key in wanted]  # the component's order: it compares JSON texts
        self.keys_js = js_value(keys)
        self.state_js = js_value({key: CLICK_STATE[key] for key in keys})
