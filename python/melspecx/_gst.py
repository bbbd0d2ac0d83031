# SPDX-License-Identifier: MIT
"""The one place that loads GStreamer: the version pin and Gst.init().

Every other module imports Gst from here, so that the version is pinned
before the first ``from gi.repository import Gst`` anywhere in the package
and Gst.init() runs exactly once.  appsrc and appsink are driven through
their action signals, so GstApp's typelib is never loaded.
"""

import gi

gi.require_version("Gst", "1.0")

from gi.repository import GLib, GObject, Gst  # noqa: E402

if not Gst.is_initialized():
    Gst.init(None)

__all__ = ["GLib", "GObject", "Gst"]
