"""The network view draws the snapshot's weights, reports the right parameter when
clicked, and shows the step inspector's numbers."""

from __future__ import annotations

import statistics
import time

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QInputDialog

from nnstudio.app import theme
from nnstudio.app.views.axes import number_text
from nnstudio.app.views.network_items import MAX_WIDTH, bias_color, edge_style
from nnstudio.app.views.network_view import MAX_EDGES_PER_PAIR, SHOWN_OF_LARGE, NetworkView
from nnstudio.core.data import DataSpec, Dataset, prepare
from nnstudio.core.snapshot import evaluate_grid, make_snapshot
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer


def _trainer(data, hidden=(LayerSpec(8, "tanh"), LayerSpec(8, "tanh")), epochs=5):
    k = data.n_classes if data.task == "multiclass" else 1
    spec = NetworkSpec(data.n_inputs, hidden, data.task, k)
    trainer = Trainer(spec, TrainConfig(optimizer="adam", learning_rate=0.02), data)
    trainer.run(epochs=epochs)
    return trainer


def _snap(trainer, data, phase=None):
    grid = evaluate_grid(trainer, data.domain, data.transform, 32) if data.raw.X.shape[1] <= 2 else None
    return make_snapshot(trainer, grid, None, phase)


@pytest.fixture(scope="module")
def spiral():
    data = prepare(DataSpec(name="spiral", n_samples=200, noise=0.1))
    trainer = _trainer(data)
    return data, trainer, _snap(trainer, data)


@pytest.fixture
def view(qtbot):
    v = NetworkView()
    qtbot.addWidget(v)
    v.resize(800, 600)
    return v


@pytest.fixture
def shown(qtbot, view, spiral):
    data, _, snap = spiral
    view.set_data(data)
    view.show()
    qtbot.waitExposed(view)
    view.show_snapshot(snap)
    return view


def test_edges_show_every_weight(shown, spiral):
    _, _, snap = spiral
    assert [len(e) for e in shown.edges] == [2 * 8, 8 * 8, 8 * 1]
    for layer, W in enumerate(snap.weights):
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                e = shown.edge(layer, i, j)
                width, colour = edge_style(float(W[i, j]))
                assert e.width == width and e.color == colour
    # the sign picks the hue: blue for positive, orange for negative
    W = snap.weights[1]
    i, j = np.unravel_index(np.argmax(W), W.shape)
    assert shown.edge(1, int(i), int(j)).color.blue() > shown.edge(1, int(i), int(j)).color.red()
    i, j = np.unravel_index(np.argmin(W), W.shape)
    assert shown.edge(1, int(i), int(j)).color.red() > shown.edge(1, int(i), int(j)).color.blue()


def test_edge_style_scales_with_the_weight():
    w0, c0 = edge_style(0.0)
    w1, c1 = edge_style(1.0)
    w9, _ = edge_style(-9.0)
    assert w0 < w1 < w9 == MAX_WIDTH
    bg = theme.background()
    # stronger weights are further from the background colour
    dist = lambda c: abs(c.red() - bg.red()) + abs(c.green() - bg.green()) + abs(c.blue() - bg.blue())  # noqa: E731
    assert dist(c1) > dist(c0)
    assert edge_style(-1.0)[1].red() > edge_style(-1.0)[1].blue()


def test_neurons_show_bias_and_thumbnails(shown, spiral):
    data, _, snap = spiral
    lut = theme.diverging_lut(256)
    g = snap.grid
    for layer in range(3):
        for u in range(snap.layer_sizes[layer + 1]):
            n = shown.neuron(layer, u)
            assert n.bias == snap.biases[layer][u]
            assert n.image is not None
    n = shown.neuron(0, 3)
    assert bias_color(n.bias).alphaF() == pytest.approx(0.15 + 0.85 * min(1.0, abs(snap.biases[0][3])), abs=1e-3)
    # a thumbnail pixel is the neuron's value on the grid cell under it through the colour
    # map (tanh: −1..1), with y up: the image's bottom row shows the grid's first row
    img = n.image
    px = img.width()
    assert img.height() == px == round((n.size - 2) * img.devicePixelRatio())
    ny, nx = len(g.ys), len(g.xs)
    for r, c in [(0, 0), (px - 1, px - 1), (px // 3, 2 * px // 3), (px - 1, 0), (px // 2, px // 2)]:
        i = int((px - r - 0.5) * ny / px)  # image rows run down, grid rows up
        j = int((c + 0.5) * nx / px)
        v = g.neurons[0][i, j, 3]
        k = int(np.clip((v + 1) / 2 * 255, 0, 255))
        rgb = img.pixelColor(c, r)
        assert (rgb.red(), rgb.green(), rgb.blue()) == tuple(int(t) for t in lut[k, :3])
    assert shown.neuron(-1, 0).bias is None and shown.neuron(-1, 0).image is not None


def test_tooltips_give_the_numbers(shown, spiral):
    _, _, snap = spiral
    e = shown.edge(1, 2, 5)
    w, g = float(snap.weights[1][2, 5]), float(snap.grads_W[1][2, 5])
    text = shown.edge_tooltip(e)
    assert number_text(w) in text and number_text(g) in text
    assert "hidden 1 neuron 3" in text and "hidden 2 neuron 6" in text
    assert shown.tooltip_at(e.p1 + (e.p2 - e.p1) * 0.3) == text
    n = shown.neuron(1, 4)
    text = shown.tooltip_at(n.scenePos())
    assert number_text(float(snap.biases[1][4])) in text and "hidden layer 2, neuron 5" in text
    assert "training samples: mean" in text


def test_hovering_a_neuron_emits_its_layer_and_unit(qtbot, shown):
    n = shown.neuron(1, 6)
    with qtbot.waitSignal(shown.sigNeuronHovered, timeout=1000) as blocker:
        qtbot.mouseMove(shown.canvas.viewport(), shown.viewport_pos(n))
    assert blocker.args == [1, 6]
    assert n.hovered
    with qtbot.waitSignal(shown.sigNeuronHovered, timeout=1000) as blocker:
        qtbot.mouseMove(shown.canvas.viewport(), QPoint(3, shown.canvas.viewport().height() - 3))
    assert blocker.args == [None, None]
    inp = shown.neuron(-1, 1)
    with qtbot.waitSignal(shown.sigNeuronHovered, timeout=1000) as blocker:
        qtbot.mouseMove(shown.canvas.viewport(), shown.viewport_pos(inp))
    assert blocker.args == [-1, 1]


def test_clicking_a_connection_edits_that_weight(qtbot, monkeypatch, shown, spiral):
    _, trainer, snap = spiral
    asked = []

    def fake_get_double(parent, title, label, value, *args):
        asked.append((title, value))
        return 0.625, True

    monkeypatch.setattr(QInputDialog, "getDouble", staticmethod(fake_get_double))
    e = shown.edge(1, 3, 6)
    # 30 % along: a point no other connection between these columns passes through
    # (half-way, connections 3→6 and 4→5 cross)
    with qtbot.waitSignal(shown.sigWeightEdited, timeout=1000) as blocker:
        qtbot.mouseClick(shown.canvas.viewport(), Qt.MouseButton.LeftButton, pos=shown.viewport_pos(e, 0.3))
    index, value = blocker.args
    assert value == 0.625
    assert asked == [("Edit weight", float(snap.weights[1][3, 6]))]
    assert index == trainer.network.flat_index(1, "W", 3, 6)
    # the index names exactly that weight of the engine's flat vector
    assert trainer.network.params[index] == snap.weights[1][3, 6]
    # a neuron click edits its bias
    n = shown.neuron(2, 0)
    with qtbot.waitSignal(shown.sigWeightEdited, timeout=1000) as blocker:
        qtbot.mouseClick(shown.canvas.viewport(), Qt.MouseButton.LeftButton, pos=shown.viewport_pos(n))
    assert blocker.args[0] == trainer.network.flat_index(2, "b", 0)
    assert trainer.network.params[blocker.args[0]] == snap.biases[2][0]
    # cancelling emits nothing
    monkeypatch.setattr(QInputDialog, "getDouble", staticmethod(lambda *a: (0.0, False)))
    with qtbot.assertNotEmitted(shown.sigWeightEdited):
        qtbot.mouseClick(shown.canvas.viewport(), Qt.MouseButton.LeftButton, pos=shown.viewport_pos(e, 0.3))


def test_step_inspector_highlights_each_phase(shown):
    data = prepare(DataSpec(name="spiral", n_samples=200, noise=0.1))
    trainer = _trainer(data, epochs=2)
    snap_normal = _snap(trainer, data)
    ph = trainer.step_phase()
    assert ph.phase == "forward"
    shown.show_snapshot(_snap(trainer, data, ph))
    assert shown.phase_label.isVisible() and "Forward" in shown.phase_label.text()
    # every neuron the network has is computed; input features it is not fed are not
    assert all(n.highlight == (n.unit >= 0) for col in shown.neurons for n in col)
    assert [n.feature for n in shown.neurons[0] if n.highlight] == ["x1", "x2"]
    for layer in range(2):
        for u in range(8):
            tag = shown.tags[layer + 1][u]
            assert tag.isVisible() and tag.text == number_text(float(ph.a[layer][u]), 3)
    assert shown.tags[0][1].text == number_text(float(ph.x[1]), 3)

    ph = trainer.step_phase()
    assert ph.phase == "loss"
    shown.show_snapshot(_snap(trainer, data, ph))
    assert [n.highlight for n in shown.neurons[-1]] == [True]
    assert not any(n.highlight for n in shown.neurons[1])
    assert f"loss ℓ = {number_text(ph.sample_loss)}" in shown.tags[-1][0].text

    ph = trainer.step_phase()
    assert ph.phase == "backward"
    shown.show_snapshot(_snap(trainer, data, ph))
    assert shown.edge_mode == "gradient"
    grads = ph.grad_W
    m = max(float(np.abs(g).max()) for g in grads)
    for layer, G in enumerate(grads):
        for (i, j), g in np.ndenumerate(G):
            e = shown.edge(layer, i, j)
            assert (e.color.blue() > e.color.red()) == (g >= 0)
    layer, flat = max(((k, int(np.abs(G).argmax())) for k, G in enumerate(grads)),
                      key=lambda t: abs(grads[t[0]].ravel()[t[1]]))
    i, j = np.unravel_index(flat, grads[layer].shape)
    assert abs(grads[layer][i, j]) == m
    assert shown.edge(layer, int(i), int(j)).width == MAX_WIDTH  # the largest gradient is the widest
    assert shown.tags[2][3].text == f"δ {number_text(float(ph.delta[1][3]), 3)}"
    text = shown.edge_tooltip(shown.edge(0, 1, 2))
    assert number_text(float(grads[0][1, 2])) in text

    ph = trainer.step_phase()
    assert ph.phase == "update"
    shown.show_snapshot(_snap(trainer, data, ph))
    assert shown.edge_mode == "update"
    dW = [a - b for a, b in zip(ph.W_after, ph.W_before)]
    for layer, D in enumerate(dW):
        for (i, j), d in np.ndenumerate(D):
            if d != 0:
                e = shown.edge(layer, i, j)
                assert (e.color.blue() > e.color.red()) == (d > 0)
    assert "Δw" in shown.edge_tooltip(shown.edge(2, 0, 0))

    shown.show_snapshot(snap_normal)  # no phase: the normal look again
    assert shown.edge_mode == "weights" and not shown.phase_label.isVisible()
    assert not any(t.isVisible() for col in shown.tags for t in col)
    assert not any(n.highlight for col in shown.neurons for n in col)
    e = shown.edge(0, 0, 0)
    assert (e.width, e.color) == edge_style(float(snap_normal.weights[0][0, 0]))


def test_large_layers_are_drawn_compactly_and_fast(qtbot, view):
    rng = np.random.default_rng(1)
    X = rng.random((60, 784))
    y = (X[:, :392].sum(axis=1) > X[:, 392:].sum(axis=1)).astype(float)
    raw = Dataset(X, y, "binary", tuple(f"px{i}" for i in range(784)), ("dark", "light"))
    data = prepare(DataSpec(source="inline"), raw)
    trainer = _trainer(data, hidden=(LayerSpec(64, "relu"), LayerSpec(32, "relu")), epochs=1)
    snap = _snap(trainer, data)
    view.set_data(data)
    view.show()
    qtbot.waitExposed(view)
    view.show_snapshot(snap)
    assert [len(c) for c in view.neurons] == [SHOWN_OF_LARGE, SHOWN_OF_LARGE, 32, 1]
    assert view.more_labels[0].text == f"… {784 - SHOWN_OF_LARGE} more"
    assert all(len(e) <= MAX_EDGES_PER_PAIR for e in view.edges)
    assert view.input_labels[3].text == "px3"
    e = view.edges[1][0]
    assert (e.width, e.color) == edge_style(float(snap.weights[1][e.i, e.j]))
    times = []
    for _ in range(15):
        t0 = time.perf_counter()
        view.show_snapshot(snap)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times) * 1000
    print(f"NetworkView.show_snapshot (784-64-32-1) median {median:.2f} ms")
    assert median < 20.0


def test_one_d_data_gets_curve_thumbnails(view):
    data = prepare(DataSpec(name="sine", n_samples=60, noise=0.05))
    trainer = _trainer(data, hidden=(LayerSpec(4, "tanh"),), epochs=2)
    view.set_data(data)
    view.show_snapshot(_snap(trainer, data))
    n = view.neuron(0, 2)
    assert n.curve is not None and n.image is None
    assert view.output_labels[0].text == "ŷ"


def test_table_lists_every_parameter(shown, spiral):
    _, trainer, snap = spiral
    header, rows = shown.table()
    assert header[:4] == ("layer", "kind", "from", "to")
    assert len(rows) == trainer.network.n_params
    w = [r for r in rows if r[0] == "hidden 2" and r[1] == "weight" and r[2] == 3 and r[3] == 7][0]
    assert w[4] == snap.weights[1][2, 6] and w[5] == snap.grads_W[1][2, 6]


def test_renders_exports_and_redraws_fast(qtbot, tmp_path, shown, spiral):
    _, _, snap = spiral
    img = shown.grab().toImage()
    colours = {img.pixel(x, y) for x in range(0, img.width(), 3) for y in range(0, img.height(), 3)}
    assert len(colours) > 50
    for name, fn in (("n.png", shown.export_png), ("n.csv", shown.export_csv)):
        assert fn(tmp_path / name)
        assert (tmp_path / name).stat().st_size > 500
    times = []
    for _ in range(25):
        t0 = time.perf_counter()
        shown.show_snapshot(snap)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times) * 1000
    print(f"NetworkView.show_snapshot (spiral 2-8-8-1) median {median:.2f} ms")
    assert median < 20.0


def test_export_svg(tmp_path, shown):
    assert shown.export_svg(tmp_path / "n.svg")
    assert (tmp_path / "n.svg").stat().st_size > 500


# -- editing the network where it is drawn ------------------------------------------------------
def _click_scene(qtbot, view, scene_pt):
    qtbot.mouseClick(view.canvas.viewport(), Qt.MouseButton.LeftButton, pos=view.viewport_pos(scene_pt))


def test_plus_and_minus_on_a_layer_ask_for_its_neuron_count(qtbot, shown, spiral):
    data, _, snap = spiral
    shown.set_design(NetworkSpec(2, (LayerSpec(5, "tanh"), LayerSpec(8, "tanh")), "binary"),
                     DataSpec(name="spiral", n_samples=200, noise=0.1))
    st = shown.stepper(0)
    assert st.units == 5 and shown.stepper(1).units == 8  # the design's counts, before the network is rebuilt
    with qtbot.waitSignal(shown.sigSetUnits, timeout=1000) as blocker:
        _click_scene(qtbot, shown, st.button_center("+"))
    assert blocker.args == [0, 6]
    qtbot.wait(300)  # not a double click
    with qtbot.waitSignal(shown.sigSetUnits, timeout=1000) as blocker:
        _click_scene(qtbot, shown, shown.stepper(1).button_center("-"))
    assert blocker.args == [1, 7]
    # the stepper sits above its column, inside the view
    for layer, col in ((0, 1), (1, 2)):
        st = shown.stepper(layer)
        assert abs(st.x() - shown.neurons[col][0].x()) < 1
        rect = st.sceneBoundingRect()
        assert shown.scene.sceneRect().contains(rect)
        assert rect.bottom() < shown.headings[col].sceneBoundingRect().top() + 1
    assert "One neuron more in hidden layer 1 (5 → 6)" == shown.tooltip_at(shown.stepper(0).button_center("+"))


def test_a_layer_of_one_neuron_cannot_lose_it(qtbot, shown):
    shown.set_design(NetworkSpec(2, (LayerSpec(1, "tanh"), LayerSpec(8, "tanh")), "binary"), DataSpec())
    with qtbot.assertNotEmitted(shown.sigSetUnits):
        _click_scene(qtbot, shown, shown.stepper(0).button_center("-"))
    assert shown.tooltip_at(shown.stepper(0).button_center("-")) == "A layer needs at least 1 neuron"


def test_the_header_adds_and_removes_hidden_layers(qtbot, shown):
    shown.set_design(NetworkSpec(2, (LayerSpec(8, "tanh"), LayerSpec(8, "tanh")), "binary"), DataSpec())
    assert shown.header.label.text() == "2 hidden layers"
    with qtbot.waitSignal(shown.sigAddLayer, timeout=1000):
        qtbot.mouseClick(shown.header.plus, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(shown.sigRemoveLayer, timeout=1000) as blocker:
        qtbot.mouseClick(shown.header.minus, Qt.MouseButton.LeftButton)
    assert blocker.args == [1]  # the last one
    shown.set_design(NetworkSpec(2, (), "binary"), DataSpec())
    assert shown.header.label.text() == "0 hidden layers" and not shown.header.minus.isEnabled()


def test_every_input_feature_is_a_node_that_switches_on_and_off(qtbot, shown, spiral):
    data, _, snap = spiral
    assert [n.feature for n in shown.neurons[0]] == ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    assert [t.full_text for t in shown.input_labels] == ["x1", "x2", "x1²", "x2²", "x1·x2", "sin(x1)", "sin(x2)"]
    assert [n.enabled for n in shown.neurons[0]] == [True, True] + [False] * 5
    assert [shown.input_labels[k].faded for k in range(7)] == [False, False] + [True] * 5
    # the ones the network is not fed still show their map (faded), and have no connections
    off = shown.input_node("x1^2")
    assert off.image is not None and off.unit == -1
    assert all(e.i in (0, 1) for e in shown.edges[0])
    with qtbot.waitSignal(shown.sigSetFeatures, timeout=1000) as blocker:
        _click_scene(qtbot, shown, off.scenePos())
    assert blocker.args == [("x1", "x2", "x1^2")]
    qtbot.wait(300)
    with qtbot.waitSignal(shown.sigSetFeatures, timeout=1000) as blocker:
        _click_scene(qtbot, shown, shown.input_node("x1").scenePos())
    assert blocker.args == [("x2",)]
    # the design says which are on: the last one left stays on
    shown.set_design(NetworkSpec(1, (LayerSpec(8, "tanh"),), "binary"), DataSpec(features=("x2",)))
    assert [n.enabled for n in shown.neurons[0]] == [False, True] + [False] * 5
    qtbot.wait(300)
    with qtbot.assertNotEmitted(shown.sigSetFeatures), qtbot.waitSignal(shown.sigStatus) as status:
        _click_scene(qtbot, shown, shown.input_node("x2").scenePos())
    assert "at least one must stay on" in status.args[0]
    assert "Click to add it" in shown.tooltip_at(shown.input_node("sin(x1)").scenePos())


def test_feature_maps_of_inputs_the_network_is_fed(qtbot, view):
    data = prepare(DataSpec(name="circle", n_samples=120, features=("x1", "x1^2", "sin(x2)")))
    trainer = _trainer(data, hidden=(LayerSpec(4, "tanh"),), epochs=1)
    snap = _snap(trainer, data)
    view.set_data(data)
    view.show()
    qtbot.waitExposed(view)
    view.show_snapshot(snap)
    assert [view.input_node(k).unit for k in ("x1", "x2", "x1^2", "sin(x2)")] == [0, -1, 1, 2]
    assert view.neuron(-1, 2) is view.input_node("sin(x2)")
    assert len(view.edges[0]) == 3 * 4
    # the map of x1² is the network's input 2 over the plane: (x1²) on the grid, from the left
    # (smallest x1) to the right, symmetric about x1 = 0
    img = view.input_node("x1^2").image
    row = [img.pixelColor(c, img.height() // 2) for c in range(img.width())]
    assert row[0] == row[-1] and row[0] != row[len(row) // 2]
    ph = trainer.step_phase()
    view.show_snapshot(_snap(trainer, data, ph))
    assert view.tags[0][view.neurons[0].index(view.input_node("sin(x2)"))].text == number_text(float(ph.x[2]), 3)
    assert not view.input_node("x2").highlight and view.input_node("x1^2").highlight


def test_data_that_is_not_two_dimensional_lists_its_columns(qtbot, view):
    data = prepare(DataSpec(source="bundled", name="iris"))
    trainer = _trainer(data, hidden=(LayerSpec(6, "relu"),), epochs=1)
    view.set_data(data)
    view.set_design(trainer.spec, DataSpec(source="bundled", name="iris"))
    view.show()
    qtbot.waitExposed(view)
    view.show_snapshot(_snap(trainer, data))
    assert [t.full_text for t in view.input_labels] == list(data.input_names)
    assert all(n.feature is None for n in view.neurons[0])
    assert view.header.hint.toolTip() == "− n + changes a layer's neurons"
    with qtbot.assertNotEmitted(view.sigSetFeatures):
        _click_scene(qtbot, view, view.neuron(-1, 1).scenePos())
    with qtbot.waitSignal(view.sigSetUnits, timeout=1000) as blocker:
        _click_scene(qtbot, view, view.stepper(0).button_center("+"))
    assert blocker.args == [0, 7]


def _no_overlap(rects):
    for a in range(len(rects)):
        for b in range(a + 1, len(rects)):
            inter = rects[a].intersected(rects[b])
            assert inter.height() <= 0.5 or inter.width() <= 0.5, (a, b, rects[a], rects[b])


def test_sixty_four_inputs_show_a_readable_subset(qtbot, view):
    data = prepare(DataSpec(source="bundled", name="digits"))
    trainer = _trainer(data, hidden=(LayerSpec(8, "tanh"),), epochs=1)
    view.set_data(data)
    view.show()
    qtbot.waitExposed(view)
    view.show_snapshot(_snap(trainer, data))
    for height in (600, 420, 300):
        view.resize(800, height)
        qtbot.wait(20)
        shown = view.visible_counts()[0]
        labels = [t for t in view.input_labels if t.isVisible()]
        assert len(labels) == shown and 1 <= shown <= SHOWN_OF_LARGE
        _no_overlap([t.sceneBoundingRect() for t in labels] + [view.more_labels[0].sceneBoundingRect()])
        assert view.more_labels[0].isVisible() and view.more_labels[0].text == f"… {64 - shown} more"
        assert all(view.scene.sceneRect().contains(t.sceneBoundingRect()) for t in labels)
        # connections only to the inputs drawn
        drawn = {n.unit for n in view.neurons[0][:shown]}
        assert all(e.i in drawn for e in view.edges[0] if e.visible)
    assert view.visible_counts()[0] < SHOWN_OF_LARGE  # a short view shows fewer, never squeezed


def test_maps_fill_the_neurons_and_their_images_are_reused(qtbot, shown, spiral):
    data, trainer, snap = spiral
    n = shown.neuron(1, 2)
    dpr = n.image.devicePixelRatio()
    assert n.image.width() == round((n.size - 2) * dpr)
    before = n.image
    shown.show_snapshot(_snap(trainer, data))
    assert shown.neuron(1, 2).image is before  # refilled in place: no new image per snapshot
    shown.resize(1000, 800)
    qtbot.waitUntil(lambda: shown.neuron(1, 2).size != n.size or shown.neuron(1, 2).image is not before)
    n2 = shown.neuron(1, 2)
    assert n2.image.width() == round((n2.size - 2) * dpr)


@pytest.mark.parametrize("hidden, inputs", [((8,) * 8, 2), ((4,) * 12, 2), ((16, 8), 784), ((8, 8), 2)])
def test_no_qt_warnings_at_any_size_or_depth(qtbot, hidden, inputs):
    """pytest-qt fails a test on any Qt warning ('Pixel size <= 0', 'QPainter::begin' …)."""
    if inputs == 2:
        data = prepare(DataSpec(name="spiral", n_samples=120))
    else:
        rng = np.random.default_rng(2)
        X = rng.random((40, inputs))
        raw = Dataset(X, (X[:, 0] > 0.5).astype(float), "binary", tuple(f"px{i}" for i in range(inputs)), ("a", "b"))
        data = prepare(DataSpec(source="inline"), raw)
    trainer = _trainer(data, hidden=tuple(LayerSpec(u, "tanh") for u in hidden), epochs=1)
    snap = _snap(trainer, data)
    view = NetworkView()
    qtbot.addWidget(view)
    view.set_data(data)
    view.show()
    qtbot.waitExposed(view)
    view.show_snapshot(snap)
    for w, h in [(1600, 1000), (1024, 700), (300, 200), (60, 40), (1, 1), (0, 0), (900, 600)]:
        view.resize(w, h)
        view.canvas.setMinimumSize(0, 0)
        qtbot.wait(5)
        view.show_snapshot(snap)
        view.grab()
    ph = trainer.step_phase()
    view.show_snapshot(_snap(trainer, data, ph))
    view.grab()
    lay = view.layout
    assert lay.size >= 1 and all(v >= 1 for v in lay.visible)


def test_a_switch_to_dark_recolours_maps_and_scene(qtbot, shown, spiral):
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    _, _, snap = spiral
    app = QApplication.instance()
    old = app.palette()
    dark = QPalette(old)
    for role, c in [(QPalette.ColorRole.Window, "#2b2b2b"), (QPalette.ColorRole.Base, "#1e1e1e"),
                    (QPalette.ColorRole.WindowText, "#dddddd"), (QPalette.ColorRole.Text, "#dddddd")]:
        dark.setColor(role, QColor(c))
    try:
        app.setPalette(dark)
        shown.apply_theme()
        assert theme.is_dark() and shown.scene.backgroundBrush().color() == QColor("#1e1e1e")
        lut = theme.diverging_lut(256)
        n = shown.neuron(0, 3)
        img = n.image
        px = img.width()
        g = snap.grid
        i = int((px - px // 2 - 0.5) * len(g.ys) / px)
        j = int((px // 2 + 0.5) * len(g.xs) / px)
        k = int(np.clip((g.neurons[0][i, j, 3] + 1) / 2 * 255, 0, 255))
        c = img.pixelColor(px // 2, px // 2)
        assert (c.red(), c.green(), c.blue()) == tuple(int(t) for t in lut[k, :3])
        shown.grab()
    finally:
        app.setPalette(old)
        shown.apply_theme()
    assert not theme.is_dark()


def test_one_d_relu_maps_each_on_their_own_scale(view):
    data = prepare(DataSpec(name="sine", n_samples=60, noise=0.05))
    trainer = _trainer(data, hidden=(LayerSpec(3, "relu"),), epochs=2)
    snap = _snap(trainer, data)
    view.set_data(data)
    view.show_snapshot(snap)
    lo, hi = view.thumb_levels[1]
    out = snap.grid.neurons[0]  # (len(xs), 3)
    expected = np.abs(out).max(axis=0).astype(np.float64)
    expected[expected <= 1e-12] = 1.0  # a neuron that is off everywhere
    np.testing.assert_allclose(hi, expected)
    assert np.shape(hi) == (3,) and np.all(lo == -hi)
    assert all(view.neuron(0, u).curve is not None for u in range(3))


def test_headings_and_long_names_explain_themselves(qtbot, view):
    rng = np.random.default_rng(3)
    X = rng.random((30, 3))
    names = ("a rather long column name that cannot fit", "b", "c")
    raw = Dataset(X, (X[:, 0] > 0.5).astype(float), "binary", names, ("no", "yes"))
    data = prepare(DataSpec(source="inline"), raw)
    trainer = _trainer(data, hidden=(LayerSpec(4, "relu"),), epochs=1)
    view.set_data(data)
    view.show()
    qtbot.waitExposed(view)
    view.show_snapshot(_snap(trainer, data))
    label = view.input_labels[0]
    assert "…" in label.text and label.width() <= 98  # elided to the room for labels
    assert view.tooltip_at(label.sceneBoundingRect().center()) == names[0]
    assert view.tooltip_at(view.headings[1].sceneBoundingRect().center()) == "hidden 1 relu"
