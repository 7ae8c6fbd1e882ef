"""The map colours, one set for the web maps (:mod:`planning.render.webmap`, :mod:`planning.render.gapmap`) and the
still maps
(:mod:`planning.render.staticmap`, the PDF), so a legend and its map always agree.

The hues are the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"; Wong 2011, Nature Methods 8:441),
built to stay distinct under protanopia, deuteranopia and tritanopia. Where a layer needs lighter steps of one hue
(the nested isochrone bands), they are tints of an Okabe-Ito colour, which keeps the order readable by lightness
alone; neutral greys mark what is not a finding (settlements, outlines).

Each layer has one role colour here; a layer's legend row takes the same constant, never a copy of its value.
"""

from __future__ import annotations

PALETTE_NAME = "Okabe-Ito"

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
"""The eight Okabe-Ito colours, by their published names."""

# --- points ------------------------------------------------------------------------------------------------------
SERVICE = OKABE_ITO["black"]
"""Service sites: black discs with a white ring (web), black diamonds (still maps)."""
SERVICE_RING = "#FFFFFF"
SETTLEMENT = "#555555"
"""Settlements with a known population (covered ones, on a gap map)."""
SETTLEMENT_UNKNOWN = "#AAAAAA"
"""Settlements whose population is not known."""
GAP_SETTLEMENT = OKABE_ITO["vermillion"]
"""Settlements beyond the gap threshold from every service."""
SUGGESTED_SITE = OKABE_ITO["bluish_green"]
"""Suggested new sites (numbered)."""
INCIDENTS = OKABE_ITO["blue"]
"""Rings of the released incident cells per settlement."""
ROUTE = OKABE_ITO["blue"]
"""The road route from a clicked settlement to its nearest service (a line with a white casing)."""
"""Rings of the released incident cells per settlement."""

# --- minutes to the nearest service (settlement colour classes, light to dark meaning worse) -----------------------
MINUTE_CLASS_COLOURS = (OKABE_ITO["bluish_green"], OKABE_ITO["yellow"], OKABE_ITO["orange"], OKABE_ITO["vermillion"])
"""Within 15, 30, 60 minutes, more."""
UNREACHABLE = OKABE_ITO["reddish_purple"]
"""No service reaches the settlement at all."""

# --- areas ---------------------------------------------------------------------------------------------------------
BAND_COLOURS = (OKABE_ITO["blue"], OKABE_ITO["sky_blue"], "#BCE1F6", "#E4F2FB")
"""Isochrone band fills from the smallest band (darkest) to the largest: Okabe-Ito blue, sky blue and two tints
of sky blue."""
HEXAGONS = OKABE_ITO["reddish_purple"]
"""Hexagons of unserved population (fill opacity grows with the number of people)."""
REGION_OUTLINE = "#222222"
DISTRICT_OUTLINE = "#666666"
DISTRICT_LABEL = "#222222"
"""District names, drawn with a white halo."""

# --- base layer ----------------------------------------------------------------------------------------------------
ROAD_MAJOR = "#8C6D46"
"""Major roads (trunk, primary, secondary): a muted brown, apart from every finding's hue and darker than the minor
roads."""
ROAD_MINOR = "#BBA98F"
"""Other roads drawn on the base layer (tertiary, unclassified): a light tint of the major roads' brown."""
TOWN_LABEL = "#333333"
"""Names of towns and cities, drawn with a white halo."""
