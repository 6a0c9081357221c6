"""The memory plan covers approximation='fit': its data matrices count against the limit."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from oracles import smallest_accepted_limit

import nn2poly

# these networks are not l1-constrained; the warning is tested where it is the subject
pytestmark = pytest.mark.filterwarnings("ignore::nn2poly.TaylorAccuracyWarning")


@pytest.fixture(scope="module")
def net() -> nn2poly.Network:
    rng = np.random.default_rng(0)
    sizes = [6, 16, 16, 1]
    weights = [rng.normal(0, 0.4, (sizes[i] + 1, sizes[i + 1])) for i in range(3)]
    return nn2poly.Network.from_weights(weights, ["tanh", "tanh", "linear"])


@pytest.mark.slow
def test_fit_data_raises_the_planned_bytes(net) -> None:  # type: ignore[no-untyped-def]
    X = np.random.default_rng(1).uniform(-1, 1, (4000, 6))
    taylor = smallest_accepted_limit(net, 4)
    fit = smallest_accepted_limit(net, 4, approximation="fit", data=X)
    n_terms = nn2poly.n_monomials(6, 4)
    assert fit - taylor >= 4000 * n_terms * 8  # at least the data monomial matrix
    more = smallest_accepted_limit(net, 4, approximation="fit", data=np.vstack([X, X]))
    assert more > fit


@pytest.mark.slow
def test_fit_stays_within_the_limit_it_was_given(net) -> None:  # type: ignore[no-untyped-def]
    X = np.random.default_rng(2).uniform(-1, 1, (4000, 6))
    limit = smallest_accepted_limit(net, 4, approximation="fit", data=X)
    nn2poly.to_polynomial(net, 4, approximation="fit", data=X)  # compile kernels first
    tracemalloc.start()
    try:
        nn2poly.to_polynomial(net, 4, approximation="fit", data=X, memory_limit=limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= limit
