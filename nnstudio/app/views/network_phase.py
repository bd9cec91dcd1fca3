"""The step inspector's marks on the network: which part is being computed, and its numbers.

While the learner steps an iteration phase by phase (``Snapshot.phase``), the network
view highlights the neurons of the phase and tags them with the inspected sample's
numbers: activations (forward), the output and its loss (loss), δ (backward) and the
bias changes (update). The connections show the weights, and in the backward and update
phases the gradients and the weight changes (:func:`edge_values`).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QLabel

from ...core.snapshot import Snapshot
from .axes import number_text
from .network_items import ACCENT, MAX_WIDTH, MIN_WIDTH, WIDTH_PER_UNIT, NeuronItem, PhaseTag, SceneText
from .network_texts import NetworkTexts

Array = np.ndarray

#: tags are shown when no drawn column has more neurons than this (else they would crowd)
MAX_TAGGED = 16

PHASE_TEXTS = {
    "forward": "Forward pass: each neuron computes z = Σ a·w + b and its output a = f(z), "
               "layer by layer. The numbers are the inspected sample's outputs a.",
    "loss": "Loss: how wrong the output is for this sample.  {loss_formula}",
    "backward": "Backward pass: δ = ∂ℓ/∂z flows from the output back to the first layer; the "
                "connections show the batch gradient ∂L/∂w (blue +, orange −, thicker = larger).",
    "update": "Update: every weight moves against its gradient (the step inspector gives the "
              "optimizer's rule). The connections show the change Δw.",
}


def edge_values(snap: Snapshot) -> tuple[list[Array], float, str]:
    """What the connections show for ``snap``: values per layer, their unit (the value
    drawn at full strength) and a name: the weights; in the backward phase the batch
    gradients, in the update phase the weight changes, both scaled so that the largest
    is drawn widest."""
    ph = snap.phase
    if ph is not None and ph.phase == "backward" and ph.grad_W:
        vals, name = list(ph.grad_W), "gradient"
    elif ph is not None and ph.phase == "update" and ph.W_after:
        vals, name = [a - b for a, b in zip(ph.W_after, ph.W_before)], "update"
    else:
        return snap.weights, 1.0, "weights"
    m = max((float(np.nanmax(np.abs(v))) for v in vals if v.size), default=0.0)
    unit = m / ((MAX_WIDTH - MIN_WIDTH) / WIDTH_PER_UNIT) if m > 0 and math.isfinite(m) else 1.0
    return vals, unit, name


class PhaseOverlay:
    """Tags and highlights of the step inspector over the network's neurons."""

    def __init__(self, label: QLabel, font: QFont) -> None:
        self.label = label
        self.font = font
        self.tags: list[list[PhaseTag]] = []
        self.columns: list[list[NeuronItem]] = []
        self.filled: set[PhaseTag] = set()  # the tags that have a number of this phase
        self.others: list[QGraphicsItem] = []
        self.active = False

    def build(self, scene: QGraphicsScene, columns: list[list[NeuronItem]],
              others: Sequence[QGraphicsItem] = ()) -> None:
        """One (hidden) tag per neuron item; called when the items are made. No tag
        covers one of ``others``."""
        self.columns = columns
        self.others = list(others)
        self.tags = []
        self.filled: set[PhaseTag] = set()
        for items in columns:
            row = []
            for _item in items:
                tag = PhaseTag(self.font)
                scene.addItem(tag)
                row.append(tag)
            self.tags.append(row)

    def place(self, scene_rect: QRectF, output_labels: Sequence[SceneText] = ()) -> None:
        """Show the tags of the neurons drawn now (a neuron that went under "… N more"
        when the drawing got smaller takes its tag with it) and put each right of its
        neuron, or where it fits inside ``scene_rect``: left of the right edge, or under
        the neuron when that would cover it. A tag that would cover another neuron, a
        tag already placed or one of :attr:`others` (the "… N more" words) is left out (in a
        narrow view the columns stand closer than a number is wide): the output's first,
        then the columns from right to left; a column most of whose tags have no room
        shows none. The output's names (``output_labels``, one
        per output item) give way to the output's tags, which say them with the numbers."""
        neurons = [(item, QRectF(item.x() - item.size / 2, item.y() - item.size / 2, item.size, item.size))
                   for items in self.columns for item in items if item.isVisible()]
        taken = [o.sceneBoundingRect() for o in self.others if o.isVisible()]
        order = list(zip(self.columns, self.tags))[::-1]
        for items, tags in order:
            fits: list[tuple[PhaseTag, QRectF, bool]] = []
            for item, tag in zip(items, tags):
                if not (tag in self.filled and item.isVisible()):
                    tag.setVisible(False)
                    continue
                half = item.size / 2
                x = item.x() + half + 2
                y = item.y()
                if x + tag.width() > scene_rect.right() - 2:
                    x = scene_rect.right() - 2 - tag.width()
                    if x < item.x() + half:
                        x = min(max(scene_rect.left() + 2, item.x() - tag.width() / 2),
                                scene_rect.right() - 2 - tag.width())
                        y = item.y() + half + 2 + tag.height() / 2
                        y = min(y, scene_rect.bottom() - tag.height() / 2 - 1)
                tag.setPos(x, y)
                box = tag.boundingRect().translated(x, y)
                covers = (any(box.intersects(r) for r in taken)
                          or any(box.intersects(r) for other, r in neurons if other is not item))
                fits.append((tag, box, not covers))
            # a column whose numbers mostly have no room shows none: one lone number among
            # eight neurons reads as a glitch
            keep = 2 * sum(ok for _t, _b, ok in fits) >= len(fits)
            for tag, box, ok in fits:
                tag.setVisible(keep and ok)
                if keep and ok:
                    taken.append(box)
        tagged = any(t.isVisible() for t in self.tags[-1]) if self.tags else False
        outputs = self.columns[-1] if self.columns else []
        for item, t in zip(outputs, output_labels):
            t.setVisible(item.isVisible() and not tagged)

    def update(self, snap: Snapshot, texts: NetworkTexts, output_labels: Sequence[SceneText],
               visible: Sequence[int]) -> None:
        """Show the phase of ``snap`` (or nothing when it has none). ``visible[c]``: how
        many of column c's neurons are drawn."""
        ph = snap.phase
        self.filled.clear()
        for items, tags in zip(self.columns, self.tags):
            for item, tag in zip(items, tags):
                item.set_highlight(False)
        self.active = ph is not None
        scene = self.columns[0][0].scene() if self.columns and self.columns[0] else None
        if ph is None:
            self.label.setVisible(False)
            if scene is not None:
                self.place(scene.sceneRect(), output_labels)
            return
        text = PHASE_TEXTS.get(ph.phase, ph.phase).format(loss_formula=ph.loss_formula,
                                                           optimizer_rule=ph.optimizer_rule)
        self.label.setText(f"Step inspector, iteration {ph.iteration}, sample #{ph.sample}: {text}")
        self.label.setVisible(True)
        small = all(n <= MAX_TAGGED for n in visible)
        n_layers = len(self.columns) - 1
        names = texts.output_names(snap, texts.data)

        def show(col: int, values: Array | None, prefix: str = "", digits: int = 3,
                 color: QColor | None = None) -> None:
            if values is None or not small or col >= len(self.columns):
                return
            for r, item in enumerate(self.columns[col]):  # place() shows those of the neurons drawn
                if 0 <= item.unit < len(values):
                    tag = self.tags[col][r]
                    tag.set_text(prefix + number_text(float(values[item.unit]), digits), color)
                    self.filled.add(tag)

        if ph.phase in ("forward", "loss"):
            show(0, ph.x)
            for layer in range(min(n_layers, len(ph.a))):
                show(layer + 1, ph.a[layer])
            if small and len(ph.a) >= n_layers:
                for r, item in enumerate(self.columns[-1]):
                    self.tags[-1][r].set_text(f"{names[item.unit]} = {number_text(float(ph.a[-1][item.unit]), 3)}")
                    self.filled.add(self.tags[-1][r])
            if ph.phase == "forward":
                for items in self.columns:
                    for item in items:
                        item.set_highlight(item.unit >= 0)
            else:
                for item in self.columns[-1]:
                    item.set_highlight(True)
                if small and self.tags[-1]:
                    target = (f"target y = {number_text(float(ph.y))}" if snap.task == "regression"
                              else f"true class: {texts.class_name(int(ph.y))}")
                    for r, item in enumerate(self.columns[-1]):
                        line = f"{names[item.unit]} = {number_text(float(ph.a[-1][item.unit]), 3)}"
                        if r == 0:
                            line += f"\n{target}\nloss ℓ = {number_text(float(ph.sample_loss))}"
                        self.tags[-1][r].set_text(line, ACCENT)
                        self.filled.add(self.tags[-1][r])
        elif ph.phase == "backward":
            for layer in range(min(n_layers, len(ph.delta))):
                show(layer + 1, ph.delta[layer], "δ ")
        elif ph.phase == "update":
            if ph.b_after and ph.b_before:
                for layer in range(min(n_layers, len(ph.b_after))):
                    show(layer + 1, ph.b_after[layer] - ph.b_before[layer], "Δb ", 2)
        if scene is not None:
            self.place(scene.sceneRect(), output_labels)


__all__ = ["MAX_TAGGED", "PHASE_TEXTS", "PhaseOverlay", "edge_values"]
