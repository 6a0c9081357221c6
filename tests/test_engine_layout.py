"""The engine's modules import each other without cycles, and the fit does not walk alone."""

from __future__ import annotations

import ast
from pathlib import Path

import nn2poly

PACKAGE = Path(nn2poly.__file__).parent
ENGINE = [
    "_algebra",
    "_approximation",
    "_convert",
    "_data",
    "_dense",
    "_distill",
    "_engine",
    "_finite",
    "_fit",
    "_kernels",
    "_kernels_gram",
    "_kernels_small",
    "_kernels_top",
    "_memory",
    "_network",
    "_norms",
    "_resolve",
    "_taylor",
    "_threads",
    "_top_slice",
    "_warnings",
    "diagnostics/_diagnose",
    "diagnostics/_plot",
]


def _imports(module: str) -> set[str]:
    """Engine modules that ``module`` imports anywhere (functions and type checks included)."""
    path = PACKAGE / f"{module}.py"
    depth = module.count("/")
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            parts = module.split("/")[: depth + 1 - node.level]
            base = "/".join([*parts, *(node.module or "").split(".")]).strip("/")
            names = [base, *(f"{base}/{alias.name}".strip("/") for alias in node.names)]
            found.update(name for name in names if name in ENGINE and name != module)
    return found


def test_no_import_cycles_in_the_engine() -> None:
    graph = {module: _imports(module) for module in ENGINE}

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for nxt in graph[start]:
            if nxt == target or (nxt not in seen and reaches(nxt, target, seen | {nxt})):
                return True
        return False

    cyclic = [module for module in ENGINE if reaches(module, module, {module})]
    assert cyclic == []


def test_the_fit_and_the_engine_do_not_import_each_other() -> None:
    assert "_convert" not in _imports("_fit")
    assert "_engine" not in _imports("_fit")
    assert "_fit" not in _imports("_convert")
    assert "_fit" not in _imports("_engine")
    assert "diagnostics/_diagnose" not in _imports("diagnostics/_plot")


def test_every_module_is_short() -> None:
    long = {
        str(path.relative_to(PACKAGE)): n_lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if (n_lines := len(path.read_text(encoding="utf-8").splitlines())) > 450
    }
    assert long == {}, f"modules over 450 lines: {long}"
