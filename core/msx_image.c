/* melspecx core — dB matrices to pixels.
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

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

void
msx_image_put_level (
    MsxPixelFormat fmt, const uint8_t *table, int invert, int index, uint8_t *p)
{
  const uint8_t *rgb = table + 3 * (invert ? 255 - index : index);

  switch (fmt) {
    case MSX_PIXEL_GRAY8:
      p[0] = (uint8_t)index; /* the level itself: no colormap */
      break;
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

/* The pixel of each colormap index in @fmt, @invert applied: a render
 * looks every pixel up here instead of switching on the format for each. */
typedef uint8_t PixelTable[256][4];

static void
pixel_table_fill (
    PixelTable px, MsxPixelFormat fmt, const uint8_t *table, int invert)
{
  int i;

  for (i = 0; i < 256; i++)
    msx_image_put_level (fmt, table, invert, i, px[i]);
}

/* One row of pixels from its colormap indices, written left to right. */
static void
put_row (uint8_t *p, int bpp, const PixelTable px, const uint8_t *index, int n)
{
  int c;

  switch (bpp) {
    case 1:
      for (c = 0; c < n; c++)
        p[c] = px[index[c]][0];
      break;
    case 3:
      for (c = 0; c < n; c++, p += 3)
        memcpy (p, px[index[c]], 3);
      break;
    default:
      for (c = 0; c < n; c++, p += 4)
        memcpy (p, px[index[c]], 4);
      break;
  }
}

/* Columns drawn at a time: their indices (rows x TILE bytes) stay in the
 * cache, and each row of pixels is still written as one run. */
#define TILE 64

/* Scratch for one lane: the band values of a column, its resized rows,
 * the colormap indices of TILE columns (row-major, top row first), and the
 * row interpolation plan. */
typedef struct {
  double *band, *col;
  uint8_t *index;
  MsxLerp *plan; /* NULL when rows < n_mels (area) */
} LaneScratch;

/* One lane: @rows rows from @top, bands resized in dB to the rows (linear
 * up, area down) with band 0 at the lane's bottom row.  For each TILE
 * columns the indices are computed a column at a time, then the pixels
 * written a row at a time, in memory order. */
static void
render_lane (const float *db, int n_cols, int n_mels, double db_min,
    double db_max, const PixelTable px, MsxPixelFormat fmt, uint8_t *top,
    int rows, size_t stride, const LaneScratch *ls)
{
  int bpp = msx_pixel_size (fmt), c0, c, r, b;

  for (c0 = 0; c0 < n_cols; c0 += TILE) {
    int w = n_cols - c0 < TILE ? n_cols - c0 : TILE;

    for (c = c0; c < c0 + w; c++) {
      uint8_t *index = ls->index + (size_t)(rows - 1) * TILE + (c - c0);

      for (b = 0; b < n_mels; b++)
        ls->band[b] = db[(size_t)c * n_mels + b];
      if (ls->plan) {
        for (r = 0; r < rows; r++) {
          const MsxLerp *l = &ls->plan[r];
          ls->col[r] =
              ls->band[l->i0] + l->t * (ls->band[l->i1] - ls->band[l->i0]);
        }
      } else {
        msx_resize_area (ls->band, NULL, n_mels, 1, ls->col, rows, 1);
      }
      /* col[0] is the bottom row */
      for (r = 0; r < rows; r++, index -= TILE)
        *index = (uint8_t)index_of (ls->col[r], db_min, db_max);
    }
    for (r = 0; r < rows; r++)
      put_row (top + (size_t)r * stride + (size_t)c0 * bpp, bpp, px,
          ls->index + (size_t)r * TILE, w);
  }
}

static void
lane_scratch_free (LaneScratch *ls)
{
  free (ls->band);
  free (ls->col);
  free (ls->index);
  free (ls->plan);
}

/* Room for lanes of up to @rows rows; the plan is for @rows (the last,
 * tallest lane) and is rebuilt by the caller for other heights. */
static int
lane_scratch_init (LaneScratch *ls, int n_mels, int rows)
{
  ls->band = malloc ((size_t)n_mels * sizeof (double));
  ls->col = malloc ((size_t)rows * sizeof (double));
  ls->index = malloc ((size_t)rows * TILE);
  ls->plan = malloc ((size_t)rows * sizeof (MsxLerp));
  return ls->band && ls->col && ls->index && ls->plan;
}

int
msx_image_lane (
    int height, int n_lanes, MsxPixelFormat fmt, int lane, int *top, int *rows)
{
  int lane_h = height / n_lanes;
  int line = n_lanes > 1 && lane > 0 && fmt != MSX_PIXEL_GRAY8 && lane_h >= 4;

  *top = lane * lane_h + line;
  *rows = (lane == n_lanes - 1 ? height - lane_h * lane : lane_h) - line;
  return line;
}

void
msx_image_separator (MsxPixelFormat fmt, uint8_t *row, int n_cols)
{
  int bpp = msx_pixel_size (fmt), c, b;

  for (c = 0; c < n_cols; c++)
    for (b = 0; b < bpp; b++)
      row[c * bpp + b] = b == 3 ? 255 : MSX_SEPARATOR_GREY;
}

MsxStatus
msx_image_render (const float *db, int n_lanes, int n_cols, int n_mels,
    float db_min, float db_max, MsxColormap map, int invert, MsxPixelFormat fmt,
    int width, int height, uint8_t *pixels, size_t stride)
{
  LaneScratch ls = { NULL, NULL, NULL, NULL };
  PixelTable px;
  MsxLerp *plan;
  int lane_h, l, planned = -1;

  if (db == NULL || pixels == NULL || n_lanes < 1 || n_mels < 1 || n_cols < 1 ||
      width != n_cols || height < n_lanes || (int)fmt < MSX_PIXEL_RGBA ||
      fmt > MSX_PIXEL_GRAY8 || msx_colormap_table (map) == NULL ||
      stride < (size_t)width * msx_pixel_size (fmt))
    return MSX_ERROR_INVALID_ARGUMENT;
  lane_h = height / n_lanes;
  if (!lane_scratch_init (&ls, n_mels, height - lane_h * (n_lanes - 1))) {
    lane_scratch_free (&ls);
    return MSX_ERROR_NO_MEMORY;
  }
  pixel_table_fill (px, fmt, msx_colormap_table (map), invert);
  plan = ls.plan;
  for (l = 0; l < n_lanes; l++) {
    int top, rows;

    if (msx_image_lane (height, n_lanes, fmt, l, &top, &rows))
      msx_image_separator (fmt, pixels + (size_t)(top - 1) * stride, width);
    /* rows >= n_mels: linear interpolation, one plan for every column */
    ls.plan = rows >= n_mels ? plan : NULL;
    if (ls.plan && rows != planned) {
      msx_resize_linear_plan (n_mels, rows, plan);
      planned = rows;
    }
    render_lane (db + (size_t)l * n_cols * n_mels, n_cols, n_mels, db_min,
        db_max, (const uint8_t (*)[4])px, fmt, pixels + (size_t)top * stride,
        rows, stride, &ls);
  }
  ls.plan = plan;
  lane_scratch_free (&ls);
  return MSX_OK;
}
