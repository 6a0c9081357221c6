"""What a fresh process loads: ``import nn2poly`` and ``nn2poly --help`` stay light.

Each check runs in its own interpreter, so what other tests imported does not
count.  The compiled kernels' serial and parallel variants keep separate
entries in numba's on-disk cache.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Modules a plain import and the command line's help must not load: the
#: compiler (loaded by the first conversion), the optional frameworks, and
#: the heavy parts of scipy.
HEAVY = [
    "numba",
    "llvmlite",
    "scipy.linalg",
    "scipy.special",
    "torch",
    "keras",
    "tensorflow",
    "onnx",
    "sklearn",
    "pandas",
    "matplotlib",
    "sympy",
]

_LOADED = "import json, sys\nprint(json.dumps(sorted(set(sys.modules))))\n"


def _modules_after(code: str) -> set[str]:
    """The modules loaded once ``code`` has run in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", code + _LOADED],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_import_loads_no_compiler_framework_or_heavy_scipy() -> None:
    loaded = _modules_after("import nn2poly\n")
    assert "nn2poly" in loaded
    assert sorted(loaded & set(HEAVY)) == []


def test_command_line_help_loads_no_compiler_or_framework() -> None:
    code = (
        "import contextlib, io, sys\n"
        "from nn2poly.cli import main\n"
        "sys.argv = ['nn2poly', '--help']\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit as stop:\n"
        "        assert stop.code in (0, None), stop.code\n"
        "assert 'convert' in out.getvalue()\n"
    )
    loaded = _modules_after(code)
    assert "nn2poly.cli" in loaded
    assert sorted(loaded & set(HEAVY)) == []


@pytest.mark.parametrize("name", ["_horner_step", "_rank_monomials"])
def test_serial_and_parallel_variants_have_their_own_cache_entries(name: str) -> None:
    from nn2poly import _kernels

    function = getattr(_kernels, name)
    serial = _kernels._compile(function, parallel=False)
    parallel = _kernels._compile(function, parallel=True)
    assert serial.py_func.__code__ is parallel.py_func.__code__ is function.__code__  # type: ignore[attr-defined]
    names = {
        dispatcher._cache._cache_file._index_name  # type: ignore[attr-defined]
        for dispatcher in (serial, parallel)
    }
    assert len(names) == 2
    assert all(index.startswith(f"_kernels.{name}_") for index in names)


def test_every_public_name_resolves_and_an_unknown_one_is_an_attribute_error() -> None:
    import nn2poly

    for name in nn2poly.__all__:
        assert getattr(nn2poly, name) is not None
    assert set(nn2poly.__all__) <= set(dir(nn2poly))
    assert nn2poly.activations.get_activation is nn2poly.get_activation  # a submodule
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        nn2poly.not_a_name  # noqa: B018
