"""The tree reads as the architecture (docs/ARCHITECTURE.md): data flows one way, and no module imports itself
back through others.

Layers, lowest first: ``geo`` (sources, region, network, travel times) → the planning core (``planning.*`` outside
the sub-packages below, ``planning.intake`` among them: uploads read in memory) → ``planning.store`` (database,
users, audit, the uploads kept) → ``planning.render`` (maps, PDF,
exports) → ``planning.cli`` and ``pages`` → ``app.py`` / ``server.py``. Every import counts, the ones inside
functions too (the CLI's lazy ``COMMANDS`` table names modules as strings, which is not an import).
"""

from __future__ import annotations

import ast
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
PACKAGES = ("geo", "planning", "pages")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    files = [PROJECT / "app.py", PROJECT / "server.py"]
    for package in PACKAGES:
        files += sorted((PROJECT / package).rglob("*.py"))
    return {module_name(path): path for path in files}


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """The project modules ``path`` imports (module level and inside functions)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from planning import chain`` imports the module planning.chain when there is one
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    known = set(modules)
    return {name: imports_of(path, name, known) for name, path in modules.items()}


def layer(module: str) -> str:
    if module in ("app", "server"):
        return "app"
    if module.startswith("pages"):
        return "pages"
    if module.startswith("geo"):
        return "geo"
    if module == "planning.__main__":
        return "cli"
    for sub in ("cli", "render", "store", "translations"):
        if module == f"planning.{sub}" or module.startswith(f"planning.{sub}."):
            return sub
    return "core"


# what each layer may import (besides itself); planning.translations is the catalog every layer may read
ALLOWED = {
    "geo": {"geo"},
    "translations": {"geo", "translations"},
    "core": {"geo", "core", "translations"},
    "store": {"geo", "core", "store", "translations"},
    "render": {"geo", "core", "store", "render", "translations"},
    "cli": {"geo", "core", "store", "render", "cli", "translations"},
    "pages": {"geo", "core", "store", "render", "pages", "translations"},
    "app": {"geo", "core", "store", "render", "pages", "translations", "app"},
}


# Inside geo (docs/ARCHITECTURE.md): the foundation, then the boxes from left to right. A module imports only its
# own box, the boxes to its left and the foundation.
GEO_FOUNDATION = {"geo", "geo.errors", "geo.settings", "geo.schema"}
GEO_BOXES = (
    ("sources", {"geo.tabular", "geo.kato", "geo.speeds", "geo.names"}),
    ("region", {"geo.locations", "geo.incidents", "geo.region", "geo.default_region"}),
    ("network", {"geo.osmfile", "geo.roadlayer", "geo.network", "geo.osm"}),
    ("travel times", {"geo.traveltime", "geo.isochrones"}),
)


def geo_box(module: str) -> int:
    """Position of ``module`` in :data:`GEO_BOXES` (-1 for the foundation)."""
    if module in GEO_FOUNDATION:
        return -1
    for position, (_, members) in enumerate(GEO_BOXES):
        if module in members:
            return position
    raise AssertionError(
        f"{module} is in no box of GEO_BOXES (tests/test_architecture.py); place it in the box of docs/ARCHITECTURE.md "
        f"it belongs to (sources, region, network, travel times) there and in the doc."
    )


def test_every_geo_module_has_a_box():
    graph = import_graph()
    for module in graph:
        if layer(module) == "geo":
            geo_box(module)
    placed = GEO_FOUNDATION.union(*(members for _, members in GEO_BOXES))
    assert placed <= set(graph), f"GEO_BOXES names modules that are gone: {sorted(placed - set(graph))}"


def geo_wrong(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """The imports inside geo that go to a box further right."""
    return sorted(
        (source, target)
        for source, targets in graph.items()
        if layer(source) == "geo"
        for target in targets
        if layer(target) == "geo" and geo_box(target) > geo_box(source)
    )


def test_geo_imports_go_one_way():
    wrong = geo_wrong(import_graph())
    names = {position: name for position, (name, _) in enumerate(GEO_BOXES)} | {-1: "foundation"}
    assert wrong == [], "geo imports against the flow (docs/ARCHITECTURE.md): " + ", ".join(
        f"{a} ({names[geo_box(a)]}) → {b} ({names[geo_box(b)]})" for a, b in wrong
    )


def test_the_geo_check_finds_a_wrong_import():
    # the real order: the region reads its speed profile (a source), the network never imports the region
    graph = import_graph()
    assert geo_wrong({"geo.speeds": {"geo.region", "geo.errors"}, "geo.region": {"geo.speeds"}}) == [
        ("geo.speeds", "geo.region")
    ]
    assert "geo.speeds" in graph["geo.region"] and geo_box("geo.speeds") < geo_box("geo.region")
    assert geo_box("geo.region") < geo_box("geo.network") < geo_box("geo.traveltime")
    assert geo_box("geo.errors") < geo_box("geo.tabular")


def test_the_graph_sees_the_packages():
    graph = import_graph()
    assert {
        "geo.region",
        "planning.coverage",
        "planning.cli",
        "planning.render.webmap",
        "planning.store.db",
        "pages.session",
        "app",
    } <= set(graph)
    assert "geo.region" in graph["planning.analysis"]
    assert "planning.store.chain" in graph["planning.store.db"]  # ``from planning.store import chain``


def test_imports_go_one_way():
    graph = import_graph()
    wrong = sorted(
        (source, target)
        for source, targets in graph.items()
        for target in targets
        if layer(target) not in ALLOWED[layer(source)]
    )
    assert wrong == [], "imports against the flow (docs/ARCHITECTURE.md): " + ", ".join(f"{a} → {b}" for a, b in wrong)


def test_the_core_imports_nothing_above_it():
    # The planning core is pure: its storage (scenarios, the release secret) lives in planning.store, which the
    # pages and the CLI hand to it (a ScenarioStore, the deployment_secret), never the other way round.
    graph = import_graph()
    above = {"store", "render", "cli", "pages", "app"}
    wrong = sorted(
        (source, target)
        for source, targets in graph.items()
        if layer(source) == "core"
        for target in targets
        if layer(target) in above
    )
    assert wrong == [], "the planning core imports " + ", ".join(f"{a} → {b}" for a, b in wrong)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles():
    # A package's own __init__ imported by its submodules is not a cycle unless __init__ imports them back.
    assert cycles(import_graph()) == []


def test_the_store_calls_the_intake_which_reads_no_store():
    # issue 22: uploads are parsed and matched in planning.intake (the core); the store only writes what it returns
    graph = import_graph()
    intake = sorted(m for m in graph if m == "planning.intake" or m.startswith("planning.intake."))
    assert intake and all(layer(m) == "core" for m in intake)
    above = sorted((m, t) for m in intake for t in graph[m] if layer(t) not in ("geo", "core", "translations"))
    assert above == [], f"planning.intake imports above the core: {above}"
    assert "planning.intake.population" in graph["planning.store.population"]
    assert "planning.intake.incidents" in graph["planning.store.intake"]


# The pages' helper modules (docs/ARCHITECTURE.md), lowest first: each imports only those before it.
PAGE_HELPERS = ("pages.language", "pages.session", "pages.auth", "pages.widgets")


def helpers_wrong(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """The imports from one helper module of the pages to one after it in :data:`PAGE_HELPERS`."""
    return sorted(
        (source, target)
        for source in PAGE_HELPERS
        for target in graph.get(source, ())
        if target in PAGE_HELPERS and PAGE_HELPERS.index(target) > PAGE_HELPERS.index(source)
    )


def test_the_helper_check_finds_a_wrong_import():
    assert helpers_wrong({"pages.language": {"pages.auth"}, "pages.widgets": {"pages.language"}}) == [
        ("pages.language", "pages.auth")
    ]


def test_the_pages_helpers_import_one_way():
    graph = import_graph()
    gone = set(PAGE_HELPERS) - set(graph)
    assert not gone, f"PAGE_HELPERS names modules that are gone: {sorted(gone)}"
    assert helpers_wrong(graph) == [], "pages helper imports against the order (docs/ARCHITECTURE.md): " + ", ".join(
        f"{a} → {b}" for a, b in helpers_wrong(graph)
    )
