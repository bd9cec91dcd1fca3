"""Quick changes for run B, one button each in the Compare dialog: the comparisons the
lessons make most (η × 10, Adam, ReLU + He, L2 …).

Each preset makes its changes from A's settings (η × 10 is ten times A's η however
often it is pressed) and gives None where it would change nothing (Adam when A already
uses Adam) or does not apply (ReLU + He without hidden layers).
"""

from __future__ import annotations

from typing import Any, Callable

from ..core.specs import NetworkSpec, TrainConfig

#: quick changes: button text, tooltip, and the changes they make from A's settings
#: (None when they would change nothing or do not apply)
Preset = tuple[str, str, Callable[[NetworkSpec, TrainConfig], "dict[str, Any] | None"]]


def _round(x: float) -> float:
    return float(f"{x:.10g}")


PRESETS: tuple[Preset, ...] = (
    ("η × 10", "B's learning rate ten times A's",
     lambda s, c: {"learning_rate": _round(c.learning_rate * 10)}),
    ("η ÷ 10", "B's learning rate a tenth of A's",
     lambda s, c: {"learning_rate": _round(c.learning_rate / 10)}),
    ("Momentum", "B uses gradient descent with momentum μ",
     lambda s, c: {"optimizer": "momentum"} if c.optimizer != "momentum" else None),
    ("Adam", "B uses the Adam optimizer",
     lambda s, c: {"optimizer": "adam"} if c.optimizer != "adam" else None),
    ("ReLU + He", "B's hidden layers use ReLU with He initialisation (new initial weights)",
     lambda s, c: {"activation": "relu", "init": "he_uniform"}
     if s.hidden and any((h.activation, h.init) != ("relu", "he_uniform") for h in s.hidden) else None),
    ("L2 = 0.01", "B adds an L2 penalty 0.01·Σw² on the weights",
     lambda s, c: {"l2": 0.01} if c.l2 != 0.01 else None),
    ("Dropout 0.2", "B drops 20% of each hidden layer's outputs while training",
     lambda s, c: {"dropout": 0.2} if s.hidden and any(h.dropout != 0.2 for h in s.hidden) else None),
    ("Full batch", "B updates once per pass over all training samples",
     lambda s, c: {"batch_mode": "full"} if c.batch_mode != "full" else None),
    ("1 sample (SGD)", "B updates after every single sample",
     lambda s, c: {"batch_mode": "sgd"} if c.batch_mode != "sgd" else None),
)


__all__ = ["PRESETS", "Preset"]
