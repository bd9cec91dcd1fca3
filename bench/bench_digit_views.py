"""What the digit gallery and the drawing pad cost: per snapshot, and per brush stroke.

    python bench/bench_digit_views.py [--snapshots 30] [--width 560 --height 400]

The bundled digits (standardised, 20% validation), 64-32-10 ReLU, Adam, batches of 32;
snapshots of a real run built beforehand so only the views are timed. A redraw is
``show_snapshot`` (or one stroke on the pad) plus a synchronous repaint of the widget.
The gallery is timed on the validation set (its default), on the training set, and with
misclassified images first; the pad on a snapshot (its colour scales come from 200
training rows) and on one brush stroke (one forward of the drawn image).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any, Callable


def _stats(ms: list[float]) -> str:
    ms = sorted(ms)
    p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
    return f"median {statistics.median(ms):7.2f} ms   p90 {p90:7.2f} ms   max {ms[-1]:7.2f} ms"


def _time(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--snapshots", type=int, default=30)
    ap.add_argument("--width", type=int, default=560)
    ap.add_argument("--height", type=int, default=400)
    args = ap.parse_args(argv)
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from nnstudio.app.views.digit_gallery_view import TRAINING, DigitGalleryView
    from nnstudio.app.views.drawing_pad_view import DrawingPadView
    from nnstudio.core.data import DataSpec, prepare
    from nnstudio.core.snapshot import make_snapshot
    from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
    from nnstudio.core.trainer import Trainer

    app = QApplication.instance() or QApplication(sys.argv)
    data = prepare(DataSpec(source="bundled", name="digits", standardize=True, validation_fraction=0.2))
    spec = NetworkSpec(64, (LayerSpec(32, "relu"),), "multiclass", 10)
    config = TrainConfig(optimizer="adam", learning_rate=0.01, batch_mode="minibatch", batch_size=32)
    trainer = Trainer(spec, config, data)
    snaps = []
    for _ in range(args.snapshots):
        trainer.run(iterations=20)
        snaps.append(make_snapshot(trainer))
    print(f"digits: {len(data.X_train)} training, {len(data.X_val)} validation images; 64-32-10 relu; "
          f"{len(snaps)} snapshots up to iteration {trainer.iteration}; {args.width}×{args.height}\n")

    def redraw(view: Any, fn: Callable[[], Any]) -> Callable[[], None]:
        def go() -> None:
            fn()
            app.processEvents()
            view.repaint()
        return go

    gallery = DigitGalleryView()
    gallery.resize(args.width, args.height)
    gallery.show()
    gallery.set_data(data)
    for label, setup in (("gallery, validation set", lambda: None),
                         ("gallery, training set", lambda: gallery.set_box.setCurrentIndex(
                             gallery.set_box.findData(TRAINING))),
                         ("gallery, wrong first", lambda: gallery.wrong_first_box.setChecked(True))):
        setup()
        it = iter(snaps * 2)
        gallery.show_snapshot(snaps[0])
        ms = _time(redraw(gallery, lambda: gallery.show_snapshot(next(it))), len(snaps))
        print(f"{label:<28}{_stats(ms)}")

    pad = DrawingPadView()
    pad.resize(args.width, args.height)
    pad.show()
    pad.set_data(data)
    pad.load_sample(int(data.val_index[0]))
    it = iter(snaps * 2)
    pad.show_snapshot(snaps[0])
    ms = _time(redraw(pad, lambda: pad.show_snapshot(next(it))), len(snaps))
    print(f"{'pad, a snapshot':<28}{_stats(ms)}")
    cells = [(r, c) for r in range(8) for c in range(8)]
    strokes = iter(cells * 4)

    def stroke() -> None:
        r, c = next(strokes)
        pad.pad.brush(r, c, erase=(r + c) % 2 == 1)
        pad.pad.sigChanged.emit(pad.pad.pixels.copy())

    ms = _time(redraw(pad, stroke), len(cells))
    print(f"{'pad, a brush stroke':<28}{_stats(ms)}")
    pad.weights_box.setChecked(True)
    strokes = iter(cells * 4)
    ms = _time(redraw(pad, stroke), len(cells))
    print(f"{'pad, stroke, weights shown':<28}{_stats(ms)}")
    gallery.close()
    pad.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
