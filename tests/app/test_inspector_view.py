"""The step inspector writes out the engine's own numbers, phase by phase."""

from __future__ import annotations

import time
from types import SimpleNamespace

import numpy as np
import pytest

from nnstudio.app.views.inspector_view import (HINT, InspectorView, fmt, fmt_change, fmt_delta, fmt_p, fmt_sig,
                                               sub)
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.network import Network
from nnstudio.core.snapshot import make_snapshot
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import PHASES, Trainer


@pytest.fixture
def view(qtbot):
    v = InspectorView()
    qtbot.addWidget(v)
    v.resize(700, 600)
    v.show()
    return v


@pytest.fixture(scope="module")
def circle():
    return prepare(DataSpec(name="circle", n_samples=200))


def worked_example(lr: float = 0.1) -> Trainer:
    """The course notes' neuron: inputs (0.9, 0.2, 0.3), weights (2, 3, −1), bias 0.5, sigmoid, y = 1."""
    data = SimpleNamespace(X_train=np.array([[0.9, 0.2, 0.3]]), y_train=np.array([1]),
                           X_val=np.empty((0, 3)), y_val=np.empty(0, dtype=int), task="binary", n_classes=2)
    spec = NetworkSpec(3, (), "binary")
    net = Network(spec)
    net.layers[0].W[:, 0] = (2.0, 3.0, -1.0)
    net.layers[0].b[:] = 0.5
    return Trainer(spec, TrainConfig(optimizer="sgd", learning_rate=lr, batch_mode="sgd"), data, network=net)


def step(view: InspectorView, trainer: Trainer):
    ph = trainer.step_phase()
    view.show_snapshot(make_snapshot(trainer, None, None, ph))
    return ph


def test_number_format():
    assert fmt(2.6000000000000005) == "2.6"
    assert fmt(0.930861579) == "0.9309"
    assert fmt(-1.5) == "−1.5" and fmt_p(-1.5) == "(−1.5)" and fmt_p(1.5) == "1.5"
    assert fmt(-1.23456e-5) == "−1.235×10⁻⁵"
    assert fmt(-0.0) == "0"
    assert sub(1) == "₁" and sub(2, 1) == "₂₁" and sub(10, 2) == "₁₀,₂"


def test_hint_when_not_stepping(view, circle):
    trainer = Trainer(NetworkSpec(2, (LayerSpec(2, "tanh"),)), TrainConfig(), circle)
    view.show_snapshot(make_snapshot(trainer, None, None, None))
    assert HINT in view.text()
    assert view.phase is None and view.table()[1] == []


def test_worked_example_through_the_four_phases(view):
    trainer = worked_example()
    ph = step(view, trainer)
    assert ph.phase == "forward"
    text = view.text()
    assert "z₁ = 2×0.9 + 3×0.2 + (−1)×0.3 + 0.5 = 2.6" in text
    assert ph.a[-1][0] == pytest.approx(1 / (1 + np.exp(-2.6)))
    assert "ŷ = σ(2.6) = 1/(1 + e^(−2.6)) = 0.9309" in text
    assert "Loss" not in text  # later phases are not shown yet

    ph = step(view, trainer)
    text = view.text()
    assert ph.sample_loss == pytest.approx(-np.log(1 / (1 + np.exp(-2.6))))
    assert f"= −[1·ln 0.9309 + 0·ln 0.06914] = {fmt(ph.sample_loss)}" in text
    assert fmt(ph.sample_loss) == "0.07164"  # ln(1 + e^−2.6)
    assert f"batch loss L = mean of ℓ over the batch of 1 = {fmt(ph.batch_loss)}" in text
    assert "z₁ = 2×0.9" in text  # the forward phase stays visible above

    ph = step(view, trainer)
    text = view.text()
    assert "δ = ŷ − y = 0.9309 − 1 = −0.06914" in text
    assert ph.delta[0][0] == pytest.approx(1 / (1 + np.exp(-2.6)) - 1)
    for i, x in enumerate((0.9, 0.2, 0.3)):
        g = ph.grad_W[0][i, 0]
        assert g == pytest.approx(x * ph.delta[0][0])
        assert f"∂L/∂w{sub(i + 1, 1)} = {fmt(x)} × {fmt_p(ph.delta[0][0])} = {fmt(g)}" in text
    assert "∂L/∂w₁₁ = 0.9 × (−0.06914) = −0.06222" in text

    ph = step(view, trainer)
    text = view.text()
    assert ph.phase == "update" and ph.lr == 0.1
    for i in range(3):
        before, after, g = ph.W_before[0][i, 0], ph.W_after[0][i, 0], ph.grad_W[0][i, 0]
        assert after == before - ph.lr * g  # the engine's SGD step, exactly
        assert f"w{sub(i + 1, 1)} ← {fmt(before)} − 0.1 × {fmt_p(g)} = {fmt(after)}" in text
    assert "w₁₁ ← 2 − 0.1 × (−0.06222) = 2.006" in text
    assert f"b₁ ← 0.5 − 0.1 × {fmt_p(ph.grad_b[0][0])} = {fmt(ph.b_after[0][0])}" in text
    for title in ("1 · Forward", "2 · Loss", "3 · Backward", "4 · Update"):
        assert title in text  # earlier phases of the iteration remain visible
    assert "w ← w − η·g" in text


def test_current_phase_is_emphasised(view):
    trainer = worked_example()
    for name in PHASES:
        step(view, trainer)
        strip = view.strip.text()
        k = PHASES.index(name)
        emphasised = strip.split("font-weight:bold\">")[1].split("</span>")[0]
        assert f"{k + 1}&nbsp;{name}" in emphasised
        assert strip.count("font-weight:bold") == 1
        assert f"{k + 1} · {name.capitalize()}  ◀ now" in view.text().replace("\xa0", " ")
    view.show_snapshot(make_snapshot(trainer, None, None, None))
    assert HINT in view.text() and "font-weight:bold" not in view.strip.text()


def test_small_network_numbers_are_the_phase_records(view, circle):
    spec = NetworkSpec(2, (LayerSpec(2, "tanh"),), "binary")
    trainer = Trainer(spec, TrainConfig(learning_rate=0.1, batch_size=10), circle)
    trainer.run(iterations=2)
    records = {}
    for _ in PHASES:
        ph = step(view, trainer)
        records[ph.phase] = ph
        text = view.text()
        fwd = records["forward"]
        W1 = trainer.network.layers[0].W if ph.phase != "update" else ph.W_before[0]
        for j in range(2):
            assert f"z{sub(j + 1)} = {fmt_p(W1[0, j])}×{fmt_p(fwd.x[0])} + " in text
            assert f"= {fmt(fwd.z[0][j])}\n" in text
            assert f"a{sub(j + 1)} = tanh({fmt(fwd.z[0][j])}) = {fmt(fwd.a[0][j])}" in text
    ph = records["update"]
    text = view.text()
    # δ going back: δ = ∂ℓ/∂a × f′(z), with the engine's δ
    W2 = ph.W_before[1]
    for j in range(2):
        da = W2[j, 0] * ph.delta[1][0]
        fp = 1 - np.tanh(ph.z[0][j]) ** 2
        assert da * fp == pytest.approx(ph.delta[0][j], rel=1e-9)
        expected = f"δ{sub(j + 1)} = {fmt(da)} × f′({fmt(ph.z[0][j])}) = {fmt(da)} × {fmt_p(fp)}"
        assert f"{expected} = {fmt(ph.delta[0][j])}" in text
    # every parameter's SGD update, written with the engine's numbers
    for li in range(2):
        Wb, Wa, g = ph.W_before[li], ph.W_after[li], ph.grad_W[li]
        for i in range(Wb.shape[0]):
            for j in range(Wb.shape[1]):
                np.testing.assert_allclose(Wa[i, j], Wb[i, j] - ph.lr * g[i, j], rtol=0, atol=1e-15)
                b, a = fmt_change(Wb[i, j], Wa[i, j])
                assert f"w{sub(i + 1, j + 1)} ← {b} − 0.1 × {fmt_p(g[i, j])} = {a}" in text
    header, rows = view.table()
    assert header == ("phase", "quantity", "layer", "unit", "value")
    z_rows = [r[4] for r in rows if r[1] == "z" and r[2] == "hidden 1"]
    assert z_rows == list(ph.z[0])
    d_rows = [r[4] for r in rows if r[1] == "delta" and r[2] == "output"]
    assert d_rows == list(ph.delta[1])
    after = [r[4] for r in rows if r[1] == "W_after" and r[2] == "output"]
    assert after == list(ph.W_after[1].ravel())


def test_wide_layers_are_abbreviated(view, circle):
    spec = NetworkSpec(2, (LayerSpec(16, "relu", "he_normal"), LayerSpec(12, "tanh")), "binary")
    trainer = Trainer(spec, TrainConfig(optimizer="adam", learning_rate=0.01), circle)
    for _ in PHASES:
        ph = step(view, trainer)
    text = view.text()
    m = view.MAX_UNITS
    assert f"… {16 - m} more units" in text and f"… {12 - m} more units" in text
    assert f"… ({16 - view.MAX_TERMS} more terms)" in text
    assert f"z{sub(m + 1)} =" not in text.split("Hidden layer 2")[0]
    # Adam: the rule, with m̂ and v̂ drawn as images (a combining circumflex floats off)
    assert "m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  w ← w − η·" in text
    page = view.browser.toHtml()
    assert page.count('src="hat:m"') == 1 and page.count('src="hat:v"') == 1 and "\u0302" not in text
    # each weight: before, after, the change and the gradient, in a table row
    Wb, Wa, gW = ph.W_before[0], ph.W_after[0], ph.grad_W[0]
    b, a = fmt_change(Wb[0, 0], Wa[0, 0], pad=True)
    assert f"w₁₁\n{b}\n{a}\n{fmt_delta(Wa[0, 0] - Wb[0, 0])}\n{fmt_sig(gW[0, 0], 2)}\n" in text
    assert f"… {Wb.size - view.MAX_PARAMS} more weights" in text
    rows = view.table()[1]
    assert sum(1 for r in rows if r[1] == "W_after" and r[2] == "hidden 1") == 32  # the table is complete


def test_multiclass_and_dropout_are_explained(view):
    data = prepare(DataSpec(name="spiral_multi", n_samples=100))
    spec = NetworkSpec(2, (LayerSpec(3, "elu", dropout=0.5),), "multiclass", 3)
    trainer = Trainer(spec, TrainConfig(seed=3), data)
    for _ in range(3):
        ph = step(view, trainer)
    text = view.text()
    c = int(ph.y)
    assert f"y = class {c + 1}" in text
    assert f"= −ln {fmt(ph.output[c])} = {fmt(ph.sample_loss)}" in text
    assert f"δ{sub(c + 1)} = ŷ{sub(c + 1)} − t{sub(c + 1)} = {fmt(ph.output[c])} − 1 = {fmt(ph.delta[1][c])}" in text
    dropped = [j for j in range(3) if ph.a[0][j] == 0 and ph.z[0][j] != 0]
    kept = [j for j in range(3) if ph.a[0][j] != 0]
    assert dropped and kept  # this seed drops some units and keeps others
    for j in dropped:
        assert f"a{sub(j + 1)} = elu({fmt(ph.z[0][j])}) = " in text and "→ dropped: 0" in text
    for j in kept:
        assert f"→ kept, ×2 = {fmt(ph.a[0][j])}" in text  # 1/(1 − p) with p = 0.5
    assert "Dropout" in text


def test_renders_exports_and_timing(view, tmp_path, qtbot):
    trainer = worked_example()
    times = []
    for _ in range(3):  # three iterations of four phases
        for _ in PHASES:
            ph = trainer.step_phase()
            snap = make_snapshot(trainer, None, None, ph)
            t = time.perf_counter()
            view.show_snapshot(snap)
            times.append(time.perf_counter() - t)
    assert np.median(times) < 0.020
    qtbot.wait(10)
    img = view.grab().toImage()
    colours = {img.pixelColor(x, y).rgb() for x in range(0, img.width(), 5) for y in range(0, img.height(), 5)}
    assert len(colours) > 10
    export_all(view, tmp_path)


def export_all(view, tmp_path):
    """PNG, CSV and SVG export each write a non-empty file."""
    for ext, fn in (("png", view.export_png), ("csv", view.export_csv), ("svg", view.export_svg)):
        path = tmp_path / f"view.{ext}"
        assert fn(path)
        assert path.stat().st_size > 200


def whole_iteration(trainer: Trainer):
    """What the engine does on →: the iteration phase by phase, keeping the update record."""
    ph = trainer.step_phase()
    while ph.phase != "update":
        ph = trainer.step_phase()
    return ph


def test_a_whole_iteration_after_right_arrow(view, circle):
    spec = NetworkSpec(2, (LayerSpec(3, "tanh"),), "binary")
    trainer = Trainer(spec, TrainConfig(optimizer="adam", learning_rate=0.01, batch_size=10), circle)
    trainer.run(iterations=3)
    ph = whole_iteration(trainer)
    view.show_snapshot(make_snapshot(trainer, None, None, ph))
    assert view.mode == "iteration"
    text = view.text()
    for title in ("1 · Forward", "2 · Loss", "3 · Backward", "4 · Update"):
        assert title in text
    assert "◀ now" not in text and "Iteration 4, all four phases" in view.header.text()
    # each phase's own numbers, all from the one record
    assert f"= {fmt(ph.z[0][0])}\n" in text  # forward
    assert fmt(ph.sample_loss) in text and fmt(ph.batch_loss) in text  # loss
    assert f"∂L/∂w₁₁ = {fmt(ph.grad_W[0][0, 0])}" in text  # backward
    assert view.strip.text().count("✓") == 4 and "font-weight:bold" not in view.strip.text()
    assert view.browser.verticalScrollBar().value() == 0  # read from the top
    # every update shown is visible as a change
    for li in range(2):
        Wb, Wa = ph.W_before[li], ph.W_after[li]
        for i in range(Wb.shape[0]):
            for j in range(Wb.shape[1]):
                b, a = fmt_change(Wb[i, j], Wa[i, j], pad=True)
                assert (b != a) == (Wb[i, j] != Wa[i, j])
                assert f"\n{b}\n{a}\n{fmt_delta(Wa[i, j] - Wb[i, j])}\n" in text
    # Shift+→ afterwards: one phase at a time again
    ph = step(view, trainer)
    assert view.mode == "phase" and ph.phase == "forward" and "◀ now" in view.text()
    for _ in range(3):
        ph = step(view, trainer)
    assert ph.phase == "update" and view.mode == "phase"  # the update closes the stepped iteration
    assert "4 · Update  ◀ now" in view.text().replace("\xa0", " ")


def test_a_tiny_update_is_visible(view):
    trainer = worked_example(lr=1e-4)  # w₁₁ changes by 0.9 × 0.06914 × 10⁻⁴ ≈ 6·10⁻⁶
    ph = whole_iteration(trainer)
    view.show_snapshot(make_snapshot(trainer, None, None, ph))
    before, after = ph.W_before[0][0, 0], ph.W_after[0][0, 0]
    assert 1e-6 < after - before < 1e-5 and fmt(before) == fmt(after) == "2"  # 4 digits hide it
    b, a = fmt_change(before, after)
    assert (b, a) == ("2", "2.000006")
    assert f"w₁₁ ← 2 − 0.0001 × {fmt_p(ph.grad_W[0][0, 0])} = 2.000006" in view.text()
    assert fmt_change(1.53412, 1.53419) == ("1.53412", "1.53419")
    assert fmt_change(0.5, 0.5) == ("0.5", "0.5")
    assert fmt_change(-0.5669, -0.569) == ("−0.5669", "−0.569")
    assert fmt_change(-0.5669, -0.569, pad=True) == ("−0.5669", "−0.5690")  # a column lines up
    assert fmt_delta(2.41e-4) == "+0.00024" and fmt_delta(-1.53e-5) == "−1.5×10⁻⁵"


def test_right_arrow_through_the_engine(qtbot, view, circle):
    from nnstudio.app.controller import TrainingController

    controller = TrainingController()
    try:
        spec = NetworkSpec(2, (LayerSpec(2, "tanh"),), "binary")
        controller.load(spec, TrainConfig(learning_rate=0.1, batch_size=10), circle)
        controller.step()

        def arrived():
            controller.flush()
            snap = controller.snapshot
            assert snap is not None and snap.iteration == 1 and snap.phase is not None
        qtbot.waitUntil(arrived, timeout=8000)
        view.show_snapshot(controller.snapshot)
        text = view.text()
        assert view.mode == "iteration" and all(t in text for t in ("1 · Forward", "2 · Loss", "3 · Backward",
                                                                    "4 · Update"))
    finally:
        assert controller.shutdown()


@pytest.mark.parametrize("size", [(200, 150), (330, 600), (1600, 1000)])
def test_any_size_draws_without_warnings(qtbot, view, circle, size):
    spec = NetworkSpec(2, (LayerSpec(8, "relu"), LayerSpec(8, "relu")), "binary")
    trainer = Trainer(spec, TrainConfig(optimizer="adam"), circle)
    view.resize(*size)
    view.show_snapshot(make_snapshot(trainer, None, None, whole_iteration(trainer)))
    qtbot.wait(30)
    assert not view.grab().isNull()
