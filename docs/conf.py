"""Sphinx configuration of the nn2poly documentation.

``make docs`` builds the HTML site into ``docs/_build/html`` with warnings as
errors. The API reference is written at build time from the ``__all__`` of each
documented module (see :func:`write_api_pages`), so a new public name appears in
it without editing this folder; the gallery runs the scripts in ``examples/``.
"""

from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path
from typing import Any

import nn2poly

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("KERAS_BACKEND", "torch")

project = "nn2poly"
author = "nn2poly developers"
copyright = "nn2poly developers"
release = nn2poly.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "results/**", "auto_examples/*.ipynb", "auto_examples/*.py"]

# -- API reference -----------------------------------------------------------
autosummary_generate = True
autodoc_typehints = "none"  # the numpydoc Parameters sections give the types
numpydoc_show_class_members = False  # the class template lists the members instead
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# -- Markdown pages ----------------------------------------------------------
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

# -- Gallery of examples/ ----------------------------------------------------
GALLERY_HEADER = """\
Examples
========

Complete scripts, each run from the repository root with
``python examples/NAME.py``. Every one trains a small network, converts it with
nn2poly and reads the polynomial's terms against what is known about the data.
"""


def _titled(source: str) -> str:
    """The script with the first line of its docstring underlined as a title.

    sphinx-gallery takes an example's title from a reStructuredText heading in
    its docstring; the scripts open with a one-line summary instead.
    """
    quote = '"""'
    start = source.find(quote)
    if start < 0:
        return source
    body = start + len(quote)
    end_of_line = source.find("\n", body)
    title = source[body:end_of_line].strip()
    following = source[end_of_line + 1 :].split("\n", 1)[0].strip()
    if not title or (following and set(following) <= set("=-~^*#")):
        return source
    return f"{source[:body]}\n{title}\n{'=' * len(title)}{source[end_of_line:]}"


def prepare_gallery(source_dir: Path, target_dir: Path) -> None:
    """Copy the example scripts into ``target_dir`` in the form sphinx-gallery reads."""
    target_dir.mkdir(parents=True, exist_ok=True)
    wanted = {"GALLERY_HEADER.rst": GALLERY_HEADER}
    for script in sorted(source_dir.glob("*.py")):
        wanted[script.name] = _titled(script.read_text(encoding="utf-8"))
    for stale in target_dir.iterdir():
        if stale.is_file() and stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        path = target_dir / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


prepare_gallery(ROOT / "examples", DOCS / "_build" / "gallery_src")

sphinx_gallery_conf = {
    "examples_dirs": str(DOCS / "_build" / "gallery_src"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"\.py$",  # run every script, not only plot_*.py
    "ignore_pattern": r"__init__\.py",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib",),
    "abort_on_example_error": True,
    "show_memory": False,
    "plot_gallery": "True",
}

# -- HTML --------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"nn2poly {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
html_theme_options = {
    "header_links_before_dropdown": 4,
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}

# Modules whose public names get a page each, in the order of the reference.
# The top-level names are grouped by subject; a name missing from GROUPS is
# listed under "Other", so the reference is never incomplete.
API_MODULES = {
    "nn2poly": "nn2poly",
    "nn2poly.diagnostics": "Diagnostics",
    "nn2poly.study": "Simulation studies",
    "nn2poly.plotting": "Plotting",
    "nn2poly.activations": "Activations",
}
GROUPS = {
    "Conversion": [
        "to_polynomial",
        "TaylorApproximation",
        "FitApproximation",
        "resolve_approximation",
        "n_monomials",
        "hidden_l1_norms",
    ],
    "Networks and loading": ["Network", "Dense", "as_network", "load_network"],
    "Polynomials": ["Polynomial", "LayerPolynomials"],
    "Activations": ["available_activations", "get_activation", "register_activation"],
    "Training networks that convert faithfully": [
        "MLPRegressor",
        "MLPClassifier",
        "L1Constraint",
        "keras_l1_constraint",
    ],
    "Diagnostics": ["diagnose", "distill", "plot_activation_fit"],
    "Memory": ["get_memory_limit", "set_memory_limit"],
    "Warnings and errors": [
        "InvalidParameterError",
        "InvalidParameterTypeError",
        "FitDataError",
        "MemoryLimitError",
        "NonFiniteCoefficientsError",
        "NotAnalyticError",
        "UnknownActivationError",
        "TaylorAccuracyWarning",
        "InputRangeWarning",
    ],
}


def _public_names(module_name: str) -> list[str]:
    module = import_module(module_name)
    return [name for name in module.__all__ if not name.startswith("_")]


def _autosummary(names: list[str]) -> list[str]:
    lines = ["", ".. autosummary::", "   :toctree: .", ""]
    lines += [f"   {name}" for name in names]
    return [*lines, ""]


def write_api_pages(out: Path) -> None:
    """Write one reference page per module of API_MODULES into ``out``.

    A name that a submodule re-exports from ``nn2poly`` is documented once, on
    the ``nn2poly`` page.
    """
    out.mkdir(parents=True, exist_ok=True)
    top = {name: getattr(nn2poly, name) for name in _public_names("nn2poly")}
    for module_name, title in API_MODULES.items():
        lines = [f".. _api-{module_name}:", "", title, "=" * len(title), ""]
        lines += [f".. automodule:: {module_name}", "   :no-members:", "", ""]
        lines += [f".. currentmodule:: {module_name}", ""]
        if module_name == "nn2poly":
            remaining = list(top)
            for group, names in GROUPS.items():
                present = [name for name in names if name in top]
                if present:
                    lines += [group, "-" * len(group), *_autosummary(present)]
                remaining = [name for name in remaining if name not in present]
            if remaining:
                lines += ["Other", "-----", *_autosummary(remaining)]
        else:
            module = import_module(module_name)
            names = [
                name
                for name in _public_names(module_name)
                if not any(getattr(module, name) is obj for obj in top.values())
            ]
            lines += _autosummary(names)
        text = "\n".join(lines)
        page = out / f"{module_name}.rst"
        if not page.exists() or page.read_text() != text:
            page.write_text(text)


write_api_pages(DOCS / "api" / "generated")


def _skip_member(
    app: object, what: str, name: str, obj: object, skip: bool, options: object
) -> bool:
    """Leave out the ``set_*_request`` methods scikit-learn adds to every estimator."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return skip


def setup(app: Any) -> None:
    app.connect("autodoc-skip-member", _skip_member)
