"""The memory plan counts the arrays the engine really holds: the peak allocation of a
conversion stays within 1.5 times the plan, both ways (no time is asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import tracemalloc

import numpy as np
import pytest
from oracles import random_weights

import nn2poly
from nn2poly._memory import plan_conversion
from nn2poly._monomials import _cached_basis
from nn2poly._taylor import TaylorApproximation


def _net(widths: list[int]) -> nn2poly.Network:
    n_hidden = len(widths) - 2
    return nn2poly.Network.from_weights(
        random_weights(widths, seed=0), ["tanh"] * n_hidden + ["linear"]
    )


@pytest.mark.parametrize(
    "widths,max_order,max_interaction,keep_layers",
    [
        ([30, 32, 32, 1], 3, None, False),
        ([60, 16, 16, 1], 3, None, False),
        ([200, 32, 1], 2, None, False),
        ([40, 24, 24, 24, 2], 3, 2, False),
        ([100, 32, 32, 1], 3, 2, False),
        ([20, 16, 16, 1], 3, None, True),
    ],
)
def test_peak_allocation_is_within_the_plan(
    widths: list[int], max_order: int, max_interaction: int | None, keep_layers: bool
) -> None:
    net = _net(widths)
    options = {"max_interaction": max_interaction, "keep_layers": keep_layers}
    nn2poly.to_polynomial(_net([3, 4, 4, 1]), 3, **options)  # compile the kernels first
    _cached_basis.cache_clear()
    bound = TaylorApproximation().bind(net, max_order)
    plan = plan_conversion(
        net,
        bound,
        max_order,
        keep_layers,
        max_interaction=max_interaction,
        contract_top=not keep_layers,  # as the engine plans a Taylor conversion
    )
    tracemalloc.start()
    try:
        nn2poly.to_polynomial(net, max_order, approximation="taylor", **options)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert plan.n_bytes / 1.5 <= peak <= 1.5 * plan.n_bytes, (plan.n_bytes, peak)


def test_an_affine_first_layer_is_not_counted_as_one_polynomial_per_input() -> None:
    # 1000 inputs at degree 2: 500,501 monomials; width-64 buffers are 0.26 GB each
    net = _net([1000, 64, 64, 1])
    plan = plan_conversion(net, TaylorApproximation().bind(net, 2), 2, False)
    assert plan.n_bytes < 1.2 * 2**30
    assert plan.n_bytes >= 3 * plan.n_terms * 64 * 8  # v and two Horner buffers
    # contracting the top degree, no array of width n_terms x neurons is held
    bound = TaylorApproximation().bind(net, 2)
    contracted = plan_conversion(net, bound, 2, False, contract_top=True)
    assert contracted.contracted and contracted.n_bytes < 0.25 * plan.n_bytes


_RSS_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import nn2poly
    from nn2poly._memory import plan_conversion
    from nn2poly._taylor import TaylorApproximation
    rng = np.random.default_rng(0)
    def net(widths):
        weights = []
        for n_in, n_out in zip(widths[:-1], widths[1:]):
            w = rng.normal(size=(n_in + 1, n_out))
            weights.append(w / np.abs(w).sum(axis=0, keepdims=True))
        acts = ["tanh"] * (len(widths) - 2) + ["linear"]
        return nn2poly.Network.from_weights(weights, acts)
    p, Q, k = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
    # load every kernel (parallel ones included), the thread pool and BLAS's buffers first
    np.ones((512, 512)) @ np.ones((512, 512))
    nn2poly.to_polynomial(net([40, 64, 64, 1]), 3, max_interaction=k, approximation="taylor")
    big = net([p, 64, 64, 1])
    bound = TaylorApproximation().bind(big, Q)
    plan = plan_conversion(big, bound, Q, False, max_interaction=k, contract_top=True)
    def resident(field):
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    with open("/proc/self/clear_refs", "w") as handle:  # the peak restarts from now
        handle.write("5")
    before = resident("VmRSS:")
    nn2poly.to_polynomial(big, Q, max_interaction=k, approximation="taylor")
    after = resident("VmHWM:")
    print(json.dumps({"plan": plan.n_bytes, "grown": after - before}))
    """
)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self")
@pytest.mark.parametrize("p,max_order,max_interaction", [(1000, 2, None), (300, 3, 2)])
def test_resident_peak_is_within_the_plan(
    p: int, max_order: int, max_interaction: int | None
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _RSS_SCRIPT, str(p), str(max_order), json.dumps(max_interaction)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "NUMBA_NUM_THREADS": "1"},
        check=True,
    )
    sizes = json.loads(result.stdout.strip().splitlines()[-1])
    assert sizes["grown"] <= 1.5 * sizes["plan"], sizes
    assert sizes["plan"] <= 1.5 * max(sizes["grown"], 1), sizes
    assert np.isfinite(sizes["plan"])
