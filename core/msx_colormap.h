/* melspecx core — 256-entry colormaps equal to matplotlib's.
 * SPDX-License-Identifier: MIT
 *
 * The tables live in msx_colormap_tables.c, written by
 * tools/gen_colormaps.py from matplotlib's own data: do not edit by hand.
 */
#ifndef MSX_COLORMAP_H
#define MSX_COLORMAP_H

#include <stddef.h>
#include <stdint.h>
#include "msx_config.h"

/**
 * msx_colormap_table:
 * Returns: 256 RGB triplets (768 bytes), index 0 for the quietest value, as
 * matplotlib's colormap(i/255) rounded to 8 bits; NULL for an invalid map.
 */
const uint8_t *msx_colormap_table (MsxColormap map);

/* Custom tables (a colormap file, a gamma curve) get ids from
 * MSX_COLORMAP_CUSTOM on, which every function taking an MsxColormap
 * accepts. */
#define MSX_COLORMAP_CUSTOM 1000
#define MSX_COLORMAP_MAX_CUSTOM 64

/** Returns: whether @map is a built-in or a registered custom table. */
int msx_colormap_valid (MsxColormap map);

/**
 * msx_colormap_custom:
 * @rgb: 256 RGB triplets, entry 0 for the quietest value
 * @out: (out): the id of a table equal to @rgb
 *
 * Registers the table for the life of the process; the same table always
 * gets the same id, so loading a file again or going back to a gamma costs
 * nothing.  Thread-safe.
 *
 * Returns: MSX_OK, or MSX_ERROR_NO_MEMORY once MSX_COLORMAP_MAX_CUSTOM
 * different tables are registered.
 */
MsxStatus msx_colormap_custom (const uint8_t *rgb, MsxColormap *out);

/**
 * msx_colormap_gamma:
 * @gamma: > 0; 1 gives @map itself
 * @out: (out): @map with entry i taken from round(255·(i/255)^gamma): above
 *   1 the quiet part darkens and the loud part gets more colours, below 1
 *   the quiet part brightens
 *
 * Returns: MSX_OK, MSX_ERROR_INVALID_ARGUMENT or MSX_ERROR_NO_MEMORY (see
 * msx_colormap_custom()).
 */
MsxStatus msx_colormap_gamma (MsxColormap map, double gamma, MsxColormap *out);

/**
 * msx_colormap_load:
 * @path: a CSV file of 256 lines "r,g,b" (integers 0–255, or numbers 0–1
 *   when every value is at most 1 and one has a decimal point; blank lines
 *   and lines starting with # are skipped), or a PNG of 256×1 pixels
 * @rgb: (out): 768 bytes
 * @msg: (out): why the file is refused, naming the line (CSV)
 *
 * Returns: MSX_OK, MSX_ERROR_INVALID_ARGUMENT (a bad file) or
 * MSX_ERROR_NO_MEMORY.
 */
MsxStatus msx_colormap_load (
    const char *path, uint8_t *rgb, char *msg, size_t msg_size);

/**
 * msx_colormap_lookup:
 * @v: a level in [0, 1] (clamped; NaN maps to 0)
 * @invert: use the table reversed
 * @rgb: (out): 3 bytes
 *
 * Picks entry round(v·255).
 */
void msx_colormap_lookup (MsxColormap map, int invert, float v, uint8_t *rgb);

#endif /* MSX_COLORMAP_H */
