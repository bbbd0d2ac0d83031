/* melspecx core — bounded-memory time axis for whole-input pictures.
 * SPDX-License-Identifier: MIT
 *
 * Invariant: every kept column but the last holds exactly `span` frames,
 * span a power of two; the last holds 1..span.  A frame arriving when all
 * `capacity` columns are full makes neighbours merge pairwise (capacity is
 * even, so every column has a partner), span doubles, and the frame starts
 * a new column.  So the kept columns are exact sums over consecutive
 * power-of-two spans of frames: no frame is ever dropped or resampled.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "msx_bigmem.h"
#include "msx_columns.h"
#include "msx_resize.h"
#include "msx_simd.h"

struct MsxColumns {
  int n_mels;
  int capacity;        /* 4 × width columns, even */
  int kept;            /* columns in use */
  uint64_t span;       /* frames per full column */
  uint64_t last_count; /* frames in the last column */
  uint64_t frames;
  double max;  /* largest single value seen */
  double *sum; /* capacity × n_mels, time-major */
};

MsxStatus
msx_columns_new (int n_mels, int width, MsxColumns **out)
{
  MsxColumns *cols;

  *out = NULL;
  if (n_mels < 1 || width < 1 || width > (1 << 24))
    return MSX_ERROR_INVALID_ARGUMENT;
  cols = calloc (1, sizeof (*cols));
  if (cols == NULL)
    return MSX_ERROR_NO_MEMORY;
  cols->n_mels = n_mels;
  cols->capacity = 4 * width;
  if ((size_t)cols->capacity > SIZE_MAX / sizeof (double) / n_mels)
    goto no_memory;
  /* On huge pages where the kernel has them (4 MiB at the defaults:
   * msx_bigmem.h); a column is zeroed when it starts. */
  cols->sum = msx_big_alloc ((size_t)cols->capacity * n_mels * sizeof (double));
  if (cols->sum == NULL)
    goto no_memory;
  msx_columns_reset (cols);
  *out = cols;
  return MSX_OK;

no_memory:
  msx_columns_free (cols);
  return MSX_ERROR_NO_MEMORY;
}

/* Column k := column 2k + column 2k+1, for all k (capacity is even). */
static void
merge_pairs (MsxColumns *cols)
{
  size_t m = cols->n_mels;
  int k;

  for (k = 0; k < cols->kept / 2; k++) {
    double *dst = cols->sum + k * m;
    const double *a = cols->sum + 2 * k * m, *b = a + m;
    size_t i;

    for (i = 0; i < m; i++)
      dst[i] = a[i] + b[i];
  }
  cols->kept /= 2;
  cols->span *= 2;
}

MSX_SIMD_INLINE void
add_frame (MsxColumns *cols, const float *frame)
{
  size_t m = cols->n_mels, i;
  double *dst;

  if (cols->kept == 0 || cols->last_count == cols->span) {
    if (cols->kept == cols->capacity)
      merge_pairs (cols);
    /* A new column starts from zero: the buffer was not zeroed. */
    memset (cols->sum + (size_t)cols->kept * m, 0, m * sizeof (double));
    cols->kept++;
    cols->last_count = 0;
  }
  dst = cols->sum + (size_t)(cols->kept - 1) * m;
  for (i = 0; i < m; i++) {
    double v = frame[i];

    dst[i] += v;
    if (v > cols->max)
      cols->max = v;
  }
  cols->last_count++;
  cols->frames++;
}

MSX_SIMD_CLONES void
msx_columns_add (MsxColumns *cols, const float *mel, size_t n_frames)
{
  size_t f;

  for (f = 0; f < n_frames; f++)
    add_frame (cols, mel + f * cols->n_mels);
}

uint64_t
msx_columns_frames (const MsxColumns *cols)
{
  return cols->frames;
}

int
msx_columns_kept (const MsxColumns *cols)
{
  return cols->kept;
}

double
msx_columns_max (const MsxColumns *cols)
{
  return cols->max;
}

static uint64_t
count_of (const MsxColumns *cols, int k)
{
  return k == cols->kept - 1 ? cols->last_count : cols->span;
}

/* k·log10(max(amin, v)) − ref_db, floored at −top_db. */
static float
to_db (double v, double k, double ref_db, double amin, double top_db)
{
  double db = k * log10 (v > amin ? v : amin) - ref_db;

  return (float)(db > -top_db ? db : -top_db);
}

/* One output column of the area (box) filter, all bands at once: the
 * arithmetic of msx_resize_area() on each band's column means, walked
 * column by column so that the kept sums are read in memory order.
 * @i, @x0: the resize position, carried from one output column to the
 * next. */
static void
area_column (const MsxColumns *cols, const double *weight, double total, int j,
    int out_width, int *i, double *x0, double *acc)
{
  size_t m = cols->n_mels, b;
  double lo_j = (double)j * total, hi_j = (double)(j + 1) * total;

  for (b = 0; b < m; b++)
    acc[b] = 0.0;
  while (*i < cols->kept) {
    double x1 = *x0 + weight[*i] * out_width;
    double lo = *x0 > lo_j ? *x0 : lo_j, hi = x1 < hi_j ? x1 : hi_j;

    if (hi > lo) {
      const double *sum = cols->sum + (size_t)*i * m;
      for (b = 0; b < m; b++)
        acc[b] += sum[b] / weight[*i] * (hi - lo);
    }
    if (x1 > hi_j)
      break; /* column i continues into the next output column */
    *x0 = x1;
    (*i)++;
  }
  for (b = 0; b < m; b++)
    acc[b] = total > 0.0 ? acc[b] / total : 0.0;
}

/* More kept columns than wanted: frame-weighted box filter in the power
 * domain, then dB. */
static void
render_area (const MsxColumns *cols, const double *weight, int out_width,
    double mult, double ref_db, double amin, double top_db, double *acc,
    float *out)
{
  size_t m = cols->n_mels, b;
  double total = 0.0, x0 = 0.0;
  int k, i = 0, j;

  for (k = 0; k < cols->kept; k++)
    total += weight[k];
  for (j = 0; j < out_width; j++) {
    area_column (cols, weight, total, j, out_width, &i, &x0, acc);
    for (b = 0; b < m; b++)
      out[(size_t)j * m + b] = to_db (acc[b], mult, ref_db, amin, top_db);
  }
}

/* Fewer kept columns than wanted: dB first, then linear interpolation in
 * time (upscaling interpolates in dB, as the README says). */
static MsxStatus
render_linear (const MsxColumns *cols, const double *weight, int out_width,
    double mult, double ref_db, double amin, double top_db, float *out)
{
  size_t m = cols->n_mels, b, k;
  double *db = malloc ((size_t)cols->kept * m * sizeof (double));
  MsxLerp *plan = malloc ((size_t)out_width * sizeof (MsxLerp));
  int j;

  if (db == NULL || plan == NULL) {
    free (db);
    free (plan);
    return MSX_ERROR_NO_MEMORY;
  }
  for (k = 0; k < (size_t)cols->kept; k++)
    for (b = 0; b < m; b++)
      db[k * m + b] =
          to_db (cols->sum[k * m + b] / weight[k], mult, ref_db, amin, top_db);
  msx_resize_linear_plan (cols->kept, out_width, plan);
  for (j = 0; j < out_width; j++) {
    const double *a = db + (size_t)plan[j].i0 * m;
    const double *c = db + (size_t)plan[j].i1 * m;
    for (b = 0; b < m; b++)
      out[(size_t)j * m + b] = (float)(a[b] + plan[j].t * (c[b] - a[b]));
  }
  free (db);
  free (plan);
  return MSX_OK;
}

MsxStatus
msx_columns_render_db (const MsxColumns *cols, int out_width, double power,
    double ref, double amin, double top_db, float *out)
{
  int n = cols->kept, k;
  double mult = power == 1.0 ? 20.0 : 10.0;
  double ref_db = mult * log10 (ref > amin ? ref : amin);
  double *weight, *acc;
  MsxStatus st = MSX_OK;

  if (out_width < 1)
    return MSX_ERROR_INVALID_ARGUMENT;
  if (cols->frames == 0)
    return MSX_ERROR_NO_DATA;
  weight = malloc ((size_t)n * sizeof (double));
  acc = malloc ((size_t)cols->n_mels * sizeof (double));
  if (weight == NULL || acc == NULL) {
    free (weight);
    free (acc);
    return MSX_ERROR_NO_MEMORY;
  }
  for (k = 0; k < n; k++)
    weight[k] = (double)count_of (cols, k);
  if (n > out_width)
    render_area (cols, weight, out_width, mult, ref_db, amin, top_db, acc, out);
  else
    st = render_linear (
        cols, weight, out_width, mult, ref_db, amin, top_db, out);
  free (weight);
  free (acc);
  return st;
}

void
msx_columns_reset (MsxColumns *cols)
{
  cols->kept = 0;
  cols->span = 1;
  cols->last_count = 0;
  cols->frames = 0;
  cols->max = 0.0;
}

void
msx_columns_free (MsxColumns *cols)
{
  if (cols == NULL)
    return;
  msx_big_free (
      cols->sum, (size_t)cols->capacity * cols->n_mels * sizeof (double));
  free (cols);
}
