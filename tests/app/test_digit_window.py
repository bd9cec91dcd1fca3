"""In the window: the digit views come with image data and go with other data; a
gallery image clicked goes on the drawing pad, predicted with the weights trained."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from nnstudio.app.main_window import MainWindow
from nnstudio.core.specs import LayerSpec
from test_layout_fits import problems, settle
from window_helpers import discard_and_close, wait_snapshot

IMAGE_DOCKS = ("DigitGalleryView", "DrawingPadView")


def test_digit_views_follow_the_data_and_a_clicked_image_goes_on_the_pad(qtbot):
    w = MainWindow()
    try:
        w.resize(1366, 768)
        w.show()
        qtbot.waitExposed(w)
        w.workspaces.switch("explore")
        assert w.doc.prepared.raw.n_features == 2
        for name in IMAGE_DOCKS:
            assert w.view_docks[name].isHidden()
            assert not w.view_docks[name].toggleViewAction().isEnabled()

        w.doc.edit_data("Digits", source="bundled", name="digits", standardize=True)
        w.doc.edit_network("Layers", hidden=(LayerSpec(16, "relu"),))
        for name in IMAGE_DOCKS:
            assert not w.view_docks[name].isHidden()
            assert w.view_docks[name].toggleViewAction().isEnabled()
        gallery, pad = w.gallery_view, w.pad_view
        qtbot.waitUntil(lambda: gallery.is_shown())  # it comes to the front with the digits
        w.controller.step_epoch()
        snap = wait_snapshot(qtbot, w, lambda s: s.epoch >= 1 and s.layer_sizes == (64, 16, 10))
        qtbot.waitUntil(lambda: gallery._predicted_of is snap)
        assert (gallery.predicted_classes >= 0).all()

        tiles = gallery.tiles
        qtbot.mouseClick(tiles, Qt.MouseButton.LeftButton, pos=tiles.tile_rect(3).center())
        row = int(gallery.rows[3])
        qtbot.waitUntil(lambda: pad.is_shown() and pad.prediction is not None)  # the scheduler feeds it
        np.testing.assert_array_equal(pad.pad.pixels, w.doc.prepared.raw.X[row])
        assert pad.prediction == gallery.predicted_classes[3]

        # both fit learners' screens and the smallest window, with every label readable
        pad.weights_box.setChecked(True)
        for size in ((1366, 768), (1280, 800), (1024, 700)):
            w.resize(*size)
            w.workspaces.reset()
            for name in IMAGE_DOCKS:
                w.workspaces.show_view(name)
                settle(300)
                assert problems(w) == [], (size, name)

        # a switch to Inspect and back keeps them with the data
        w.workspaces.switch("inspect")
        assert all(w.view_docks[n].isHidden() for n in IMAGE_DOCKS)
        w.workspaces.switch("explore")
        assert not any(w.view_docks[n].isHidden() for n in IMAGE_DOCKS)

        w.doc.edit_data("Spiral", source="generator", name="spiral")
        for name in IMAGE_DOCKS:
            assert w.view_docks[name].isHidden()
        assert not w.workspaces.shows("DrawingPadView")
    finally:
        discard_and_close(w)
