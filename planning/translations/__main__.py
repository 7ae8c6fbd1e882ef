"""``python -m planning.translations``: compile ``<lang>.po`` to ``<lang>.mo`` (the build step, ``make
translations``)."""

from planning.translations import compile_catalogs

for path in compile_catalogs():
    print(f"compiled {path.relative_to(path.parents[2])}")
