"""The region map as a still picture (PNG), drawn with matplotlib: no tile server, no browser, no network.

Used by the PDF reports and the PNG export. Layers, bottom to top: isochrone bands (60, 30, 15 minutes), region
outline, district outlines, settlements (uncovered ones marked as gaps), service sites. No incident data is drawn.
"""

from __future__ import annotations

import io
import math

import geopandas as gpd
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from planning.i18n import t
from planning.webmap import SERVICE_COLOUR, SETTLEMENT_COLOUR, band_colour

MAP_WIDTH_IN = 10.0
"""Width of the picture, inches (height follows the region's shape)."""
MIN_HEIGHT_IN = 4.0
MAX_ASPECT = 0.9
"""Height at most this share of the width: the map and a heading fit on one A4 page."""
MAP_DPI = 150
"""Resolution of the PNG, dots per inch."""
GAP_COLOUR = "#d73027"
DISTRICT_EDGE_COLOUR = "#7f8c8d"
OUTLINE_COLOUR = "#34495e"
BOUNDS_PAD_DEG = 0.01
"""Padding around the drawn area, degrees (a single settlement still gets a frame)."""
MARGIN_FRACTION = 0.03
"""Empty border around the drawn area, as a share of its larger side."""


def map_png(region, *, services: gpd.GeoDataFrame | None = None, bands: gpd.GeoDataFrame | None = None,
            uncovered: np.ndarray | None = None, gap_minutes: float | None = None, district_id: str | None = None, lang: str = "ru",
            title: str | None = None, width_in: float = MAP_WIDTH_IN, dpi: int = MAP_DPI) -> bytes:
    """The map as PNG bytes.

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
        Zoom to this district and draw only its settlements.
    lang : str
        Language of the legend.
    title : str, optional
    width_in : float
        Width in inches.
    dpi : int
        Dots per inch.
    """
    settlements = region.settlements
    mask = np.ones(len(settlements), dtype=bool)
    focus = region.boundary
    if district_id is not None:
        mask = (settlements["district_id"].astype(object) == district_id).to_numpy()
        chosen = region.districts[region.districts["district_id"].astype(object) == district_id]
        focus = chosen if not chosen.empty else settlements[mask]
    west, south, east, north = _bounds(focus if not focus.empty else settlements)
    aspect = (north - south) / max((east - west) * math.cos(math.radians((north + south) / 2)), 1e-9)
    figure = Figure(figsize=(width_in, float(np.clip(width_in * aspect, MIN_HEIGHT_IN, MAX_ASPECT * width_in))), dpi=dpi)
    axes = figure.add_axes((0, 0, 1, 1) if title is None else (0, 0, 1, 0.94))
    handles = []
    if bands is not None and not bands.empty:
        limits = sorted(bands["minutes"].unique())
        for position, minutes in reversed(list(enumerate(limits))):
            colour = band_colour(position)
            bands[bands["minutes"] == minutes].plot(ax=axes, color=colour, alpha=0.55, linewidth=0)
            handles.append(Patch(color=colour, alpha=0.55, label=t("staticmap.band", lang, minutes=int(minutes))))
    if not region.boundary.empty:
        region.boundary.boundary.plot(ax=axes, color=OUTLINE_COLOUR, linewidth=1.6)
    if not region.districts.empty:
        region.districts.boundary.plot(ax=axes, color=DISTRICT_EDGE_COLOUR, linewidth=0.6)
    shown = settlements[mask]
    if not shown.empty:
        gap = np.zeros(len(settlements), dtype=bool) if uncovered is None else np.asarray(uncovered, dtype=bool)
        sizes = np.clip(4.0 + np.sqrt(np.nan_to_num(shown["population"].to_numpy(dtype=float), nan=0.0)) / 15.0,
                        4.0, 120.0)
        xs, ys = shown.geometry.x.to_numpy(), shown.geometry.y.to_numpy()
        axes.scatter(xs[~gap[mask]], ys[~gap[mask]], s=sizes[~gap[mask]], color=SETTLEMENT_COLOUR, alpha=0.7,
                     linewidths=0, zorder=3)
        axes.scatter(xs[gap[mask]], ys[gap[mask]], s=sizes[gap[mask]] + 6, facecolors="none",
                     edgecolors=GAP_COLOUR, linewidths=1.2, zorder=4)
        handles.append(Line2D([], [], marker="o", linestyle="", color=SETTLEMENT_COLOUR,
                              label=t("legend.settlement", lang)))
        if uncovered is not None:
            handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="none",
                                  markeredgecolor=GAP_COLOUR, label=t("staticmap.gap", lang, minutes=int(gap_minutes or 0))))
    if services is not None and not services.empty:
        axes.scatter(services.geometry.x, services.geometry.y, s=70, color=SERVICE_COLOUR, edgecolors="white",
                     linewidths=1.2, marker="D", zorder=5)
        handles.append(Line2D([], [], marker="D", linestyle="", color=SERVICE_COLOUR, label=t("legend.service", lang)))
    margin = MARGIN_FRACTION * max(east - west, north - south)
    axes.set_xlim(west - margin, east + margin)
    axes.set_ylim(south - margin, north + margin)
    axes.set_aspect(1.0 / math.cos(math.radians((north + south) / 2)))
    axes.set_axis_off()
    if handles:
        axes.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.9)
    if title:
        figure.suptitle(title, fontsize=13)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


def _bounds(frame: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    frame = frame.to_crs("EPSG:4326") if frame.crs is not None and not frame.crs.equals("EPSG:4326") else frame
    west, south, east, north = frame.total_bounds
    return west - BOUNDS_PAD_DEG, south - BOUNDS_PAD_DEG, east + BOUNDS_PAD_DEG, north + BOUNDS_PAD_DEG
