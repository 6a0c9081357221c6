"""One run of a study: simulate data, train a network, convert it, measure."""

from __future__ import annotations

import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._norms import TaylorAccuracyWarning, largest_hidden_l1_norm
from .._polynomial import Polynomial
from ._generate import SimulatedData, random_polynomial, simulate

__all__ = ["RunSpec", "coefficient_table", "make_data", "run_one"]

#: Serialises the warning capture of conversions running on threads of one process.
_WARNINGS_LOCK = threading.Lock()


@dataclass(frozen=True)
class RunSpec:
    """Everything a worker needs for one run (picklable)."""

    study: str
    setting_id: int
    repetition: int
    setting: dict[str, Any]
    conversions: tuple[dict[str, Any], ...]
    data_seed: int
    network_seed: int
    record_coefficients: bool = True

    @property
    def run_id(self) -> str:
        """``"<setting>-<repetition>"``, the key that resume uses."""
        return f"{self.setting_id}-{self.repetition}"


def make_data(data: dict[str, Any], seed: int) -> SimulatedData:
    """The simulated data set of a data-settings dict (see ``DATA_DEFAULTS``) and a seed."""
    rng = np.random.default_rng(seed)
    truth = random_polynomial(
        int(data["n_features"]),
        int(data["degree"]),
        terms_per_degree=data["terms_per_degree"],
        coef_range=tuple(data["coef_range"]),
        intercept=bool(data["intercept"]),
        rng=rng,
    )
    mean_range = data["mean_range"]
    return simulate(
        truth,
        int(data["n"]),
        distribution=data["distribution"],
        mean_range=None if mean_range is None else tuple(mean_range),
        correlation=float(data["correlation"]),
        noise_sd=float(data["noise_sd"]),
        test_fraction=float(data["test_fraction"]),
        scale_x=bool(data["scale_x"]),
        scale_y=bool(data["scale_y"]),
        rng=rng,
    )


def make_regressor(network: dict[str, Any], seed: int) -> Any:
    """An unfitted :class:`nn2poly.MLPRegressor` from a network-settings dict."""
    from ..training import MLPRegressor

    return MLPRegressor(
        hidden_layer_sizes=(int(network["width"]),) * int(network["depth"]),
        activation=network["activation"],
        constraint=network["constraint"],
        optimizer=network["optimizer"],
        learning_rate=float(network["learning_rate"]),
        epochs=int(network["epochs"]),
        batch_size=int(network["batch_size"]),
        random_state=seed,
    )


def coefficient_table(
    poly: Polynomial, truth: Polynomial, max_degree: int
) -> tuple[list[str], NDArray, NDArray]:
    """Terms up to ``max_degree`` present in either polynomial: names, true and recovered values.

    Terms are matched by their exponents (the features by position) and listed
    in graded order; names are R-style labels without brackets (``"1,2"``).
    """
    if truth.feature_names != poly.feature_names and truth.n_features == poly.n_features:
        truth = Polynomial(truth.powers, truth.coef, feature_names=poly.feature_names)
    recovered, true = poly.truncate(max_degree).align(truth.truncate(max_degree))
    names = [",".join(str(v) for v in label) for label in recovered.labels]
    return names, true.coef[:, 0].copy(), recovered.coef[:, 0].copy()


def _mse(a: NDArray, b: NDArray) -> float:
    return float(np.mean((np.asarray(a) - np.asarray(b)) ** 2))


def _r2(truth: NDArray, prediction: NDArray) -> float:
    total = float(np.sum((truth - truth.mean()) ** 2))
    return float("nan") if total == 0 else 1.0 - float(np.sum((truth - prediction) ** 2)) / total


def run_one(
    spec: RunSpec, torch_threads: int | None = 1
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Train and convert one network; return its result rows and coefficient rows.

    One result row per conversion. Errors are measured on the test rows in the
    scaled units the network was trained in. ``coef_rmse`` is the root mean
    squared difference between the recovered and the true (scaled) coefficients
    over every term up to the conversion's ``max_order``.
    """
    if torch_threads is not None:
        import torch

        torch.set_num_threads(int(torch_threads))
    data = make_data(spec.setting["data"], spec.data_seed)
    X_train, y_train = data.X_scaled[data.train], data.y_scaled[data.train]
    X_test, y_test = data.X_scaled[data.test], data.y_scaled[data.test]
    model = make_regressor(spec.setting["network"], spec.network_seed)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    train_seconds = time.perf_counter() - start
    y_network = np.asarray(model.predict(X_test), dtype=np.float64)
    l1_norm, _ = largest_hidden_l1_norm(model.network_)
    base = {
        "study": spec.study,
        "setting": spec.setting_id,
        "repetition": spec.repetition,
        "run_id": spec.run_id,
        **{key: _cell(value) for key, value in spec.setting["grid"].items()},
        "data_seed": spec.data_seed,
        "network_seed": spec.network_seed,
        "n_train": int(data.train.size),
        "n_test": int(data.test.size),
        "max_l1_norm": l1_norm,
        "mse_network_y": _mse(y_network, y_test),
        "r2_network": _r2(y_test, y_network),
        "train_seconds": train_seconds,
    }
    rows: list[dict[str, Any]] = []
    coefficient_rows: list[dict[str, Any]] = []
    true_degree = int(spec.setting["data"]["degree"])
    for index, conversion in enumerate(spec.conversions):
        start = time.perf_counter()
        # catch_warnings changes process-wide state: conversions on other threads
        # (a Dask worker runs several) would record or lose each other's warnings
        with _WARNINGS_LOCK, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TaylorAccuracyWarning)
            kwargs: dict[str, Any] = {"approximation": conversion["approximation"]}
            if conversion["approximation"] == "taylor":
                kwargs["taylor_orders"] = int(conversion["taylor_order"])
            else:
                kwargs["data"] = X_train
            poly = model.to_polynomial(max_order=int(conversion["max_order"]), **kwargs)
        convert_seconds = time.perf_counter() - start
        for warning in caught:  # anything other than the expected warning goes on as usual
            if not issubclass(warning.category, TaylorAccuracyWarning):
                warnings.warn_explicit(
                    warning.message, warning.category, warning.filename, warning.lineno
                )
        y_poly = np.asarray(poly.predict(X_test), dtype=np.float64)
        _, true_all, recovered_all = coefficient_table(
            poly, data.true_scaled, int(conversion["max_order"])
        )
        rows.append(
            {
                **base,
                "conversion": index,
                "approximation": conversion["approximation"],
                "taylor_order": int(conversion["taylor_order"]),
                "max_order": int(conversion["max_order"]),
                "mse_network_polynomial": _mse(y_network, y_poly),
                "mse_polynomial_y": _mse(y_poly, y_test),
                "r2_polynomial": _r2(y_test, y_poly),
                "coef_rmse": float(np.sqrt(np.mean((true_all - recovered_all) ** 2))),
                "taylor_warning": any(
                    issubclass(w.category, TaylorAccuracyWarning) for w in caught
                ),
                "convert_seconds": convert_seconds,
            }
        )
        if spec.record_coefficients:
            names, true, recovered = coefficient_table(poly, data.true_scaled, true_degree)
            coefficient_rows.extend(
                {
                    "run_id": spec.run_id,
                    "conversion": index,
                    "term": name,
                    "true": t,
                    "recovered": r,
                }
                for name, t, r in zip(names, true, recovered, strict=True)
            )
    return rows, coefficient_rows


def _cell(value: Any) -> Any:
    """Grid values as CSV cells: None becomes 'none', lists become 'a|b'."""
    if value is None:
        return "none"
    if isinstance(value, (list, tuple)):
        return "|".join(str(item) for item in value)
    return value
