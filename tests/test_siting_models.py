"""Siting models as objects (issue 22 item 3): one object per model in planning.siting.MODELS, read by the pages, the
command line, planning.suggest and planning.robust through its properties; no code compares a model's name; the
solver is injectable and CBC by default (run for real here)."""

from __future__ import annotations

import ast
import itertools
from dataclasses import replace

import numpy as np
import pulp
import pytest
from conftest import PROJECT, TINY, signed_in_app

from planning import robust
from planning.i18n import CATALOG, t
from planning.siting import (
    LSCP,
    MCLP,
    MODELS,
    PMEDIAN,
    SitingError,
    SitingModel,
    cbc,
    maximal_coverage,
    model_of,
    p_median,
    set_cover,
)

THRESHOLD_MINUTES = 30.0
LANGS = ("ru", "kk", "en")

# --- no string compares of model names ---------------------------------------------------------------------------

SCANNED = ("planning", "pages", "geo", "bench", "tools")
"""Folders of code (besides the project's top-level modules) where no model name may be compared."""


def _model_name_compares(source: str, names: set[str], objects: set[str]) -> list[tuple[int, str]]:
    """(line, text) of each comparison of a value with a model's name (``== "mclp"``, ``in ("mclp", "lscp")``,
    ``case "lscp":``) or with a model object by its variable (``is MCLP``, ``== LSCP.name``)."""

    def names_in(node: ast.AST) -> bool:
        if isinstance(node, ast.Constant):
            return node.value in names
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return any(names_in(e) for e in node.elts)
        if isinstance(node, ast.Name):
            return node.id in objects
        if isinstance(node, ast.Attribute):
            return names_in(node.value) or node.attr in objects
        return False

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and any(names_in(n) for n in (node.left, *node.comparators)):
            found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.MatchValue) and names_in(node.value):
            found.append((node.lineno, f"case {ast.unparse(node.value)}"))
    return found


def _object_names() -> set[str]:
    """The variables of planning.siting that hold a registered model (MCLP, LSCP, PMEDIAN, ...)."""
    import planning.siting as siting

    return {name for name, value in vars(siting).items() if isinstance(value, SitingModel) and name.isupper()}


def test_the_scan_finds_every_kind_of_model_name_compare():
    planted = """
if model == "lscp":
    pass
counted = model in ("mclp", "lscp") and demand == "incidents"
ok = "pmedian" != args.model
same = chosen is MCLP or name == siting.LSCP.name
match model:
    case "mclp":
        pass
fine = model.takes_k and MODELS[name].robust and demand == "people"
"""
    found = _model_name_compares(planted, set(MODELS), {"MCLP", "LSCP", "PMEDIAN"})
    assert sorted(line for line, _ in found) == [2, 4, 5, 6, 6, 8]  # line 10 reads properties: not found


def test_no_code_compares_a_model_name():
    names, objects = set(MODELS), _object_names()
    assert {"mclp", "lscp", "pmedian"} <= names and {"MCLP", "LSCP", "PMEDIAN"} <= objects
    files = [*PROJECT.glob("*.py"), *(p for folder in SCANNED for p in (PROJECT / folder).rglob("*.py"))]
    assert any(p.name == "suggest.py" and p.parent.name == "pages" for p in files)
    compares = [
        f"{path.relative_to(PROJECT)}:{line}: {text}"
        for path in files
        for line, text in _model_name_compares(path.read_text(encoding="utf-8"), names, objects)
    ]
    assert not compares, (
        "these lines compare a siting model's name: read a property of the model instead "
        "(planning.siting.MODELS[name].takes_k, .robust, .counts_released_cells, ...):\n" + "\n".join(compares)
    )


# --- the registry ------------------------------------------------------------------------------------------------


def test_the_registry_holds_each_model_once_under_its_name():
    assert list(MODELS)[:3] == ["mclp", "lscp", "pmedian"]  # a model added later comes after them
    assert [MODELS[n] for n in list(MODELS)[:3]] == [MCLP, LSCP, PMEDIAN]
    assert len(set(map(id, MODELS.values()))) == len(MODELS)
    assert all(MODELS[name].name == name for name in MODELS)
    assert model_of("lscp") is LSCP and model_of(PMEDIAN) is PMEDIAN
    with pytest.raises(SitingError, match=r"one of \('mclp', 'lscp', 'pmedian'.*\); got 'p-median'"):
        model_of("p-median")
    with pytest.raises(TypeError):
        MODELS["toy"] = MCLP  # type: ignore[index]


@pytest.mark.parametrize("name", list(MODELS))
def test_each_model_has_its_three_texts_in_every_language(name):
    model = MODELS[name]
    keys = (model.label_key, model.help_key, model.objective_key)
    assert keys == (f"suggest.model.{name}", f"suggest.model_help.{name}", f"suggest.objective.{name}")
    for lang in LANGS:
        for key in keys:
            assert key in CATALOG, key
            assert t(key, lang, minutes=30.0, value="12") != key
        assert "{value}" not in t(model.objective_key, lang, minutes=30.0, value="12")


@pytest.mark.parametrize("name", list(MODELS))
def test_each_model_writes_out_its_formulation(name):
    doc = type(MODELS[name]).__doc__ or ""
    for part in ("Sets", "Variables", "Objective", "Constraints", "Greedy"):
        assert f"\n    {part}\n" in doc, f"{name}: its docstring has no {part!r} section"
    assert ("maximise" in doc) == MODELS[name].maximise and ("minimise" in doc) != MODELS[name].maximise


def test_the_properties_say_what_the_pages_used_to_read_from_the_names():
    assert [m.takes_k for m in (MCLP, LSCP, PMEDIAN)] == [True, False, True]
    assert [m.counts_released_cells for m in (MCLP, LSCP, PMEDIAN)] == [True, True, False]
    assert [m.objective_counts_demand for m in (MCLP, LSCP, PMEDIAN)] == [True, False, False]
    assert [m.objective_counts_sites for m in (MCLP, LSCP, PMEDIAN)] == [False, True, False]
    assert [m.maximise for m in (MCLP, LSCP, PMEDIAN)] == [True, False, False]


def test_the_robust_choice_is_offered_for_the_one_model_planning_robust_solves():
    assert [m for m in MODELS.values() if m.robust] == [robust.MODEL]


# --- every model through the same door ---------------------------------------------------------------------------


def _instance(seed, n_candidates=7, n_settlements=12, n_fixed=1):
    rng = np.random.default_rng(seed)
    settlements = rng.uniform((0, 0), (100, 60), (n_settlements, 2))
    sites = rng.uniform((0, 0), (100, 60), (n_candidates + n_fixed, 2))
    minutes = np.linalg.norm(sites[:, None] - settlements[None], axis=2) * 1.3 / 50.0 * 60.0
    minutes[minutes > 90.0] = np.inf
    demand = rng.integers(0, 3000, n_settlements).astype(float)
    return minutes[:n_candidates], minutes[n_candidates:], demand


def _best_by_enumeration(model, minutes, fixed, demand, add):
    """The optimum objective by trying every set of candidates (at most ``add`` of them when the model takes K)."""
    instance = model.instance(minutes, demand, fixed, THRESHOLD_MINUTES)
    best = None
    sizes = range(add + 1) if model.takes_k else range(minutes.shape[0] + 1)
    for size in sizes:
        for chosen in itertools.combinations(range(minutes.shape[0]), size):
            final = np.minimum(instance.base, instance.loss[list(chosen)].min(axis=0, initial=np.inf))
            if not model.takes_k and (final > 0).any():
                continue  # set cover: every reachable settlement must be covered
            value = model.objective(instance, list(chosen), final)
            if best is None or (value > best if model.maximise else value < best):
                best = value
    return best


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("seed", [1, 4])
def test_every_model_solved_by_the_real_cbc_finds_the_enumerated_optimum(name, seed):
    model = MODELS[name]
    minutes, fixed, demand = _instance(seed)
    options = dict(add=2, threshold_minutes=THRESHOLD_MINUTES, fixed_minutes=fixed)
    exact = model.solve(minutes, demand, method="exact", **options)
    assert (exact.model, exact.solver, exact.status) == (name, "cbc", "optimal")
    assert exact.objective == pytest.approx(_best_by_enumeration(model, minutes, fixed, demand, 2))
    greedy = model.solve(minutes, demand, lp_bound=True, **options)
    worse_or_equal = (
        greedy.objective <= exact.objective + 1e-6 if model.maximise else greedy.objective >= exact.objective - 1e-6
    )
    assert worse_or_equal
    if greedy.bound_kind == "lp":  # the LP bound lies beyond the optimum, on the model's side
        assert greedy.bound >= exact.objective - 1e-6 if model.maximise else greedy.bound <= exact.objective + 1e-6


def test_the_functions_are_the_model_objects():
    minutes, fixed, demand = _instance(2)
    shared = dict(fixed_minutes=fixed, method="exact")
    assert maximal_coverage(minutes, demand, add=2, threshold_minutes=30, **shared) == MCLP.solve(
        minutes, demand, add=2, threshold_minutes=30, **shared
    )
    assert set_cover(minutes, demand, threshold_minutes=30, **shared) == LSCP.solve(
        minutes, demand, add=99, threshold_minutes=30, **shared
    )  # set cover takes no K: `add` is ignored
    assert p_median(minutes, demand, add=2, swap=False) == replace(PMEDIAN, swap=False).solve(minutes, demand, add=2)
    with pytest.raises(SitingError, match="needs `add`"):
        MCLP.solve(minutes, demand, threshold_minutes=30)


# --- the solver is injectable, CBC by default -------------------------------------------------------------------


class _RecordingCbc(pulp.LpSolver):
    """The real CBC under another name, recording each problem it solves (proves the injected solver is used)."""

    name = "recording_cbc"

    def __init__(self, time_limit_s: float, log: list) -> None:
        super().__init__(msg=False)
        self.cbc = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s)
        self.log = log
        self.time_limit_s = time_limit_s

    def available(self) -> bool:
        return self.cbc.available()

    def actualSolve(self, lp, **kwargs):  # noqa: N802 - PuLP's name
        self.log.append((lp.name, lp.isMIP(), self.time_limit_s))
        return self.cbc.actualSolve(lp, **kwargs)


def test_every_model_uses_cbc_by_default():
    assert all(m.solver is cbc for m in MODELS.values())
    made = cbc(12.5)
    assert isinstance(made, pulp.PULP_CBC_CMD) and made.timeLimit == 12.5 and not made.msg


@pytest.mark.parametrize("name", list(MODELS))
def test_an_injected_solver_solves_the_exact_model_and_the_lp_bound(name):
    model = MODELS[name]
    minutes, fixed, demand = _instance(3)
    options = dict(add=2, threshold_minutes=THRESHOLD_MINUTES, fixed_minutes=fixed)
    log: list = []
    recording = model.with_solver(lambda seconds: _RecordingCbc(seconds, log))
    assert recording.solver is not cbc and model.solver is cbc  # the registered model is left as it was
    exact = recording.solve(minutes, demand, method="exact", time_limit_s=20.0, **options)
    assert log == [(name, True, 20.0)]
    default = model.solve(minutes, demand, method="exact", **options)
    assert exact.solver == "recording_cbc" and default.solver == "cbc"
    assert (exact.chosen, exact.objective, exact.status) == (default.chosen, default.objective, default.status)
    greedy = model.solve(minutes, demand, lp_bound=True, solver=lambda s: _RecordingCbc(s, log), **options)
    assert log[1:] == [(name, False, 60.0)]  # the LP relaxation, through the per-call solver
    assert greedy.solver in ("greedy", "greedy+swap")
    assert greedy.bound == model.solve(minutes, demand, lp_bound=True, **options).bound


def test_a_solver_that_finds_nothing_is_named_in_the_error():
    class _Infeasible(pulp.LpSolver):
        name = "nothing"

        def actualSolve(self, lp, **kwargs):  # noqa: N802 - PuLP's name
            lp.assignStatus(pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound)
            return lp.status

    minutes, fixed, demand = _instance(3)
    with pytest.raises(SitingError, match=r"The solver \(nothing\) found no solution for mclp"):
        MCLP.solve(minutes, demand, add=2, threshold_minutes=30, method="exact", solver=lambda s: _Infeasible())


# --- the command line and the page offer every model -------------------------------------------------------------


def test_the_command_line_offers_every_model(capsys):
    from planning.cli import main

    with pytest.raises(SystemExit):
        main(["suggest", "--help"])
    usage = capsys.readouterr().out
    assert "{" + ",".join(MODELS) + "}" in usage


def test_the_suggest_page_offers_every_model_with_its_texts(monkeypatch, tmp_path):
    monkeypatch.setenv("QORGAU_REGION", str(TINY))
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "scenarios.sqlite"))
    monkeypatch.chdir(PROJECT)
    at = signed_in_app("pages/suggest.py", role="planner")
    next(n for n in at.number_input if n.label == t("suggest.minutes", "ru")).set_value(30).run()
    radio = next(r for r in at.radio if r.label == t("suggest.model", "ru"))
    assert list(radio.options) == [t(m.label_key, "ru") for m in MODELS.values()]
    for name, model in MODELS.items():
        radio = next(r for r in at.radio if r.label == t("suggest.model", "ru"))
        radio.set_value(name).run()
        assert not at.exception, at.exception
        assert t(model.help_key, "ru") in [c.value for c in at.caption]
        add = next(n for n in at.number_input if n.label == t("suggest.add", "ru"))
        assert add.disabled == (not model.takes_k)
        next(b for b in at.button if b.label == t("suggest.run", "ru")).click().run()
        assert not at.exception, at.exception
        head = t(model.objective_key, "ru", minutes=30.0, value="\x00").split("\x00")[0]
        assert any(m.value.startswith(head) for m in at.markdown), name
