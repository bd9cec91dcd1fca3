"""Whole numbers far beyond any setting, given to the settings from Python (project files
and share strings refuse numbers of more than 30 digits as they read them): a short
message. The checks wrote the number into their message before testing it, and Python
refuses to write an int of more than 4,300 digits: a seed of 10⁵⁰⁰⁰ gave ``ValueError:
Exceeds the limit (4300 digits) for integer string conversion``, and a 1,000-digit one was
written out whole, comma by comma. A data seed is limited as the training seed is."""

from __future__ import annotations

import pytest

from nnstudio.core.data import DataSpec
from nnstudio.core.errors import SpecError
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig

HUGE = [10**5000, -(10**5000), 10**1000, 2**200]


@pytest.mark.parametrize("value", HUGE, ids=["1e5000", "-1e5000", "1e1000", "2^200"])
@pytest.mark.parametrize("make, what", [
    (lambda v: TrainConfig(seed=v), "the seed"),
    (lambda v: TrainConfig(batch_size=v), "the batch size"),
    (lambda v: TrainConfig(patience=v), "patience"),
    (lambda v: TrainConfig(decay_epochs=v), "the epochs between decays"),
    (lambda v: LayerSpec(units=v), "the number of neurons in a layer"),
    (lambda v: NetworkSpec(n_inputs=v), "the number of inputs"),
    (lambda v: DataSpec(seed=v), "the seed"),
    (lambda v: DataSpec(n_samples=v), "the number of samples"),
])
def test_a_huge_whole_number_is_refused_in_a_short_message(make, what, value):
    with pytest.raises(SpecError) as info:
        make(value)
    message = str(info.value)
    assert message.startswith(what) and "digits" in message and len(message) < 160, message


def test_a_data_seed_is_refused_where_the_training_seed_is():
    DataSpec(seed=2**63 - 1)
    TrainConfig(seed=2**63 - 1)
    with pytest.raises(SpecError, match="the seed must be between 0 and 9,223,372,036,854,775,807"):
        DataSpec(seed=2**63)


def test_a_float_setting_given_a_huge_whole_number_is_refused_in_a_short_message():
    with pytest.raises(SpecError) as info:
        TrainConfig(learning_rate=10**400)
    assert "finite number" in str(info.value) and len(str(info.value)) < 160
