# SPDX-License-Identifier: MIT
"""A Vulkan pipeline leaves the application's locale as it found it.

The FFT planner needs a '.' decimal point while it writes its shaders; it
must get one for its own thread, never by switching the process locale
that the application's other threads use.  Run in a child process with an
empty plan cache, so that the plan is compiled, not loaded.
"""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import make_audio, python_env

CHILD = r"""
import locale, sys
locale.setlocale(locale.LC_ALL, "C.UTF-8")
before = locale.setlocale(locale.LC_ALL)
import melspecx
png = melspecx.mel_spec_from_path(sys.argv[1], backend="vulkan")
assert png[:8] == b"\x89PNG\r\n\x1a\n"
after = locale.setlocale(locale.LC_ALL)
print(before, "->", after)
sys.exit(0 if before == after else 1)
"""


def test_vulkan_pipeline_keeps_process_locale(tmp_path):
    audio = make_audio(tmp_path / "tone.wav", seconds=1.0)
    env = python_env()
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    out = subprocess.run([sys.executable, "-c", CHILD, str(audio)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "C.UTF-8 -> C.UTF-8" in out.stdout
