# SPDX-License-Identifier: MIT
"""The Vulkan backend is a module beside the plugin, opened only by a run
that asks for Vulkan: loading it brings VkFFT, glslang, libstdc++ and the
Vulkan loader, ~5 ms a process that CPU runs do not pay.  backend=auto
loads it once to probe, and not again on a machine it found without a GPU
(the answer is kept in the cache directory)."""

from __future__ import annotations

from pathlib import Path

import pytest

import pipeline_util as pu

MODULE = "libmelspecx-vulkan.so.0"
VULKAN_LIBS = (MODULE, "libstdc++.so", "libvulkan.so")
PIPE = "audiotestsrc num-buffers=8 ! melspecx backend={} ! fakesink"


def _plugin_dir() -> Path:
    factory = pu.Gst.ElementFactory.find("melspecx")
    return Path(factory.get_plugin().get_filename()).parent


@pytest.fixture(autouse=True)
def _needs_module():
    if not (_plugin_dir() / MODULE).exists():
        pytest.skip("this build has no Vulkan backend")


def test_cpu_loads_nothing_of_vulkan(tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    assert pu.libraries_mapped(PIPE.format("cpu"), VULKAN_LIBS, env) == set()


def test_vulkan_opens_the_module(tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    assert pu.libraries_mapped(PIPE.format("vulkan"), VULKAN_LIBS,
                               env) == set(VULKAN_LIBS)


def test_auto_probes_once_then_remembers(tmp_path):
    """The first auto run opens the module to look for a GPU; where it
    found none, the next run does not open it at all."""
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    assert MODULE in pu.libraries_mapped(PIPE.format("auto"), VULKAN_LIBS,
                                         env)
    if not list((tmp_path / "melspecx").glob("vulkan-probe-*")):
        pytest.skip("this machine has a Vulkan GPU: auto uses it every run")
    assert pu.libraries_mapped(PIPE.format("auto"), VULKAN_LIBS,
                               env) == set()
