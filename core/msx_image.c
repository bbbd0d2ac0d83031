/* melspecx core — dB matrices to pixels.
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "msx_colormap.h"
#include "msx_image.h"
#include "msx_resize.h"

int
msx_pixel_size (MsxPixelFormat fmt)
{
  switch (fmt) {
    case MSX_PIXEL_RGB:
      return 3;
    case MSX_PIXEL_GRAY8:
      return 1;
    default:
      return 4;
  }
}

/* dB → [0, 1] → 8-bit index round(level·255), in double so that a level
 * exactly between two entries rounds up the same way for every format.
 * A degenerate range (db_max <= db_min) and NaN give 0. */
static int
index_of (double db, double db_min, double db_max)
{
  double l;

  if (!(db_max > db_min))
    return 0;
  l = (db - db_min) / (db_max - db_min);
  if (!(l > 0.0))
    return 0;
  return l < 1.0 ? (int)(l * 255.0 + 0.5) : 255;
}

static void
put_pixel (
    uint8_t *p, MsxPixelFormat fmt, const uint8_t *table, int invert, int index)
{
  const uint8_t *rgb = table + 3 * (invert ? 255 - index : index);

  if (fmt == MSX_PIXEL_GRAY8) {
    p[0] = (uint8_t)index; /* the level itself: no colormap */
    return;
  }
  switch (fmt) {
    case MSX_PIXEL_BGRA:
    case MSX_PIXEL_BGRX:
      p[0] = rgb[2];
      p[1] = rgb[1];
      p[2] = rgb[0];
      p[3] = 255;
      break;
    case MSX_PIXEL_RGB:
      p[0] = rgb[0];
      p[1] = rgb[1];
      p[2] = rgb[2];
      break;
    default: /* RGBA, RGBx */
      p[0] = rgb[0];
      p[1] = rgb[1];
      p[2] = rgb[2];
      p[3] = 255;
      break;
  }
}

/* One lane: @rows rows from @top, bands resized in dB to the rows (linear
 * up, area down) with band 0 at the lane's bottom row. */
static void
render_lane (const float *db, int n_cols, int n_mels, double db_min,
    double db_max, MsxColormap map, int invert, MsxPixelFormat fmt,
    uint8_t *top, int rows, size_t stride, double *band, double *col)
{
  const uint8_t *table = msx_colormap_table (map);
  int bpp = msx_pixel_size (fmt), c, r, b;

  for (c = 0; c < n_cols; c++) {
    for (b = 0; b < n_mels; b++)
      band[b] = db[(size_t)c * n_mels + b];
    if (rows >= n_mels)
      msx_resize_linear (band, n_mels, 1, col, rows, 1);
    else
      msx_resize_area (band, NULL, n_mels, 1, col, rows, 1);
    for (r = 0; r < rows; r++) {
      uint8_t *p = top + (size_t)(rows - 1 - r) * stride + (size_t)c * bpp;

      put_pixel (p, fmt, table, invert, index_of (col[r], db_min, db_max));
    }
  }
}

MsxStatus
msx_image_render (const float *db, int n_lanes, int n_cols, int n_mels,
    float db_min, float db_max, MsxColormap map, int invert, MsxPixelFormat fmt,
    int width, int height, uint8_t *pixels, size_t stride)
{
  int lane_h, l;
  double *band, *col;

  if (db == NULL || pixels == NULL || n_lanes < 1 || n_mels < 1 || n_cols < 1 ||
      width != n_cols || height < n_lanes || (int)fmt < MSX_PIXEL_RGBA ||
      fmt > MSX_PIXEL_GRAY8 || msx_colormap_table (map) == NULL ||
      stride < (size_t)width * msx_pixel_size (fmt))
    return MSX_ERROR_INVALID_ARGUMENT;
  lane_h = height / n_lanes;
  band = malloc ((size_t)n_mels * sizeof (double));
  col = malloc ((size_t)(height - lane_h * (n_lanes - 1)) * sizeof (double));
  if (band == NULL || col == NULL) {
    free (band);
    free (col);
    return MSX_ERROR_NO_MEMORY;
  }
  for (l = 0; l < n_lanes; l++) {
    int rows = l == n_lanes - 1 ? height - lane_h * l : lane_h;

    render_lane (db + (size_t)l * n_cols * n_mels, n_cols, n_mels, db_min,
        db_max, map, invert, fmt, pixels + (size_t)l * lane_h * stride, rows,
        stride, band, col);
  }
  free (band);
  free (col);
  return MSX_OK;
}
