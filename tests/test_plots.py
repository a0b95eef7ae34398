import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import gpnn
from gpnn import plots


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_plot_data_draws_points_and_curve(ax):
    x = np.linspace(0, 1, 9)
    assert plots.plot_data(ax, x, np.sin(x), np.cos(x)) is ax
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), np.sin(x))
    assert ax.collections[0].get_offsets().shape == (9, 2)


def test_plot_kernel_curve_is_the_kernel(ax):
    plots.plot_kernel(ax, 3.0, 10.0)
    d, k = ax.lines[0].get_data()
    np.testing.assert_allclose(k, gpnn.squared_exponential(d, 3.0, 10.0))
    assert d.max() == 40.0


def test_plot_loss_and_fit(ax):
    plots.plot_loss(ax, [3.0, 2.0, 1.0], sigma=0.7)
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    assert ax.lines[1].get_ydata()[0] == 0.7
    ax.clear()
    x = np.arange(4.0)
    plots.plot_fit(ax, x, x, x + 1, x + 2)
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), x + 2)


def test_plot_network_draws_one_node_per_unit_up_to_the_limit(ax):
    plots.plot_network(ax, [1, 3, 20, 1], max_nodes=6)
    assert len(ax.patches) == 1 + 3 + 6 + 1
    # Every displayed node of one column joins every node of the next.
    assert len(ax.lines) == 1 * 3 + 3 * 6 + 6 * 1
    assert any(t.get_text() == "hidden 2\n20" for t in ax.texts)


def test_plots_reject_bad_input(ax):
    with pytest.raises(ValueError, match=r"len\(x\) = 3 and len\(y\) = 2"):
        plots.plot_data(ax, [0, 1, 2], [0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match="at least an input and an output"):
        plots.plot_network(ax, [4])
    with pytest.raises(ValueError, match=r"'max_nodes'.*max_nodes = 2"):
        plots.plot_network(ax, [1, 2], max_nodes=2)
    with pytest.raises(ValueError, match=r"'rho'.*rho = 0\.0"):
        plots.plot_kernel(ax, 1.0, 0.0)
