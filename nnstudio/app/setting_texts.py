"""How the app names the choices of some training settings, Qt-free: the Training panel
shows them in its boxes and a lesson step's 'Apply step' line uses the same words
(it said 'target metric = val_accuracy' where the panel says 'Validation accuracy')."""

from __future__ import annotations

#: early stopping's choices (TrainConfig.early_stopping)
STOP_TEXTS = {"off": "Off", "patience": "When val. loss stalls", "target": "At a target value"}
#: the metrics a target can be set for (TrainConfig.target_metric)
METRIC_TEXTS = {"accuracy": "Training accuracy", "val_accuracy": "Validation accuracy",
                "loss": "Training loss", "val_loss": "Validation loss",
                "r2": "Training R²", "val_r2": "Validation R²"}

__all__ = ["METRIC_TEXTS", "STOP_TEXTS"]
