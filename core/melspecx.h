/* melspecx core — umbrella header.
 * SPDX-License-Identifier: MIT
 *
 * The core library: mel spectrograms from float samples, in plain C with no
 * GStreamer or GLib.  See each header for its part.
 */
#ifndef MELSPECX_H
#define MELSPECX_H

#include "msx_status.h"
#include "msx_config.h"
#include "msx_window.h"
#include "msx_fft.h"
#include "msx_mel.h"
#include "msx_backend.h"
#include "msx_stft.h"
#include "msx_db.h"
#include "msx_columns.h"
#include "msx_resize.h"
#include "msx_colormap.h"
#include "msx_image.h"
#include "msx_png.h"
#include "msx_png_info.h"
#include "msx_spectrogram.h"
#include "msx_scroll.h"
#include "msx_pace.h"
#include "msx_dbfs.h"
#include "msx_preset.h"

/** Returns: the library version, e.g. "0.1.0". */
const char *msx_version (void);

#endif /* MELSPECX_H */
