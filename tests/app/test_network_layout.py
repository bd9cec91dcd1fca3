"""Where the network view puts its neurons, and how it colours their maps: exact numbers."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor

from nnstudio.app.views.network_layout import plan
from nnstudio.app.views.network_thumbnails import ThumbnailRenderer, level_indices, lut_argb32


def test_one_size_for_all_limited_by_the_tallest_column():
    lay = plan(456, 560, [7, 8, 8, 1], [7, 8, 8, 1], left=50, right=45, top=57, bottom=6, line=14,
               labelled=[True, False, False, True])
    # width allows 361 / (1 + 1.8·3) = 56.4, height 497 / (8 · 1.25) = 49.7 → 49
    assert lay.size == 49
    assert lay.xs == pytest.approx((74.5, 178.5, 282.5, 386.5))  # 50 + 24.5 + k·(456 − 95 − 49)/3
    assert lay.visible == (7, 8, 8, 1) and lay.more_y == (None,) * 4
    assert lay.rows[1] == pytest.approx(tuple(91.125 + r * 61.25 for r in range(8)))
    assert lay.rows[0] == pytest.approx(tuple(121.75 + r * 61.25 for r in range(7)))
    assert lay.rows[3] == pytest.approx((57 + 497 / 2,))


def test_a_column_that_does_not_fit_shows_its_first_rows_and_a_more_row():
    lay = plan(400, 200, [16], [64], left=60, right=10, top=20, bottom=6, line=14, labelled=[True])
    # 17 rows would need neurons of 174 / (17 · 1.25) = 8.2 px: below the 12 px minimum, so
    # rows of 12 px a line (16 px) apart: 10 fit, 9 neurons and "… 55 more"
    assert lay.size == 12
    assert lay.visible == (9,)
    assert lay.rows[0] == pytest.approx(tuple(35 + 16 * r for r in range(9)))
    assert lay.more_y == (pytest.approx(179.0),)
    assert lay.xs == (pytest.approx(225.0),)


def test_large_screens_stop_at_the_largest_neuron():
    assert plan(2000, 2000, [2, 4, 1], [2, 4, 1], 20, 20, 40).size == 72


@pytest.mark.parametrize("w, h", [(0, 0), (1, 1), (30, 5), (5, 300)])
def test_degenerate_sizes_still_give_a_layout(w, h):
    lay = plan(w, h, [2, 3, 1], [2, 3, 40], 50, 40, 60)
    assert lay.size >= 1 and all(v >= 1 for v in lay.visible) and len(lay.xs) == 3


def test_levels_to_colour_indices():
    v = np.array([[[0.0, -1], [0.5, np.nan]], [[1.0, np.inf], [2, -np.inf]]])  # (ny, nx, m) = (2, 2, 2)
    np.testing.assert_array_equal(level_indices(v, 0.0, 1.0, 11),
                                  [[[0, 5], [10, 10]], [[0, 5], [10, 0]]])
    # one level pair per neuron: neuron 1 over −2..2, so −1 → 2.5 → 2
    np.testing.assert_array_equal(level_indices(v, np.array([0.0, -2]), np.array([1.0, 2]), 11)[1],
                                  [[2, 5], [10, 0]])


def test_thumbnail_pixels_are_the_grid_cells_under_them(qapp):
    lut = np.array([[255, 0, 0, 255], [0, 0, 255, 255]], dtype=np.uint8)  # low red, high blue
    lut32 = lut_argb32(lut)
    assert lut32.tolist() == [0xFFFF0000, 0xFF0000FF]
    values = np.zeros((2, 3, 1))  # 2 rows (y), 3 columns (x)
    values[0, 2, 0] = 1.0  # first grid row (bottom), last column (right)
    r = ThumbnailRenderer()
    (img,) = r.render(0, values, 0.0, 1.0, lut32, 6, 1.0)
    assert (img.width(), img.height()) == (6, 6)
    blue, red = QColor(0, 0, 255), QColor(255, 0, 0)
    # the bottom-right third by half is blue, everything else red
    for y in range(6):
        for x in range(6):
            assert img.pixelColor(x, y) == (blue if y >= 3 and x >= 4 else red), (x, y)
    values[0, 2, 0] = 0.0
    (again,) = r.render(0, values, 0.0, 1.0, lut32, 6, 1.0)
    assert again is img and img.pixelColor(5, 5) == red  # the same image, refilled
