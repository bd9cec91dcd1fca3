"""Histories sent in pieces arrive whole: the mirror always equals the engine's logs."""

from __future__ import annotations

from multiprocessing.reduction import ForkingPickler
from types import SimpleNamespace

import numpy as np

from nnstudio.core.log_feed import LogFeed, LogMirror
from nnstudio.core.snapshot import LOG_ATTRS, make_snapshot
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer


def _data(n=40):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] > 0).astype(np.int64)
    return SimpleNamespace(X_train=X, y_train=y, X_val=X[:8], y_val=y[:8], task="binary", n_classes=2)


def test_the_mirror_follows_growth_thinning_rewinds_and_other_runs():
    spec = NetworkSpec(2, (LayerSpec(3, "tanh"),), "binary")
    tr = Trainer(spec, TrainConfig(batch_mode="minibatch", batch_size=4), _data())
    for log in (tr.history.iterations, tr.history.epochs, tr.history.layers):
        log.capacity = 64  # thin often
        log._data = log._data[:64]
    feed, mirror = LogFeed(), LogMirror()
    sizes = []

    def check():
        snap = ForkingPickler.loads(ForkingPickler.dumps(make_snapshot(tr, feed=feed)))  # as through the pipe
        sizes.append(sum(p.rows.size for p in snap.log_pieces.values()))
        snap.fill_logs(mirror)
        for name, attr in LOG_ATTRS.items():
            np.testing.assert_array_equal(getattr(snap, attr), getattr(tr.history, name).array())

    for _ in range(40):
        tr.run(iterations=7)
        check()
    assert min(sizes[5:]) < max(sizes)  # mostly only new rows travel
    tr.rewind(100)
    check()
    other = tr.copy()
    other.run(iterations=50)
    tr = other  # another run object, as after an undo
    check()
    tr.reset()
    check()
