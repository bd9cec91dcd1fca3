"""Two classes learnt by two softmax units with categorical cross-entropy.

The other way to answer for two classes (Glorot & Bengio's saturation experiment, many
courses): ŷ = softmax(z₀, z₁), loss −ln ŷ[y]. PyTorch is the oracle for values and
gradients; the engine must train it end to end and report what the app shows.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from nnstudio.core.activations import sigmoid
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.losses import accuracy, confusion_matrix, predicted_classes
from nnstudio.core.network import Network
from nnstudio.core.snapshot import evaluate_grid, make_snapshot
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer

TOL = dict(rtol=1e-12, atol=1e-15)


def _spec(**kw) -> NetworkSpec:
    hidden = kw.pop("hidden", (LayerSpec(5, "tanh", "he_normal", 0.1), LayerSpec(4, "softsign", bias_init=-0.1)))
    return NetworkSpec(n_inputs=3, hidden=hidden, task="binary", **kw).with_two_class_output("cce")


def _data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] - 0.7 * X[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(np.intp)
    assert 0 < y.sum() < n
    return X, y


def _torch_net(net: Network, torch):
    params = []
    for layer in net.layers:
        params += [torch.tensor(layer.W.copy(), requires_grad=True), torch.tensor(layer.b.copy(), requires_grad=True)]
    return params


def _torch_logits(net: Network, params, X, torch):
    F = torch.nn.functional
    act = {"tanh": torch.tanh, "softsign": F.softsign, "relu": F.relu, "sigmoid": torch.sigmoid}
    a = torch.tensor(X)
    for i, layer in enumerate(net.layers):
        a = a @ params[2 * i] + params[2 * i + 1]
        if layer.activation is not None:
            a = act[layer.activation.key](a)
    return a


def test_forward_loss_and_every_gradient_equal_torch_to_1e_12():
    torch = pytest.importorskip("torch")
    spec = _spec()
    assert spec.layer_sizes == (3, 5, 4, 2) and spec.output_activation == "softmax"
    net = Network(spec, 11)
    X, y = _data(16, 2)
    l1, l2 = 0.01, 0.02
    ours = net.loss_and_grad(X, y, True, np.random.default_rng(0), l1, l2)
    params = _torch_net(net, torch)
    z = _torch_logits(net, params, X, torch)
    weights = params[0::2]
    loss = torch.nn.functional.cross_entropy(z, torch.tensor(y, dtype=torch.long))
    total = loss + l1 * sum(W.abs().sum() for W in weights) + l2 * sum((W * W).sum() for W in weights)
    total.backward()
    # forward: logits of the output layer, and the probabilities the app shows
    np.testing.assert_allclose(net.layers[-1].z, z.detach().numpy(), **TOL)
    np.testing.assert_allclose(net.predict(X), torch.softmax(z, dim=1).detach().numpy(), **TOL)
    assert ours == pytest.approx(total.item(), rel=1e-13)
    # backward: every weight and bias of every layer
    for i, layer in enumerate(net.layers):
        np.testing.assert_allclose(layer.gW, params[2 * i].grad.numpy(), err_msg=f"W{i + 1}", **TOL)
        np.testing.assert_allclose(layer.gb, params[2 * i + 1].grad.numpy(), err_msg=f"b{i + 1}", **TOL)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_ten_full_batch_iterations_equal_a_torch_loop(optimizer):
    torch = pytest.importorskip("torch")
    spec = _spec()
    X, y = _data(30, 3)
    Xv, yv = _data(9, 4)
    data = SimpleNamespace(X_train=X, y_train=y, X_val=Xv, y_val=yv, task="binary", n_classes=2)
    cfg = TrainConfig(optimizer=optimizer, learning_rate=0.1 if optimizer == "sgd" else 0.01, batch_mode="full",
                      seed=5)
    tr = Trainer(spec, cfg, data)
    params = _torch_net(tr.network, torch)
    opt = (torch.optim.SGD(params, lr=0.1, foreach=False) if optimizer == "sgd"
           else torch.optim.Adam(params, lr=0.01, foreach=False))
    for _ in range(10):
        rec = tr.step()
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(_torch_logits(tr.network, params, X, torch),
                                                 torch.tensor(y, dtype=torch.long))
        loss.backward()
        opt.step()
        assert rec.loss == pytest.approx(loss.item(), rel=1e-12)
        flat = np.concatenate([p.detach().numpy().ravel() for p in params[0::2]]
                              + [p.detach().numpy() for p in params[1::2]])
        np.testing.assert_allclose(tr.network.params, flat, **TOL)
    # full batch: an epoch per iteration, its accuracy by argmax on the batch before the update
    assert tr.epoch == 10


def test_p_class_1_is_the_sigmoid_of_the_logit_difference():
    """softmax(z₀, z₁)[1] = σ(z₁ − z₀): the two outputs read like one sigmoid unit, and
    the class picked (argmax) is the one a sigmoid unit on z₁ − z₀ would pick."""
    net = Network(_spec(), 3)
    X, _ = _data(200, 6)
    z = net.forward(X)
    p = net.predict(X)
    np.testing.assert_allclose(p[:, 1], sigmoid(z[:, 1] - z[:, 0]), rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_array_equal(predicted_classes(z, "binary"), (z[:, 1] - z[:, 0] > 0).astype(np.intp))


def test_metrics_of_two_softmax_units_count_by_argmax():
    z = np.array([[2.0, -1.0], [0.5, 0.6], [-3.0, 3.0], [1.0, 1.0]])
    y = np.array([0, 1, 0, 1])
    # row 3 is wrong, row 4 a tie: class 0 (as σ(0) = ½ is class 0 for one sigmoid unit)
    np.testing.assert_array_equal(predicted_classes(z, "binary"), [0, 1, 1, 0])
    assert accuracy(z, y, "binary") == 0.5
    np.testing.assert_array_equal(confusion_matrix(z, y, "binary", 2), [[1, 1], [1, 1]])
    # one sigmoid logit still thresholds at 0
    np.testing.assert_array_equal(predicted_classes(np.array([[0.3], [-0.2], [0.0]]), "binary"), [1, 0, 0])


def test_a_two_softmax_run_trains_end_to_end_and_reports_what_the_views_show():
    data = DataSpec(source="generator", name="xor", n_samples=300, noise=0.0, seed=1, validation_fraction=0.2)
    prepared = prepare(data)
    spec = NetworkSpec(n_inputs=2, hidden=(LayerSpec(8, "tanh"), LayerSpec(8, "softsign")),
                       task="binary").with_two_class_output("cce")
    tr = Trainer(spec, TrainConfig(optimizer="adam", learning_rate=0.02, batch_size=10, seed=3), prepared)
    first = tr.evaluate()
    tr.run(epochs=60)
    ev = tr.evaluate()
    assert ev["loss"] < first["loss"] / 4 and ev["metric"] >= 0.95 and ev["val_metric"] >= 0.9
    # the metric is the share right by argmax of the two units, on the whole set
    z = tr.network.forward(tr.X)
    assert ev["metric"] == np.mean(z.argmax(axis=1) == prepared.y_train)
    # the epoch log carries the accuracy like a sigmoid run's (a share in [0, 1])
    log = tr.history.epochs.array()
    assert log.shape[0] == 60 and 0.9 <= log[-1, 4] <= 1.0 and log[-1, 5] == ev["val_metric"]
    # what the decision view draws: p(class 1) over the plane, and both probabilities
    grid = evaluate_grid(tr, prepared.domain, prepared.transform, resolution=12)
    assert grid.output.shape == (12, 12) and grid.probs is not None and grid.probs.shape == (12, 12, 2)
    np.testing.assert_array_equal(grid.output, grid.probs[..., 1])
    gx, gy = np.meshgrid(grid.xs, grid.ys)
    want = tr.network.predict(prepared.transform(np.column_stack([gx.ravel(), gy.ravel()])))[:, 1]
    np.testing.assert_allclose(grid.output.ravel(), want, rtol=1e-14, atol=1e-16)
    snap = make_snapshot(tr, grid=grid, probes=tr.probe())
    assert snap.task == "binary" and snap.layer_sizes == (2, 8, 8, 2)
    assert snap.activations == ("tanh", "softsign", "softmax")
    assert snap.probes is not None and [p.activation for p in snap.probes.layers] == ["tanh", "softsign", "softmax"]
    # the inspector's numbers: one phase-stepped iteration gives both probabilities and ℓ = −ln ŷ[y]
    tr.step_phase()
    loss_rec = tr.step_phase()
    assert loss_rec.phase == "loss"
    assert loss_rec.output.shape == (2,) and loss_rec.output.sum() == pytest.approx(1.0, rel=1e-15)
    assert loss_rec.sample_loss == pytest.approx(-np.log(loss_rec.output[int(loss_rec.y)]), rel=1e-12)
