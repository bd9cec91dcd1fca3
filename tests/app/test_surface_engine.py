"""The loss surface in the engine: computed a slice at a time, answering commands between
slices, with the numbers of a computation run all at once."""

from __future__ import annotations

import functools
import time

import numpy as np
import pytest

from nnstudio.app.engine_process import EngineLoop
from nnstudio.app.views.surface_compute import SurfaceSettings, compute_surface, compute_surface_steps
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer


@pytest.fixture(scope="module")
def run():
    data = prepare(DataSpec(name="spiral_multi", n_classes=4, n_samples=600, noise=0.1, seed=1,
                            features=("x1", "x2", "x1^2", "x2^2", "x1*x2")))
    spec = NetworkSpec(data.n_inputs, (LayerSpec(64), LayerSpec(64), LayerSpec(64)), "multiclass", 4)
    return spec, TrainConfig(optimizer="adam", learning_rate=0.01), data


class Script:
    """The engine's command pipe, played by a test: what to send once a condition holds."""

    def __init__(self, loop_ref: list[EngineLoop]) -> None:
        self.loop_ref = loop_ref
        self.queue: list[tuple] = []
        self.events: list[tuple] = []
        self.gaps: list[float] = []  # seconds between two polls while a surface is pending
        self._last_poll = 0.0
        self.stepped = False

    def emit(self, kind: str, *payload) -> None:
        self.events.append((kind, *payload))

    def poll(self, _timeout: float):
        loop = self.loop_ref[0]
        now = time.perf_counter()
        if loop._jobs and self._last_poll:
            self.gaps.append(now - self._last_poll)
        self._last_poll = now
        if self.queue:
            return self.queue.pop(0)
        if loop._jobs and len(self.gaps) >= 3 and not self.stepped:
            self.stepped = True  # a key press while the surface is being computed
            return ("step",)
        if any(e[0] == "result" for e in self.events):
            return ("quit",)
        return None


def test_a_full_surface_is_computed_between_commands(run):
    spec, config, data = run
    ref = Trainer(spec, config, data)
    ref.run(iterations=30)
    settings = SurfaceSettings(mode="pca", resolution=51)
    expected = compute_surface(ref, settings)

    loop_ref: list[EngineLoop] = []
    script = Script(loop_ref)
    loop = EngineLoop(script.emit, script.poll)
    loop_ref.append(loop)
    trainer = Trainer(spec, config, data)
    trainer.run(iterations=30)
    script.queue = [("load", spec, config, data, trainer, None),
                    ("call", 7, functools.partial(compute_surface_steps, settings=settings))]
    loop.run()

    kinds = [e[0] for e in script.events]
    result = next(e for e in script.events if e[0] == "result")
    assert result[1:3] == (7, "ok")
    comp = result[3]
    # the step pressed meanwhile was done before the surface was finished ...
    stepped = [k for k, e in enumerate(script.events) if e[0] == "snapshot" and e[1].iteration == 31]
    assert stepped and stepped[0] < kinds.index("result")
    assert loop.trainer.iteration == 31
    # ... and the surface is the one around the weights it was asked for, to the last bit
    assert comp.iteration == 30 and comp.error is None and not comp.draft
    np.testing.assert_array_equal(comp.result.loss, expected.result.loss)
    np.testing.assert_array_equal(comp.result.path, expected.result.path)
    np.testing.assert_array_equal(comp.line_loss, expected.line_loss)
    # in many short slices (each aims at 40 ms; a busy machine stretches them)
    assert len(script.gaps) >= 5, script.gaps
    assert max(script.gaps) < 1.0, script.gaps
    assert 0 < comp.seconds < sum(script.gaps) + 1.0


def test_a_stepped_call_that_fails_answers_with_its_error(run):
    spec, config, data = run
    events: list[tuple] = []
    queue = [("load", spec, config, data, None, None),
             ("call", 3, functools.partial(compute_surface_steps, settings=SurfaceSettings(mode="params", i=2, j=2)))]
    loop = EngineLoop(lambda *e: events.append(e),
                      lambda _t: queue.pop(0) if queue else (("quit",) if any(e[0] == "result" for e in events)
                                                              else None))
    loop.run()
    result = next(e for e in events if e[0] == "result")
    assert result[1:3] == (3, "ok") and result[3].result is None and "two different" in result[3].error
