/* GStreamer melspecx — plugin registration
 * SPDX-License-Identifier: MIT
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstmelspecx.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  return GST_ELEMENT_REGISTER (melspecx, plugin);
}

/* The licence is GPL when the core links FFTW, else MIT/X11 (meson's
 * plugin_license, passed as MELSPECX_PLUGIN_LICENSE). */
GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, melspecx,
    "Mel spectrogram pictures of audio", plugin_init, MELSPECX_VERSION,
    MELSPECX_PLUGIN_LICENSE, "melspecx", "https://github.com/melspecx/melspecx")
