# SPDX-License-Identifier: MIT
"""The one place that loads GStreamer: version pins and Gst.init().

Every other module imports Gst from here, so that the versions are pinned
before the first ``from gi.repository import Gst`` anywhere in the package
and Gst.init() runs exactly once.
"""

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstApp", "1.0")

from gi.repository import GLib, GObject, Gst, GstApp  # noqa: E402

if not Gst.is_initialized():
    Gst.init(None)

__all__ = ["GLib", "GObject", "Gst", "GstApp"]
