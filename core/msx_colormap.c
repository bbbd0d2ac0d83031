/* melspecx core — 256-entry colormaps equal to matplotlib's.
 * SPDX-License-Identifier: MIT
 */

#include "msx_colormap.h"

/* Written by tools/gen_colormaps.py into msx_colormap_tables.c, in the
 * order of MsxColormap. */
extern const uint8_t msx_colormap_tables[MSX_COLORMAP_COUNT][256 * 3];

const uint8_t *
msx_colormap_table (MsxColormap map)
{
  if ((int)map < 0 || map >= MSX_COLORMAP_COUNT)
    return NULL;
  return msx_colormap_tables[map];
}

void
msx_colormap_lookup (MsxColormap map, int invert, float v, uint8_t *rgb)
{
  const uint8_t *table = msx_colormap_table (map);
  int i;

  if (table == NULL)
    table = msx_colormap_tables[MSX_COLORMAP_INFERNO];
  /* !(v > 0) also catches NaN. */
  if (!(v > 0.0f))
    v = 0.0f;
  else if (v > 1.0f)
    v = 1.0f;
  /* round half up: level k/255 (and anything nearer to it) picks entry k */
  i = (int)(v * 255.0 + 0.5);
  if (invert)
    i = 255 - i;
  rgb[0] = table[3 * i];
  rgb[1] = table[3 * i + 1];
  rgb[2] = table[3 * i + 2];
}
