"""What the database adds to a region folder: the incident counts and the populations uploaded for it, the road
network and class speeds in use (:mod:`planning.store.roads`) and the rate of expected need
(:mod:`planning.store.need`).

The one way the pages (``pages.session.get_region``) and the command line (``planning.cli.data.open_region``) lay
the uploads over the folder's own figures, so that a command prints what a page shows.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from geo.region import Region


def with_stored_figures(region: Region, path: str | Path | None = None) -> Region:
    """``region`` with the incident counts uploaded for it in place of its folder's incidents (when any were
    uploaded) and the uploaded populations laid over its settlements' (``population_source`` says which);
    ``region.roads_path`` and ``region.speed_profile`` are the road file and the class speeds in use
    (:func:`planning.store.roads.roads_in_use`, :func:`planning.store.roads.speeds_in_use`: the deployment's
    imported network and stored speeds, else the folder's); ``region.meta["need_rate"]`` is the rate of expected
    need in use (:func:`planning.store.need.with_stored_rate`: the rate a planner stored, else region.json's), so
    that ``planning.need.rate_from_meta(region.meta)`` is the rate everywhere; ``region`` itself is not changed.

    Parameters
    ----------
    region : geo.region.Region
    path : str or Path, optional
        The database (default: planning.store.db.default_db_path, the app's).

    Incident-derived: keep the result per session (or process), never in a shared cache.
    """
    from planning.intake.population import with_populations
    from planning.store.intake import IncidentStore, with_stored_incidents
    from planning.store.need import with_stored_rate
    from planning.store.population import PopulationStore
    from planning.store.roads import roads_in_use, speeds_in_use

    region = with_stored_rate(with_stored_incidents(region, IncidentStore(path)), path)
    stored = PopulationStore(path).populations(region.region_id)
    return dataclasses.replace(
        region,
        settlements=with_populations(region.settlements, stored),
        roads_path=roads_in_use(region, path).path,
        speed_profile=speeds_in_use(region, path),
    )


def without_uploads(region: Region) -> Region:
    """``region`` as :func:`with_stored_figures` gives it when nothing was uploaded (for a database that does not
    exist yet, which reading must not create): its own figures, with ``population_source``."""
    import pandas as pd

    from planning.intake.population import with_populations

    nothing = pd.DataFrame({"settlement_id": pd.Series(dtype=object), "population": pd.Series(dtype=float)})
    return dataclasses.replace(region, settlements=with_populations(region.settlements, nothing))
