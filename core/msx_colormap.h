/* melspecx core — 256-entry colormaps equal to matplotlib's.
 * SPDX-License-Identifier: MIT
 *
 * The tables live in msx_colormap_tables.c, written by
 * tools/gen_colormaps.py from matplotlib's own data: do not edit by hand.
 */
#ifndef MSX_COLORMAP_H
#define MSX_COLORMAP_H

#include <stdint.h>
#include "msx_config.h"

/**
 * msx_colormap_table:
 * Returns: 256 RGB triplets (768 bytes), index 0 for the quietest value, as
 * matplotlib's colormap(i/255) rounded to 8 bits; NULL for an invalid map.
 */
const uint8_t *msx_colormap_table (MsxColormap map);

/**
 * msx_colormap_lookup:
 * @v: a level in [0, 1] (clamped; NaN maps to 0)
 * @invert: use the table reversed
 * @rgb: (out): 3 bytes
 *
 * Picks entry round(v·255).
 */
void msx_colormap_lookup (MsxColormap map, int invert, float v, uint8_t * rgb);

#endif /* MSX_COLORMAP_H */
