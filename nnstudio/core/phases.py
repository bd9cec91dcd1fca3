"""Phase-by-phase stepping: one iteration shown as forward, loss, backward and update,
with the numbers of one inspected sample.

A mixin of :class:`~nnstudio.core.trainer.Trainer`. It computes with the allocating
``Network.forward`` / ``loss.value_and_grad`` / ``backward`` (the arrays of each phase stay
valid while the learner looks at them), which give bit for bit the numbers of the
trainer's own loop (:class:`~nnstudio.core.train_step.TrainStep`).
"""

from __future__ import annotations

import collections
import dataclasses
from typing import Iterator

import numpy as np

from .trainer_records import Change, PhaseRecord

Array = np.ndarray


class PhaseStepping:
    """Stepping an iteration of a :class:`~nnstudio.core.trainer.Trainer` phase by phase."""

    # ---------------------------------------------------------------- phase by phase
    def step_phase(self, inspect: int | None = None) -> PhaseRecord:
        """Advance the current iteration by one phase (forward → loss → backward → update).

        ``inspect`` is the training-set index of the sample whose numbers are shown;
        if it is not in the current batch (or None), the batch's first sample is used.
        """
        if self._phase_gen is None:
            self._ensure_running()
            self._fork()
            self._phase_gen = self._phases(inspect)
        ph = next(self._phase_gen)
        if ph.phase == "update":
            self._phase_gen = None
        return ph

    @property
    def phase_in_progress(self) -> str | None:
        """The last phase shown of a half-done iteration, or None."""
        return self._last_phase if self._phase_gen is not None else None

    def _finish_pending_phases(self, discard: bool) -> None:
        if self._phase_gen is not None:
            if not discard:
                collections.deque(self._phase_gen, maxlen=0)  # run the iteration's remaining phases
            else:
                # the dropped iteration may have drawn dropout masks: undo those draws
                self.dropout_rng.bit_generator.state = self._phase_rng_state
                self.timeline = self._settled_timeline()
            self._phase_gen = None

    def _settled_timeline(self) -> list[Change]:
        """The timeline as it reads once the half-stepped iteration is dropped: the
        changes made during it stand between iterations, and replay there."""
        return [dataclasses.replace(c, phase=None)
                if k < self._applied and c.iteration == self.iteration and c.phase is not None else c
                for k, c in enumerate(self.timeline)]

    def _phases(self, inspect: int | None) -> Iterator[PhaseRecord]:
        net = self.network
        cfg = self.config
        self._phase_rng_state = self.dropout_rng.bit_generator.state
        idx = self._next_batch()
        Xb, yb = self.X[idx], self._yt[idx]
        hits = np.flatnonzero(idx == inspect) if inspect is not None else np.empty(0, np.intp)
        row = int(hits[0]) if len(hits) else 0
        own = inspect is not None and not len(hits) and 0 <= inspect < self.n_train
        sample = int(inspect) if own else int(idx[row])
        base = dict(iteration=self.iteration + 1, batch=idx.copy(), sample=sample,
                    x=self.X[sample].copy(), y=float(self.y[sample]), in_batch=not own)
        if own:  # a chosen sample outside this batch: its own numbers, worked out apart
            zs, acts, out_row, own_loss, own_deltas = self._sample_numbers(sample)
        with np.errstate(all="ignore"):
            z = net.forward(Xb, True, self._drop_rng)
        if not own:
            zs = [layer.z[row].copy() for layer in net.layers]  # type: ignore[index]
            acts = [layer.out[row].copy() for layer in net.layers[:-1]]  # type: ignore[index]
            out_row = net.loss.output(z[row:row + 1])[0].copy()
            acts.append(out_row)
        self._last_phase = "forward"
        yield PhaseRecord("forward", z=zs, a=acts, output=out_row, **base)

        with np.errstate(all="ignore"):
            loss, dz = net.loss.value_and_grad(z, yb)
            sample_loss = own_loss if own else float(net.loss.per_sample(z[row:row + 1], yb[row:row + 1])[0])
            penalty = net.penalty(cfg.l1, cfg.l2) if (cfg.l1 or cfg.l2) else 0.0
        formula = net.loss.formula
        if penalty:
            formula += "  + λ₁Σ|w| + λ₂Σw²"
        self._last_phase = "loss"
        yield PhaseRecord("loss", z=zs, a=acts, output=out_row, sample_loss=sample_loss,
                          batch_loss=loss, penalty=penalty, loss_formula=formula, **base)

        with np.errstate(all="ignore"):
            net.backward(dz)
            if cfg.l1 or cfg.l2:
                net.add_penalty_grad(cfg.l1, cfg.l2)
        n = len(idx)
        deltas = own_deltas if own else [layer.delta[row] * n for layer in net.layers]  # type: ignore[index]
        gW = [layer.gW.copy() for layer in net.layers]
        gb = [layer.gb.copy() for layer in net.layers]
        self._last_phase = "backward"
        yield PhaseRecord("backward", z=zs, a=acts, output=out_row, sample_loss=sample_loss,
                          batch_loss=loss, penalty=penalty, loss_formula=formula,
                          delta=deltas, grad_W=gW, grad_b=gb, **base)

        Wb = [layer.W.copy() for layer in net.layers]
        bb = [layer.b.copy() for layer in net.layers]
        lr = self.optimizer.lr
        with np.errstate(all="ignore"):
            rec = self._update_and_finish(idx, yb, z, loss, penalty, [layer.delta for layer in net.layers])
        self._last_phase = "update"
        yield PhaseRecord("update", z=zs, a=acts, output=out_row, sample_loss=sample_loss,
                          batch_loss=loss, penalty=penalty, loss_formula=formula,
                          delta=deltas, grad_W=gW, grad_b=gb, W_before=Wb, b_before=bb,
                          W_after=[layer.W.copy() for layer in net.layers],
                          b_after=[layer.b.copy() for layer in net.layers],
                          lr=lr, optimizer_rule=self.optimizer.describe(), record=rec, **base)

    def _sample_numbers(self, sample: int) -> tuple[list[Array], list[Array], Array, float, list[Array]]:
        """z, a, ŷ, the loss ℓ and δ = ∂ℓ/∂z of one training sample at the present weights
        (no dropout), on the scratch network: the trainer's own caches stay as they are."""
        net = self.scratch_network()
        x = self.X[sample:sample + 1]
        y = self._yt[sample:sample + 1]
        with np.errstate(all="ignore"):
            z = net.forward(x)
            zs = [layer.z[0].copy() for layer in net.layers]  # type: ignore[index]
            acts = [layer.out[0].copy() for layer in net.layers[:-1]]  # type: ignore[index]
            out = net.loss.output(z)[0].copy()
            acts.append(out)
            loss = float(net.loss.per_sample(z, y)[0])
            _value, dz = net.loss.value_and_grad(z, y)
            net.backward(dz)
        deltas = [layer.delta[0].copy() for layer in net.layers]  # type: ignore[index]
        return zs, acts, out, loss, deltas
