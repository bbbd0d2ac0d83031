/* melspecx core — 256-entry colormaps equal to matplotlib's.
 * SPDX-License-Identifier: MIT
 */

#include <math.h>
#include <pthread.h>
#include <string.h>

#include "msx_colormap.h"

/* Written by tools/gen_colormaps.py into msx_colormap_tables.c, in the
 * order of MsxColormap. */
extern const uint8_t msx_colormap_tables[MSX_COLORMAP_COUNT][256 * 3];

/* Registered tables: appended under the lock, never changed or freed, so
 * a table returned once stays valid without the lock. */
static uint8_t custom_tables[MSX_COLORMAP_MAX_CUSTOM][256 * 3];
static int n_custom;
static pthread_mutex_t custom_lock = PTHREAD_MUTEX_INITIALIZER;

int
msx_colormap_valid (MsxColormap map)
{
  int registered;

  if ((int)map >= 0 && map < MSX_COLORMAP_COUNT)
    return 1;
  pthread_mutex_lock (&custom_lock);
  registered = (int)map >= MSX_COLORMAP_CUSTOM &&
               (int)map < MSX_COLORMAP_CUSTOM + n_custom;
  pthread_mutex_unlock (&custom_lock);
  return registered;
}

const uint8_t *
msx_colormap_table (MsxColormap map)
{
  if ((int)map >= 0 && map < MSX_COLORMAP_COUNT)
    return msx_colormap_tables[map];
  if (!msx_colormap_valid (map))
    return NULL;
  return custom_tables[(int)map - MSX_COLORMAP_CUSTOM];
}

MsxStatus
msx_colormap_custom (const uint8_t *rgb, MsxColormap *out)
{
  MsxStatus st = MSX_OK;
  int i;

  pthread_mutex_lock (&custom_lock);
  for (i = 0; i < n_custom; i++)
    if (memcmp (custom_tables[i], rgb, 256 * 3) == 0)
      break;
  if (i == n_custom) {
    if (n_custom == MSX_COLORMAP_MAX_CUSTOM)
      st = MSX_ERROR_NO_MEMORY;
    else
      memcpy (custom_tables[n_custom++], rgb, 256 * 3);
  }
  pthread_mutex_unlock (&custom_lock);
  if (st == MSX_OK)
    *out = (MsxColormap)(MSX_COLORMAP_CUSTOM + i);
  return st;
}

MsxStatus
msx_colormap_gamma (MsxColormap map, double gamma, MsxColormap *out)
{
  const uint8_t *base = msx_colormap_table (map);
  uint8_t rgb[256 * 3];
  int i;

  if (base == NULL || !(gamma > 0.0) || !isfinite (gamma))
    return MSX_ERROR_INVALID_ARGUMENT;
  if (gamma == 1.0) {
    *out = map;
    return MSX_OK;
  }
  for (i = 0; i < 256; i++) {
    int j = (int)lround (255.0 * pow (i / 255.0, gamma));
    memcpy (rgb + 3 * i, base + 3 * j, 3);
  }
  return msx_colormap_custom (rgb, out);
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
