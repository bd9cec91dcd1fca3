"""The loss view's hover read-out: the exact numbers at the point nearest the mouse.

One run: the nearest epoch's losses, metrics and learning rate (or the nearest batch
before the first epoch ends). Two runs: both runs' numbers side by side, each from its
own row nearest the same x (with different batch sizes the runs' epochs end at
different iterations, and each row says which epoch and iteration it is).
"""

from __future__ import annotations

import html
import math

import numpy as np

from ...core.number_text import number_text
from ...core.snapshot import Snapshot
from .loss_run_b import E_EPOCH, E_ITER, E_LOSS, E_LR, E_MET, E_VLOSS, E_VMET, epoch_x, iteration_x
from .run_colors import run_color

Array = np.ndarray


def fmt(v: float) -> str:
    """A loss as the axes write numbers ("6.5×10⁻⁵", not "6.5e-05"); "–" when not finite."""
    return number_text(v, 4)


def _nearest(xs: Array, x: float) -> int:
    return int(np.argmin(np.abs(xs - x)))


def single_readout(snap: Snapshot, x: float, x_axis: str, metric: str) -> tuple[float, str]:
    """The x snapped to and the text for one run (``snap`` has at least one log row)."""
    lines = []
    el, il = snap.epoch_log, snap.iter_log
    if len(el):
        ex = epoch_x(snap, x_axis)
        k = _nearest(ex, x)
        r = el[k]
        px = float(ex[k])
        lines.append(f"epoch {int(r[E_EPOCH])}  ·  iteration {int(r[E_ITER])}")
        lines.append(f"training loss    {fmt(r[E_LOSS])}")
        if math.isfinite(r[E_VLOSS]):
            lines.append(f"validation loss  {fmt(r[E_VLOSS])}")
        lines.append(f"training {metric}  {fmt(r[E_MET])}")
        if math.isfinite(r[E_VMET]):
            lines.append(f"validation {metric}  {fmt(r[E_VMET])}")
        lines.append(f"learning rate  {fmt(r[E_LR])}")
    else:
        ix = iteration_x(il[:, 0], snap, x_axis)
        k = _nearest(ix, x)
        px = float(ix[k])
        lines.append(f"iteration {int(il[k, 0])}")
        lines.append(f"batch loss  {fmt(il[k, 1])}")
        lines.append(f"learning rate  {fmt(il[k, 2])}")
    return px, "\n".join(lines)


def _snap_x(a: Snapshot, b: Snapshot, x: float, x_axis: str) -> float | None:
    """The x of the drawn point nearest ``x``: epoch points of either run, or batch points
    while neither has ended an epoch."""
    if len(a.epoch_log) or len(b.epoch_log):
        xs = [epoch_x(s, x_axis) for s in (a, b) if len(s.epoch_log)]
    else:
        xs = [iteration_x(s.iter_log[:, 0], s, x_axis) for s in (a, b) if len(s.iter_log)]
    if not xs:
        return None
    pts = np.concatenate(xs)
    return float(pts[_nearest(pts, x)])


def _run_column(snap: Snapshot, px: float, x_axis: str) -> dict[str, float | str]:
    """One run's numbers at (or nearest) ``px``: its epoch row and its batch row."""
    out: dict[str, float | str] = {}
    el, il = snap.epoch_log, snap.iter_log
    if len(el):
        r = el[_nearest(epoch_x(snap, x_axis), px)]
        out["at"] = f"epoch {int(r[E_EPOCH])} · it. {int(r[E_ITER])}"
        out.update(loss=r[E_LOSS], val_loss=r[E_VLOSS], metric=r[E_MET], val_metric=r[E_VMET], lr=r[E_LR])
    if len(il):
        k = _nearest(iteration_x(il[:, 0], snap, x_axis), px)
        out["batch"] = il[k, 1]
        out["batch_at"] = int(il[k, 0])
        out.setdefault("lr", il[k, 2])
        out.setdefault("at", f"it. {int(il[k, 0])}")
    return out


def pair_readout(a: Snapshot, b: Snapshot, b_label: str, x: float, x_axis: str,
                 metric: str) -> tuple[float, str, str] | None:
    """The x snapped to, a plain text and an HTML table of both runs' numbers near ``x``;
    None when neither run has a row yet. ``b_label`` is already safe to show."""
    px = _snap_x(a, b, x, x_axis)
    if px is None:
        return None
    cols = (_run_column(a, px, x_axis), _run_column(b, px, x_axis))
    names = [("at", "at"), ("loss", "training loss"), ("val_loss", "validation loss"),
             ("metric", f"training {metric}"), ("val_metric", f"validation {metric}"),
             ("batch", "batch loss"), ("lr", "learning rate")]

    def cell(col: dict[str, float | str], key: str) -> str:
        v = col.get(key)
        if v is None:
            return "–"
        return v if isinstance(v, str) else fmt(float(v))

    same_row = cols[0].get("at") == cols[1].get("at")
    rows = []
    for key, name in names:
        values = [c.get(key) for c in cols]
        if key == "at" and same_row:
            continue  # said once, in the heading
        if key in ("val_loss", "val_metric") and not any(
                isinstance(v, float | np.floating) and math.isfinite(v) for v in values):
            continue  # no validation set
        if all(v is None for v in values):
            continue
        rows.append((name, cell(cols[0], key), cell(cols[1], key)))
    head = f"iteration {px:,.0f}" if x_axis == "iteration" else f"epoch {px:g}"
    if same_row and isinstance(cols[0].get("at"), str):
        head = str(cols[0]["at"]).replace("it.", "iteration")
    plain = "\n".join([head] + [f"{name}:  A {va}  |  B {vb}" for name, va, vb in rows])
    ca, cb = run_color("A").name(), run_color("B").name()
    pad = "padding-left: 10px"
    body = "".join(f"<tr><td>{html.escape(name)}</td><td align='right' style='{pad}'>{html.escape(va)}</td>"
                   f"<td align='right' style='{pad}'>{html.escape(vb)}</td></tr>" for name, va, vb in rows)
    table = (f"<b>{html.escape(head)}</b><table cellspacing='0' cellpadding='0'>"
             f"<tr><td></td><th align='right' style='color:{ca}; {pad}'>A</th>"
             f"<th align='right' style='color:{cb}; {pad}'>{html.escape(b_label)}</th></tr>{body}</table>")
    return px, plain, table


__all__ = ["fmt", "pair_readout", "single_readout"]
