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

#include "msx_columns.h"
#include "msx_resize.h"

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
  /* calloc: the kernel hands out zero pages lazily, so a short input only
   * touches the columns it uses. */
  cols->sum = calloc ((size_t)cols->capacity * n_mels, sizeof (double));
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
  memset (cols->sum + cols->kept * m, 0,
      (size_t)(cols->capacity - cols->kept) * m * sizeof (double));
}

static void
add_frame (MsxColumns *cols, const float *frame)
{
  size_t m = cols->n_mels, i;
  double *dst;

  if (cols->kept == 0 || cols->last_count == cols->span) {
    if (cols->kept == cols->capacity)
      merge_pairs (cols);
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

void
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

MsxStatus
msx_columns_render_db (const MsxColumns *cols, int out_width, double power,
    double ref, double amin, double top_db, float *out)
{
  size_t m = cols->n_mels;
  int n = cols->kept, area = n > out_width, k, j;
  double mult = power == 1.0 ? 20.0 : 10.0;
  double ref_db = mult * log10 (ref > amin ? ref : amin);
  double *mean, *weight, *res;
  size_t b;

  if (out_width < 1)
    return MSX_ERROR_INVALID_ARGUMENT;
  if (cols->frames == 0)
    return MSX_ERROR_NO_DATA;
  mean = malloc ((size_t)n * sizeof (double));
  weight = malloc ((size_t)n * sizeof (double));
  res = malloc ((size_t)out_width * sizeof (double));
  if (mean == NULL || weight == NULL || res == NULL) {
    free (mean);
    free (weight);
    free (res);
    return MSX_ERROR_NO_MEMORY;
  }
  for (k = 0; k < n; k++)
    weight[k] = (double)count_of (cols, k);
  for (b = 0; b < m; b++) {
    for (k = 0; k < n; k++) {
      mean[k] = cols->sum[k * m + b] / weight[k];
      /* Upscaling interpolates in dB (SPEC §3): convert first. */
      if (!area)
        mean[k] = to_db (mean[k], mult, ref_db, amin, top_db);
    }
    if (area) {
      /* Frame-weighted box filter in the power domain, then dB. */
      msx_resize_area (mean, weight, n, 1, res, out_width, 1);
      for (j = 0; j < out_width; j++)
        out[j * m + b] = to_db (res[j], mult, ref_db, amin, top_db);
    } else {
      msx_resize_linear (mean, n, 1, res, out_width, 1);
      for (j = 0; j < out_width; j++)
        out[j * m + b] = (float)res[j];
    }
  }
  free (mean);
  free (weight);
  free (res);
  return MSX_OK;
}

void
msx_columns_reset (MsxColumns *cols)
{
  if (cols->kept > 0)
    memset (cols->sum, 0, (size_t)cols->kept * cols->n_mels * sizeof (double));
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
  free (cols->sum);
  free (cols);
}
