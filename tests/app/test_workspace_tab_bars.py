"""Switching workspaces leaves no tab bar of the other arrangement on screen: Qt kept the
Inspect workspace's "Gradients | Activations | …" bar over Explore's decision view after
restoring Explore's saved arrangement (tab_bar_probe.py drives a window in its own
process, where Qt shows that behaviour)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = Path(__file__).with_name("tab_bar_probe.py")


@pytest.mark.parametrize("size", [(1280, 800), (1366, 768)])
def test_every_tab_bar_on_screen_names_docks_of_this_workspace(tmp_path, size):
    env = dict(os.environ, NNSTUDIO_CONFIG_DIR=str(tmp_path / "config"))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = subprocess.run([sys.executable, str(PROBE), *map(str, size)], env=env, capture_output=True,
                         text=True, timeout=120, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert {s["workspace"] for s in seen} == {"inspect", "explore"}
    assert [s for s in seen if s["hidden"]] == []
    # the bars a learner needs are there
    assert any(s["workspace"] == "explore" and s["tabs"][:1] == ["Decision boundary"] for s in seen)
    assert any(s["workspace"] == "inspect" and "Gradients" in s["tabs"] for s in seen)
