"""Small things the lesson sweep found: the gradient view's quantity chooser shows its
whole choice where there is room, its histogram of the output layer is titled in plain
words, and the activation view's histogram counts samples in whole numbers."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from nnstudio.app.views.activation_view import ActivationView
from nnstudio.app.views.axes import label_value, tick_strings
from nnstudio.app.views.gradient_view import GradientView
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.snapshot import make_snapshot
from nnstudio.core.specs import NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer


@pytest.fixture(scope="module")
def small():
    """12 points and a network without hidden layer (as lesson 1): histograms of a few counts."""
    data = prepare(DataSpec(name="circle", n_samples=15, validation_fraction=0.2))
    trainer = Trainer(NetworkSpec(2, (), "binary"), TrainConfig(), data)
    trainer.run(iterations=20)
    return make_snapshot(trainer, None, trainer.probe())


@pytest.mark.parametrize("width", [565, 606, 677, 820])
def test_the_quantity_chooser_is_not_cut_while_there_is_room(qtbot, small, width):
    view = GradientView()
    qtbot.addWidget(view)
    view.resize(width, 340)  # the Inspect dock at 1280×800, 1366×768, and a wide one
    view.show()
    qtbot.waitExposed(view)
    view.show_snapshot(small)
    QApplication.processEvents()
    combo = view.quantity_combo
    for i in range(combo.count()):
        combo.setCurrentIndex(i)
        QApplication.processEvents()
        text = combo.currentText()
        # the room a combo box gives its text: its own size hint for that text
        need = combo.fontMetrics().horizontalAdvance(text)
        room = combo.style().subControlRect(combo.style().ComplexControl.CC_ComboBox, _option(combo),
                                            combo.style().SubControl.SC_ComboBoxEditField, combo).width()
        assert need <= room, (width, text, need, room)


def _option(combo):
    from PySide6.QtWidgets import QStyleOptionComboBox

    opt = QStyleOptionComboBox()
    opt.initFrom(combo)
    opt.currentText = combo.currentText()
    return opt


def test_the_output_layers_histogram_says_network_output(qtbot, small):
    view = GradientView()
    qtbot.addWidget(view)
    view.resize(820, 620)
    view.show()
    view.show_snapshot(small)
    assert view.layer_names == ["output"]
    assert view._titles[view.hist_plot] == "network output (bright = many)"


def test_the_activation_histogram_counts_in_whole_numbers(qtbot, small):
    view = ActivationView()
    qtbot.addWidget(view)
    view.resize(720, 420)
    view.show()
    qtbot.waitExposed(view)
    view.show_snapshot(small)
    qtbot.wait(50)
    counts = tick_strings(view.hist_plot.getAxis("left"))
    assert counts, "no count ticks"
    assert all(label_value(t) == int(label_value(t)) and "." not in t for t in counts), counts


def test_the_loss_maps_header_writes_tiny_losses_as_the_axes_do():
    from types import SimpleNamespace

    from nnstudio.app.views.axes import number_text
    from nnstudio.app.views.surface_words import header_text

    res = SimpleNamespace(alphas=[0.0] * 51, betas=[0.0] * 51, n_points=4, loss_min=1.608e-05, center_loss=4.25e-3)
    comp = SimpleNamespace(result=res, iteration=2280, draft=False, seconds=0.011)
    text = header_text(comp, None, 2280)
    assert text == ("Iteration 2,280: loss 0.00425 at the weights now · surface: 51 × 51 grid on 4 training points, "
                    "lowest 1.608×10⁻⁵ (11 ms)")
    assert "e-" not in text
    assert [number_text(v) for v in (0.6931472, -0.3, 2.5e6, float("nan"), 0.0)] == ["0.6931", "−0.3", "2.5×10⁶",
                                                                                     "–", "0"]


def test_a_network_of_one_layer_gets_a_verdict_of_its_own():
    from nnstudio.app.views.gradient_verdict import verdict

    v = verdict(np.array([0.0034]), "mean |∂L/∂W|")
    assert v.kind == "even"
    assert v.text.startswith("The network has one layer, the output: its mean |∂L/∂W| is 0.0034.")
    assert "first layer" not in v.text and "last layer" not in v.text
    assert verdict(np.array([0.0]), "δ").kind == "dead"  # no gradient at all is still said


def test_the_hidden_representations_empty_layer_chooser_says_none(qtbot, small):
    from nnstudio.app.views.representation_view import RepresentationView

    view = RepresentationView()
    qtbot.addWidget(view)
    view.resize(620, 420)
    view.show()
    qtbot.waitExposed(view)
    data = prepare(DataSpec(name="circle", n_samples=15, validation_fraction=0.2))
    view.set_data(data)
    view.show_snapshot(small)
    combo = view.layer_combo
    assert combo.count() == 0 and not combo.isEnabled() and combo.currentText() == ""
    assert combo.placeholderText() == "none"
    assert "no hidden layer" in view.placeholder.saying
    image = combo.grab().toImage()  # the word is drawn, not an empty box
    assert len({image.pixel(x, image.height() // 2) for x in range(4, image.width() - 20)}) > 2


def test_the_decade_grid_does_not_hatch_a_plot_of_thirty_decades(qtbot):
    from nnstudio.app.views.decade_grid import DecadeGrid

    grid = DecadeGrid()
    grid.set_span(0.0, 945.0, -30.4, 0.3)  # a fit whose gradient fell to 10⁻³⁰ (lesson 3)
    _x, y = grid.getData()
    levels = sorted(set(float(v) for v in y))
    assert levels == [-30.0, -25.0, -20.0, -15.0, -10.0, -5.0, 0.0]
    grid.set_span(0.0, 10.0, -3.5, 0.5)  # a few decades: every one
    assert sorted(set(float(v) for v in grid.getData()[1])) == [-3.0, -2.0, -1.0, 0.0]


def test_log_colours_of_an_exact_fit_are_not_a_yellow_sheet():
    """Lesson 3 trained to the end: the grid point at the weights has loss 10⁻³⁰, the rest
    10⁻² … 50. The colours span from 3 decades under the 1 % quantile, so the bowl
    fills the colour scale instead of its top tenth; ordinary grids keep exact log10."""
    from nnstudio.app.views.surface_map import display_values, log_floor

    a = np.linspace(-3, 3, 51)
    loss = 2.0 * (a[None, :] ** 2 + a[:, None] ** 2)
    loss[25, 25] = 6.5e-31  # the exact fit, at the centre
    heat = display_values(loss, True)
    floor = log_floor(loss)
    assert floor == pytest.approx(np.quantile(loss[loss > 0], 0.01) * 1e-3)
    assert heat[25, 25] == pytest.approx(np.log10(floor))
    # the bowl (all but the centre) now spans over half of the colours, not 1/8 of 31 decades
    rest = np.delete(heat.ravel(), 25 * 51 + 25)
    assert (rest.max() - rest.min()) / (heat.max() - heat.min()) > 0.5
    ordinary = 0.05 + loss  # a loss that does not fall to 0: exact log10 everywhere
    np.testing.assert_array_equal(display_values(ordinary, True), np.log10(ordinary))
    # a path on the same colours: its heights use the grid's floor
    path = np.array([6.5e-31, 1e-2])
    both = display_values(np.concatenate([loss.ravel(), path]), True, reference=loss)
    assert both[-2] == pytest.approx(np.log10(floor)) and both[-1] == pytest.approx(-2.0)
