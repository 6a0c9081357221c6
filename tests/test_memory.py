"""The memory plan and guard: refusals before allocating, kept layers, int32 index limits."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from oracles import random_weights, smallest_accepted_limit

import nn2poly


def test_memory_guard_refuses_before_allocating_and_counts_kept_layers() -> None:
    net = nn2poly.Network.from_weights(
        random_weights([3, 5, 4, 1], seed=1), ["tanh", "tanh", "linear"]
    )
    plain = smallest_accepted_limit(net, 3)
    kept = smallest_accepted_limit(net, 3, keep_layers=True)
    assert kept > plain
    with pytest.raises(nn2poly.MemoryLimitError) as info:
        nn2poly.to_polynomial(net, 3, memory_limit=plain - 1)
    message = str(info.value)
    for fragment in ("max_order=3", "memory_limit", "20 monomials", "[5, 4, 1]"):
        assert fragment in message
    # a huge request is refused at once, whatever the network
    wide = nn2poly.Network.from_weights([np.zeros((5001, 2)), np.zeros((3, 1))], ["tanh", "linear"])
    with pytest.raises(nn2poly.MemoryLimitError, match="Lower max_order"):
        nn2poly.to_polynomial(wide, 6)


def test_huge_taylor_order_is_refused_by_the_guard() -> None:
    net = nn2poly.Network.from_weights(random_weights([1, 1, 1], seed=0), ["tanh", "linear"])
    with pytest.raises(nn2poly.MemoryLimitError):
        nn2poly.to_polynomial(net, 2, taylor_orders=[10**17, 1])


_INT32_SCRIPT = textwrap.dedent(
    """
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))
    import numpy as np
    import nn2poly
    # 70,000 inputs at degree 2: 2.45e9 monomials, beyond int32 indices
    net = nn2poly.Network.from_weights(
        [np.zeros((70001, 1)), np.zeros((2, 1)), np.zeros((2, 1))], ["tanh", "tanh", "linear"]
    )
    try:
        nn2poly.to_polynomial(net, 2, memory_limit=2**62)
    except nn2poly.MemoryLimitError:
        print("REFUSED")
    except MemoryError:
        print("ALLOCATED")
    """
)


@pytest.mark.skipif(sys.platform != "linux", reason="needs RLIMIT_AS")
def test_guard_refuses_bases_beyond_int32_indices() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _INT32_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NUMBA_NUM_THREADS": "1"},
    )
    assert "REFUSED" in result.stdout, result.stdout + result.stderr
