import matplotlib

matplotlib.use("Agg")
import itertools

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
    assert any(t.get_text() == "h2\n20" for t in ax.texts)


def test_plots_reject_bad_input(ax):
    with pytest.raises(ValueError, match=r"len\(x\) = 3 and len\(y\) = 2"):
        plots.plot_data(ax, [0, 1, 2], [0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match="at least an input and an output"):
        plots.plot_network(ax, [4])
    with pytest.raises(ValueError, match=r"'max_nodes'.*max_nodes = 2"):
        plots.plot_network(ax, [1, 2], max_nodes=2)
    with pytest.raises(ValueError, match=r"'rho'.*rho = 0\.0"):
        plots.plot_kernel(ax, 1.0, 0.0)


def test_roles_have_distinct_colours_and_the_style_uses_them():
    colours = list(plots.ROLE_COLORS.values())
    assert len(set(colours)) == len(colours) == 6
    assert set(plots.ROLE_COLORS) == {"data", "latent", "network", "gp", "ensemble", "reference"}
    assert plots.SITE_STYLE["axes.prop_cycle"].by_key()["color"] == [plots.NETWORK_COLOR]


def test_figure_problems_finds_overlapping_text_and_colours_outside_the_roles():
    with plt.rc_context(plots.SITE_STYLE):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1], color="purple", label="off palette")
        ax.text(0.5, 0.5, "first label")
        ax.text(0.5, 0.5, "second label")
        problems = plots.figure_problems(fig)
        plt.close(fig)
    assert "text 'first label' overlaps text 'second label'" in problems
    assert any("uses colour #800080" in line for line in problems)
    assert len(problems) == 2


def test_the_sites_own_helpers_draw_clean_figures():
    x = np.linspace(-50, 50, 100)
    with plt.rc_context(plots.SITE_STYLE):
        fig, axes = plt.subplots(2, 3, figsize=(12, 6))
        plots.plot_data(axes[0, 0], x, np.sin(x / 10), np.sin(x / 10) + 0.1)
        plots.plot_kernel(axes[0, 1], 3.0, 10.0)
        plots.plot_loss(axes[0, 2], np.linspace(3, 0.6, 50), sigma=0.7)
        plots.plot_band(axes[1, 0], x, np.sin(x / 10), np.full(100, 0.2), role="ensemble", z=2, label="ensemble")
        plots.plot_strip(axes[1, 1], {"a": np.arange(8.0), "b": np.arange(8.0) + 2}, marked={"a": 3.0})
        plots.plot_network(axes[1, 2], gpnn.layer_sizes(1, (16, 32, 64, 64, 32, 16)))
        fig.tight_layout()
        assert plots.figure_problems(fig) == []
        plt.close(fig)


def test_the_network_diagram_labels_do_not_overlap_at_the_sites_size():
    with plt.rc_context(plots.SITE_STYLE):
        fig, ax = plt.subplots(figsize=(7.5, 4.2))
        plots.plot_network(ax, gpnn.layer_sizes(1, (16, 32, 64, 64, 32, 16)))
        assert [p for p in plots.figure_problems(fig) if "overlaps" in p] == []
        labels = [t.get_text() for t in ax.texts if "\n" in t.get_text()]
        assert labels == ["in\n1", "h1\n16", "h2\n32", "h3\n64", "h4\n64", "h5\n32", "h6\n16", "out\n1"]
        plt.close(fig)


def test_band_and_strip_reject_bad_input(ax):
    with pytest.raises(ValueError, match=r"'role' must be one of \['data', .*'teal'"):
        plots.plot_band(ax, [0.0, 1.0], [0.0, 1.0], [1.0, 1.0], role="teal")
    with pytest.raises(
        ValueError, match=r"'groups\['a'\]' must hold finite values or NaN only, but groups\['a'\]\[1\] = inf"
    ):
        plots.plot_strip(ax, {"a": [0.0, np.inf]})
    with pytest.raises(TypeError, match=r"'marked\['a'\]' must be a real number, but marked\['a'\] = 'x'"):
        plots.plot_strip(ax, {"a": [0.0, 1.0]}, marked={"a": "x"})


def test_strip_counts_runs_without_a_value_under_their_group(ax):
    plots.plot_strip(ax, {"a": [1.0, 2.0, np.nan], "b": [np.nan, np.nan]}, marked={"a": 1.0, "b": np.nan})
    assert [t.get_text() for t in ax.texts] == ["1 diverged", "all 2 diverged"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert len(ax.collections) == 2  # the points of a, and the ring on a's marked value


def _panels(columns: int, width: float, **kwargs):
    fig, axes = plt.subplots(1, columns, figsize=(width, 3.4), squeeze=False, **kwargs)
    for ax in axes[0]:
        ax.plot([0, 1, 2], [1, 0, 1])
        ax.set(xlabel="$x$", ylabel="value")
    return fig, list(axes[0])


def test_a_row_of_panels_is_stacked_at_the_narrow_width_with_its_tick_labels_shown():
    with plt.rc_context(plots.SITE_STYLE):
        fig, axes = _panels(3, 9.0, sharey=True)
        assert plots.narrow_layout(fig)
        assert tuple(fig.get_size_inches()) == pytest.approx((plots.NARROW_WIDTH, 3 * 0.9 * 3.4))
        fig.draw_without_rendering()
        boxes = [ax.get_position() for ax in axes]
        assert all(a.y0 > b.y1 for a, b in itertools.pairwise(boxes)), "one panel above the next"
        assert all(ax.yaxis.get_ticklabels()[0].get_visible() for ax in axes)
        plt.close(fig)


def test_a_single_panel_only_narrows_and_keeps_its_text_size():
    with plt.rc_context(plots.SITE_STYLE):
        fig, (ax,) = _panels(1, 7.0)
        size = ax.xaxis.label.get_fontsize()
        assert plots.narrow_layout(fig)
        assert fig.get_size_inches()[0] == plots.NARROW_WIDTH and ax.xaxis.label.get_fontsize() == size
        plt.close(fig)


def test_figures_that_are_narrow_already_or_not_one_row_of_panels_keep_their_layout():
    with plt.rc_context(plots.SITE_STYLE):
        narrow, _ = _panels(1, 4.6)
        legend, axes = _panels(2, 8.0)
        legend.legend(axes[0].get_lines(), ["curve"])
        grid, _ = plt.subplots(2, 2, figsize=(8, 6))
        inset, (ax,) = _panels(1, 7.0)
        ax.inset_axes((0.6, 0.6, 0.3, 0.3))
        for fig in (narrow, legend, grid, inset):
            size = tuple(fig.get_size_inches())
            assert not plots.narrow_layout(fig)
            assert tuple(fig.get_size_inches()) == size
            plt.close(fig)


def test_a_narrow_layout_whose_text_would_overlap_is_refused():
    with plt.rc_context(plots.SITE_STYLE):
        fig, (ax,) = _panels(1, 7.0)
        ax.set_xticks(range(4), [f"a long label, number {n}" for n in range(4)])
        assert plots.figure_problems(fig) == []
        assert not plots.narrow_layout(fig)
        plt.close(fig)
    fig = plt.figure()
    with pytest.raises(ValueError, match="'width' must be"):
        plots.narrow_layout(fig, width=0)
    plt.close(fig)
