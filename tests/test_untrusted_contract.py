"""The contract for everything nn2poly reads: a result whose coefficients are all finite, or a
ValueError/TypeError with a message; never another exception, a crash or a hang.

This suite fills what the other fuzz tests leave out: weights of random shapes, dtypes,
containers and special values (``test_engine_finite`` fuzzes magnitudes of fixed shapes);
fit data, names and option combinations around it (``test_engine_finite`` fuzzes the
options alone); network files and raw JSON text spliced into valid polynomial and network
files (``test_polynomial_untrusted`` fuzzes polynomial dictionaries, ``test_jsonio`` raw
bytes). The command lines reading such files are in ``test_untrusted_cli``.
"""

from __future__ import annotations

import itertools
import json
import os
import tempfile
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn2poly

#: Exponents of the weights' scale: subnormal, tiny, ordinary, huge, at the float64 edge.
EXPONENTS = [-320, -30, -1, 0, 1, 8, 150, 300, 308]
#: Values dropped into an array at one place.
SPECIALS = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e308, -1e308, 5e-324]
ACTIVATIONS = [
    "tanh",
    "sigmoid",
    "softplus",
    "linear",
    "square",
    "relu",
    "elu",
    "softplus(beta=1e-320)",
    "softplus(beta=0)",
    "isru(alpha=1e308)",
    "tanh(",
    "",
    "nope",
]


def _nn2poly_warning(category: type[Warning]) -> bool:
    return category.__module__.split(".")[0] == "nn2poly"


def finite_or_refused(call: Callable[[], Any]) -> Any:
    """Run ``call``: finite coefficients or a ValueError/TypeError with a message.

    nn2poly's own warnings (e.g. the Taylor accuracy warning) are allowed; any
    other warning (a numpy overflow, a framework's complaint) fails the test.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call()
        except (ValueError, TypeError) as error:
            assert str(error).strip(), f"{type(error).__name__} without a message"
            result = None
    stray = [w for w in caught if not _nn2poly_warning(w.category)]
    assert not stray, [f"{w.category.__name__}: {w.message}" for w in stray]
    if isinstance(result, nn2poly.Polynomial):
        assert np.all(np.isfinite(result.coef))
        for layer in getattr(result, "layers", None) or ():
            assert np.all(np.isfinite(layer.input.coef))
            assert np.all(np.isfinite(layer.output.coef))
    return result


def _array(rng: np.random.Generator, shape: tuple[int, ...], exponent: int) -> np.ndarray:
    with np.errstate(all="ignore"):
        return rng.normal(size=shape) * 10.0**exponent


def _contain(values: np.ndarray, container: str, requires_grad: bool) -> Any:
    """``values`` as the given dtype or container, as a user might pass them."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if container in ("float64", "float32", "float16", "int64", "bool", "complex128"):
            return values.astype(container)
        if container == "object":
            return values.astype(object)
        if container == "list":
            return values.tolist()
        if container == "fortran":
            return np.asfortranarray(values)
        if container == "strided":
            return np.repeat(values, 2, axis=-1)[..., ::2]
    torch = pytest.importorskip("torch")
    tensor = torch.tensor(values, dtype=torch.float32 if container == "tensor32" else torch.float64)
    return tensor.requires_grad_(requires_grad)


CONTAINERS = [
    "float64",
    "float32",
    "float16",
    "int64",
    "bool",
    "complex128",
    "object",
    "list",
    "fortran",
    "strided",
    "tensor32",
    "tensor64",
]


# ------------------------------------------------------------------ weights
@settings(max_examples=60, deadline=None)
@given(
    widths=st.lists(st.integers(0, 3), min_size=2, max_size=4),
    transpose=st.lists(st.booleans(), min_size=3, max_size=3),
    exponent=st.sampled_from(EXPONENTS),
    special=st.one_of(st.none(), st.sampled_from(SPECIALS)),
    container=st.sampled_from(CONTAINERS),
    requires_grad=st.booleans(),
    activations=st.lists(st.sampled_from(ACTIVATIONS), min_size=1, max_size=4),
    max_order=st.integers(1, 4),
    center=st.sampled_from([0.0, "local", 1.5]),
    seed=st.integers(0, 3),
)
def test_weights_of_any_shape_dtype_and_scale(
    widths: list[int],
    transpose: list[bool],
    exponent: int,
    special: float | None,
    container: str,
    requires_grad: bool,
    activations: list[str],
    max_order: int,
    center: float | str,
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    weights = []
    for index, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
        matrix = _array(rng, (n_in + 1, n_out), exponent)
        if transpose[index % 3]:
            matrix = matrix.T
        if special is not None and matrix.size and index == len(widths) - 2:
            matrix.flat[seed % matrix.size] = special
        weights.append(_contain(matrix, container, requires_grad))
    finite_or_refused(
        lambda: nn2poly.to_polynomial((weights, activations), max_order, taylor_center=center)
    )


@settings(max_examples=25, deadline=None)
@given(
    layers=st.lists(
        st.fixed_dictionaries(
            {
                "weight": st.one_of(
                    st.lists(st.lists(st.floats(), min_size=1, max_size=2), max_size=3),
                    st.lists(st.floats(), max_size=3),
                    st.just([[1.0], [2.0]]),
                ),
                "bias": st.one_of(st.none(), st.lists(st.floats(), max_size=2), st.floats()),
                "activation": st.sampled_from(ACTIVATIONS),
            }
        ),
        min_size=1,
        max_size=3,
    ),
    form=st.sampled_from(["dict", "from_dict"]),
)
def test_weights_as_network_dictionaries(layers: list[dict[str, Any]], form: str) -> None:
    data = {"format": "nn2poly.network", "version": 1, "layers": layers}
    model: Callable[[], Any] = (
        (lambda: nn2poly.to_polynomial(nn2poly.Network.from_dict(data), 2))
        if form == "from_dict"
        else (lambda: nn2poly.to_polynomial(data, 2))
    )
    finite_or_refused(model)


# ------------------------------------------------------------------ fit data and names
NETWORK = nn2poly.Network.from_weights(
    [np.array([[0.1, -0.2], [0.5, 0.3], [-0.4, 0.5]]), np.array([[0.0], [1.0], [-1.0]])],
    ["tanh", "linear"],
)
NAMES = st.one_of(
    st.none(),
    st.lists(st.sampled_from(["a", "b", "", "a b", "x1", "é"]), max_size=3),
    st.sampled_from(["ab", 3, ("a", 2), {"a": 1}]),
)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(0, 40),
    columns=st.integers(1, 3),
    exponent=st.sampled_from([-300, -200, -10, 0, 3, 150, 200, 307]),
    special=st.one_of(st.none(), st.sampled_from(SPECIALS)),
    container=st.sampled_from([*CONTAINERS, "dataframe", "none"]),
    approximation=st.sampled_from(["fit", "taylor", "Fit", None]),
    interval=st.one_of(
        st.none(),
        st.tuples(st.floats(-1e300, 1e300), st.floats(-1e300, 1e300)),
        st.sampled_from([(0.0, 1e-60), (-1.0, 1.0), (1.0, -1.0), (0.0, np.inf)]),
    ),
    max_order=st.integers(1, 5),
    keep_layers=st.booleans(),
    memory_limit=st.one_of(st.none(), st.sampled_from([1, 4096, 1 << 20, 1 << 30])),
    feature_names=NAMES,
    output_names=NAMES,
)
def test_fit_data_intervals_and_names(
    rows: int,
    columns: int,
    exponent: int,
    special: float | None,
    container: str,
    approximation: str | None,
    interval: Any,
    max_order: int,
    keep_layers: bool,
    memory_limit: int | None,
    feature_names: Any,
    output_names: Any,
) -> None:
    rng = np.random.default_rng(rows * 7 + columns)
    values = _array(rng, (rows, columns), exponent)
    if special is not None and values.size:
        values.flat[rows % values.size] = special
    if container == "none":
        data = None
    elif container == "dataframe":
        pandas = pytest.importorskip("pandas")
        data = pandas.DataFrame(values, columns=["a", "b", "c"][:columns])
    else:
        data = _contain(values, container, requires_grad=True)
    options: dict[str, Any] = {
        "data": data,
        "interval": interval,
        "keep_layers": keep_layers,
        "memory_limit": memory_limit,
        "feature_names": feature_names,
        "output_names": output_names,
    }
    if approximation is not None:
        options["approximation"] = approximation
    finite_or_refused(lambda: nn2poly.to_polynomial(NETWORK, max_order, **options))


# ------------------------------------------------------------------ files as raw text
#: JSON texts spliced in place of one value of a valid file (many are not JSON at all).
RAW_VALUES = [
    "null",
    "true",
    "-0",
    "1e999",
    "-1e999",
    "NaN",
    "Infinity",
    "-Infinity",
    "1" + "0" * 400,
    "9" * 5000,
    "1.5",
    "4e-324",
    "9223372036854775808",
    "-9223372036854775809",
    '"x1"',
    '"\\ud800"',
    '"\\u0000"',
    "[" * 3000 + "]" * 3000,
    '{"a":' * 3000 + "1" + "}" * 3000,
    "[[[[[[[[[[1]]]]]]]]]]",
    "[]",
    "{}",
    "[[]]",
    "[[1e308,1e308],[1e308,1e308]]",
    '"tanh"',
    '"softplus(beta=0)"',
    "[1,",
    "",
]


def _polynomial_text() -> str:
    poly = nn2poly.Polynomial([[0, 0], [1, 0], [1, 1]], [1.0, -2.0, 0.5], feature_names=["a", "b"])
    return json.dumps(poly.to_dict())


def _network_text() -> str:
    return json.dumps(NETWORK.to_dict())


def _splice(text: str, occurrence: int, raw: str) -> str:
    """``text`` with its ``occurrence``-th JSON value (a number, string, list or dict) replaced."""
    data = json.loads(text)
    paths: list[list[Any]] = []

    def walk(value: Any, path: list[Any]) -> None:
        paths.append(path)
        children = (
            value.items()
            if isinstance(value, dict)
            else enumerate(value)
            if isinstance(value, list)
            else ()
        )
        for key, child in children:
            walk(child, [*path, key])

    walk(data, [])
    path = paths[occurrence % len(paths)]
    marker = "@@SPLICE@@"
    if not path:
        return raw
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = marker
    return json.dumps(data).replace(json.dumps(marker), raw, 1)


def _in_file(text: str, suffix: str, call: Callable[[str], Any]) -> Any:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"model{suffix}")
        with open(path, "w", encoding="utf-8", errors="surrogatepass") as handle:
            handle.write(text)
        return call(path)


@settings(max_examples=120, deadline=None)
@given(occurrence=st.integers(0, 60), raw=st.sampled_from(RAW_VALUES))
def test_polynomial_file_with_one_value_replaced(occurrence: int, raw: str) -> None:
    text = _splice(_polynomial_text(), occurrence, raw)
    poly = finite_or_refused(lambda: _in_file(text, ".json", nn2poly.Polynomial.load))
    if poly is not None:
        assert nn2poly.Polynomial.from_dict(poly.to_dict()) == poly


@settings(max_examples=120, deadline=None)
@given(
    occurrence=st.integers(0, 60),
    raw=st.sampled_from(RAW_VALUES),
    reader=st.sampled_from(["load_network", "to_polynomial", "Network.load"]),
)
def test_network_file_with_one_value_replaced(occurrence: int, raw: str, reader: str) -> None:
    text = _splice(_network_text(), occurrence, raw)
    read: Callable[[str], Any] = {
        "load_network": nn2poly.load_network,
        "Network.load": nn2poly.Network.load,
        "to_polynomial": lambda path: nn2poly.to_polynomial(path, 3),
    }[reader]
    finite_or_refused(lambda: _in_file(text, ".json", read))


REFERENCE_TEXT = json.dumps({"weights": [[[0.1, 0.2], [0.5, 0.3]], [[0.0], [1.0], [2.0]]],
                             "activations": ["tanh", "linear"]})  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(occurrence=st.integers(0, 30), raw=st.sampled_from(RAW_VALUES))
def test_reference_layout_file_with_one_value_replaced(occurrence: int, raw: str) -> None:
    text = _splice(REFERENCE_TEXT, occurrence, raw)
    finite_or_refused(lambda: _in_file(text, ".json", lambda path: nn2poly.to_polynomial(path, 2)))
