"""Small inputs with large claims, lookalike functions, damaged tensors and odd numbers:
each read quickly or refused with a one-line message that says what is wrong."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
import tracemalloc
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest

import nn2poly
from nn2poly._export_sklearn import sklearn_column
from nn2poly.study import StudyConfig, load_config


# ------------------------------------------------------------------ exports of a wide, tiny file
def _wide_file(tmp_path: Path, n_features: int = 100_000, pair: bool = False) -> Path:
    path = tmp_path / "wide.json"
    path.write_text(
        json.dumps(
            {
                "format": "nn2poly.polynomial",
                "version": 1,
                "n_features": n_features,
                "labels": [[], [1], [1, n_features] if pair else [n_features]],
                "coef": [[1, 2, 3]],
            }
        )
    )
    return path


def _cost(function):  # type: ignore[no-untyped-def]
    """Seconds and peak traced bytes of a call, and its result."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = function()
        return time.perf_counter() - start, tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def test_to_sympy_of_a_wide_file_makes_only_the_symbols_used(tmp_path: Path) -> None:
    sympy = pytest.importorskip("sympy")
    poly = nn2poly.Polynomial.load(_wide_file(tmp_path))
    poly.to_sympy()  # warm sympy's caches
    seconds, peak, expression = _cost(poly.to_sympy)
    assert peak < 20 * 2**20 and seconds < 5.0  # was ~9 s and 116 MB
    x1, x100000 = sympy.Symbol("x1", real=True), sympy.Symbol("x100000", real=True)
    assert str(expression) == "2.0*x1 + 3.0*x100000 + 1.0"
    assert expression.free_symbols == {x1, x100000}


def test_to_sympy_is_unchanged_on_a_polynomial_of_every_variable() -> None:
    sympy = pytest.importorskip("sympy")
    poly = nn2poly.Polynomial(
        [[0, 0, 0], [2, 0, 1], [0, 1, 0], [1, 1, 1]],
        [[0.1, 1.0], [-2.0, 0.5], [1 / 3, 0.0], [4.0, -1.0]],
        feature_names=["a b", "c,d", "e"],
    )
    a, c, e = (sympy.Symbol(name, real=True) for name in ("a b", "c,d", "e"))
    expected = sympy.Matrix(
        [
            sympy.Float(0.1, 17) - 2 * a**2 * e + sympy.Float(1 / 3, 17) * c + 4 * a * c * e,
            1 + sympy.Float(0.5, 17) * a**2 * e - a * c * e,
        ]
    )
    assert sympy.simplify(poly.to_sympy() - expected) == sympy.zeros(2, 1)


def test_other_text_exports_of_a_wide_file_are_fast(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    poly = nn2poly.Polynomial.load(_wide_file(tmp_path))
    poly.to_frame()  # pandas imported
    for export in (poly.to_frame, poly.to_latex, lambda: str(poly)):
        seconds, peak, _ = _cost(export)
        assert seconds < 2.0 and peak < 20 * 2**20
    assert str(poly) == "y1 = 1 + 2*x1 + 3*x100000"
    assert poly.to_frame()["term"].tolist() == ["1", "x1", "x100000"]


def test_to_sklearn_of_a_wide_file_needs_no_table_of_every_column(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    poly = nn2poly.Polynomial.load(_wide_file(tmp_path))
    seconds, peak, model = _cost(poly.to_sklearn)
    assert seconds < 10.0 and peak < 64 * 2**20  # was a 74.5 GiB MemoryError after 50 s
    X = np.zeros((2, 100_000))
    X[0, 0], X[1, -1] = 1.0, 2.0
    np.testing.assert_allclose(model.predict(X), poly.predict(X))


def test_to_sklearn_beyond_the_memory_limit_is_refused_naming_it(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    poly = nn2poly.Polynomial.load(_wide_file(tmp_path, pair=True))
    with pytest.raises(nn2poly.MemoryLimitError, match="memory limit of") as caught:
        poly.to_sklearn()  # degree 2 in 100000 features: 5e9 columns
    assert "set_memory_limit" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("n_features", [1, 2, 3, 5])
@pytest.mark.parametrize("degree", [1, 2, 3, 4])
def test_sklearn_column_is_the_rank_scikit_learn_gives(n_features: int, degree: int) -> None:
    preprocessing = pytest.importorskip("sklearn.preprocessing")
    features = preprocessing.PolynomialFeatures(degree, include_bias=False)
    features.fit(np.zeros((1, n_features)))
    for column, row in enumerate(features.powers_):
        label = tuple(v + 1 for v in range(n_features) for _ in range(int(row[v])))
        assert sklearn_column(label, n_features) == column


# ------------------------------------------------------------------ Keras lookalike activation
def test_a_keras_function_named_silu_is_called_out_as_not_the_builtin() -> None:
    keras = pytest.importorskip("keras")

    def silu(x):  # type: ignore[no-untyped-def]
        return x * keras.ops.sigmoid(2 * x)

    model = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(3, activation=silu), keras.layers.Dense(1)]
    )
    with pytest.raises(ValueError, match=r"not keras\.activations\.silu") as caught:
        nn2poly.to_polynomial(model, 3)
    message = str(caught.value)
    assert "user function with the built-in's name" in message
    assert "nn2poly reads the Keras activations" not in message  # no list naming 'silu'


# ------------------------------------------------------------------ ONNX dims against data
def _onnx_with_dims(path: Path, dims: list[int]) -> Path:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.array([[0.5], [0.2]], np.float32), "W")
    weight.dims[:] = dims
    bias = numpy_helper.from_array(np.array([0.1], np.float32), "b")
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "W", "b"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 1])],
        initializer=[weight, bias],
    )
    onnx.save(helper.make_model(graph), os.fspath(path))
    return path


@pytest.mark.parametrize("dims", [[100_000, 100_000], [3, 1], [2, -1]])
def test_onnx_dims_that_do_not_match_the_data_name_the_file_and_initializer(
    tmp_path: Path, dims: list[int]
) -> None:
    from nn2poly.adapters._files import ModelFileError

    path = _onnx_with_dims(tmp_path / "bad.onnx", dims)
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError) as caught:
            nn2poly.load_network(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert "'bad.onnx'" in message and "initializer 'W'" in message
    assert "cannot reshape" not in message and "\n" not in message
    assert peak < 64 * 2**20  # the declared 10**10 values are never allocated


def test_onnx_dims_that_do_not_match_in_memory_are_a_value_error(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    model = onnx.load(os.fspath(_onnx_with_dims(tmp_path / "bad.onnx", [100_000, 100_000])))
    with pytest.raises(ValueError, match=r"initializer 'W' declares the shape \(100000, 100000\)"):
        nn2poly.to_polynomial(model, 2)


def test_onnx_matching_dims_still_read(tmp_path: Path) -> None:
    path = _onnx_with_dims(tmp_path / "good.onnx", [2, 1])
    poly = nn2poly.to_polynomial(path, 1)
    X = np.array([[1.0, 2.0], [-0.5, 0.25]])
    np.testing.assert_allclose(poly.predict(X), X @ [0.5, 0.2] + 0.1, rtol=1e-6)


# ------------------------------------------------------------------ JSON numbers too long
def test_a_json_integer_of_too_many_digits_is_called_too_long(tmp_path: Path) -> None:
    path = tmp_path / "poly.json"
    path.write_text(
        '{"format": "nn2poly.polynomial", "version": 1, "n_features": 1, '
        f'"labels": [[1]], "coef": [[{"9" * 5000}]]}}'
    )
    with pytest.raises(nn2poly.JSONFileError, match="a number in the file is too long") as caught:
        nn2poly.Polynomial.load(path)
    message = str(caught.value)
    assert "poly.json" in message and "set_int_max_str_digits" not in message


# ------------------------------------------------------------------ Keras without a backend
@pytest.mark.parametrize("backend", ["bogus", "jax"])
def test_keras_without_a_backend_says_so_and_how_to_choose_one(
    tmp_path: Path, backend: str
) -> None:
    if find_spec("keras") is None or (backend == "jax" and find_spec("jax") is not None):
        pytest.skip("needs keras, and no jax for the missing-backend case")
    model = tmp_path / "model.h5"
    model.write_bytes(b"not an HDF5 file at all")
    env = {**os.environ, "KERAS_BACKEND": backend, "KERAS_HOME": os.fspath(tmp_path)}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from nn2poly.cli import main; main()",
            "convert",
            os.fspath(model),
            "--trust",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode != 0
    error = result.stderr.strip()
    assert "Traceback" not in error and len(error.splitlines()) == 1
    assert "found no backend" in error and "KERAS_BACKEND=torch" in error
    assert "needs Keras 3" not in error


# ------------------------------------------------------------------ StudyConfig values
@pytest.mark.parametrize(
    ("settings", "pattern"),
    [
        ({"data": {"noise_sd": math.nan}}, r"data\['noise_sd'\].*Got nan"),
        ({"data": {"noise_sd": -1.0}}, r"data\['noise_sd'\]"),
        ({"network": {"learning_rate": math.inf}}, r"network\['learning_rate'\].*Got inf"),
        ({"data": {"n": 10**10}}, r"data\['n'\].*\[4, 1e\+07\]"),
        ({"conversions": [{"taylor_order": 10**6}]}, r"conversions\[0\]\['taylor_order'\]"),
        ({"conversions": [{"max_order": 0}]}, r"conversions\[0\]\['max_order'\]"),
        ({"conversions": [{"approximation": "exact"}]}, r"'approximation'"),
        ({"grid": {"n": [100, 10**10]}}, r"grid\['n'\]\[1\]"),
        ({"grid": {"width": [4, 0]}}, r"grid\['width'\]\[1\]"),
        ({"data": {"test_fraction": 1.0}}, r"test_fraction"),
        ({"data": {"n_features": 1000, "degree": 3}}, r"at most 1,000,000 monomials"),
    ],
)
def test_study_config_checks_values_when_made(settings: dict, pattern: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=pattern) as caught:
        StudyConfig("x", **settings)
    assert "StudyConfig" in str(caught.value)


def test_study_config_type_errors_are_type_errors() -> None:
    with pytest.raises(TypeError, match=r"network\['epochs'\]"):
        StudyConfig("x", network={"epochs": "many"})


def test_study_config_still_accepts_the_usual_values() -> None:
    config = StudyConfig(
        "ok",
        data={"noise_sd": 0, "n": 50, "mean_range": "none"},
        network={"constraint": "none", "learning_rate": 0.01},
        grid={"activation": ["tanh", "softplus"], "n_features": [2, 3]},
        conversions=[{"approximation": "taylor", "max_order": 2, "taylor_order": 0}],
    )
    assert len(config.settings()) == 4


def test_load_config_checks_values(tmp_path: Path) -> None:
    path = tmp_path / "study.toml"
    path.write_text('name = "s"\n[data]\nnoise_sd = nan\n')
    with pytest.raises(ValueError, match=r"data\['noise_sd'\]"):
        load_config(path)
    path.write_text('name = "s"\n[[conversions]]\ntaylor_order = 1000000\n')
    with pytest.raises(ValueError, match=r"taylor_order"):
        load_config(path)


def test_an_in_memory_onnx_tensor_with_unread_external_data_is_refused(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto

    model = onnx.load(os.fspath(_onnx_with_dims(tmp_path / "ext.onnx", [2, 1])))
    weight = model.graph.initializer[0]
    weight.ClearField("raw_data")
    weight.data_location = TensorProto.EXTERNAL
    entry = weight.external_data.add()
    entry.key, entry.value = "location", "weights.bin"
    with pytest.raises(ValueError, match="external file that was not read"):
        nn2poly.to_polynomial(model, 1)
