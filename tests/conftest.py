from __future__ import annotations

import numpy as np
import pytest
import torch


@pytest.fixture
def global_rng_guard():
    """Restore numpy's and torch's global random state after a test that uses them on purpose."""
    np_state, torch_state = np.random.get_state(), torch.get_rng_state()
    yield
    np.random.set_state(np_state)
    torch.set_rng_state(torch_state)


@pytest.fixture
def one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
