/* Frames to columns at another pace (stream mode's scroll-duration),
 * against float64 arithmetic.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msx_pace.h"
#include "msx_test.h"

#define N_MELS 3
#define MAX_COLS 4096

typedef struct {
  int lanes;
  float cols[2][MAX_COLS][N_MELS];
  size_t n[2];
} Sink;

static void
collect (void *user, int lane, const float *mel, size_t n)
{
  Sink *k = user;

  memcpy (k->cols[lane][k->n[lane]], mel, n * N_MELS * sizeof (float));
  k->n[lane] += n;
}

/* Frame f, band m, lane l in dB. */
static float
frame_db (int lane, size_t f, int m)
{
  return (float)(-60.0 + 40.0 * sin (0.37 * f + m) + 5.0 * lane);
}

/* Pushes @total frames in batches of varying size through a pace of
 * @r frames per column; checks every column against float64. */
static void
check_pace (double r, size_t total)
{
  Sink *k = calloc (1, sizeof *k);
  MsxPace *p = NULL;
  float batch[2][64 * N_MELS];
  size_t f = 0, step = 1, expected;
  double worst = 0.0;
  char what[128];
  int ok = 1;

  k->lanes = 2;
  if (msx_pace_new (2, N_MELS, r, 10.0, collect, k, &p) != MSX_OK) {
    msx_check (0, "msx_pace_new");
    free (k);
    return;
  }
  while (f < total) {
    size_t n = step < total - f ? step : total - f, i;
    for (int l = 0; l < 2; l++) {
      for (i = 0; i < n; i++)
        for (int m = 0; m < N_MELS; m++)
          batch[l][i * N_MELS + m] = frame_db (l, f + i, m);
      ok &= msx_pace_push (p, l, batch[l], n) == MSX_OK;
    }
    f += n;
    step = step % 37 + 1;
  }
  /* r > 1: the column in progress is not out yet */
  expected =
      r > 1.0 ? (size_t)floor ((total - 1) / r) : (size_t)floor (total / r);
  snprintf (what, sizeof what, "r = %g: %zu columns from %zu frames", r,
      expected, total);
  ok &= k->n[0] == expected && k->n[1] == expected;
  msx_check (ok, what);
  for (size_t c = 0; c < k->n[0] && c < MAX_COLS; c++)
    for (int l = 0; l < 2; l++)
      for (int m = 0; m < N_MELS; m++) {
        double want;
        if (r > 1.0) {
          double sum = 0.0;
          size_t n = 0;
          for (size_t g = 0; g < total; g++)
            if ((size_t)floor (g / r) == c) {
              sum += pow (10.0, frame_db (l, g, m) / 10.0);
              n++;
            }
          want = 10.0 * log10 (sum / n);
        } else {
          size_t g = 0;
          while ((size_t)floor ((g + 1) / r) <= c)
            g++;
          want = frame_db (l, g, m);
        }
        worst = fmax (worst, fabs (want - k->cols[l][c][m]));
      }
  snprintf (what, sizeof what, "r = %g: columns equal float64 (worst %.2g dB)",
      r, worst);
  msx_check (worst < 1e-4, what);
  msx_pace_free (p);
  free (k);
}

int
main (void)
{
  MsxPace *p = NULL;
  Sink *k = calloc (1, sizeof *k);
  float v[N_MELS] = { 0 };

  check_pace (1.0, 500);
  check_pace (3.0, 1000);
  check_pace (2.37, 997); /* boundaries that are not whole frames */
  check_pace (0.25, 300); /* each frame four columns */
  check_pace (0.4, 311);

  msx_check (msx_pace_new (2, N_MELS, 0.0, 10.0, collect, k, &p) ==
                 MSX_ERROR_INVALID_ARGUMENT,
      "r = 0 refused");
  msx_pace_new (2, N_MELS, 2.0, 10.0, collect, k, &p);
  msx_check (msx_pace_push (p, 1, v, 1) == MSX_ERROR_INVALID_ARGUMENT,
      "a lane out of order is refused");
  msx_pace_push (p, 0, v, 1);
  msx_check (msx_pace_push (p, 1, v, 2) == MSX_ERROR_INVALID_ARGUMENT,
      "a count that differs from lane 0's is refused");
  msx_pace_reset (p);
  msx_check (msx_pace_frames (p) == 0, "reset forgets the frames");
  msx_pace_free (p);
  msx_pace_free (NULL);
  free (k);
  return msx_test_done ();
}
