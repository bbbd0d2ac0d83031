/* melspecx core — frames to columns at another pace.
 * SPDX-License-Identifier: MIT
 *
 * Column boundaries are kept exact over hours: frame f belongs to column
 * floor(f / r), computed from the frame count, not accumulated.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "msx_pace.h"

struct MsxPace {
  int lanes, n_mels;
  double r;    /* frames per column */
  double mult; /* dB multiplier */
  MsxFramesFunc func;
  void *user;
  uint64_t frames; /* frames pushed per lane, before this batch */
  uint64_t column; /* the column in progress (r > 1) or next (r < 1) */
  double *sum;     /* lanes × n_mels: power summed for the column */
  uint64_t count;  /* frames in the column in progress */
  float *out;      /* columns of one lane of one batch */
  size_t out_cap;  /* columns */
  int next_lane;
  size_t batch_n;
};

MsxStatus
msx_pace_new (int lanes, int n_mels, double frames_per_column,
    double db_multiplier, MsxFramesFunc func, void *user, MsxPace **out)
{
  MsxPace *p;

  *out = NULL;
  if (lanes < 1 || n_mels < 1 || !(frames_per_column > 0) ||
      !isfinite (frames_per_column) || !(db_multiplier > 0) || func == NULL)
    return MSX_ERROR_INVALID_ARGUMENT;
  p = calloc (1, sizeof *p);
  if (!p)
    return MSX_ERROR_NO_MEMORY;
  p->lanes = lanes;
  p->n_mels = n_mels;
  p->r = frames_per_column;
  p->mult = db_multiplier;
  p->func = func;
  p->user = user;
  p->sum = calloc ((size_t)lanes * n_mels, sizeof *p->sum);
  if (!p->sum) {
    msx_pace_free (p);
    return MSX_ERROR_NO_MEMORY;
  }
  *out = p;
  return MSX_OK;
}

/* Room for @n columns of one lane. */
static int
reserve (MsxPace *p, size_t n)
{
  float *grown;

  if (n <= p->out_cap)
    return 1;
  grown = realloc (p->out, n * (size_t)p->n_mels * sizeof (float));
  if (!grown)
    return 0;
  p->out = grown;
  p->out_cap = n;
  return 1;
}

/* The column frame @f starts in: floor(f / r). */
static uint64_t
column_of (const MsxPace *p, uint64_t f)
{
  return (uint64_t)floor ((double)f / p->r);
}

/* The column of @lane's @count frames summed, as mean power in dB. */
static void
emit_mean (const MsxPace *p, int lane, uint64_t count, float *dst)
{
  const double *sum = p->sum + (size_t)lane * p->n_mels;
  int m;

  for (m = 0; m < p->n_mels; m++)
    dst[m] = (float)(p->mult * log10 (sum[m] / (double)count));
}

/* r > 1: frames summed as power into their column.  Every lane starts
 * from the column state of the batch's start; the last lane keeps the
 * state it ends with. */
static size_t
push_merge (MsxPace *p, int lane, const float *mel_db, size_t n)
{
  double *sum = p->sum + (size_t)lane * p->n_mels;
  uint64_t column = p->column, count = p->count;
  size_t f, done = 0;
  int m;

  for (f = 0; f < n; f++) {
    uint64_t c = column_of (p, p->frames + f);
    const float *v = mel_db + f * p->n_mels;
    if (c != column && count > 0) {
      emit_mean (p, lane, count, p->out + done * p->n_mels);
      done++;
      memset (sum, 0, (size_t)p->n_mels * sizeof *sum);
      count = 0;
    }
    column = c;
    for (m = 0; m < p->n_mels; m++)
      sum[m] += pow (10.0, v[m] / p->mult);
    count++;
  }
  if (lane == p->lanes - 1) {
    p->column = column;
    p->count = count;
  }
  return done;
}

/* r < 1: frame f fills columns column_of(f) .. column_of(f + 1) − 1. */
static size_t
push_repeat (MsxPace *p, const float *mel_db, size_t n)
{
  size_t f, done = 0;

  for (f = 0; f < n; f++) {
    uint64_t c0 = column_of (p, p->frames + f);
    uint64_t c1 = column_of (p, p->frames + f + 1), c;
    for (c = c0; c < c1; c++, done++)
      memcpy (p->out + done * p->n_mels, mel_db + f * p->n_mels,
          (size_t)p->n_mels * sizeof (float));
  }
  return done;
}

MsxStatus
msx_pace_push (MsxPace *p, int lane, const float *mel_db, size_t n_frames)
{
  size_t most, done;

  if (lane != p->next_lane || (lane > 0 && n_frames != p->batch_n))
    return MSX_ERROR_INVALID_ARGUMENT;
  p->batch_n = n_frames;
  most =
      (size_t)(column_of (p, p->frames + n_frames) - column_of (p, p->frames)) +
      1;
  if (!reserve (p, most))
    return MSX_ERROR_NO_MEMORY;
  if (p->r > 1.0) {
    done = push_merge (p, lane, mel_db, n_frames);
  } else {
    done = push_repeat (p, mel_db, n_frames);
  }
  if (done > 0)
    p->func (p->user, lane, p->out, done);
  if (lane < p->lanes - 1) {
    p->next_lane = lane + 1;
    return MSX_OK;
  }
  p->next_lane = 0;
  p->frames += n_frames;
  return MSX_OK;
}

uint64_t
msx_pace_frames (const MsxPace *p)
{
  return p->frames;
}

void
msx_pace_reset (MsxPace *p)
{
  p->frames = 0;
  p->column = 0;
  p->count = 0;
  p->next_lane = 0;
  memset (p->sum, 0, (size_t)p->lanes * p->n_mels * sizeof *p->sum);
}

void
msx_pace_free (MsxPace *p)
{
  if (!p)
    return;
  free (p->sum);
  free (p->out);
  free (p);
}
