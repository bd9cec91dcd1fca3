"""The activations-over-time image labels its columns with round iterations, as the time
curves above it do, placed where they fall between the probes' columns."""
from __future__ import annotations

import pytest

from nnstudio.app.views.activation_history_plot import iteration_ticks


def test_round_iterations_fall_between_the_columns_of_the_probes_around_them():
    # probes a few times a second: iterations 0, 439, 986, 1529 in columns 0..3
    ticks = iteration_ticks([0, 439, 986, 1529])
    assert [label for _, label in ticks] == ["0", "500", "1000", "1500"]
    positions = dict((label, x) for x, label in ticks)
    assert positions["0"] == 0.5  # the middle of the first column
    assert positions["500"] == pytest.approx(1.5 + 61 / 547)  # 500 between 439 and 986
    assert positions["1500"] == pytest.approx(2.5 + 514 / 543)


def test_large_runs_read_like_the_axes_above():
    ticks = iteration_ticks(list(range(0, 2_600_001, 13_000)))
    assert [label for _, label in ticks] == ["0", "10⁶", "2×10⁶"]


def test_one_iteration_probed_several_times_is_labelled_once_in_the_middle():
    assert iteration_ticks([40, 40, 40]) == [(1.5, "40")]
    assert iteration_ticks([7]) == [(0.5, "7")]
    assert iteration_ticks([]) == []


def test_a_short_span_labels_whole_iterations_only():
    labels = [label for _, label in iteration_ticks([10, 11, 12])]
    assert labels == ["10", "11", "12"]
