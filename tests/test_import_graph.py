"""The package's import graph, read from the source: no cycles, lazy imports listed.

Module-level imports (type-checking ones included) must form no cycle.  An
import inside a function is allowed only where it is listed below with its
reason (an optional framework, or a module that only one side needs), and
lazy imports may close a cycle only where the recursion is the design.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nn2poly

PACKAGE = Path(nn2poly.__file__).parent

#: (importer, imported) -> why the import waits for a call.
LAZY_IMPORTS = {
    ("nn2poly._monomials", "nn2poly._kernels"): "numba compiles when the engine first runs",
    ("nn2poly._monomials", "nn2poly._kernels_small"): "numba compiles when the engine first runs",
    ("nn2poly._norms", "nn2poly.activations"): "the norms need the registry only when called",
    ("nn2poly.adapters", "nn2poly.adapters._loading"): "framework readers on demand",
    ("nn2poly.adapters", "nn2poly.adapters._torch"): "torch",
    ("nn2poly.adapters", "nn2poly.adapters._keras"): "keras",
    ("nn2poly.adapters", "nn2poly.adapters._sklearn"): "scikit-learn",
    ("nn2poly.adapters", "nn2poly.adapters._onnx"): "onnx",
    ("nn2poly.adapters._loading", "nn2poly.adapters._onnx_files"): "onnx",
    ("nn2poly.adapters._loading", "nn2poly.adapters._keras"): "keras",
    ("nn2poly.adapters._loading", "nn2poly.adapters._torch_files"): "torch",
    ("nn2poly.adapters._loading", "nn2poly.adapters._sklearn"): "pickles, joblib",
    ("nn2poly.adapters._sklearn", "nn2poly.adapters"): "a pickle holds a model of any kind",
    ("nn2poly.adapters._torch", "nn2poly.training._torch_mlp"): "the trained MLP (torch)",
    ("nn2poly.cli._convert", "nn2poly"): "the command line imports the library on use",
    ("nn2poly.cli._diagnose", "nn2poly.diagnostics"): "the command line imports the library on use",
    ("nn2poly.cli._demo", "nn2poly.plotting"): "matplotlib",
    ("nn2poly.cli._demo", "nn2poly.training"): "torch, scikit-learn",
    ("nn2poly.cli._demo", "nn2poly.study._storage"): "only the demo writes results",
    ("nn2poly.cli._gates", "nn2poly.polynet"): "torch",
    ("nn2poly.cli._study", "nn2poly.study"): "torch, scikit-learn, pandas",
    ("nn2poly.cli._study", "nn2poly.study._presets"): "torch, scikit-learn, pandas",
    ("nn2poly.cli._study", "nn2poly.study._storage"): "torch, scikit-learn, pandas",
    ("nn2poly.diagnostics._diagnose", "nn2poly.diagnostics._plot"): "matplotlib",
    ("nn2poly.polynet._explain", "nn2poly"): "polynet is an add-on of the library",
    ("nn2poly.polynet._explain", "nn2poly.polynet._loss"): "torch",
    ("nn2poly.polynet._network", "nn2poly"): "polynet is an add-on of the library",
    ("nn2poly.study._report", "nn2poly.study._plots"): "matplotlib",
    ("nn2poly.study._single", "nn2poly.training"): "torch, scikit-learn",
    ("nn2poly.study._spread", "nn2poly.training"): "torch, scikit-learn",
    ("nn2poly.training._base_mlp", "nn2poly._convert"): "the estimators convert on request",
    ("nn2poly.training._keras_callback", "nn2poly.adapters._keras"): "keras",
}

#: Lazy imports that close a cycle on purpose: adapt() reads a pickle, whose
#: content is a model of any framework and goes back to adapt().
RECURSIVE = {("nn2poly.adapters._sklearn", "nn2poly.adapters")}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _target(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    if MODULES[module].name != "__init__.py":
        parts = parts[:-1]
    parts = parts[: len(parts) - node.level + 1]
    return ".".join([*parts, *([node.module] if node.module else [])])


def _imports(module: str) -> set[tuple[str, str]]:
    """``(imported module, "module" or "lazy")`` for each nn2poly import of ``module``."""
    found: set[tuple[str, str]] = set()

    def visit(node: ast.AST, kind: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = kind
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                inner = "lazy"
            if isinstance(child, ast.ImportFrom):
                base = _target(module, child)
                for alias in child.names:
                    sub = f"{base}.{alias.name}"
                    found.add((sub if sub in MODULES else base, inner))
            elif isinstance(child, ast.Import):
                found.update((alias.name, inner) for alias in child.names)
            visit(child, inner)

    visit(ast.parse(MODULES[module].read_text(encoding="utf-8")), "module")
    return {(name, kind) for name, kind in found if name in MODULES and name != module}


GRAPH = {module: _imports(module) for module in MODULES}


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := walk(nxt)):
                return found
        state[node] = 2
        stack.pop()
        return None

    for start in sorted(edges):
        if start not in state and (found := walk(start)):
            return found
    return None


def test_the_graph_is_read() -> None:
    assert ("nn2poly._convert", "module") in GRAPH["nn2poly"]
    assert ("nn2poly.adapters._torch", "lazy") in GRAPH["nn2poly.adapters"]
    assert ("nn2poly._polynomial_protocol", "module") in GRAPH["nn2poly._polynomial_io"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_cycle_among_module_level_imports() -> None:
    edges = {m: {t for t, kind in GRAPH[m] if kind == "module"} for m in MODULES}
    assert _cycle(edges) is None


def test_every_lazy_import_is_listed_with_its_reason() -> None:
    lazy = {(m, t) for m in MODULES for t, kind in GRAPH[m] if kind == "lazy"}
    unlisted = sorted(lazy - set(LAZY_IMPORTS))
    assert unlisted == [], "imports inside functions need a reason in LAZY_IMPORTS"


def test_lazy_imports_close_no_cycle_but_the_designed_recursion() -> None:
    edges = {m: {t for t, _ in GRAPH[m] if (m, t) not in RECURSIVE} for m in MODULES}
    assert _cycle(edges) is None
