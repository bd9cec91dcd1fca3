"""Lesson texts as the panel shows them: the small markup as HTML, formulas, and what
a step's button changes, in words. Qt-free, like :mod:`.lessons`."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.number_text import number_text
from .setting_texts import METRIC_TEXTS, STOP_TEXTS

if TYPE_CHECKING:
    from .lessons import LessonStep

_SETTING_NAMES = {
    "learning_rate": "learning rate η", "optimizer": "optimizer", "batch_mode": "batches",
    "batch_size": "batch size", "momentum": "momentum μ", "l1": "L1 λ", "l2": "L2 λ",
    "early_stopping": "early stopping", "patience": "patience", "target_metric": "target metric",
    "target_value": "target value", "activation": "activation", "init": "initialisation",
    "dropout": "dropout", "alpha": "α", "units": "neurons", "hidden": "hidden layers",
    "loss": "loss", "huber_delta": "Huber δ", "features": "input features", "name": "data set",
    "source": "data source", "noise": "noise", "n_samples": "samples", "standardize": "standardise",
    "seed": "seed", "validation_fraction": "validation share",
    "restore_best": "restore the best weights", "n_classes": "classes",
}


def _value_text(key: str, value: Any) -> str:
    from ..core.activations import ACTIVATIONS
    from ..core.initializers import INIT_NAMES
    from ..core.optimizers import OPTIMIZER_INFO

    names = {"batch_mode": {"full": "full batch", "sgd": "one sample (SGD)", "minibatch": "mini-batch"},
             "activation": {k: a.name for k, a in ACTIVATIONS.items()},
             "init": INIT_NAMES,
             "optimizer": {k: v[0] for k, v in OPTIMIZER_INFO.items()},
             "loss": {"mse": "MSE", "mae": "MAE", "huber": "Huber", "bce": "binary cross-entropy",
                      "cce": "categorical cross-entropy"},
             # as the Training panel's boxes name them, in the middle of a sentence
             "early_stopping": {k: v[:1].lower() + v[1:] for k, v in STOP_TEXTS.items()},
             "target_metric": {k: v[:1].lower() + v[1:] for k, v in METRIC_TEXTS.items()}}
    if value is None:
        return "default"
    if key in names and isinstance(value, str):
        return names[key].get(value, value)
    if key == "hidden" and isinstance(value, list):
        if not value:
            return "none"
        return ", ".join(f"{h.get('units', 4)} {h.get('activation', 'tanh')}" if isinstance(h, dict) else "?"
                         for h in value)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return number_text(value, 6)  # "10⁻⁵", as the app writes numbers
    return str(value)


def describe_changes(step: "LessonStep") -> str:
    """What the step's button does, in a line: "learning rate η = 3; training starts over"
    (and, for a comparison, "then run B beside it (B: η = 0.1)")."""
    parts = []
    for group in ("data", "network", "layers", "train"):
        for key, value in (step.apply.get(group) or {}).items():
            if key == "csv_path":
                parts.append(f"data = {Path(str(value)).name}")
                continue
            name = _SETTING_NAMES.get(key, key.replace("_", " "))
            prefix = "every hidden layer's " if group == "layers" else ""
            parts.append(f"{prefix}{name} = {_value_text(key, value)}")
    if step.weights is not None:
        parts.append("training starts over from the weights the lesson gives")
    elif step.restart:
        parts.append("training starts over")
    if step.compare is not None:
        # the label names B against A ("B: η = 0.1"); a step made by hand may lack it
        parts.append(f"then run B beside it ({step.compare_label or 'B: ' + step.compare})")
    return "; ".join(parts)


_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`(.+?)`")


def _inline(text: str) -> str:
    out = html.escape(text, quote=False)
    out = _BOLD.sub(r"<b>\1</b>", out)
    out = _CODE.sub(r"<span class='key'>\1</span>", out)
    return out.replace("\n", "<br>")


def text_to_html(text: str) -> str:
    """Lesson markup → HTML: paragraphs are separated by blank lines; a paragraph whose
    lines start with "- " is a bullet list; ``**bold**``; ```Key``` for keys, buttons
    and settings. Everything else is plain text (``<`` and ``&`` are shown as they are)."""
    blocks = [b.strip("\n") for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    out = []
    for block in blocks:
        lines = block.split("\n")
        if all(line.lstrip().startswith("- ") for line in lines):
            items = "".join(f"<li>{_inline(line.lstrip()[2:])}</li>" for line in lines)
            out.append(f"<ul>{items}</ul>")
        else:
            out.append(f"<p>{_inline(block)}</p>")
    return "".join(out)


def formula_html(formula: str) -> str:
    """A formula (Unicode text, one per line) as a highlighted HTML block."""
    # a run of spaces separates two formulas on one line: keep it visible
    lines = [re.sub(r" {2,}", "\u2003\u2003", html.escape(f, quote=False))
             for f in formula.strip().split("\n") if f.strip()]
    if not lines:
        return ""
    return "<p class='formula'>" + "<br>".join(lines) + "</p>"



__all__ = ["describe_changes", "formula_html", "text_to_html"]
