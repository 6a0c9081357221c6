"""Arguments of the core (Polynomial, Network, activations, adapters) are refused in the
one message template: "The 'x' parameter of f must be ... Got ... instead. <fix>"."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nn2poly
from nn2poly import InvalidParameterError, InvalidParameterTypeError, Network, Polynomial
from nn2poly._powers_arithmetic import align
from nn2poly.activations import ActivationSpec, get_activation, register_activation
from nn2poly.adapters import adapt
from nn2poly.adapters._builder import GraphBuilder

POLY = Polynomial([[0, 0], [1, 0], [1, 1]], [1.0, 2.0, 3.0], feature_names=["a", "b"])
NET = Network.from_weights([np.ones((3, 1))], ["tanh"])

CASES: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    (
        "powers repeated",
        lambda: Polynomial([[1], [0], [1]], [1.0, 2.0, 3.0]),
        InvalidParameterError,
        r"The 'powers' parameter of Polynomial must be an array of distinct rows .* "
        r"Got an array of shape \(3, 1\) .* Rows \[0, 2\] are repeated rows",
    ),
    (
        "powers negative",
        lambda: Polynomial([[-1]], [1.0]),
        InvalidParameterError,
        r"'powers' parameter of Polynomial must be an array of non-negative integers\. "
        r"Got .* It holds -1\.",
    ),
    (
        "coef shape",
        lambda: Polynomial([[0], [1]], [1.0, 2.0, 3.0]),
        InvalidParameterError,
        r"'coef' parameter of Polynomial must be an array of shape \(n_terms,\) or "
        r"\(n_terms, n_outputs\) with n_terms=2\. Got an array of shape \(3,\)",
    ),
    (
        "coef not finite",
        lambda: Polynomial([[0], [1]], [1.0, np.inf]),
        InvalidParameterError,
        r"'coef' parameter of Polynomial must be finite\. Got .* at rows \[1\]",
    ),
    (
        "names count",
        lambda: Polynomial([[0, 1]], [1.0], feature_names=["a"]),
        InvalidParameterError,
        r"'feature_names' parameter of Polynomial must be a sequence of 2 unique str\. "
        r"Got \['a'\] instead\. feature_names has 1 entries but 2 are needed",
    ),
    (
        "names repeated",
        lambda: Polynomial([[0]], [[1.0, 2.0]], output_names=["y", "y"]),
        InvalidParameterError,
        r"'output_names' parameter of Polynomial .* These names are repeated: \['y'\]",
    ),
    (
        "names type",
        lambda: Polynomial([[0]], [1.0], feature_names="a"),
        InvalidParameterTypeError,
        r"'feature_names' parameter of Polynomial must be a sequence of 1 unique str",
    ),
    (
        "X columns",
        lambda: POLY.predict(np.ones((2, 3))),
        InvalidParameterError,
        r"The 'X' parameter of Polynomial\.predict must be a real array of shape "
        r"\(n_samples, 2\)\. Got an array of shape \(2, 3\) and dtype float64 instead\. "
        r"X has 3 columns",
    ),
    (
        "X rank",
        lambda: POLY.decision_function(np.ones((2, 2, 2))),
        InvalidParameterError,
        r"'X' parameter of Polynomial\.decision_function .* X\.reshape\(1, -1\)",
    ),
    (
        "X not finite",
        lambda: POLY.monomial_values([[0.0, 1.0], [np.nan, 1.0]]),
        InvalidParameterError,
        r"'X' parameter of Polynomial\.monomial_values must be finite\. .* at rows \[1\]",
    ),
    (
        "X complex",
        lambda: POLY.predict(np.ones((1, 2), dtype=complex)),
        InvalidParameterTypeError,
        r"'X' parameter of Polynomial\.predict .* real inputs only",
    ),
    (
        "X of predict_proba",
        lambda: Polynomial([[0], [1]], [0.0, 1.0], link="sigmoid").predict_proba("x"),
        InvalidParameterTypeError,
        r"'X' parameter of Polynomial\.predict_proba must be a real array",
    ),
    (
        "label mixed",
        lambda: POLY.coefficient(("a", 1)),
        InvalidParameterTypeError,
        r"'label' parameter of Polynomial\.coefficient .* Got \('a', 1\) instead\. "
        r"It mixes feature names and ints",
    ),
    (
        "label outside",
        lambda: POLY.coefficient((3,)),
        InvalidParameterError,
        r"'label' parameter of Polynomial\.coefficient must be a label of variables in "
        r"1\.\.2\. Got \(3,\) instead\. It names a variable outside 1\.\.2",
    ),
    (
        "label float",
        lambda: POLY.coefficient((1.5,)),
        InvalidParameterTypeError,
        r"'label' parameter of Polynomial\.coefficient .* 1\.5 is a float",
    ),
    (
        "align widths",
        lambda: align([[[0]], [[0, 1]]], [[1.0], [1.0]]),
        InvalidParameterError,
        r"'powers' parameter of align .* numbers of features are \[1, 2\]",
    ),
    (
        "from_dict foreign",
        lambda: Polynomial.from_dict({"format": "other"}),
        InvalidParameterError,
        r"'data' parameter of Polynomial\.from_dict must be a dictionary with "
        r"format='nn2poly\.polynomial' .* Not an nn2poly polynomial",
    ),
    (
        "from_dict keys",
        lambda: Polynomial.from_dict({"format": "nn2poly.polynomial"}),
        InvalidParameterError,
        r"'data' parameter of Polynomial\.from_dict .* lacks the keys "
        r"\['n_features', 'labels', 'coef'\]",
    ),
    (
        "Network.forward X",
        lambda: NET.forward(np.ones((4, 3))),
        InvalidParameterError,
        r"The 'X' parameter of Network\.forward must be a real array of shape "
        r"\(n_samples, 2\)\. Got an array of shape \(4, 3\)",
    ),
    (
        "Network.pre_activations X",
        lambda: NET.pre_activations(np.ones((1, 2), dtype=complex)),
        InvalidParameterTypeError,
        r"'X' parameter of Network\.pre_activations .* real inputs only",
    ),
    (
        "Network.from_dict type",
        lambda: Network.from_dict([1, 2]),  # type: ignore[arg-type]
        InvalidParameterTypeError,
        r"'data' parameter of Network\.from_dict must be a mapping .* It is a list",
    ),
    (
        "Network.from_dict keys",
        lambda: Network.from_dict({"a": 1}),
        InvalidParameterError,
        r"'data' parameter of Network\.from_dict .* Unrecognised network dictionary: "
        r"its keys are \['a'\]",
    ),
    (
        "adapt",
        lambda: adapt(3),
        InvalidParameterTypeError,
        r"The 'model' parameter of adapt must be an nn2poly\.Network, .* Got 3 instead\. "
        r"Cannot convert a builtins\.int",
    ),
    (
        "taylor order",
        lambda: get_activation("tanh").taylor_coefficients(0.0, -1),
        InvalidParameterError,
        r"'order' parameter of Activation\.taylor_coefficients must be a non-negative int",
    ),
    (
        "taylor centre",
        lambda: get_activation("tanh").taylor_coefficients([0.0, np.nan], 2),
        InvalidParameterError,
        r"'center' parameter of Activation\.taylor_coefficients must be finite",
    ),
    (
        "register twice",
        lambda: register_activation(ActivationSpec("tanh", np.tanh, None)),
        InvalidParameterError,
        r"'spec' parameter of register_activation .* An activation named 'tanh' is already "
        r"registered; pass overwrite=True",
    ),
    (
        "builder shapes",
        lambda: GraphBuilder(2).affine(GraphBuilder(2).input, np.ones((3, 1))),
        InvalidParameterError,
        r"The operations of the 'model' parameter of adapt must be a matrix with 2 rows",
    ),
    (
        "builder after the link",
        lambda: _after_softmax(),
        InvalidParameterError,
        r"must be a softmax only as the model's final output \(its link\)",
    ),
]


def _after_softmax() -> Any:
    builder = GraphBuilder(2)
    return builder.activation(builder.softmax(builder.input), "tanh")


@pytest.mark.parametrize(
    ("call", "error", "pattern"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_argument_refused_in_the_template(
    call: Callable[[], Any], error: type[Exception], pattern: str
) -> None:
    with pytest.raises(error, match=pattern) as caught:
        call()
    message = str(caught.value)
    assert re.search(r" must be .+\. Got .+ instead\.", message), message


def test_dataframe_columns_named_in_the_template() -> None:
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({"a": [1.0], "c": [2.0]})
    with pytest.raises(InvalidParameterError) as caught:
        POLY.predict(frame)
    message = str(caught.value)
    assert message.startswith("The 'X' parameter of Polynomial.predict must be a DataFrame")
    assert "missing: ['b']; not features: ['c']" in message


def test_errors_stay_value_and_type_errors() -> None:
    assert issubclass(InvalidParameterError, ValueError)
    assert issubclass(InvalidParameterTypeError, TypeError)
    assert nn2poly.UnknownActivationError.__mro__[1] is ValueError
