"""The region map as a still picture (PNG), drawn with matplotlib: no tile server, no browser, no network.

Used by the PDF reports and the PNG export. Layers, bottom to top: isochrone bands (60, 30, 15 minutes), region
outline, district outlines, settlements (uncovered ones marked as gaps), service sites, district names; the legend
stands beside the map, never on it. Colours from :mod:`planning.render.palette`, as on the web map. No incident data is
drawn. :func:`map_figure` draws it; :func:`png_bytes` encodes it.
"""

from __future__ import annotations

import io
import math
import textwrap

import geopandas as gpd
import numpy as np
from matplotlib import patheffects
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from geo.region import Region
from planning.i18n import place_names, t
from planning.render import palette
from planning.render.webmap import band_colour, focus_bounds

MAP_WIDTH_IN = 10.0
"""Width of the picture, inches (height follows the area's shape)."""
LEGEND_WIDTH_FRACTION = 0.3
"""Share of the width kept for the legend, to the right of the map (never on it)."""
LEGEND_WRAP_CHARS = 22
"""Legend labels are wrapped at this many characters so they stay within the legend's column."""
MIN_HEIGHT_IN = 4.0
MAX_ASPECT = 0.9
"""Height at most this share of the width: the map and a heading fit on one A4 page."""
TITLE_HEIGHT_IN = 0.5
"""Room for the title above the map, inches."""
MAP_DPI = 150
"""Resolution of the PNG, dots per inch."""
GAP_COLOUR = palette.GAP_SETTLEMENT
DISTRICT_EDGE_COLOUR = palette.DISTRICT_OUTLINE
OUTLINE_COLOUR = palette.REGION_OUTLINE
BAND_ALPHA = 0.6
LABEL_PT = 8.5
"""District names, points (the chosen district's name a little larger)."""
LEGEND_PT = 11.0
"""Legend text, points at ``width_in``; the PDF prints the picture about 0.7 times as wide (7 pt or more)."""


def png_bytes(figure: Figure) -> bytes:
    """``figure`` (a :func:`map_figure`) as PNG bytes, drawn at the figure's own dots per inch on white."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=figure.dpi, facecolor="white")
    return buffer.getvalue()


def map_figure(
    region: Region,
    *,
    services: gpd.GeoDataFrame | None = None,
    bands: gpd.GeoDataFrame | None = None,
    uncovered: np.ndarray | None = None,
    gap_minutes: float | None = None,
    district_id: str | None = None,
    lang: str = "ru",
    title: str | None = None,
    width_in: float = MAP_WIDTH_IN,
    dpi: int = MAP_DPI,
    max_aspect: float = MAX_ASPECT,
) -> Figure:
    """The map as a matplotlib figure: the map axes on the left, the legend beside them on the right.

    Parameters
    ----------
    region : geo.region.Region
    services : GeoDataFrame, optional
        Service sites to draw (points, EPSG:4326).
    bands : GeoDataFrame, optional
        Isochrone bands (``minutes``, geometry) as from :func:`planning.analysis.service_bands`.
    uncovered : ndarray of bool, optional
        Aligned with ``region.settlements``: True marks a gap (beyond ``gap_minutes``).
    gap_minutes : float, optional
        The threshold named in the legend, minutes.
    district_id : str, optional
        Show this whole district (its polygon's bounds plus a margin, :func:`planning.render.webmap.focus_bounds`) and
        draw only its settlements.
    lang : str
        Language of the legend and the district names.
    title : str, optional
    width_in : float
        Width in inches, legend included.
    dpi : int
        Dots per inch (of the figure, and of its PNG by :func:`png_bytes`).
    max_aspect : float
        The picture's height at most this share of its width (e.g. the room left on a page): an area taller than
        that is drawn whole, narrower, in the middle of the map's column; never cut.
    """
    settlements = region.settlements
    mask = np.ones(len(settlements), dtype=bool)
    if district_id is not None:
        mask = (settlements["district_id"].astype(object) == district_id).to_numpy()
    west, south, east, north = focus_bounds(region, district_id=district_id)
    column_in = width_in * (1.0 - LEGEND_WIDTH_FRACTION)
    aspect = (north - south) / max((east - west) * math.cos(math.radians((north + south) / 2)), 1e-9)
    title_in = 0.0 if title is None else TITLE_HEIGHT_IN
    height_in = float(np.clip(column_in * aspect + title_in, MIN_HEIGHT_IN, max(max_aspect * width_in, MIN_HEIGHT_IN)))
    map_height_in = height_in - title_in
    map_width_in = min(column_in, map_height_in / aspect)  # a tall area: narrower, whole
    figure = Figure(figsize=(width_in, height_in), dpi=dpi)
    top = 1.0 - title_in / height_in
    left = (column_in - map_width_in) / 2.0 / width_in
    axes = figure.add_axes((left, 0.0, map_width_in / width_in, map_height_in / height_in))
    handles: list[Artist] = []
    if bands is not None and not bands.empty:
        limits = sorted(bands["minutes"].unique())
        for position, minutes in reversed(list(enumerate(limits))):
            colour = band_colour(position)
            bands[bands["minutes"] == minutes].plot(ax=axes, color=colour, alpha=BAND_ALPHA, linewidth=0)
        handles += [
            Patch(color=band_colour(i), alpha=BAND_ALPHA, label=t("staticmap.band", lang, minutes=int(m)))
            for i, m in enumerate(limits)
        ]
    if not region.boundary.empty:
        region.boundary.boundary.plot(ax=axes, color=OUTLINE_COLOUR, linewidth=1.6)
        handles.append(Line2D([], [], color=OUTLINE_COLOUR, linewidth=1.6, label=t("layer.outline", lang)))
    if not region.districts.empty:
        region.districts.boundary.plot(ax=axes, color=DISTRICT_EDGE_COLOUR, linewidth=0.7, linestyle=(0, (4, 3)))
        chosen = region.districts[region.districts["district_id"].astype(object) == district_id]
        if not chosen.empty:
            chosen.boundary.plot(ax=axes, color=DISTRICT_EDGE_COLOUR, linewidth=2.0)
        handles.append(
            Line2D(
                [],
                [],
                color=DISTRICT_EDGE_COLOUR,
                linewidth=0.9,
                linestyle=(0, (4, 3)),
                label=t("layer.districts", lang),
            )
        )
    shown = settlements[mask]
    if not shown.empty:
        gap = np.zeros(len(settlements), dtype=bool) if uncovered is None else np.asarray(uncovered, dtype=bool)
        sizes = np.clip(
            4.0 + np.sqrt(np.nan_to_num(shown["population"].to_numpy(dtype=float), nan=0.0)) / 15.0, 4.0, 120.0
        )
        xs, ys = shown.geometry.x.to_numpy(), shown.geometry.y.to_numpy()
        gap_shown = gap[mask]
        axes.scatter(
            xs[~gap_shown],
            ys[~gap_shown],
            s=sizes[~gap_shown],
            color=palette.SETTLEMENT,
            alpha=0.75,
            linewidths=0,
            zorder=3,
        )
        axes.scatter(
            xs[gap_shown],
            ys[gap_shown],
            s=sizes[gap_shown] + 8,
            color=GAP_COLOUR,
            edgecolors="white",
            linewidths=0.4,
            zorder=4,
        )
        handles.append(
            Line2D([], [], marker="o", linestyle="", color=palette.SETTLEMENT, label=t("legend.settlement", lang))
        )
        if uncovered is not None:
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    color=GAP_COLOUR,
                    label=t("staticmap.gap", lang, minutes=int(gap_minutes or 0)),
                )
            )
    if services is not None and not services.empty:
        axes.scatter(
            services.geometry.x,
            services.geometry.y,
            s=70,
            color=palette.SERVICE,
            edgecolors=palette.SERVICE_RING,
            linewidths=1.2,
            marker="D",
            zorder=5,
        )
        handles.append(
            Line2D(
                [],
                [],
                marker="D",
                linestyle="",
                color=palette.SERVICE,
                markeredgecolor="white",
                label=t("legend.service", lang),
            )
        )
    axes.set_xlim(west, east)
    axes.set_ylim(south, north)
    axes.set_aspect(1.0 / math.cos(math.radians((north + south) / 2)), adjustable="datalim", anchor="C")
    axes.set_axis_off()
    _district_labels(axes, region, lang=lang, district_id=district_id, bounds=(west, south, east, north))
    if handles:
        for handle in handles:
            handle.set_label(textwrap.fill(str(handle.get_label()), LEGEND_WRAP_CHARS))
        figure.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.0 - LEGEND_WIDTH_FRACTION + 0.01, top),
            fontsize=LEGEND_PT,
            frameon=False,
            borderaxespad=0.0,
            handlelength=1.6,
        )
    if title:
        figure.suptitle(title, fontsize=13)
    return figure


def _district_labels(
    axes: Axes, region: Region, *, lang: str, district_id: str | None, bounds: tuple[float, float, float, float]
) -> None:
    """District names at a point inside each district within ``bounds``, with a white halo."""
    if region.districts.empty:
        return
    west, south, east, north = bounds
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    for name, did, geometry in zip(
        place_names(region.districts, lang), region.districts["district_id"], region.districts.geometry
    ):
        if geometry is None or geometry.is_empty:
            continue
        point = geometry.representative_point()
        if not (west <= point.x <= east and south <= point.y <= north):
            continue
        chosen = district_id is not None and str(did) == str(district_id)
        axes.text(
            point.x,
            point.y,
            name,
            fontsize=LABEL_PT + (3 if chosen else 0),
            fontweight="bold" if chosen or district_id is None else "normal",
            color=palette.DISTRICT_LABEL if chosen or district_id is None else "#666666",
            ha="center",
            va="center",
            zorder=6,
            path_effects=halo,
            clip_on=True,
        )
