"""What a :class:`~nnstudio.core.trainer.Trainer` does where an epoch ends.

The epoch's training loss and metric (accuracy, or R² for regression) from its batches,
the validation set's, one row of the epoch log, early stopping (patience or a target
reached) and the learning rate of the next epoch under the schedule.
"""

from __future__ import annotations

import math

import numpy as np

from .losses import accuracy, r2_score
from .number_text import number_text
from .specs import TARGET_METRIC_NAMES

Array = np.ndarray


class Epochs:
    """The trainer's epoch ends (a mixin of :class:`~nnstudio.core.trainer.Trainer`)."""

    def current_lr(self) -> float:
        """Learning rate of the current epoch under the schedule."""
        c = self.config
        if c.schedule == "step":
            return c.learning_rate * c.decay_rate ** (self.epoch // c.decay_epochs)
        if c.schedule == "exponential":
            return c.learning_rate * c.decay_rate**self.epoch
        return c.learning_rate

    def _set_lr_for_epoch(self) -> None:
        self.optimizer.lr = self.current_lr()

    def _reset_epoch_acc(self) -> None:
        self._epoch_ssr = 0.0
        self._epoch_loss_sum = 0.0
        self._epoch_batches = 0
        self._epoch_correct = 0
        self._epoch_seen = 0

    def _metric(self, z: Array, y: Array) -> float:
        if self.spec.task == "regression":
            return r2_score(z, y)
        return accuracy(z, y, "multiclass" if self._multiclass else self.spec.task)

    def evaluate(self) -> dict[str, float]:
        """Loss and metric (accuracy, or R² for regression) on the training and validation sets,
        without dropout; the validation entries are nan when there is no validation set.
        Leaves the trainer untouched, even half-way through a phase-stepped iteration."""
        net = self.scratch_network()
        with np.errstate(all="ignore"):
            z = net.forward(self.X)
            out = {"loss": net.loss.value(z, self.y), "metric": self._metric(z, self.y)}
            if len(self.Xv):
                zv = net.forward(self.Xv)
                out["val_loss"] = net.loss.value(zv, self.yv)
                out["val_metric"] = self._metric(zv, self.yv)
            else:
                out["val_loss"] = out["val_metric"] = float("nan")
        return out

    def _end_epoch(self) -> dict[str, float]:
        net = self.network
        train_loss = self._epoch_loss_sum / max(1, self._epoch_batches)
        if self.spec.task == "regression":
            # like the accuracy, R² over the epoch's batches: 1 − Σ(ŷ − y)² / Σ(y − ȳ)²
            train_metric = 1.0 - self._epoch_ssr / self._ss_tot if self._ss_tot > 0 else float("nan")
        else:
            train_metric = self._epoch_correct / max(1, self._epoch_seen)
        val_loss = val_metric = float("nan")
        if len(self.Xv):
            with np.errstate(all="ignore"):
                zv = net.forward(self.Xv)
                val_loss = net.loss.value(zv, self.yv)
                val_metric = self._metric(zv, self.yv)
        self.epoch += 1
        lr = self.optimizer.lr
        self.history.epochs.append((self.epoch, self.iteration, train_loss, val_loss, train_metric, val_metric, lr))
        metrics = {"epoch": self.epoch, "loss": train_loss, "val_loss": val_loss,
                   "metric": train_metric, "val_metric": val_metric}
        self._early_stopping(metrics)
        self.pos = 0
        self._reset_epoch_acc()
        self._new_epoch_order()
        self._set_lr_for_epoch()
        return metrics

    def _early_stopping(self, m: dict[str, float]) -> None:
        cfg = self.config
        if cfg.early_stopping == "patience":
            monitored = m["val_loss"] if math.isfinite(m["val_loss"]) else m["loss"]
            if monitored < self.best_value - cfg.min_delta:
                self.best_value = monitored
                self.best_params = self.network.get_flat()
                self.best_epoch = self.epoch
                self.wait = 0
            else:
                self.wait += 1
                if self.wait >= cfg.patience:
                    which = "validation loss" if math.isfinite(m["val_loss"]) else "training loss"
                    msg = (f"early stopping after epoch {self.epoch}: the {which} has not improved for "
                           f"{cfg.patience} epochs (best {number_text(self.best_value)} at epoch {self.best_epoch})")
                    if cfg.restore_best and self.best_params is not None:
                        self.network.set_flat(self.best_params)
                        msg += "; the weights of that best epoch are restored"
                    self._stop(msg, "early_stopping", self.iteration)
                    self.stop_info["best_epoch"] = self.best_epoch  # type: ignore[index]
        elif cfg.early_stopping == "target":
            key = cfg.target_metric
            name = {"accuracy": "metric", "val_accuracy": "val_metric", "r2": "metric",
                    "val_r2": "val_metric", "loss": "loss", "val_loss": "val_loss"}[key]
            value = m[name]
            if not math.isfinite(value):
                return
            reached = value <= cfg.target_value if "loss" in key else value >= cfg.target_value
            if reached:
                rel = "≤" if "loss" in key else "≥"
                # in words, as the Training panel names the metric (not "val_accuracy")
                self._stop(f"target reached after epoch {self.epoch}: {TARGET_METRIC_NAMES[key]} = "
                           f"{number_text(value)} {rel} "
                           f"{number_text(cfg.target_value, 6)}",
                           "early_stopping", self.iteration)
                self.stop_info["best_epoch"] = self.epoch  # type: ignore[index]


__all__ = ["Epochs"]
