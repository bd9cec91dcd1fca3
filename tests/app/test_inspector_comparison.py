"""Two runs in the step inspector: under each phase, run B's numbers of the same sample
follow run A's, and they are B's own PhaseRecord values; back to one run when B closes."""

from __future__ import annotations

import numpy as np
import pytest

from comparison_snapshots import comparison_for, pair_snapshot
from nnstudio.app.views.inspector_view import InspectorView, fmt, fmt_change, fmt_p, sub
from nnstudio.core.snapshot import make_snapshot
from nnstudio.core.trainer import PHASES

SAMPLE = 5


@pytest.fixture
def view(qtbot):
    v = InspectorView()
    qtbot.addWidget(v)
    v.resize(520, 700)
    v.show()
    return v


def blocks(text: str, label: str) -> tuple[str, str]:
    """The current (last) phase's A part and B part of the inspector's text."""
    text = text.replace("\xa0", " ")
    head, b_part = text.rsplit(f"\n{label}\n", 1)
    return head.rsplit("\nA\n", 1)[1], b_part


def forward_lines(ph) -> list[str]:
    """Lines the inspector writes for the first hidden layer's first units and the output."""
    lines = [f"x = ({', '.join(fmt(v) for v in ph.x)})"]
    for j in range(2):
        lines.append(f"= {fmt(ph.z[0][j])}\n")
        lines.append(f"a{sub(j + 1)} = tanh({fmt(ph.z[0][j])}) = {fmt(ph.a[0][j])}")
    lines.append(f"ŷ = σ({fmt(ph.z[-1][0])}) = 1/(1 + e^(−{fmt_p(ph.z[-1][0])})) = {fmt(ph.a[-1][0])}")
    return lines


def loss_lines(ph) -> list[str]:
    return [f"ŷ = {fmt(ph.output[0])}   y = {fmt(ph.y)}", f"= {fmt(ph.sample_loss)}\n",
            f"batch loss L = mean of ℓ over the batch of {len(ph.batch)} = {fmt(ph.batch_loss)}"]


def backward_lines(ph) -> list[str]:
    lines = [f"δ = ŷ − y = {fmt(ph.output[0])} − {fmt_p(ph.y)} = {fmt(ph.delta[-1][0])}"]
    for li in range(len(ph.delta)):
        lines.append(f"∂L/∂w₁₁ = {fmt(ph.grad_W[li][0, 0])}   [")
        lines.append(f"∂L/∂b₁ = {fmt(ph.grad_b[li][0])}   [δ = {fmt(ph.delta[li][0])}]")
    return lines


def update_lines(ph) -> list[str]:
    """Adam's table rows: weight, before, after (as many digits as the change needs)."""
    lines = [f"with learning rate η = {fmt(ph.lr)}"]
    for li in range(len(ph.W_before)):
        before, after = fmt_change(ph.W_before[li][0, 0], ph.W_after[li][0, 0], pad=True)
        lines.append(f"w₁₁\n{before}\n{after}\n")
    return lines


LINES = {"forward": forward_lines, "loss": loss_lines, "backward": backward_lines, "update": update_lines}


def test_each_phase_shows_bs_own_numbers_of_the_same_sample(view):
    cmp, prepared = comparison_for("lr=0.3", iterations=20)
    for name in PHASES:
        ph_a, ph_b = cmp.step_phase(SAMPLE)
        assert ph_a.phase == ph_b.phase == name
        assert ph_a.sample == ph_b.sample and ph_a.iteration == ph_b.iteration
        snap = pair_snapshot(cmp, prepared, phases=(ph_a, ph_b))
        view.show_snapshot(snap)
        assert view.phase is ph_a and view.phase_b is ph_b and view.mode == "phase"
        a_part, b_part = blocks(view.text(), "B: η = 0.3")
        want_a, want_b = LINES[name](ph_a), LINES[name](ph_b)
        assert want_a != want_b  # 20 iterations at η = 0.3 moved B: the two can be told apart
        for line in want_b:
            assert line in b_part, (name, line)
        for line in want_a:
            assert line in a_part, (name, line)
        assert [line for line in want_b if line not in want_a and line in a_part] == []
        assert "the same sample in A and B" in view.header.text()
    # the update block says B's learning rate, and B's weights after are the engine's
    assert "with learning rate η = 0.3" in b_part and "with learning rate η = 0.01" in a_part
    np.testing.assert_array_equal(ph_b.W_after[0], cmp.b.network.layers[0].W)


def test_a_whole_iteration_shows_both_runs_under_every_phase(view):
    cmp, prepared = comparison_for("lr=0.3", iterations=20)
    for _ in PHASES:
        ph_a, ph_b = cmp.step_phase(SAMPLE)
    view.show_snapshot(pair_snapshot(cmp, prepared, phases=(ph_a, ph_b)))
    assert view.mode == "iteration"
    text = view.text().replace("\xa0", " ")
    assert text.count("\nB: η = 0.3\n") == 4 and text.count("\nA\n") == 4
    sections = text.split("\n2 · Loss")[0], text.split("\n2 · Loss")[1].split("\n3 · Backward")[0]
    for section, lines in zip(sections, (forward_lines, loss_lines)):
        a_part, b_part = section.split("\nB: η = 0.3\n")
        for line in lines(ph_b):
            assert line in b_part
        for line in lines(ph_a):
            assert line in a_part


def test_table_has_a_run_column_with_bs_records(view):
    cmp, prepared = comparison_for("lr=0.3", iterations=20)
    for _ in PHASES:
        ph_a, ph_b = cmp.step_phase(SAMPLE)
    view.show_snapshot(pair_snapshot(cmp, prepared, phases=(ph_a, ph_b)))
    header, rows = view.table()
    assert header == ("run", "phase", "quantity", "layer", "unit", "value")
    b = {(r[1], r[2], r[3], r[4]): r[5] for r in rows if r[0] == "B"}
    a = {(r[1], r[2], r[3], r[4]): r[5] for r in rows if r[0] == "A"}
    assert b[("forward", "z", "hidden 1", "1")] == ph_b.z[0][0]
    assert b[("update", "W_after", "output", "1→1")] == ph_b.W_after[-1][0, 0]
    assert a[("update", "W_after", "output", "1→1")] == ph_a.W_after[-1][0, 0]
    assert b[("loss", "sample_loss", "", "")] == ph_b.sample_loss
    assert len(a) == len(b)


def test_b_without_a_record_of_the_phase_says_so(view):
    cmp, prepared = comparison_for("lr=0.3", iterations=20)
    ph_a, _ = cmp.step_phase(SAMPLE)
    view.show_snapshot(pair_snapshot(cmp, prepared, phases=(ph_a, None)))
    assert "No numbers of B for this phase (it has not reached this phase)." in view.text()
    header, rows = view.table()
    assert header[0] == "run" and rows and all(r[0] == "A" for r in rows)


def test_another_sample_in_b_is_named(view):
    """B with another batch size: the inspected sample's place differs, and B's block says
    which sample it shows."""
    cmp, prepared = comparison_for("batch_size=40", iterations=3)
    ph_a, ph_b = cmp.step_phase(SAMPLE)
    view.show_snapshot(pair_snapshot(cmp, prepared, phases=(ph_a, ph_b)))
    text = view.text()
    same = ph_b.sample == ph_a.sample and ph_b.in_batch == ph_a.in_batch and len(ph_b.batch) == len(ph_a.batch)
    assert not same and len(ph_b.batch) == 40
    assert f"B inspects sample #{ph_b.sample}" in text
    assert f"x = ({', '.join(fmt(v) for v in ph_b.x)})" in blocks(text, cmp.label)[1]
    assert "the same sample in A and B" not in view.header.text()


def test_closing_b_returns_to_one_run(view):
    cmp, prepared = comparison_for("lr=0.3", iterations=20)
    ph_a, ph_b = cmp.step_phase(SAMPLE)
    view.show_snapshot(pair_snapshot(cmp, prepared, phases=(ph_a, ph_b)))
    assert "B: η = 0.3" in view.text()
    ph_a, _ = cmp.step_phase(SAMPLE)
    view.show_snapshot(make_snapshot(cmp.a, None, None, ph_a))
    text = view.text().replace("\xa0", " ")
    assert "B: η = 0.3" not in text and "\nA\n" not in text and view.phase_b is None
    for line in loss_lines(ph_a):
        assert line in text
    assert view.table()[0][0] == "phase"
    assert "the same sample in A and B" not in view.header.text()


def test_b_of_another_architecture_is_written_with_its_own_layers(view):
    cmp, prepared = comparison_for("hidden=4", iterations=10)
    for _ in range(2):
        ph_a, ph_b = cmp.step_phase(SAMPLE)
    view.show_snapshot(pair_snapshot(cmp, prepared, phases=(ph_a, ph_b)))
    assert len(ph_b.z) == 2 and len(ph_a.z) == 3
    text = view.text().replace("\xa0", " ")
    forward = text.split("\n2 · Loss")[0]
    a_part, b_part = forward.split(f"\n{cmp.label}\n")
    assert "Hidden layer 1 (4 units, Tanh)" in b_part and "Hidden layer 2" not in b_part
    assert "Hidden layer 2 (8 units, Tanh)" in a_part
    for line in loss_lines(ph_b):
        assert line in blocks(text, cmp.label)[1]
