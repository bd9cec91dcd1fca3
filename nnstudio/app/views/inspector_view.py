"""The step inspector: one iteration, phase by phase, with one sample's numbers.

While the learner steps with Shift+→ the trainer hands out a
:class:`~nnstudio.core.trainer.PhaseRecord` per phase; this view writes its numbers out
as the course notes do::

    forward   z₁ = 2×0.9 + 3×0.2 + (−1)×0.3 + 0.5 = 2.6      ŷ = σ(2.6) = 0.9309
    loss      ℓ = −[y·ln ŷ + (1 − y)·ln(1 − ŷ)] = …
    backward  δ = ŷ − y, then δ = ∂ℓ/∂a ⊙ f′(z) going back; ∂L/∂w = mean of a·δ
    update    w ← 0.9 − 0.1 × 2.2 = 0.68

Stepping phase by phase (Shift+→), the phases already done in this iteration stay
visible above the current one, which is highlighted. Stepping a whole iteration (→),
the engine hands over the finished iteration's update record, which holds the numbers
of all four phases: the view then writes out the whole iteration, top to bottom.

When two runs are compared (``snap.b`` with a phase record), the engine steps both with
the same inspected sample: under each phase, run B's numbers follow run A's in a block
marked with B's colour and name, so the learner reads the same sample through both runs.

Small layers are written out in full; for large ones the first few units and terms are
shown, followed by "… N more". An update writes the weights with as many digits as it
takes to see them change (2.00622 → 2.00641, not 2.006 → 2.006), and the change itself.
"""

from __future__ import annotations

import html
import math
from typing import Sequence

import numpy as np
from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontMetricsF, QPalette, QResizeEvent, QTextDocument, QTextOption
from PySide6.QtWidgets import QLabel, QSizePolicy, QTextBrowser, QWidget

from ...core.activations import ACTIVATIONS
from ...core.losses import get_loss
from ...core.optimizers import OPTIMIZER_INFO
from ...core.snapshot import Snapshot
from ...core.trainer import PHASES, PhaseRecord
from ..hat_text import HATTED, hat_image
from .axes import power_of_ten
from .base import ViewBase
from .run_colors import RUN_A_COLOR, RUN_B_COLOR

Array = np.ndarray

HINT = "Press Shift+→ to step one phase at a time"
WHOLE_HINT = "→ ran this whole iteration; Shift+→ steps the next one phase by phase."
_SUB = str.maketrans("0123456789,", "₀₁₂₃₄₅₆₇₈₉,")
_LOSS_KEYS = ("bce", "cce", "mse", "mae", "huber")


def fmt(v: float) -> str:
    """A number with about 4 significant digits, with a real minus sign, small and large
    ones as the axes write them: 0.9309, −1.5×10⁻⁵ (not Python's −1.5e-05)."""
    v = float(v)
    if v == 0:
        return "0"
    if not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("∞" if v > 0 else "−∞")
    return fmt_sig(v, 4)


def fmt_sig(v: float, sig: int) -> str:
    """:func:`fmt` with ``sig`` significant digits."""
    v = float(v)
    if v == 0 or not math.isfinite(v):
        return fmt(v)
    text = f"{v:.{sig}g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{mant}×{power_of_ten(int(exp))}"
    return text.replace("-", "−")


def fmt_change(before: float, after: float, pad: bool = False) -> tuple[str, str]:
    """``before`` and ``after`` with as many digits as it takes to see the first digit of
    their difference (at least 4): (1.534, 1.534) becomes ("1.53412", "1.53419").
    ``pad``: of two decimals, the shorter gets back the zeros it lost ("−0.5669",
    "−0.5690"), for a column of numbers."""
    before, after = float(before), float(after)
    if before == after or not (math.isfinite(before) and math.isfinite(after)):
        return fmt(before), fmt(after)
    size = max(abs(before), abs(after))
    first = max(4, math.floor(math.log10(size)) - math.floor(math.log10(abs(after - before))) + 1)
    for sig in range(min(first, 17), 18):
        b, a = fmt_sig(before, sig), fmt_sig(after, sig)
        if b != a:
            break
    return _same_decimals(b, a) if pad else (b, a)


def _same_decimals(a: str, b: str) -> tuple[str, str]:
    """Pad the shorter of two plain decimals (neither a whole number) with zeros."""
    if "×" in a or "×" in b or "." not in a or "." not in b:
        return a, b
    da, db = len(a.split(".")[1]), len(b.split(".")[1])
    return a + "0" * max(0, db - da), b + "0" * max(0, da - db)


def fmt_delta(d: float) -> str:
    """A change with its sign, in 2 significant digits: +0.00024, −1.5×10⁻⁵, 0."""
    if d == 0:
        return "0"
    text = fmt_sig(d, 2)
    return text if text.startswith("−") else "+" + text


def fmt_p(v: float) -> str:
    """:func:`fmt`, in parentheses when negative (for a term inside a sum or product)."""
    s = fmt(v)
    return f"({s})" if s.startswith("−") else s


def sub(*indices: int) -> str:
    """1-based subscript(s): sub(1) = '₁', sub(1, 2) = '₁₂', sub(10, 2) = '₁₀,₂'."""
    parts = [str(i) for i in indices]
    sep = "," if any(i >= 10 for i in indices) else ""
    return sep.join(parts).translate(_SUB)


def more(n: int, what: str) -> str:
    """'… 3 more weights', '… 1 more weight'."""
    return f"… {n} more {what if n != 1 else what[:-1]}"


def loss_key(formula: str) -> str | None:
    """Which loss a PhaseRecord's ``loss_formula`` belongs to."""
    for key in _LOSS_KEYS:
        if formula.startswith(get_loss(key).formula):
            return key
    return None


def _blend(a: QColor, b: QColor, t: float) -> QColor:
    return QColor(round(a.red() + (b.red() - a.red()) * t), round(a.green() + (b.green() - a.green()) * t),
                  round(a.blue() + (b.blue() - a.blue()) * t))


class InspectorView(ViewBase):
    """The numbers of one sample through the four phases of one iteration."""

    paint_cost = 0.001  # seconds per update (see ViewBase.paint_cost)

    title = "Step inspector"
    caption = ("One training iteration, phase by phase, with the numbers of one sample: forward "
               "(z = Σ w·a + b, a = f(z)), loss, backward (δ = ∂ℓ/∂z, going back) and the update of "
               "every weight. Press Shift+→ to step.")

    sigPhaseShown = Signal(str)  # the phase now shown ("" when not stepping)

    MAX_UNITS = 6  # units written out per layer
    MAX_TERMS = 4  # terms of a sum written out
    MAX_PARAMS = 8  # weights written out per layer (gradients and updates)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.phase: PhaseRecord | None = None
        #: run B's record of the same phase, while two runs are compared
        self.phase_b: PhaseRecord | None = None
        #: "phase" (Shift+→: one phase at a time) or "iteration" (→: the whole iteration)
        self.mode = ""
        self._shown: tuple[int, int] | None = None
        self._last_phase: tuple[int, str] | None = None  # (iteration, phase) last shown
        self.strip = QLabel()
        self.strip.setTextFormat(Qt.TextFormat.RichText)
        self.strip.setWordWrap(True)
        self.strip.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.add_widget(self.strip)
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.add_widget(self.header)
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.setMinimumSize(120, 80)
        # a number is never broken across lines ("−0.00 / 84"): lines break between words
        self.browser.setWordWrapMode(QTextOption.WrapMode.WordWrap)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()
        self._mono = mono
        #: the update table's font size (% of the text's) at the last render, chosen so
        #: that its widest row fits the browser (see :meth:`_table_scale`)
        self._table_percent: tuple[int, int] = self.TABLE_STYLES[0]
        #: per row of the last update tables, the cells' texts (to choose the size again
        #: when the browser's width changes)
        self._update_cells: list[list[str]] = []
        self.browser.document().setDefaultStyleSheet(
            f".eq {{ font-family: '{mono}', monospace; }}"
            " h3 { margin-top: 2px; margin-bottom: 2px; }"
            " .note { color: gray; }"
            " th { text-align: right; font-weight: normal; color: gray; }"
            " td.num { text-align: right; padding-left: 9px; } th { padding-left: 9px; }")
        self.add_widget(self.browser, 1)
        self.add_caption()
        self.caption_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._show_hint()

    #: below this height the caption goes to the tooltip, leaving the numbers the room
    CAPTION_HEIGHT = 420

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.caption_label.setVisible(event.size().height() >= self.CAPTION_HEIGHT)
        # the update table takes the font size that fits the new width
        snap = self.snapshot
        if (self.phase is not None and snap is not None and snap.phase is self.phase and self._update_cells
                and self._table_scale(self._update_cells) != self._table_percent):
            self._render(self.phase, snap)

    # ------------------------------------------------------------------ public API
    def show_snapshot(self, snap: Snapshot) -> None:
        super().show_snapshot(snap)
        ph = snap.phase
        if ph is None:
            if self.phase is not None or self._shown is None:
                self._show_hint()
            return
        ph_b = snap.b.phase if snap.b is not None else None
        key = (id(ph), len(snap.weights), id(ph_b), snap.b_label if snap.b is not None else None)
        if ph is self.phase and self._shown == key:
            return  # the same phase again (a snapshot for another reason)
        # an update that does not follow this iteration's backward phase came from →:
        # the record holds the whole iteration, so all of it is written out
        stepped = ph.phase != "update" or self._last_phase == (ph.iteration, "backward")
        self.mode = "phase" if stepped else "iteration"
        self.phase = ph
        self.phase_b = ph_b
        self._shown = key
        self._last_phase = (ph.iteration, ph.phase)
        self._render(ph, snap)
        self.sigPhaseShown.emit(ph.phase)

    def text(self) -> str:
        """The panel's plain text (what the learner reads)."""
        return self.browser.toPlainText()

    def table(self) -> tuple[Sequence[str], Sequence[Sequence[float | str]]]:
        header = ("phase", "quantity", "layer", "unit", "value")
        ph = self.phase
        if ph is None or self.snapshot is None:
            return header, []
        rows = self._table_rows(ph)
        if self.snapshot.b is None:
            return header, rows
        # two runs: one more column saying whose numbers a row holds
        rows_b = self._table_rows(self.phase_b) if self._b_has(0) else []
        return ("run", *header), [["A", *r] for r in rows] + [["B", *r] for r in rows_b]

    @classmethod
    def _table_rows(cls, ph: PhaseRecord) -> list[list[float | str]]:
        rows: list[list[float | str]] = []
        done = PHASES.index(ph.phase)
        names = cls._layer_names(len(ph.z))
        for i, v in enumerate(ph.x):
            rows.append(["forward", "x", "input", str(i + 1), float(v)])
        for li, name in enumerate(names):
            for j, v in enumerate(ph.z[li]):
                rows.append(["forward", "z", name, str(j + 1), float(v)])
            for j, v in enumerate(ph.a[li]):
                rows.append(["forward", "a" if li < len(names) - 1 else "ŷ", name, str(j + 1), float(v)])
        if done >= 1:
            rows.append(["loss", "y", "output", "", float(ph.y)])
            for q in ("sample_loss", "batch_loss", "penalty"):
                val = getattr(ph, q)
                if val is not None:
                    rows.append(["loss", q, "", "", float(val)])
        if done >= 2:
            for li, name in enumerate(names):
                for j, v in enumerate(ph.delta[li]):
                    rows.append(["backward", "delta", name, str(j + 1), float(v)])
                gW = ph.grad_W[li]
                for i in range(gW.shape[0]):
                    for j in range(gW.shape[1]):
                        rows.append(["backward", "grad_W", name, f"{i + 1}→{j + 1}", float(gW[i, j])])
                for j, v in enumerate(ph.grad_b[li]):
                    rows.append(["backward", "grad_b", name, str(j + 1), float(v)])
        if done >= 3:
            rows.append(["update", "lr", "", "", float(ph.lr)])
            for li, name in enumerate(names):
                Wb, Wa = ph.W_before[li], ph.W_after[li]
                for i in range(Wb.shape[0]):
                    for j in range(Wb.shape[1]):
                        rows.append(["update", "W_before", name, f"{i + 1}→{j + 1}", float(Wb[i, j])])
                        rows.append(["update", "W_after", name, f"{i + 1}→{j + 1}", float(Wa[i, j])])
                for j in range(len(ph.b_before[li])):
                    rows.append(["update", "b_before", name, str(j + 1), float(ph.b_before[li][j])])
                    rows.append(["update", "b_after", name, str(j + 1), float(ph.b_after[li][j])])
        return rows

    # ------------------------------------------------------------------ rendering
    def _colors(self) -> tuple[str, str, str]:
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Base)
        hi = pal.color(QPalette.ColorRole.Highlight)
        current = _blend(base, hi, 0.18).name()
        pill = hi.name()
        pill_text = pal.color(QPalette.ColorRole.HighlightedText).name()
        return current, pill, pill_text

    def _strip_html(self, current: str | None, whole: bool = False) -> str:
        _, pill, pill_text = self._colors()
        parts = []
        k = PHASES.index(current) if current else -1
        for i, name in enumerate(PHASES):
            label = f"{i + 1}&nbsp;{name}"
            if whole:
                parts.append(f"<span>{label}&nbsp;✓</span>")
            elif i == k:
                parts.append(f'<span style="background-color:{pill}; color:{pill_text}; font-weight:bold">'
                             f"&nbsp;{label}&nbsp;</span>")
            elif i < k:
                parts.append(f"<span>{label}</span>")
            else:
                parts.append(f'<span style="color:gray">{label}</span>')
        return " &nbsp;→&nbsp; ".join(parts)

    def _show_hint(self) -> None:
        self.phase = None
        self.phase_b = None
        self.mode = ""
        self._shown = (0, 0)
        self._last_phase = None
        self.strip.setText(self._strip_html(None))
        self.header.setText("")
        self.header.hide()
        self.browser.setHtml(
            f"<p><b>{HINT}</b>, or → to run a whole iteration and read all of it.</p>"
            "<p>Each press of Shift+→ runs one phase of one training iteration and writes out the "
            "numbers of one sample:</p><ol>"
            "<li><b>forward</b>: every neuron's z = Σ w·a + b and its output a = f(z);</li>"
            "<li><b>loss</b>: how far the output ŷ is from the target y;</li>"
            "<li><b>backward</b>: the error signal δ, from the output back to the first layer, "
            "and the gradient of every weight;</li>"
            "<li><b>update</b>: every weight takes a small step against its gradient.</li></ol>")
        self.sigPhaseShown.emit("")

    @staticmethod
    def _layer_names(n: int) -> list[str]:
        return [f"hidden {i + 1}" for i in range(n - 1)] + ["output"]

    def _render(self, ph: PhaseRecord, snap: Snapshot) -> None:
        # the weights this iteration computed with: before its update
        W = ph.W_before if ph.W_before else snap.weights
        b = ph.b_before if ph.b_before else snap.biases
        k = PHASES.index(ph.phase)
        whole = self.mode == "iteration"
        current_bg, _, _ = self._colors()
        self.strip.setText(self._strip_html(ph.phase, whole))
        batch = len(ph.batch)
        self.header.show()
        self.header.setText(
            (f"Iteration {ph.iteration}, all four phases · " if whole else f"Iteration {ph.iteration} · ")
            + (f"inspected sample #{ph.sample} of a batch of {batch} " if getattr(ph, "in_batch", True) else
               f"sample #{ph.sample}, which you chose: not in this batch of {batch}, so its numbers are its own "
               "and the update is the batch's ")
            + f"· inputs x = ({', '.join(fmt(v) for v in ph.x)})"
            + (" · the same sample in A and B" if self._same_sample(ph) else ""))
        builders = (self._forward, self._loss, self._backward, self._update)
        self._update_cells = []
        parts = []
        if whole:
            parts.append(f'<p class="note">{html.escape(WHOLE_HINT)}</p>')
        for i in range(k + 1):
            body = builders[i](ph, snap, W, b)
            if snap.b is not None:
                body = (f'<p><b style="color:{RUN_A_COLOR.name()}">A</b></p>{body}'
                        + self._b_block(i, ph, snap.b, snap.b_label))
            title = f"{i + 1} · {PHASES[i].capitalize()}"
            if i == k and not whole:
                parts.append(f'<a name="{PHASES[i]}"></a><table width="100%" cellpadding="6" cellspacing="0" '
                             f'bgcolor="{current_bg}"><tr><td><h3>{title} &nbsp;◀ now</h3>{body}</td></tr></table>')
            else:
                parts.append(f'<a name="{PHASES[i]}"></a><table width="100%" cellpadding="6" cellspacing="0">'
                             f'<tr><td><h3>{title}</h3>{body}</td></tr></table>')
        self._set_html_fitted("".join(parts))
        if whole:
            self.browser.verticalScrollBar().setValue(0)
        else:
            self.browser.scrollToAnchor(ph.phase)

    def _set_html_fitted(self, text: str) -> None:
        """Show ``text``, its update tables in the first of :data:`TABLE_STYLES` that
        leaves the document no wider than the browser: the estimate first, then smaller
        styles while the laid-out document still overflows."""
        styles = self.TABLE_STYLES
        first = styles.index(self._table_scale(self._update_cells)) if self._update_cells else 0
        doc = self.browser.document()
        for k in range(first, len(styles)):
            self._table_percent = percent, pad = styles[k]
            size = self.browser.font().pointSizeF() * percent / 100
            self.browser.setHtml(text.replace(self.TABLE_SIZE, f"{size:.2f}pt").replace(self.TABLE_PAD, f"{pad}px"))
            if not self._update_cells or doc.size().width() <= self.browser.viewport().width() + 0.5:
                break

    def _same_sample(self, ph: PhaseRecord) -> bool:
        """Whether run B's record (if any) is of the same sample as A's, in a batch alike."""
        ph_b = self.phase_b
        return (self.snapshot is not None and self.snapshot.b is not None and ph_b is not None
                and ph_b.sample == ph.sample and ph_b.in_batch == ph.in_batch and len(ph_b.batch) == len(ph.batch))

    def _b_has(self, phase: int) -> bool:
        """Whether run B's record holds the numbers of phase ``phase`` (0 = forward) of the
        iteration shown (B may have stopped, or not have stepped yet)."""
        ph, ph_b = self.phase, self.phase_b
        return (ph is not None and ph_b is not None and ph_b.iteration == ph.iteration
                and PHASES.index(ph_b.phase) >= phase)

    def _b_block(self, i: int, ph: PhaseRecord, snap_b: Snapshot, label: str) -> str:
        """Run B's numbers of phase ``i``, under A's: a block with a stripe of B's colour."""
        ph_b = self.phase_b
        name = html.escape(label or "B")
        if ph_b is not None and self._b_has(i):
            W = ph_b.W_before if ph_b.W_before else snap_b.weights
            b = ph_b.b_before if ph_b.b_before else snap_b.biases
            builders = (self._forward, self._loss, self._backward, self._update)
            body = builders[i](ph_b, snap_b, W, b)
            if not self._same_sample(ph):
                where = (f"its batch of {len(ph_b.batch)}" if ph_b.in_batch else
                         f"not in its batch of {len(ph_b.batch)}")
                body = (f'<p class="note">B inspects sample #{ph_b.sample}, {where} · inputs x = '
                        f"({', '.join(fmt(v) for v in ph_b.x)})</p>" + body)
        else:
            why = f"it has stopped: {snap_b.stopped}" if snap_b.stopped else "it has not reached this phase"
            body = f'<p class="note">No numbers of B for this phase ({html.escape(why)}).</p>'
        color = RUN_B_COLOR.name()
        return ('<table width="100%" cellspacing="0" cellpadding="0" style="margin-top: 6px"><tr>'
                f'<td width="4" bgcolor="{color}"></td><td width="6"></td>'
                f'<td><p><b style="color:{color}">{name}</b></p>{body}</td></tr></table>')

    def _hats(self, text_html: str) -> str:
        """Hatted letters (m̂) as images of them (see :func:`hat_image`), in the text's
        font and colour."""
        doc = self.browser.document()
        color = self.palette().color(QPalette.ColorRole.Text)
        for letter in sorted(set(HATTED.findall(text_html))):
            doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"hat:{letter}"),
                            hat_image(letter, self.browser.font(), color, self.devicePixelRatioF()))
        return HATTED.sub(lambda m: f'<img src="hat:{m.group(1)}">', text_html)

    # -- helpers writing lines -----------------------------------------------------
    @staticmethod
    def _eq(lines: list[str]) -> str:
        # long sums wrap, with the continuation indented under the equation
        return "".join('<p class="eq" style="margin: 0px; margin-left: 24px; text-indent: -24px">'
                       f'{html.escape(line).replace("  ", "&nbsp;&nbsp;")}</p>' for line in lines)

    def _activation(self, li: int, snap: Snapshot) -> str:
        acts = snap.activations
        return acts[li] if li < len(acts) else "linear"

    def _output_name(self, snap: Snapshot) -> str:
        return {"sigmoid": "σ", "softmax": "softmax"}.get(self._out_key(snap), "")

    @staticmethod
    def _out_key(snap: Snapshot) -> str:
        """The output activation: two classes may have one sigmoid unit or two softmax units."""
        return snap.activations[-1] if snap.activations else "linear"

    # -- forward -------------------------------------------------------------------
    def _forward(self, ph: PhaseRecord, snap: Snapshot, W: list[Array], b: list[Array]) -> str:
        out = [self._eq([f"x = ({', '.join(fmt(v) for v in ph.x)})   the sample's inputs"])]
        n = len(ph.z)
        for li in range(n):
            a_prev = ph.x if li == 0 else ph.a[li - 1]
            z, a = ph.z[li], ph.a[li]
            last = li == n - 1
            key = self._activation(li, snap)
            units = len(z)
            src = "x" if li == 0 else "a"
            if last:
                what = {"sigmoid": "ŷ = σ(z), the probability of class 1",
                        "softmax": "ŷ = softmax(z), one probability per class",
                        "linear": "ŷ = z (linear output)"}.get(self._out_key(snap), "ŷ = f(z)")
                out.append(f"<p><b>Output layer</b> ({units} unit{'s' if units != 1 else ''}): "
                           f"z = Σ w·{src} + b, {html.escape(what)}</p>")
            else:
                name = ACTIVATIONS[key].name if key in ACTIVATIONS else key
                out.append(f"<p><b>Hidden layer {li + 1}</b> ({units} unit{'s' if units != 1 else ''}, "
                           f"{html.escape(name)}): z = Σ w·{src} + b, a = {html.escape(key)}(z)</p>")
            lines = []
            adjusted = False
            fz_all = None
            if not last and key in ACTIVATIONS:
                with np.errstate(all="ignore"):
                    fz_all = ACTIVATIONS[key].f(np.asarray(z[:self.MAX_UNITS], dtype=float))
            for j in range(min(units, self.MAX_UNITS)):
                terms = [f"{fmt_p(W[li][i, j])}×{fmt_p(a_prev[i])}" for i in range(min(len(a_prev), self.MAX_TERMS))]
                if len(a_prev) > self.MAX_TERMS:
                    terms.append(f"… ({len(a_prev) - self.MAX_TERMS} more terms)")
                terms.append(fmt_p(b[li][j]))
                lines.append(f"z{sub(j + 1)} = {' + '.join(terms)} = {fmt(z[j])}")
                if last:
                    if self._out_key(snap) == "sigmoid":
                        lines.append(f"ŷ = σ({fmt(z[j])}) = 1/(1 + e^(−{fmt_p(z[j])})) = {fmt(a[j])}")
                    elif self._out_key(snap) == "softmax":
                        lines.append(f"ŷ{sub(j + 1)} = e^z{sub(j + 1)} / Σ e^z = {fmt(a[j])}")
                    else:
                        lines.append(f"ŷ{sub(j + 1) if units > 1 else ''} = z = {fmt(a[j])}")
                else:
                    fz = float(fz_all[j]) if fz_all is not None else float(a[j])
                    line = f"a{sub(j + 1)} = {key}({fmt(z[j])}) = {fmt(fz)}"
                    if not math.isclose(fz, float(a[j]), rel_tol=1e-6, abs_tol=1e-9):
                        # dropout while training: the unit is switched off, or kept and scaled up
                        if a[j] == 0:
                            line += " → dropped: 0"
                        elif fz != 0:
                            line += f" → kept, ×{fmt(a[j] / fz)} = {fmt(a[j])}"
                        else:
                            line += f" → {fmt(a[j])}"
                        adjusted = True
                    lines.append(line)
            if units > self.MAX_UNITS:
                lines.append(more(units - self.MAX_UNITS, "units"))
            out.append(self._eq(lines))
            if adjusted:
                out.append('<p class="note">Dropout: while training, each output is switched off with '
                           "probability p and the kept ones are scaled by 1/(1 − p). (If the layer has no "
                           "dropout, its activation uses its own α.)</p>")
        return "".join(out)

    # -- loss ----------------------------------------------------------------------
    def _loss(self, ph: PhaseRecord, snap: Snapshot, W: list[Array], b: list[Array]) -> str:
        yhat = np.atleast_1d(np.asarray(ph.output if ph.output is not None else ph.a[-1], dtype=float))
        y = ph.y
        key = loss_key(ph.loss_formula)
        lines = []
        if self._out_key(snap) == "softmax":
            lines.append(f"ŷ = ({', '.join(fmt(v) for v in yhat)})   y = class {int(y) + 1} "
                         f"(index {int(y)})")
        else:
            lines.append(f"ŷ = {fmt(yhat[0])}   y = {fmt(y)}")
        ell = fmt(ph.sample_loss) if ph.sample_loss is not None else "?"
        if key == "bce":
            p = yhat[0]
            lines.append("ℓ = −[y·ln ŷ + (1 − y)·ln(1 − ŷ)]")
            lines.append(f"  = −[{fmt(y)}·ln {fmt(p)} + {fmt(1 - y)}·ln {fmt(1 - p)}] = {ell}")
        elif key == "cce":
            c = int(y)
            lines.append("ℓ = −ln ŷ[y]")
            lines.append(f"  = −ln {fmt(yhat[c])} = {ell}")
        elif key == "mse":
            if len(yhat) == 1:
                lines.append(f"ℓ = (ŷ − y)² = ({fmt(yhat[0])} − {fmt_p(y)})² = {ell}")
            else:
                lines.append(f"ℓ = mean((ŷ − y)²) = {ell}")
        elif key == "mae":
            lines.append(f"ℓ = |ŷ − y| = |{fmt(yhat[0])} − {fmt_p(y)}| = {ell}")
        else:
            lines.append(f"ℓ = {ell}   (this sample's loss)")
        out = [self._eq(lines)]
        n = len(ph.batch)
        rest = [f"{ph.loss_formula}"]
        if ph.batch_loss is not None:
            rest.append(f"batch loss L = mean of ℓ over the batch of {n} = {fmt(ph.batch_loss)}")
        if ph.penalty:
            total = (ph.batch_loss or 0.0) + ph.penalty
            rest.append(f"penalty λ₁Σ|w| + λ₂Σw² = {fmt(ph.penalty)};  L + penalty = {fmt(total)}")
        out.append("<p>Over the whole batch:</p>" + self._eq(rest))
        return "".join(out)

    # -- backward ------------------------------------------------------------------
    def _backward(self, ph: PhaseRecord, snap: Snapshot, W: list[Array], b: list[Array]) -> str:
        n = len(ph.z)
        yhat = np.atleast_1d(np.asarray(ph.output if ph.output is not None else ph.a[-1], dtype=float))
        key = loss_key(ph.loss_formula)
        out = ["<p>δ = ∂ℓ/∂z is how much this sample's loss changes when a neuron's z changes; it is "
               "computed at the output first, then passed back layer by layer.</p>"]
        d_out = ph.delta[-1]
        lines = []
        for j in range(min(len(d_out), self.MAX_UNITS)):
            s = sub(j + 1) if len(d_out) > 1 else ""
            if key == "bce":
                lines.append(f"δ{s} = ŷ − y = {fmt(yhat[j])} − {fmt_p(ph.y)} = {fmt(d_out[j])}")
            elif key == "cce":
                t = 1.0 if j == int(ph.y) else 0.0
                lines.append(f"δ{s} = ŷ{s} − t{s} = {fmt(yhat[j])} − {fmt(t)} = {fmt(d_out[j])}")
            elif key == "mse":
                k = len(d_out)
                factor = "2" if k == 1 else f"2/{k}"
                lines.append(f"δ{s} = {factor}·(ŷ − y) = {factor}·({fmt(yhat[j])} − {fmt_p(ph.y)}) = {fmt(d_out[j])}")
            elif key == "mae":
                lines.append(f"δ{s} = sign(ŷ − y) = {fmt(d_out[j])}")
            else:
                lines.append(f"δ{s} = ∂ℓ/∂z{s} = {fmt(d_out[j])}")
        if len(d_out) > self.MAX_UNITS:
            lines.append(more(len(d_out) - self.MAX_UNITS, "units"))
        note = (f" (t = the one-hot target: 1 for class {int(ph.y) + 1}, 0 for the others)"
                if key == "cce" else "")
        out.append(f"<p><b>Output layer</b>{note}</p>" + self._eq(lines))

        for li in range(n - 2, -1, -1):
            key_act = self._activation(li, snap)
            act = ACTIVATIONS.get(key_act)
            z, d, d_next, W_next = ph.z[li], ph.delta[li], ph.delta[li + 1], W[li + 1]
            units = len(z)
            out.append(f"<p><b>Hidden layer {li + 1}</b> ({html.escape(key_act)}): "
                       f"∂ℓ/∂a = Σ w·δ (weights to layer {li + 2}), δ = ∂ℓ/∂a × f′(z)</p>")
            lines = []
            with np.errstate(all="ignore"):
                da = W_next @ d_next
                fp = act.df(np.asarray(z, dtype=float)) if act else np.ones_like(z)
            mismatch = False
            for j in range(min(units, self.MAX_UNITS)):
                if len(d_next) <= self.MAX_TERMS:
                    terms = " + ".join(f"{fmt_p(W_next[j, k])}×{fmt_p(d_next[k])}" for k in range(len(d_next)))
                    lines.append(f"∂ℓ/∂a{sub(j + 1)} = {terms} = {fmt(da[j])}")
                if math.isclose(float(da[j] * fp[j]), float(d[j]), rel_tol=1e-6, abs_tol=1e-12):
                    lines.append(f"δ{sub(j + 1)} = {fmt(da[j])} × f′({fmt(z[j])}) = {fmt(da[j])} × {fmt_p(fp[j])}"
                                 f" = {fmt(d[j])}")
                else:
                    mismatch = True
                    lines.append(f"δ{sub(j + 1)} = {fmt(d[j])}")
            if units > self.MAX_UNITS:
                lines.append(more(units - self.MAX_UNITS, "units"))
            out.append(self._eq(lines))
            if mismatch:
                out.append('<p class="note">(dropout: a switched-off unit passes no δ back, and a kept one '
                           "is scaled by 1/(1 − p))</p>")

        # gradients of the weights, output layer first like the δ
        batch = len(ph.batch)
        single = batch == 1 and not ph.penalty
        out.append("<p><b>Gradients</b>: ∂L/∂w = a·δ for the weight from input a to a neuron with error δ, "
                   + ("here for the one sample of the batch" if batch == 1 else
                      f"averaged over the batch of {batch} (this sample's a·δ in brackets)")
                   + ("; the penalty adds λ₁·sign(w) + 2λ₂·w" if ph.penalty else "") + ".</p>")
        for li in range(n - 1, -1, -1):
            a_prev = ph.x if li == 0 else ph.a[li - 1]
            gW, gb, d = ph.grad_W[li], ph.grad_b[li], ph.delta[li]
            name = "Output layer" if li == n - 1 else f"Hidden layer {li + 1}"
            lines = []
            count = min(gW.size, self.MAX_PARAMS)
            for i, j in self._first_weights(gW.shape, count):
                prod = f"{fmt(a_prev[i])} × {fmt_p(d[j])}"
                if single:
                    lines.append(f"∂L/∂w{sub(i + 1, j + 1)} = {prod} = {fmt(gW[i, j])}")
                else:
                    lines.append(f"∂L/∂w{sub(i + 1, j + 1)} = {fmt(gW[i, j])}   [{prod}]")
            if gW.size > count:
                lines.append(more(gW.size - count, "weights"))
            for j in range(min(len(gb), self.MAX_UNITS)):
                lines.append(f"∂L/∂b{sub(j + 1)} = {fmt(gb[j])}" + ("" if single else f"   [δ = {fmt(d[j])}]"))
            if len(gb) > self.MAX_UNITS:
                lines.append(more(len(gb) - self.MAX_UNITS, "biases"))
            out.append(f"<p>{name}</p>" + self._eq(lines))
        return "".join(out)

    # -- update --------------------------------------------------------------------
    def _update(self, ph: PhaseRecord, snap: Snapshot, W: list[Array], b: list[Array]) -> str:
        sgd = ph.optimizer_rule == OPTIMIZER_INFO["sgd"][1]
        name = next((v[0] for v in OPTIMIZER_INFO.values() if v[1] == ph.optimizer_rule), "Optimizer")
        rule = self._hats(html.escape(ph.optimizer_rule).replace("  ", "&nbsp;&nbsp;"))
        out = [f"<p><b>{html.escape(name)}</b>: {rule} "
               f"&nbsp; with learning rate η = {fmt(ph.lr)}, g = ∂L/∂w</p>"]
        if not sgd:
            out.append("<p>This optimizer also uses what it remembers from earlier steps, so each row "
                       "shows the weight before and after the step, the change Δ = after − before and "
                       "the gradient g.</p>")
        n = len(ph.W_before)
        for li in range(n):
            Wb, Wa, gW = ph.W_before[li], ph.W_after[li], ph.grad_W[li]
            bb, ba, gb = ph.b_before[li], ph.b_after[li], ph.grad_b[li]
            title = "Output layer" if li == n - 1 else f"Hidden layer {li + 1}"
            # (name, before, after, gradient) per parameter, or a line saying what is left out
            rows: list[tuple[str, float, float, float] | str] = []
            count = min(Wb.size, self.MAX_PARAMS)
            for i, j in self._first_weights(Wb.shape, count):
                rows.append((f"w{sub(i + 1, j + 1)}", Wb[i, j], Wa[i, j], gW[i, j]))
            if Wb.size > count:
                rows.append(more(Wb.size - count, "weights"))
            for j in range(min(len(bb), self.MAX_UNITS)):
                rows.append((f"b{sub(j + 1)}", bb[j], ba[j], gb[j]))
            if len(bb) > self.MAX_UNITS:
                rows.append(more(len(bb) - self.MAX_UNITS, "biases"))
            if sgd:
                out.append(f"<p>{title}</p>" + self._eq(
                    [r if isinstance(r, str) else self._sgd_line(*r, ph.lr) for r in rows]))
            else:
                out.append(f"<p>{title}</p>" + self._update_table(rows))
        return "".join(out)

    @staticmethod
    def _sgd_line(name: str, before: float, after: float, g: float, lr: float) -> str:
        b, a = fmt_change(float(before), float(after))
        return f"{name} ← {b} − {fmt(lr)} × {fmt_p(g)} = {a}"

    #: where the update tables' font size and padding go, once all of a render's rows are known
    TABLE_SIZE = "@table-size@"
    TABLE_PAD = "@table-pad@"
    #: the update table's header
    TABLE_HEAD = ("", "before", "after", "Δ", "g")
    #: (font size in % of the text's, padding left of a number in px) the update table
    #: may take, most room first: the first at which every row fits the browser is used
    TABLE_STYLES = ((100, 9), (100, 4), (90, 4), (90, 2), (80, 2))
    #: room a table cell takes besides its text and its left padding (cellpadding 1 px)
    CELL_EXTRA = 2.0
    #: room the browser takes around a phase's table: the document's margins (4 px) and
    #: the phase box's padding (6 px), on either side
    BROWSER_EXTRA = 20.0

    def _table_scale(self, rows: list[list[str]]) -> tuple[int, int]:
        """The first of :data:`TABLE_STYLES` at which every row of the update table (and
        its header) fits the browser's width (the last if none does)."""
        room = self.browser.viewport().width() - self.BROWSER_EXTRA
        base = QFont(self._mono)
        base.setPointSizeF(self.browser.font().pointSizeF())
        for percent, pad in self.TABLE_STYLES:
            font = QFont(base)
            font.setPointSizeF(base.pointSizeF() * percent / 100)
            m = QFontMetricsF(font)
            widths = [max(m.horizontalAdvance(row[c]) for row in [list(self.TABLE_HEAD), *rows])
                      for c in range(len(self.TABLE_HEAD))]
            if sum(widths) + (pad + self.CELL_EXTRA) * len(widths) <= room:
                return percent, pad
        return self.TABLE_STYLES[-1]

    def _update_table(self, rows: list[tuple[str, float, float, float] | str]) -> str:
        """Before, after, Δ and g of each parameter, in the largest font that fits the
        browser: a narrow browser (1024×700) broke its numbers across lines."""
        head = "".join(f"<th nowrap>{h}</th>" for h in self.TABLE_HEAD)
        texts: list[list[str]] = []
        for row in rows:
            if isinstance(row, str):
                continue
            name, before, after, g = row
            b, a = fmt_change(float(before), float(after), pad=True)
            texts.append([name, b, a, fmt_delta(float(after) - float(before)), fmt_sig(g, 2)])
        self._update_cells.extend(texts)  # the size is chosen for all of them (see _render)
        body = []
        cells_of = iter(texts)
        for row in rows:
            if isinstance(row, str):
                body.append(f'<tr><td colspan="5">{html.escape(row)}</td></tr>')
                continue
            body.append("<tr>" + "".join(f'<td class="num" nowrap style="padding-left: {self.TABLE_PAD}">'
                                         f'{html.escape(c)}</td>' for c in next(cells_of)) + "</tr>")
        head = head.replace("<th nowrap>", f'<th nowrap style="padding-left: {self.TABLE_PAD}">')
        return (f'<table class="eq" cellspacing="0" cellpadding="1" style="font-size: {self.TABLE_SIZE}">'
                f"<tr>{head}</tr>{''.join(body)}</table>")

    @staticmethod
    def _first_weights(shape: tuple[int, ...], count: int) -> list[tuple[int, int]]:
        """(input, unit) of the first ``count`` weights, unit by unit: all weights into
        neuron 1 first, as they appear in its sum."""
        n_in = shape[0]
        return [(k % n_in, k // n_in) for k in range(count)]
