"""PyTorch as the oracle: optimizers, forward/backward of whole networks, and training."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from nnstudio.core.activations import ACTIVATIONS  # noqa: E402
from nnstudio.core.network import Network  # noqa: E402
from nnstudio.core.optimizers import make_optimizer  # noqa: E402
from nnstudio.core.specs import OPTIMIZERS, LayerSpec, NetworkSpec, TrainConfig  # noqa: E402
from nnstudio.core.trainer import Trainer  # noqa: E402


TORCH_ACT = {
    "linear": lambda z, a: z,
    "sigmoid": lambda z, a: torch.sigmoid(z),
    "tanh": lambda z, a: torch.tanh(z),
    "relu": lambda z, a: F.relu(z),
    "leaky_relu": lambda z, a: F.leaky_relu(z, 0.01 if a is None else a),
    "elu": lambda z, a: F.elu(z, 1.0 if a is None else a),
    "selu": lambda z, a: F.selu(z),
    "softplus": lambda z, a: F.softplus(z),
    "gelu": lambda z, a: F.gelu(z),
    "swish": lambda z, a: F.silu(z),
    "softsign": lambda z, a: F.softsign(z),
}
LOSSES = {"mse": ("regression", 1), "mae": ("regression", 1), "huber": ("regression", 1),
          "bce": ("binary", 1), "cce": ("multiclass", 3)}


def torch_optimizer(key: str, params, cfg: TrainConfig):
    lr = cfg.learning_rate
    if key == "sgd":
        return torch.optim.SGD(params, lr=lr, foreach=False)
    if key == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=cfg.momentum, foreach=False)
    if key == "nesterov":
        return torch.optim.SGD(params, lr=lr, momentum=cfg.momentum, nesterov=True, foreach=False)
    if key == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, foreach=False)
    if key == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, foreach=False)
    if key == "adam":
        return torch.optim.Adam(params, lr=lr, foreach=False)
    if key == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=cfg.weight_decay, foreach=False)
    raise KeyError(key)


def test_torch_version():
    assert torch.__version__.startswith("2.13.0")


# ----------------------------------------------------------------- optimizers
@pytest.mark.parametrize("key", OPTIMIZERS)
def test_optimizer_matches_torch_over_20_steps(key):
    rng = np.random.default_rng(OPTIMIZERS.index(key))
    p0 = rng.normal(size=(4, 3))
    grads = [rng.normal(size=(4, 3)) * rng.choice([1e-3, 1.0, 10.0]) for _ in range(20)]
    lr = 0.01 if key in ("adam", "adamw", "rmsprop") else 0.05
    cfg = TrainConfig(optimizer=key, learning_rate=lr, weight_decay=0.05)
    ours = make_optimizer(key, lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    p = p0.copy()
    tp = torch.nn.Parameter(torch.tensor(p0.copy()))
    topt = torch_optimizer(key, [tp], cfg)
    for g in grads:
        ours.step(p, g)
        tp.grad = torch.tensor(g)
        topt.step()
        np.testing.assert_allclose(p, tp.detach().numpy(), rtol=1e-12, atol=1e-14)
    st = topt.state[tp]
    names = {"momentum": {"velocity": "momentum_buffer"}, "nesterov": {"velocity": "momentum_buffer"},
             "adagrad": {"sum_sq": "sum"}, "rmsprop": {"square_avg": "square_avg"},
             "adam": {"exp_avg": "exp_avg", "exp_avg_sq": "exp_avg_sq"},
             "adamw": {"exp_avg": "exp_avg", "exp_avg_sq": "exp_avg_sq"}}.get(key, {})
    for ours_name, torch_name in names.items():
        np.testing.assert_allclose(ours.state[ours_name], st[torch_name].numpy(), rtol=1e-12, atol=1e-15)
    assert ours.state["step"] == 20


# ----------------------------------------------------------------- forward / backward
def _torch_forward(net: Network, X: np.ndarray, masks=None):
    """The same network in torch (weights copied), returning logits and the parameters."""
    tparams = []
    a = torch.tensor(X)
    for i, layer in enumerate(net.layers):
        W = torch.tensor(layer.W.copy(), requires_grad=True)
        b = torch.tensor(layer.b.copy(), requires_grad=True)
        tparams.append((W, b))
        z = a @ W + b
        if layer.activation is None:
            a = z
        else:
            a = TORCH_ACT[layer.activation.key](z, layer.alpha)
            if masks is not None and masks[i] is not None:
                a = a * torch.tensor(masks[i])
    return a, tparams


def _torch_loss(key: str, z, y: np.ndarray, delta: float = 1.0):
    if key == "mse":
        return F.mse_loss(z, torch.tensor(y).reshape(-1, 1))
    if key == "mae":
        return F.l1_loss(z, torch.tensor(y).reshape(-1, 1))
    if key == "huber":
        return F.huber_loss(z, torch.tensor(y).reshape(-1, 1), delta=delta)
    if key == "bce":
        return F.binary_cross_entropy_with_logits(z, torch.tensor(y, dtype=torch.float64).reshape(-1, 1))
    return F.cross_entropy(z, torch.tensor(y, dtype=torch.long))


def _penalty(tparams, l1, l2):
    Ws = [W for W, _ in tparams]
    return l1 * sum(W.abs().sum() for W in Ws) + l2 * sum((W * W).sum() for W in Ws)


def _data(task: str, k: int, n: int, d: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if task == "regression":
        y = rng.normal(size=n) * 2
    else:
        y = rng.integers(0, k if task == "multiclass" else 2, n).astype(np.intp)
    return X, y


def _torch_grads_flat(net: Network, tparams):
    g = np.empty(net.n_params)
    for i, (W, b) in enumerate(tparams):
        sw, sb = net.slices[2 * i], net.slices[2 * i + 1]
        g[sw.start:sw.stop] = W.grad.numpy().ravel()
        g[sb.start:sb.stop] = b.grad.numpy()
    return g


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("act", list(ACTIVATIONS))
def test_network_forward_and_backward_match_torch_autograd(act, loss):
    task, k = LOSSES[loss]
    alpha = 0.3 if act in ("leaky_relu", "elu") else None
    spec = NetworkSpec(n_inputs=3, hidden=(LayerSpec(5, act, "he_normal", 0.1, alpha=alpha),
                                           LayerSpec(4, act, "glorot_uniform", -0.1, dropout=0.25, alpha=alpha)),
                       task=task, n_outputs=k, loss=loss, huber_delta=0.7)
    net = Network(spec, 17)
    X, y = _data(task, k, 12, 3, 5)
    l1, l2 = 0.01, 0.02
    ours = net.loss_and_grad(X, y, True, np.random.default_rng(3), l1, l2)
    g = net.grads.copy()
    masks = [layer.dropout.mask.copy() if layer.dropout is not None else None for layer in net.layers]
    assert masks[1] is not None
    zt, tparams = _torch_forward(net, X, masks)
    np.testing.assert_allclose(net.layers[-1].z, zt.detach().numpy(), rtol=1e-10, atol=1e-13)
    lt = _torch_loss(loss, zt, y, 0.7) + _penalty(tparams, l1, l2)
    lt.backward()
    assert ours == pytest.approx(lt.item(), rel=1e-10)
    np.testing.assert_allclose(g, _torch_grads_flat(net, tparams), rtol=1e-10, atol=1e-13)
    # the prediction through the fused output activation
    out = {"regression": lambda z: z, "binary": torch.sigmoid,
           "multiclass": lambda z: torch.softmax(z, dim=1)}[task](_torch_forward(net, X)[0])
    np.testing.assert_allclose(net.predict(X), out.detach().numpy(), rtol=1e-10, atol=1e-14)


# ----------------------------------------------------------------- training
@pytest.mark.parametrize("key", OPTIMIZERS)
@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_ten_full_batch_trainer_iterations_match_a_torch_loop(key, task):
    k = 3 if task == "multiclass" else 1
    loss = {"binary": "bce", "multiclass": "cce", "regression": "huber"}[task]
    spec = NetworkSpec(n_inputs=2, hidden=(LayerSpec(6, "tanh"), LayerSpec(5, "gelu")),
                       task=task, n_outputs=k, loss=loss)
    X, y = _data(task, k, 40, 2, 8)
    Xv, yv = _data(task, k, 10, 2, 9)
    data = SimpleNamespace(X_train=X, y_train=y, X_val=Xv, y_val=yv, task=task, n_classes=k if k > 1 else 2)
    lr = 0.01 if key in ("adam", "adamw", "rmsprop", "adagrad") else 0.1
    cfg = TrainConfig(optimizer=key, learning_rate=lr, batch_mode="full", l2=0.001, seed=4)
    tr = Trainer(spec, cfg, data)
    net = tr.network
    _, tparams = _torch_forward(net, X)
    flat = [t for pair in tparams for t in pair]
    topt = torch_optimizer(key, flat, cfg)
    for it in range(10):
        rec = tr.step()
        topt.zero_grad()
        a = torch.tensor(X)
        for i, (W, b) in enumerate(tparams):
            a = a @ W + b
            if i < len(tparams) - 1:
                a = TORCH_ACT[spec.hidden[i].activation](a, None)
        data_loss = _torch_loss(loss, a, y)
        (data_loss + _penalty(tparams, 0.0, 0.001)).backward()
        topt.step()
        assert rec.iteration == it + 1
        assert rec.loss == pytest.approx(data_loss.item(), rel=1e-10)
        tflat = np.concatenate([W.detach().numpy().ravel() for W, _ in tparams]
                               + [b.detach().numpy() for _, b in tparams])
        np.testing.assert_allclose(net.params, tflat, rtol=1e-10, atol=1e-13)
    assert tr.iteration == 10 and tr.epoch == 10
