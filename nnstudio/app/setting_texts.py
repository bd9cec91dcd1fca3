"""How the app names the choices of some training settings, Qt-free: the Training panel
shows them in its boxes and a lesson step's 'Apply step' line uses the same words
(it said 'target metric = val_accuracy' where the panel says 'Validation accuracy')."""

from __future__ import annotations

from ..core.specs import TARGET_METRIC_NAMES

#: early stopping's choices (TrainConfig.early_stopping)
STOP_TEXTS = {"off": "Off", "patience": "When val. loss stalls", "target": "At a target value"}
#: the metrics a target can be set for (TrainConfig.target_metric)
METRIC_TEXTS = {key: name[0].upper() + name[1:] for key, name in TARGET_METRIC_NAMES.items()}

__all__ = ["METRIC_TEXTS", "STOP_TEXTS"]
