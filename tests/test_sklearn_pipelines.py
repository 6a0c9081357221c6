"""scikit-learn pipelines: affine preprocessing folded into the network, in input units."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.decomposition import PCA
from sklearn.linear_model import LinearRegression
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MaxAbsScaler,
    MinMaxScaler,
    Normalizer,
    OneHotEncoder,
    PolynomialFeatures,
    QuantileTransformer,
    RobustScaler,
    StandardScaler,
)

import nn2poly
from nn2poly.adapters import adapt
from nn2poly.adapters._sklearn import adapt_sklearn

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.default_rng(3)
#: raw inputs far from [-1, 1], in units of their own
X = RNG.normal([50.0, -3.0, 0.02], [10.0, 2.0, 0.01], size=(80, 3))
Y = 0.05 * X[:, 0] - 0.4 * X[:, 1] * X[:, 0] / 50 + 30 * X[:, 2]


def mlp(**options: Any) -> MLPRegressor:
    return MLPRegressor(hidden_layer_sizes=(5,), activation="tanh", max_iter=50, random_state=0,
                        **options)  # fmt: skip


@pytest.mark.parametrize(
    "steps",
    [
        [StandardScaler()],
        [StandardScaler(with_mean=False)],
        [StandardScaler(with_std=False)],
        [MinMaxScaler(feature_range=(-2.0, 3.0))],
        [MaxAbsScaler()],
        [RobustScaler()],
        [RobustScaler(with_centering=False)],
        [RobustScaler(with_scaling=False, quantile_range=(10.0, 90.0))],
        [PCA(n_components=2)],
        [StandardScaler(), PCA(whiten=True)],
        ["passthrough", MinMaxScaler(), None],
        [make_pipeline(StandardScaler(), MaxAbsScaler())],
    ],
    ids=lambda steps: "+".join(type(s).__name__ if s is not None else "None" for s in steps),
)
def test_pipeline_forward_equals_predict(steps: list[Any]) -> None:
    pipe = make_pipeline(*steps, mlp()).fit(X, Y)
    adapted = adapt(pipe)
    assert adapted.network.n_inputs == 3
    np.testing.assert_allclose(adapted.network.forward(X)[:, 0], pipe.predict(X), rtol=1e-10)
    assert adapted.network.activations == ("tanh", "linear")  # folded, no layer of its own


def test_named_pipeline_and_dataframe_feature_names() -> None:
    import pandas

    frame = pandas.DataFrame(X, columns=["age", "dose", "ratio"])
    pipe = Pipeline([("scale", StandardScaler()), ("net", mlp())]).fit(frame, Y)
    adapted = adapt_sklearn(pipe, data=frame.to_numpy())
    assert adapted.feature_names == ("age", "dose", "ratio")
    poly = nn2poly.to_polynomial(pipe, max_order=2, approximation="fit", data=frame)
    assert poly.feature_names == ("age", "dose", "ratio")
    assert np.corrcoef(poly.predict(frame), pipe.predict(frame))[0, 1] > 0.99


def test_classifier_pipelines_keep_link_classes_and_probabilities() -> None:
    labels = np.digitize(X[:, 0], [45.0, 55.0])
    pipe = make_pipeline(RobustScaler(), MLPClassifier(hidden_layer_sizes=(4,), max_iter=50,
                                                       random_state=0)).fit(X, labels)  # fmt: skip
    adapted = adapt(pipe)
    assert adapted.link == "softmax" and adapted.network.link == "softmax"
    assert adapted.output_names == ("0", "1", "2")
    assert adapted.classes == (0, 1, 2)
    np.testing.assert_allclose(
        softmax(adapted.network.forward(X), axis=1), pipe.predict_proba(X), rtol=1e-10
    )
    binary = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(3,), max_iter=50,
                                                           random_state=0))  # fmt: skip
    binary.fit(X, np.where(X[:, 1] > -3, "high", "low"))
    adapted = adapt(binary)
    assert adapted.link == "sigmoid" and adapted.output_names == ("low",)
    np.testing.assert_allclose(
        expit(adapted.network.forward(X)[:, 0]), binary.predict_proba(X)[:, 1], rtol=1e-10
    )


@pytest.mark.parametrize("transformer", [StandardScaler(), MinMaxScaler((-1.0, 1.0)), None])
def test_transformed_target_folds_into_the_output(transformer: Any) -> None:
    model = TransformedTargetRegressor(
        make_pipeline(StandardScaler(), mlp()), transformer=transformer
    )
    model.fit(X, Y)
    network = adapt(model).network
    np.testing.assert_allclose(network.forward(X)[:, 0], model.predict(X), rtol=1e-10)


def test_polynomial_in_input_units_is_the_scaled_polynomial_substituted() -> None:
    pipe = make_pipeline(StandardScaler(), mlp()).fit(X, Y)
    scaler = pipe[0]
    original = nn2poly.to_polynomial(pipe, max_order=3, approximation="fit", data=X)
    scaled = nn2poly.to_polynomial(
        pipe[-1], max_order=3, approximation="fit", data=scaler.transform(X)
    )
    back = scaled.substitute(np.diag(1 / scaler.scale_), -scaler.mean_ / scaler.scale_)
    a, b = original.align(back)
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-8, atol=1e-10 * np.abs(a.coef).max())
    # a pure scaling never mixes degrees: equal with the plain Taylor expansion too
    pipe = make_pipeline(MaxAbsScaler(), mlp()).fit(X, Y)
    with pytest.warns(nn2poly.TaylorAccuracyWarning):
        original = nn2poly.to_polynomial(pipe, max_order=2, approximation="taylor")
        scaled = nn2poly.to_polynomial(pipe[-1], max_order=2, approximation="taylor")
    a, b = original.align(scaled.substitute(np.diag(1 / pipe[0].scale_)))
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-9, atol=1e-12)


def test_pipeline_of_an_nn2poly_estimator() -> None:
    from nn2poly.training import MLPRegressor as OwnRegressor

    scaler = MinMaxScaler(feature_range=(-1.0, 1.0))  # what its l1 constraint asks for
    pipe = make_pipeline(scaler, OwnRegressor(hidden_layer_sizes=(4,), epochs=2))
    pipe.fit(X, Y)
    network = adapt(pipe).network
    np.testing.assert_allclose(network.forward(X)[:, 0], pipe.predict(X), rtol=1e-6)


def test_saved_pipeline_converts(tmp_path: Path) -> None:
    import joblib

    pipe = make_pipeline(MinMaxScaler(), mlp()).fit(X, Y)
    joblib.dump(pipe, tmp_path / "pipe.joblib")
    network = nn2poly.load_network(tmp_path / "pipe.joblib", trust=True)
    np.testing.assert_allclose(network.forward(X)[:, 0], pipe.predict(X), rtol=1e-10)


# ----------------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    ("step", "named"),
    [
        (PolynomialFeatures(2), r"step 'polynomialfeatures' \(PolynomialFeatures\)"),
        (Normalizer(), r"step 'normalizer' \(Normalizer\)"),
        (FunctionTransformer(np.log1p), r"step 'functiontransformer' \(FunctionTransformer\)"),
        (MinMaxScaler(clip=True), r"step 'minmaxscaler' \(MinMaxScaler\).*clip=True"),
        (QuantileTransformer(n_quantiles=10), r"step 'quantiletransformer'"),
    ],
)
def test_other_steps_are_refused_by_name_and_class(step: Any, named: str) -> None:
    pipe = make_pipeline(step, mlp()).fit(np.abs(X), Y)
    with pytest.raises(ValueError, match=named) as error:
        adapt(pipe)
    assert "StandardScaler, MinMaxScaler (clip=False)" in str(error.value)
    assert "pipeline[:-1].transform(X)" in str(error.value)


def test_column_transformer_is_refused() -> None:
    columns = ColumnTransformer(
        [("scale", StandardScaler(), [0, 1]), ("code", OneHotEncoder(), [2])]
    )
    pipe = Pipeline([("prepare", columns), ("net", mlp())]).fit(np.round(X), Y)
    with pytest.raises(ValueError, match=r"step 'prepare' \(ColumnTransformer\)"):
        adapt(pipe)


def test_unfitted_and_foreign_pipelines_are_refused() -> None:
    with pytest.raises(ValueError, match="not fitted"):
        adapt_sklearn(make_pipeline(StandardScaler(), mlp()))
    with pytest.raises(TypeError, match=r"MLPRegressor or MLPClassifier\. Got .*LinearRegression"):
        adapt_sklearn(make_pipeline(StandardScaler(), LinearRegression()).fit(X, Y))
    with pytest.raises(ValueError, match=r"last step is 'passthrough' or None"):
        adapt_sklearn(make_pipeline(StandardScaler(), "passthrough").fit(X, Y))
    target = TransformedTargetRegressor(mlp(), transformer=QuantileTransformer(n_quantiles=10))
    with pytest.raises(ValueError, match=r"transforms its target with QuantileTransformer"):
        adapt_sklearn(target.fit(X, Y))
    target = TransformedTargetRegressor(mlp(), func=np.log1p, inverse_func=np.expm1)
    with pytest.raises(ValueError, match=r"FunctionTransformer"):
        adapt_sklearn(target.fit(X, np.abs(Y)))
