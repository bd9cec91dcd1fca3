"""Captions say what the view shows for the data loaded: a neuron's map and the input
plane's grid exist only for one or two inputs, not for the 64 pixels of the digits."""

from __future__ import annotations

import pytest

from nnstudio.app.views.network_view import NetworkView
from nnstudio.app.views.representation_view import RepresentationView
from nnstudio.core.data import DataSpec, prepare


@pytest.fixture(scope="module")
def datasets():
    return {
        "spiral": prepare(DataSpec(source="generator", name="spiral", n_samples=100)),
        "line": prepare(DataSpec(source="generator", name="line", n_samples=50)),
        "iris": prepare(DataSpec(source="bundled", name="iris")),
        "digits": prepare(DataSpec(source="bundled", name="digits", standardize=True)),
    }


def test_the_network_views_caption_follows_the_data(qtbot, datasets):
    view = NetworkView()
    qtbot.addWidget(view)
    view.set_data(datasets["spiral"])
    assert view.caption_label.text() == NetworkView.caption and "over the input plane" in view.toolTip()
    view.set_data(datasets["digits"])
    text = view.caption_label.text()
    assert "with 64 inputs there is no input plane" in text and "coloured by its bias" in text
    assert "Hover a neuron" not in text and "The Draw a digit tab" in text and view.toolTip() == text
    view.set_data(datasets["iris"])  # 4 inputs, not an image: no drawing pad to point at
    text = view.caption_label.text()
    assert "with 4 inputs there is no input plane" in text and "Draw a digit" not in text
    view.set_data(datasets["line"])
    assert "along the input line" in view.caption_label.text() and "plane" not in view.caption_label.text()
    view.set_data(datasets["spiral"])  # and back
    assert view.caption_label.text() == NetworkView.caption


def test_the_representation_views_caption_follows_the_data(qtbot, datasets):
    view = RepresentationView()
    qtbot.addWidget(view)
    view.set_data(datasets["spiral"])
    assert view.caption_label.text() == RepresentationView.caption
    view.set_data(datasets["digits"])
    text = view.caption_label.text()
    assert "grey lines" not in text and "With 64 inputs there is no input plane to draw" in text
    view.set_data(datasets["line"])
    assert "the grey curve is the input line" in view.caption_label.text()
