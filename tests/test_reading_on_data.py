"""The adapters' reading check runs on the user's data as well as on its probe points."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import nn2poly
from nn2poly.activations import ActivationSpec, FrameworkName, register_activation
from nn2poly.activations._registry import _REGISTRY
from nn2poly.activations._series import tanh_series
from nn2poly.adapters import adapt
from nn2poly.adapters._agreement import ModelMismatchError, disagreement

torch = pytest.importorskip("torch")


class Kinked(torch.nn.Module):
    """tanh on (-2, 2), zero beyond; registered below as tanh, so the reading differs only
    away from [-1, 1]."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.where(x.abs() < 2.0, torch.tanh(x), torch.zeros_like(x))


@pytest.fixture(scope="module")
def kinked() -> Iterator[torch.nn.Module]:
    spec = ActivationSpec(
        "kinked_tanh", np.tanh, tanh_series, frameworks=(FrameworkName("torch", "Kinked"),)
    )
    register_activation(spec)
    model = torch.nn.Sequential(torch.nn.Linear(1, 1), Kinked(), torch.nn.Linear(1, 1)).double()
    with torch.no_grad():
        for layer in (model[0], model[2]):
            layer.weight.fill_(1.0)
            layer.bias.fill_(0.0)
    yield model
    _REGISTRY.pop("kinked_tanh")


FAR = np.linspace(3.0, 5.0, 20)[:, None]  # where the model's Tanh is 0
NEAR = np.linspace(-1.0, 1.0, 20)[:, None]

CALLS = {
    "fit data": lambda m, X: nn2poly.to_polynomial(m, 3, approximation="fit", data=X),
    "FitApproximation": lambda m, X: nn2poly.to_polynomial(
        m, 3, approximation=nn2poly.FitApproximation(X)
    ),
    "diagnose": lambda m, X: nn2poly.diagnose(m, X, max_order=3),
    "distill": lambda m, X: nn2poly.distill(m, X, max_order=2),
}


@pytest.mark.parametrize("call", list(CALLS), ids=list(CALLS))
def test_a_misreading_on_the_data_is_refused(kinked: torch.nn.Module, call: str) -> None:
    with pytest.raises(ModelMismatchError, match="and the data"):
        CALLS[call](kinked, FAR)


@pytest.mark.parametrize("call", list(CALLS), ids=list(CALLS))
def test_a_reading_right_on_the_data_is_accepted(kinked: torch.nn.Module, call: str) -> None:
    assert CALLS[call](kinked, NEAR) is not None


def test_without_data_only_the_probe_points_are_checked(kinked: torch.nn.Module) -> None:
    poly = nn2poly.to_polynomial(kinked, max_order=3)
    assert poly.coefficient([1]) == pytest.approx(1.0)


def test_data_far_from_the_origin_does_not_refuse_a_float32_model_for_rounding() -> None:
    # x1 - x2 near 1e5 in float32 loses about 1e-2 to rounding: not a misreading.
    model = torch.nn.Sequential(torch.nn.Linear(2, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, -1.0]]))
        model[0].bias.fill_(0.0)
    X = 1e5 + np.random.default_rng(0).uniform(-1, 1, (100, 2))
    network = adapt(model, data=X).network
    expected = model(torch.as_tensor(X, dtype=torch.float32)).detach().numpy()
    assert disagreement(expected, network.forward(X), 2e-3) > 1  # plain tolerance: refused
    assert disagreement(expected, network.forward(X), 2e-3, inputs=X) <= 1


def test_data_that_cannot_be_read_is_left_to_the_entry_points_checks(
    kinked: torch.nn.Module,
) -> None:
    with pytest.raises((ValueError, TypeError)) as info:
        nn2poly.to_polynomial(kinked, 3, approximation="fit", data=[["a"], ["b"]])
    assert not isinstance(info.value, ModelMismatchError)
