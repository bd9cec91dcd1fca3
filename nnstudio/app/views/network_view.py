"""The network itself, as in TensorFlow Playground: neurons in columns, each with a map of
what it computes, connections coloured and sized by their weights — and the controls to
change it where it is drawn.

Drawn on a ``QGraphicsScene`` whose items (:mod:`.network_items`) are made once per
architecture and restyled per snapshot. Inputs are on the left, each hidden layer is a
column, the output layer is on the right. A connection is blue for a positive weight
and orange for a negative one, thicker the larger ``|w|``; a neuron's corner square (or,
without thumbnails, its fill) shows its bias the same way. For 1-D and 2-D data each
neuron shows its own output over the input space (:mod:`.network_thumbnails`). Where
everything goes for the view's size is :mod:`.network_layout`'s job: one neuron size,
as large as fits, and "… N more" for columns that do not fit.

Editing (:mod:`.network_editor`): "+ −" above the drawing add or remove a hidden layer,
"− n +" above each hidden layer sets its neurons, and for 2-D data the input column
holds every input feature (x1, x2, x1², …): the ones fed to the network with their map,
the others faded; a click switches one on or off. The view only asks —
:attr:`~NetworkView.sigSetUnits`, :attr:`~NetworkView.sigAddLayer`,
:attr:`~NetworkView.sigRemoveLayer`, :attr:`~NetworkView.sigSetFeatures` — and learns
the design the document holds through :meth:`NetworkView.set_design`.

Interaction: hovering a neuron emits :attr:`NetworkView.sigNeuronHovered` (the decision
view then shows that neuron's output); tooltips give exact weights, gradients, biases
and activation statistics (:mod:`.network_texts`); clicking a connection (or a neuron,
for its bias) asks for a new value and emits :attr:`NetworkView.sigWeightEdited` with
the parameter's index in the flat parameter vector. While the step inspector runs
(``Snapshot.phase``) the part being computed is highlighted (:mod:`.network_phase`).
"""

from __future__ import annotations

import math
import time
from typing import Any, Sequence

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QInputDialog, QLabel, QWidget

from ...core.data import FEATURE_MAPS, DataSpec, PreparedData, feature_labels
from ...core.network import flat_index
from ...core.snapshot import Grid, Snapshot
from ...core.specs import NetworkSpec
from .. import theme
from .base import ViewBase
from .image_data import image_side
from .network_editor import LayersHeader, LayerStepper
from .network_canvas import NetworkCanvas
from .network_items import ACCENT, EdgeItem, EdgeLayer, NeuronItem, SceneText, bias_color, edge_style, refresh_palette
from .network_layout import NetworkLayout, column_spacing, plan
from .network_phase import PhaseOverlay, edge_values
from .network_texts import NetworkTexts
from .network_thumbnails import Levels, ThumbnailRenderer, input_values, lut_argb32, neuron_values
from .placeholder_stack import WAITING_FIRST, PlaceholderStack
from .run_colors import RUN_A_COLOR

Array = np.ndarray

MAX_FULL = 32  # layers up to this many units get an item per unit
SHOWN_OF_LARGE = 16  # larger layers get items for their first units and "… N more"
MAX_EDGES_PER_PAIR = 320  # denser layer pairs draw a fixed sample of their connections
MIN_THUMB = 16  # pixels: smaller neurons show their bias as their fill instead of a map
#: while training plays, the connections are restyled at most this often (seconds); their
#: picture is cached in between, so a redraw then only repaints the neurons' maps
EDGE_INTERVAL = 0.2
LABEL_WIDTH = 96.0  # input and output names are elided beyond this many pixels

#: activation names short enough for a narrow column heading
_SHORT_ACT = {"sigmoid": "sig", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "lReLU", "elu": "ELU",
              "selu": "SELU", "softplus": "s+", "softsign": "ssgn", "gelu": "GELU", "swish": "swsh", "linear": "lin",
              "softmax": "smax"}


class NetworkView(ViewBase):
    """Neurons and connections, coloured by weights, biases and (in the step inspector)
    gradients; with Playground's controls for layers, neurons and input features."""

    paint_cost = 0.0025  # seconds per update (see ViewBase.paint_cost)

    title = "Network"
    min_interval = 1.0 / 15.0
    caption = ("Each square is a neuron, showing what it outputs over the input plane; lines are "
               "weights: blue positive, orange negative, thicker = larger. Hover a neuron to see it "
               "on the decision plot; click a line to type a new weight.")
    #: the caption shows while the drawing keeps this height: eight neurons of 40 px and more
    caption_room = 420

    #: the mouse is over a neuron: (layer, unit) with layer −1 for inputs, 0 for the
    #: first hidden layer …; (None, None) when it leaves
    sigNeuronHovered = Signal(object, object)
    #: the learner typed a new value: (index in the flat parameter vector, value)
    sigWeightEdited = Signal(int, float)
    #: "− n +": (hidden layer index, the number of neurons asked for)
    sigSetUnits = Signal(int, int)
    #: "+" of the header: a hidden layer more, after the last one
    sigAddLayer = Signal()
    #: "−" of the header: remove hidden layer ``index`` (the last one)
    sigRemoveLayer = Signal(int)
    #: an input feature clicked on or off: the features asked for (keys of FEATURE_MAPS,
    #: in their order), never empty
    sigSetFeatures = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = LayersHeader()
        self.header.sigAdd.connect(self.sigAddLayer)
        self.header.sigRemove.connect(self._remove_last_layer)
        self.add_widget(self.header)
        # while two runs are compared, the network drawn is run A's: said at the header's end
        self.run_label = QLabel("run A")
        self.run_label.setObjectName("runLabel")
        self.run_label.setStyleSheet(f"QLabel#runLabel {{ color: {RUN_A_COLOR.name()}; font-weight: bold; }}")
        self.run_label.hide()
        self.header.layout().addWidget(self.run_label)
        self.phase_label = QLabel("")
        self.phase_label.setWordWrap(True)
        self.phase_label.setVisible(False)
        self.phase_label.setStyleSheet(f"QLabel {{ color: {ACCENT.name()}; }}")
        self.add_widget(self.phase_label)
        self.scene = QGraphicsScene(self)
        self.scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)  # items restyle every frame
        self.scene.setBackgroundBrush(theme.background())
        refresh_palette()
        self.canvas = NetworkCanvas(self)
        self.canvas.setScene(self.scene)
        self.canvas.setMinimumSize(160, 120)
        #: the drawing, or until the first snapshot the words that there is none yet
        self.placeholder = PlaceholderStack(self.canvas)
        self.placeholder.say(WAITING_FIRST + " Then its neurons and connections are drawn here.")
        self.add_widget(self.placeholder, 1)
        self.add_caption()

        self.base_font = QFont(self.font())
        self.small_font = QFont(self.base_font)
        self.small_font.setPointSizeF(max(6.5, self.base_font.pointSizeF() * 0.85))
        self.texts = NetworkTexts()
        self.phase = PhaseOverlay(self.phase_label, self.small_font)
        self.renderer = ThumbnailRenderer()
        self._design: tuple[NetworkSpec, DataSpec] | None = None
        self._clear_items()
        self.edge_mode = "weights"  # what the connections show: weights, gradient, update
        self.thumb_levels: dict[int, tuple[Any, Any]] = {}  # colour levels of each column's thumbnails
        self._update_header()

    def _clear_items(self) -> None:
        self._arch: tuple | None = None
        self.layer_sizes: tuple[int, ...] = ()
        self.inputs: tuple[tuple[str, int, str | None], ...] = ()  # (label, unit, feature key) per input item
        self.toggles = False  # the input column holds every feature, clickable
        self.columns: list[list[NeuronItem]] = []  # the neuron items, per column (inputs first)
        self.totals: list[int] = []  # neurons each column really has
        self.edges: list[list[EdgeItem]] = []  # per layer with weights
        self.edge_layer: EdgeLayer | None = None  # paints them all
        self._edge_idx: list[tuple[Array, Array]] = []  # (i, j) of the edges, per layer
        self._edge_map: dict[tuple[int, int, int], EdgeItem] = {}
        self._units: list[dict[int, NeuronItem]] = []  # unit → item, per column (network units only)
        self.headings: list[SceneText] = []
        self._heading_texts: list[tuple[str, str, str]] = []  # (full, compact, minimal) per column
        self.steppers: list[LayerStepper] = []  # per hidden layer
        self.more_labels: list[SceneText] = []
        self.input_labels: list[SceneText] = []
        self.output_labels: list[SceneText] = []
        self.sampled_layers: set[int] = set()
        self.layout: NetworkLayout | None = None
        self._hovered: Any = None
        self._static_inputs: tuple | None = None
        self._edges_at = -math.inf  # when the connections were last restyled
        self._lut32: tuple[bool, Array] | None = None  # the colour map as pixels, for the theme

    # -- public ------------------------------------------------------------------------------
    @property
    def neurons(self) -> list[list[NeuronItem]]:
        """The neuron items per column (inputs first); only the first ``visible[c]`` are drawn."""
        return self.columns

    @property
    def tags(self) -> list[list[Any]]:
        return self.phase.tags

    def visible_counts(self) -> tuple[int, ...]:
        return self.layout.visible if self.layout is not None else tuple(len(c) for c in self.columns)

    def set_data(self, data: PreparedData) -> None:
        super().set_data(data)
        self._static_inputs = None
        caption = self._caption_for(data)
        self.set_caption(caption)
        self.setToolTip(caption)
        if self.snapshot is not None:
            self.show_snapshot(self.snapshot)
        self._update_header()

    def _caption_for(self, data: PreparedData) -> str:
        """The caption for this data: a neuron's map exists only over one or two inputs."""
        n = data.raw.n_features if data is not None else 2
        if n == 2:
            return self.caption
        lines = "lines are weights: blue positive, orange negative, thicker = larger."
        if n == 1:
            return (f"Each square is a neuron, showing what it outputs along the input line; {lines} Hover a "
                    "neuron to see it on the decision (or fit) plot; click a line to type a new weight.")
        pad = (" The Draw a digit tab shows what each neuron outputs for a digit you draw."
               if image_side(data) else "")
        return (f"Each square is a neuron, coloured by its bias: with {n} inputs there is no input plane to "
                f"show what it outputs over. {lines[0].upper()}{lines[1:]} Click a line to type a new weight.{pad}")

    def set_design(self, network: NetworkSpec, data: DataSpec) -> None:
        """The network and data settings the document holds now (what the edit buttons
        change). Called by the window whenever the document changes."""
        self._design = (network, data)
        self._update_design()

    def show_snapshot(self, snap: Snapshot) -> None:
        super().show_snapshot(snap)
        self.placeholder.show_content()
        self._show_run(snap.b_label if snap.b is not None else "")
        self._ensure_items(snap)
        self._update_edges(snap)
        self._update_neurons(snap)
        self.phase.update(snap, self.texts, self.output_labels, self.visible_counts())

    def _show_run(self, b_label: str) -> None:
        """Say that the drawing is run A's while a run B is compared (hidden otherwise)."""
        if b_label:
            self.run_label.setToolTip(f"The network of run A. Run B ({b_label}) is drawn beside A in the "
                                      "loss, boundary, gradient and inspector views.")
        if self.run_label.isHidden() == bool(b_label):
            self.run_label.setVisible(bool(b_label))

    def edge(self, layer: int, i: int, j: int) -> EdgeItem | None:
        """The item drawing ``W[layer][i, j]``, or None if that connection is not drawn."""
        return self._edge_map.get((layer, i, j))

    def neuron(self, layer: int, unit: int) -> NeuronItem | None:
        """The item of a neuron (layer −1 = inputs), or None if it is not drawn."""
        col = layer + 1
        return self._units[col].get(unit) if 0 <= col < len(self._units) else None

    def input_node(self, feature: str) -> NeuronItem | None:
        """The input column's item of feature ``feature`` (a key of FEATURE_MAPS)."""
        if not self.columns:
            return None
        return next((it for it in self.columns[0] if it.feature == feature), None)

    def stepper(self, layer: int) -> LayerStepper | None:
        """The "− n +" of hidden layer ``layer``, or None."""
        return self.steppers[layer] if 0 <= layer < len(self.steppers) else None

    def viewport_pos(self, item: QGraphicsItem | QPointF, at: float = 0.5) -> QPoint:
        """Where ``item``'s centre (or a scene point) is in the canvas's viewport (an
        edge: the point a fraction ``at`` of the way along it), for clicks."""
        if isinstance(item, QPointF):
            c = item
        elif isinstance(item, EdgeItem):
            c = item.p1 + (item.p2 - item.p1) * at
        else:
            c = item.scenePos()
        return self.canvas.mapFromScene(c)

    def table(self) -> tuple[Sequence[str], Sequence[Sequence[float | str]]]:
        """Every weight and bias: layer, kind, from, to, value, gradient of the last iteration."""
        snap = self.snapshot
        header = ("layer", "kind", "from", "to", "value", "gradient")
        if snap is None:
            return header, []
        rows: list[list[float | str]] = []
        for layer, (W, b, gW, gb) in enumerate(zip(snap.weights, snap.biases, snap.grads_W, snap.grads_b)):
            name = self.texts.layer_name(layer)
            for i in range(W.shape[0]):
                for j in range(W.shape[1]):
                    rows.append([name, "weight", i + 1, j + 1, float(W[i, j]), float(gW[i, j])])
            for j in range(len(b)):
                rows.append([name, "bias", "", j + 1, float(b[j]), float(gb[j])])
        return header, rows

    def apply_theme(self) -> None:
        self.scene.setBackgroundBrush(theme.background())
        refresh_palette()
        self.header.apply_theme()
        if self.edge_layer is not None:
            self.edge_layer.forget_pens()
        self.renderer.clear()
        self._arch = None  # every item again, in the new colours
        super().apply_theme()

    # -- the design (what the edit buttons change) ---------------------------------------------------
    def _features_on(self) -> tuple[str, ...]:
        if self._design is not None:
            return self._design[1].features
        return self.data.feature_keys if self.data is not None else ()

    def _hidden_units(self) -> list[int]:
        if self._design is not None:
            return [h.units for h in self._design[0].hidden]
        return list(self.layer_sizes[1:-1])

    def _update_header(self) -> None:
        n = len(self._hidden_units())
        self.header.set_layers(n)
        self.header.set_hint("click an input to switch it on or off" if self._toggleable_data()
                             else "− n + changes a layer's neurons")

    def _update_design(self) -> None:
        self._update_header()
        units = self._hidden_units()
        for layer, st in enumerate(self.steppers):
            st.set_units(units[layer] if layer < len(units) else self.layer_sizes[layer + 1])
        if self.toggles and self.columns:
            on = set(self._features_on())
            for item in self.columns[0]:
                item.enabled = item.feature in on
                item.update()
            for t, item in zip(self.input_labels, self.columns[0]):
                t.set_faded(not item.enabled)

    def _toggleable_data(self) -> bool:
        data = self.data
        return data is not None and data.raw.n_features == 2 and bool(data.feature_keys)

    # -- building -------------------------------------------------------------------------------
    def _input_entries(self, snap: Snapshot) -> tuple[tuple[str, int, str | None], ...]:
        """(label, network input unit or −1, feature key or None) for each input item."""
        n = snap.layer_sizes[0]
        data = self.data
        made = n if n <= MAX_FULL else SHOWN_OF_LARGE
        if data is not None and self._toggleable_data():
            if len(data.feature_keys) == n:
                keys = tuple(FEATURE_MAPS)
                labels = feature_labels(keys, data.raw.feature_names)
                on = list(data.feature_keys)
                return tuple((label, on.index(k) if k in on else -1, k) for k, label in zip(keys, labels))
        elif data is not None and len(data.input_names) == n:
            return tuple((data.input_names[i], i, None) for i in range(made))
        if self._arch is not None and self._arch[0] == snap.layer_sizes:
            return self.inputs  # the data changed; the network for it is on its way
        return tuple((f"x{i + 1}", i, None) for i in range(made))

    def _ensure_items(self, snap: Snapshot) -> None:
        inputs = self._input_entries(snap)
        outs = tuple(self.texts.output_names(snap, self.data))
        arch = (snap.layer_sizes, snap.activations, snap.task, inputs, outs)
        if arch == self._arch:
            return
        self.scene.clear()
        self.renderer.clear()
        self._clear_items()
        self._arch = arch
        self.inputs = inputs
        self.toggles = any(key is not None for _l, _u, key in inputs)
        self.layer_sizes = sizes = snap.layer_sizes
        if self.toggles:
            names = [label for label, _unit, _key in sorted((e for e in inputs if e[1] >= 0), key=lambda e: e[1])]
        else:
            names = self._all_input_names(sizes[0])
        self.texts.set_network(sizes, names, self.data)
        font = self.small_font
        on = set(self._features_on())
        # neurons: the input items, then the first units of each layer
        self.totals = [len(inputs) if self.toggles else sizes[0], *sizes[1:]]
        for col, n in enumerate(sizes):
            if col == 0:
                items = [NeuronItem(-1, unit, key, key in on if key is not None else True)
                         for _label, unit, key in inputs]
            else:
                made = n if n <= MAX_FULL else SHOWN_OF_LARGE
                items = [NeuronItem(col - 1, u) for u in range(made)]
            for item in items:
                self.scene.addItem(item)
            self.columns.append(items)
            self._units.append({it.unit: it for it in items if it.unit >= 0})
            # "… N more": for large layers, and for any column in a view too small for it
            more = SceneText("…", font, "center")
            more.setVisible(False)
            self.scene.addItem(more)
            self.more_labels.append(more)
        self.phase.build(self.scene, self.columns, self.more_labels)
        self._build_edges(sizes)
        self._build_texts(snap, inputs, outs)
        self._relayout()

    def _all_input_names(self, n: int) -> list[str]:
        names = list(self.data.input_names) if self.data is not None else []
        return names if len(names) == n else [f"x{i + 1}" for i in range(n)]

    def _build_edges(self, sizes: tuple[int, ...]) -> None:
        # connections between the units that have items; a fixed sample when a pair is very dense
        rng = np.random.default_rng(0)
        for layer in range(len(sizes) - 1):
            a = np.array(sorted(self._units[layer]), dtype=np.intp)
            b = np.array(sorted(self._units[layer + 1]), dtype=np.intp)
            I, J = np.meshgrid(a, b, indexing="ij")
            I, J = I.ravel(), J.ravel()
            if len(I) > MAX_EDGES_PER_PAIR:
                keep = np.sort(rng.choice(len(I), MAX_EDGES_PER_PAIR, replace=False))
                I, J = I[keep], J[keep]
                self.sampled_layers.add(layer)
            items = []
            for i, j in zip(I.tolist(), J.tolist()):
                e = EdgeItem(layer, i, j)
                items.append(e)
                self._edge_map[(layer, i, j)] = e
            self.edges.append(items)
            self._edge_idx.append((I, J))
        self.edge_layer = EdgeLayer()
        self.scene.addItem(self.edge_layer)

    def _build_texts(self, snap: Snapshot, inputs: Sequence[tuple[str, int, str | None]],
                     outs: Sequence[str]) -> None:
        font = self.small_font
        sizes, acts = snap.layer_sizes, snap.activations
        for col, n in enumerate(sizes):
            if col == 0:
                if self.toggles:
                    k = sum(1 for _l, u, _k in inputs if u >= 0)
                    full, short = f"inputs\n{k} of {len(inputs)} on", f"in\n{k}/{len(inputs)}"
                else:
                    full, short = f"input\n{n} feature{'s' * (n != 1)}", f"in\n{n}"
            elif col == len(sizes) - 1:
                full = f"output\n{n} × {acts[-1]}" if n > 1 else f"output\n{acts[-1]}"
                short = f"out\n{_SHORT_ACT.get(acts[-1], acts[-1][:4])}"
            else:
                full = f"hidden {col}\n{acts[col - 1]}"
                short = f"h{col}\n{_SHORT_ACT.get(acts[col - 1], acts[col - 1][:4])}"
            h = SceneText(full, font, "center", top=True)
            tip = full.replace("\n", " ")
            if col > 0 and (col - 1) in self.sampled_layers:
                tip += " (only a sample of the connections into it is drawn)"
            h.setToolTip(tip)
            self.scene.addItem(h)
            self.headings.append(h)
            self._heading_texts.append((full, short, short.split("\n")[0]))
        units = self._hidden_units()
        for layer in range(len(sizes) - 2):
            st = LayerStepper(layer, font)
            st.set_units(units[layer] if layer < len(units) else sizes[layer + 1])
            self.scene.addItem(st)
            self.steppers.append(st)
        for label, _unit, key in inputs:
            t = SceneText(label, font, "right", max_width=LABEL_WIDTH)
            self.scene.addItem(t)
            self.input_labels.append(t)
        for t, item in zip(self.input_labels, self.columns[0]):
            t.set_faded(not item.enabled)
        for item in self.columns[-1]:
            t = SceneText(outs[item.unit], font, "left", max_width=LABEL_WIDTH)
            self.scene.addItem(t)
            self.output_labels.append(t)

    # -- placing ------------------------------------------------------------------------------
    def _relayout(self) -> None:
        """Place every item for the canvas's current size (items move; none is made)."""
        vp = self.canvas.viewport().size()
        W, H = float(max(vp.width(), 1)), float(max(vp.height(), 1))
        self.scene.setSceneRect(0, 0, W, H)
        if not self.columns:
            return
        fm = QFontMetricsF(self.small_font)
        line = fm.height()
        left = 6 + max((t.width() for t in self.input_labels), default=0.0) + 4
        right = 6 + max((t.width() for t in self.output_labels), default=0.0) + 4
        ncol = len(self.columns)
        spacing = column_spacing(W, left, right, ncol)
        # narrow columns: compact headings (then only their first line) and stacked
        # steppers, so that neighbours never overlap
        for level in range(3):
            for h, texts in zip(self.headings, self._heading_texts):
                h.set_text(texts[level])
            if ncol < 2 or max(h.width() for h in self.headings) + 4 <= spacing:
                break
        vertical = max((st.horizontal_width() for st in self.steppers), default=0.0) + 4 > spacing
        stepper_h = 0.0
        for st in self.steppers:
            st.set_vertical(vertical)
            stepper_h = max(stepper_h, st.height())
        heading_y = 4 + (stepper_h + 3 if self.steppers else 0)
        top = heading_y + max(h.height() for h in self.headings) + 8
        labelled = [True] + [False] * (ncol - 2) + [True]
        lay = plan(W, H, [len(c) for c in self.columns], self.totals, left, right, top,
                   line=line, labelled=labelled[:ncol] if ncol > 1 else [True])
        old = self.layout
        self.layout = lay
        size = lay.size
        for col, items in enumerate(self.columns):
            x = lay.xs[col]
            shown = lay.visible[col]
            for r, item in enumerate(items):
                visible = r < shown
                item.setVisible(visible)
                if not visible:
                    continue
                item.set_size(size)
                # whole pixels: the thumbnails are then copied, never resampled
                item.setPos(round(x - size / 2) + size / 2, round(lay.rows[col][r] - size / 2) + size / 2)
            more = self.more_labels[col]
            more_y = lay.more_y[col]
            more.setVisible(more_y is not None)
            if more_y is not None:
                more.set_text(f"… {self.totals[col] - shown} more")
                more.setPos(x, more_y)
            h = self.headings[col]
            hw = h.width()
            h.setPos(min(max(2.0 + hw / 2, x), W - hw / 2 - 2), heading_y)
        for layer, st in enumerate(self.steppers):
            x = lay.xs[layer + 1]
            st.setPos(min(max(2.0 + st.width() / 2, x), W - st.width() / 2 - 2), 4)
        for r, t in enumerate(self.input_labels):
            item = self.columns[0][r]
            t.setVisible(item.isVisible())
            t.setPos(item.x() - size / 2 - 4, item.y())
        for r, t in enumerate(self.output_labels):
            item = self.columns[-1][r]
            t.setPos(item.x() + size / 2 + 4, item.y())
        for layer, items in enumerate(self.edges):
            a, b = self._units[layer], self._units[layer + 1]
            for e in items:
                na, nb = a[e.i], b[e.j]
                e.visible = na.isVisible() and nb.isVisible()
                if e.visible:
                    e.set_line(QPointF(na.x() + size / 2, na.y()), QPointF(nb.x() - size / 2, nb.y()))
        if self.edge_layer is not None:
            self.edge_layer.set_edges([e for items in self.edges for e in items])
        # after the neurons: a tag goes with its neuron; the output's names show unless tagged
        self.phase.place(self.scene.sceneRect(), self.output_labels)
        if self.snapshot is not None and (old is None or old.size != size):
            self._update_neurons(self.snapshot)  # thumbnails are drawn at the neurons' size

    # -- updating -----------------------------------------------------------------------------
    def _update_edges(self, snap: Snapshot) -> None:
        now = time.monotonic()
        if snap.playing and snap.phase is None and now - self._edges_at < EDGE_INTERVAL:
            return
        self._edges_at = now
        vals, unit, self.edge_mode = edge_values(snap)
        if self.edge_layer is not None:
            self.edge_layer.show_values(vals, unit, self._edge_idx, self.edges)

    def _column_values(self, snap: Snapshot, grid: Grid, col: int) -> tuple[Array, Levels] | None:
        """What the maps of column ``col`` show, and their colour levels."""
        items = self.columns[col]
        units = [it.unit for it in items]
        if col == 0:
            feats = self.grid_inputs(grid)
            if feats is None or feats.shape[-1] != self.layer_sizes[0]:
                return None
            return input_values(feats, grid, units, [it.feature for it in items])
        targets = self.data.raw.y if self.data is not None else None
        return neuron_values(snap, grid, col - 1, units, targets)

    def _update_neurons(self, snap: Snapshot) -> None:
        for col, items in enumerate(self.columns):
            if col > 0:
                b = snap.biases[col - 1] if col - 1 < len(snap.biases) else None
                for item in items:
                    item.set_bias(float(b[item.unit]) if b is not None and item.unit < len(b) else None)
        grid = snap.grid
        lay = self.layout
        if grid is None or lay is None or lay.size < MIN_THUMB or grid.xs.size == 0:
            for items in self.columns:
                for item in items:
                    if item.image is not None or item.curve is not None:
                        item.set_image(None)
            return
        if grid.ys.size:
            self._update_images(snap, grid, lay.size)
        else:
            self._update_curves(snap, grid)

    def _update_images(self, snap: Snapshot, grid: Grid, size: int) -> None:
        dpr = self.canvas.devicePixelRatioF() or 1.0
        px = max(1, int(round((size - 2) * dpr)))
        dark = theme.is_dark()
        if self._lut32 is None or self._lut32[0] != dark:
            self._lut32 = (dark, lut_argb32(theme.diverging_lut(256)))
        lut32 = self._lut32[1]
        for col, items in enumerate(self.columns):
            if col == 0:
                # the inputs' maps depend only on the data and the grid: drawn once per size
                key = (self.data, grid.xs.size, grid.ys.size, float(grid.xs[0]), float(grid.xs[-1]),
                       float(grid.ys[0]), float(grid.ys[-1]), px, theme.is_dark())
                if self._static_inputs == key and all(it.image is not None for it in items):
                    continue
                tv = self._column_values(snap, grid, 0)
                self._static_inputs = key if tv is not None else None
            else:
                tv = self._column_values(snap, grid, col)
            if tv is None:
                for item in items:
                    item.set_image(None)
                continue
            values, (lo, hi) = tv
            self.thumb_levels[col] = (lo, hi)
            images = self.renderer.render(col, values, lo, hi, lut32, px, dpr)
            for item, img in zip(items, images):
                item.set_image(img)

    def _update_curves(self, snap: Snapshot, grid: Grid) -> None:
        for col, items in enumerate(self.columns):
            tv = self._column_values(snap, grid, col)
            if tv is None:
                for item in items:
                    item.set_image(None)
                continue
            values, (lo, hi) = tv
            self.thumb_levels[col] = (lo, hi)
            step = max(1, len(grid.xs) // 48)
            xs = np.linspace(0.0, 1.0, len(grid.xs))[::step]
            lo_k = np.broadcast_to(np.asarray(lo, dtype=np.float64), (len(items),))
            hi_k = np.broadcast_to(np.asarray(hi, dtype=np.float64), (len(items),))
            for k, item in enumerate(items):
                span = hi_k[k] - lo_k[k] if hi_k[k] > lo_k[k] else 1.0
                ys = (np.nan_to_num(values[::step, k].astype(np.float64)) - lo_k[k]) / span
                item.set_curve(xs, ys)

    # -- mouse ---------------------------------------------------------------------------------
    def _item_at(self, pt: QPointF) -> Any:
        """What is under ``pt``: (stepper, "+"/"-"), a neuron, or else the connection whose
        centre line is nearest, among those drawn within ``EdgeItem.PICK`` pixels of it."""
        for st in self.steppers:
            part = st.part_at(pt)
            if part is not None:
                return st, part
        for items in self.columns:
            for it in items:
                half = it.size / 2
                if it.isVisible() and abs(pt.x() - it.x()) <= half and abs(pt.y() - it.y()) <= half:
                    return it
        return self.edge_layer.nearest(pt) if self.edge_layer is not None else None

    def _hover(self, pt: QPointF | None) -> None:
        found = self._item_at(pt) if pt is not None else None
        stepper = found if isinstance(found, tuple) else None
        neuron = found if isinstance(found, NeuronItem) else None
        for st in self.steppers:
            st.set_hovered(stepper[1] if stepper is not None and stepper[0] is st else None)
        # a hand where a click changes the network
        switch = stepper is not None or (neuron is not None and neuron.feature is not None)
        self.canvas.viewport().setCursor(Qt.CursorShape.PointingHandCursor if switch else Qt.CursorShape.ArrowCursor)
        if neuron is self._hovered:
            return
        if isinstance(self._hovered, NeuronItem):
            self._hovered.set_hovered(False)
        self._hovered = neuron
        if neuron is None or neuron.unit < 0:
            self.sigNeuronHovered.emit(None, None)
            if neuron is not None:
                neuron.set_hovered(True)
                self.sigStatus.emit(self._input_tooltip(neuron).replace("\n", ";  "))
            return
        neuron.set_hovered(True)
        self.sigNeuronHovered.emit(neuron.layer, neuron.unit)
        self.sigStatus.emit(self.tooltip_at(neuron.scenePos()).replace("\n", ";  "))

    def _click(self, pt: QPointF) -> None:
        found = self._item_at(pt)
        if isinstance(found, tuple):
            st, part = found
            self._step_units(st.layer, +1 if part == "+" else -1)
            return
        if isinstance(found, NeuronItem) and found.layer < 0:
            if found.feature is not None:
                self._toggle_feature(found.feature)
            return
        snap = self.snapshot
        if snap is None or found is None:
            return
        if isinstance(found, EdgeItem):
            current = float(snap.weights[found.layer][found.i, found.j])
            label = (f"New weight from {self.texts.unit_name(found.layer - 1, found.i)} "
                     f"to {self.texts.unit_name(found.layer, found.j)}:")
            value, ok = QInputDialog.getDouble(self, "Edit weight", label, current, -1e6, 1e6, 4)
            if ok:
                self.sigWeightEdited.emit(flat_index(snap.layer_sizes, found.layer, "W", found.i, found.j),
                                          float(value))
        elif isinstance(found, NeuronItem):
            current = float(snap.biases[found.layer][found.unit])
            label = f"New bias of {self.texts.unit_name(found.layer, found.unit)}:"
            value, ok = QInputDialog.getDouble(self, "Edit bias", label, current, -1e6, 1e6, 4)
            if ok:
                self.sigWeightEdited.emit(flat_index(snap.layer_sizes, found.layer, "b", found.unit), float(value))

    # -- edits -------------------------------------------------------------------------------
    def _step_units(self, layer: int, delta: int) -> None:
        units = self._hidden_units()
        if not 0 <= layer < len(units):
            return
        st = self.steppers[layer] if layer < len(self.steppers) else None
        if st is not None and not (st.can_add() if delta > 0 else st.can_remove()):
            return
        self.sigSetUnits.emit(layer, units[layer] + delta)

    def _remove_last_layer(self) -> None:
        n = len(self._hidden_units())
        if n > 0:
            self.sigRemoveLayer.emit(n - 1)

    def _toggle_feature(self, key: str) -> None:
        on = set(self._features_on())
        if key in on and len(on) == 1:
            self.sigStatus.emit(f"{FEATURE_MAPS[key].label} is the only input left: at least one must stay on.")
            return
        on = on - {key} if key in on else on | {key}
        self.sigSetFeatures.emit(tuple(k for k in FEATURE_MAPS if k in on))

    # -- tooltips -----------------------------------------------------------------------------
    def tooltip_at(self, pt: QPointF) -> str:
        """The tooltip for scene point ``pt`` (what hovering there shows)."""
        found = self._item_at(pt)
        snap = self.snapshot
        if isinstance(found, tuple):
            st, part = found
            n = st.units
            if part == "+":
                return (f"One neuron more in hidden layer {st.layer + 1} ({n} → {n + 1})" if st.can_add()
                        else f"Hidden layer {st.layer + 1} has the most neurons allowed")
            return (f"One neuron fewer in hidden layer {st.layer + 1} ({n} → {n - 1})" if st.can_remove()
                    else "A layer needs at least 1 neuron")
        if found is None:
            # a heading or a shortened name says more in its tooltip
            return next((it.toolTip() for it in self.scene.items(pt)
                         if isinstance(it, SceneText) and it.isVisible() and it.toolTip()), "")
        if snap is None:
            return ""
        if isinstance(found, EdgeItem):
            return self.edge_tooltip(found)
        if found.layer < 0 and (found.unit < 0 or found.feature is not None):
            return self._input_tooltip(found)
        return self.texts.neuron_tooltip(snap, found.layer, found.unit)

    def edge_tooltip(self, e: EdgeItem) -> str:
        snap = self.snapshot
        if snap is None:
            return ""
        return self.texts.edge_tooltip(snap, e.layer, e.i, e.j, e.layer in self.sampled_layers)

    def _input_tooltip(self, item: NeuronItem) -> str:
        label = FEATURE_MAPS[item.feature].label if item.feature else ""
        k = self.columns[0].index(item) if item in self.columns[0] else 0
        if k < len(self.input_labels):
            label = self.input_labels[k].full_text
        if not item.enabled:
            return f"{label}: not fed to the network. Click to add it as an input."
        text = ""
        if self.snapshot is not None and item.unit >= 0:
            text = self.texts.neuron_tooltip(self.snapshot, -1, item.unit) + "\n"
        return text + f"Click to stop feeding {label} to the network."


__all__ = ["EdgeItem", "MAX_EDGES_PER_PAIR", "MAX_FULL", "NetworkView", "NeuronItem", "SHOWN_OF_LARGE",
           "bias_color", "edge_style"]
