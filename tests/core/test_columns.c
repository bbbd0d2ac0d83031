/* Tests of msx_columns: the bounded time axis against independent float64
 * box filters of the original frames.
 * SPDX-License-Identifier: MIT
 *
 * Tolerance.  The kept columns are exact sums over consecutive power-of-two
 * spans of s frames (s the smallest power of two with N <= 4·width·s), so
 * the library must equal, to float rounding of the dB output (2e-5 dB at
 * |dB| <= 80), the exact area average computed here over the SAME column
 * boundaries.  Against the ideal per-frame box filter the only difference
 * is inside the two kept columns cut by an output cell's edges, where the
 * column mean stands in for the frames: in the power domain
 * |approx − ideal| <= 2·s·(vmax − vmin) / L, L = N/out_width frames per
 * cell.  Both are asserted; the ideal deviation is also printed in dB.
 */
#include <malloc.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "msx_columns.h"
#include "msx_test.h"

#define AMIN 1e-10
#define TOP_DB 80.0

static double
db_of (double v, double ref, double mult)
{
  double db = mult * log10 (fmax (AMIN, v)) - mult * log10 (fmax (AMIN, ref));

  return fmax (db, -TOP_DB);
}

/* Frames per kept column after @n frames with @cap columns. */
static uint64_t
span_for (uint64_t n, int cap)
{
  uint64_t s = 1;

  while (n > (uint64_t)cap * s)
    s *= 2;
  return s;
}

/* Box filter of per-frame values @v (n frames, stride m) into @out_w cells:
 * cell j = mean over frames [j·n/out_w, (j+1)·n/out_w), fractions counted. */
static void
box_frames (const double *v, int m, uint64_t n, int out_w, double *out)
{
  int j, b;

  for (j = 0; j < out_w; j++)
    for (b = 0; b < m; b++) {
      double a = (double)j * n / out_w, e = (double)(j + 1) * n / out_w;
      double acc = 0.0;
      uint64_t f;

      for (f = (uint64_t)floor (a); f < n && (double)f < e; f++)
        acc += v[f * m + b] * (fmin (e, f + 1.0) - fmax (a, (double)f));
      out[j * m + b] = acc / (e - a);
    }
}

typedef struct {
  int m, width, out_w;
  uint64_t n;
  double *frames;  /* n × m, the original values in double */
  double *colmean; /* n × m, each frame replaced by its column mean */
  double max;
} Case;

static void
case_fill (Case *c, unsigned seed)
{
  uint64_t s = span_for (c->n, 4 * c->width), f, k;
  int b;

  c->frames = malloc (c->n * c->m * sizeof (double));
  c->colmean = malloc (c->n * c->m * sizeof (double));
  c->max = 0.0;
  srand (seed);
  for (f = 0; f < c->n * c->m; f++) {
    /* log-uniform power over 30 dB, rounded to float as the STFT gives */
    c->frames[f] = (float)pow (10.0, -3.0 * rand () / RAND_MAX);
    c->max = fmax (c->max, c->frames[f]);
  }
  for (k = 0; k * s < c->n; k++) {
    uint64_t end = (k + 1) * s < c->n ? (k + 1) * s : c->n;

    for (b = 0; b < c->m; b++) {
      double acc = 0.0;

      for (f = k * s; f < end; f++)
        acc += c->frames[f * c->m + b];
      for (f = k * s; f < end; f++)
        c->colmean[f * c->m + b] = acc / (end - k * s);
    }
  }
}

/* Upscaling reference: kept-column dB, linear at pixel centres, clamped. */
static void
linear_ref (const Case *c, uint64_t kept, uint64_t s, double *out)
{
  int j, b;

  for (j = 0; j < c->out_w; j++)
    for (b = 0; b < c->m; b++) {
      double x = (j + 0.5) * kept / c->out_w - 0.5, t;
      uint64_t i0, i1;

      x = fmin (fmax (x, 0.0), kept - 1.0);
      i0 = (uint64_t)x;
      i1 = i0 + 1 < kept ? i0 + 1 : i0;
      t = x - i0;
      out[j * c->m + b] =
          (1 - t) * db_of (c->colmean[i0 * s * c->m + b], c->max, 10) +
          t * db_of (c->colmean[i1 * s * c->m + b], c->max, 10);
    }
}

static void
run_case (int m, int width, int out_w, uint64_t n)
{
  Case c = { m, width, out_w, n, NULL, NULL, 0 };
  uint64_t s = span_for (n, 4 * width), kept = (n + s - 1) / s, f;
  MsxColumns *cols;
  float *got = malloc ((size_t)out_w * m * sizeof (float)), *buf;
  double *same = malloc ((size_t)out_w * m * sizeof (double));
  double *ideal = malloc ((size_t)out_w * m * sizeof (double));
  double err = 0.0, dev_db = 0.0, dev_pow = 0.0;
  int j, area = kept > (uint64_t)out_w;
  char what[160];

  case_fill (&c, (unsigned)n);
  msx_columns_new (m, width, &cols);
  buf = malloc (m * sizeof (float) * 64);
  /* Feed in uneven pieces of 1..64 frames. */
  for (f = 0; f < n;) {
    uint64_t k = 1 + (f * 7919) % 64, i;

    k = k < n - f ? k : n - f;
    for (i = 0; i < k * m; i++)
      buf[i] = (float)c.frames[f * m + i];
    msx_columns_add (cols, buf, k);
    f += k;
  }
  msx_columns_render_db (
      cols, out_w, 2.0, msx_columns_max (cols), AMIN, TOP_DB, got);
  if (area) {
    box_frames (c.colmean, m, n, out_w, same);
    box_frames (c.frames, m, n, out_w, ideal);
  } else
    linear_ref (&c, kept, s, same);
  for (j = 0; j < out_w * m; j++) {
    double ref_db = area ? db_of (same[j], c.max, 10) : same[j];

    err = fmax (err, fabs (got[j] - ref_db));
    if (area) {
      dev_db = fmax (dev_db, fabs (got[j] - db_of (ideal[j], c.max, 10)));
      dev_pow = fmax (dev_pow, fabs (same[j] - ideal[j]));
    }
  }
  snprintf (what, sizeof (what),
      "N=%llu width=%d out=%d: %llu columns of "
      "%llu frames kept (<= %d)",
      (unsigned long long)n, width, out_w, (unsigned long long)kept,
      (unsigned long long)s, 4 * width);
  msx_check (msx_columns_kept (cols) == (int)kept && kept <= 4u * width &&
                 msx_columns_frames (cols) == n,
      what);
  msx_check_close (msx_columns_max (cols), c.max, 0.0,
      "max is the loudest "
      "single frame value");
  snprintf (what, sizeof (what),
      "N=%llu out=%d: equals the %s reference "
      "over the same columns (max err %.2g dB)",
      (unsigned long long)n, out_w, area ? "area" : "linear-dB", err);
  msx_check (err <= 2e-5, what);
  if (area) {
    double bound = 2.0 * s * (1.0 - 1e-3) / ((double)n / out_w);

    printf ("# N=%llu out=%d: max deviation from the ideal per-frame box "
            "filter %.3g dB (power %.3g, bound %.3g)\n",
        (unsigned long long)n, out_w, dev_db, dev_pow, bound);
    msx_check (dev_pow <= bound, "deviation from the ideal box filter "
                                 "within 2·s·range/L");
  }
  msx_columns_free (cols);
  free (c.frames);
  free (c.colmean);
  free (got);
  free (buf);
  free (same);
  free (ideal);
}

/* One frame at power 1 among 1e5 at 1e-6, 100 frames per output column:
 * the click's column averages to ~1/100, i.e. -20 dB, far above the
 * -60 dB of the rest.  Also: the heap does not grow while frames arrive. */
static void
test_click (void)
{
  enum { M = 2, W = 1000, N = 100000, CLICK = 54321 };
  MsxColumns *cols;
  float frame[M], *out = malloc (W * M * sizeof (float));
  double frames_per_col = (double)N / W, quiet = 1e-6, top = -1e9;
  size_t heap0, heap1;
  int f, j, top_j = 0;

  msx_columns_new (M, W, &cols);
  heap0 = mallinfo2 ().uordblks;
  for (f = 0; f < N; f++) {
    frame[0] = frame[1] = (float)(f == CLICK ? 1.0 : quiet);
    msx_columns_add (cols, frame, 1);
  }
  heap1 = mallinfo2 ().uordblks;
  msx_check (heap1 == heap0, "no heap growth over 1e5 frames");
  msx_columns_render_db (
      cols, W, 2.0, msx_columns_max (cols), AMIN, TOP_DB, out);
  for (j = 0; j < W; j++)
    if (out[j * M] > top) {
      top = out[j * M];
      top_j = j;
    }
  /* span 32: the click's kept column [54304, 54336) lies inside cell 543
   * = [54300, 54400), so the whole click lands there. */
  msx_check (top_j == CLICK / 100, "the click is in its own column");
  msx_check_close (top, 10 * log10 ((1.0 + 99 * quiet) / frames_per_col), 1e-4,
      "click column at -10·log10(frames per column) dB");
  msx_check_close (out[0], 10 * log10 (quiet), 1e-4, "quiet columns at -60 dB");
  msx_columns_free (cols);
  free (out);
}

static void
test_edges (void)
{
  MsxColumns *cols = NULL;
  float frame[3] = { 0.01f, 1.0f, 0.0f }, out[3 * 5];

  msx_check (msx_columns_new (0, 10, &cols) == MSX_ERROR_INVALID_ARGUMENT &&
                 cols == NULL,
      "n_mels 0 refused");
  msx_check (msx_columns_new (3, 0, &cols) == MSX_ERROR_INVALID_ARGUMENT,
      "width 0 refused");
  msx_columns_new (3, 10, &cols);
  msx_check (msx_columns_render_db (cols, 5, 2.0, 1.0, AMIN, TOP_DB, out) ==
                 MSX_ERROR_NO_DATA,
      "no frames: NO_DATA");
  msx_columns_add (cols, frame, 1);
  msx_columns_render_db (cols, 5, 1.0, 1.0, AMIN, TOP_DB, out);
  msx_check_close (out[0], -40.0, 1e-5, "power 1: 20·log10 (0.01 -> -40 dB)");
  msx_check_close (out[4 * 3 + 2], -TOP_DB, 0.0, "zero floors at -top_db");
  msx_columns_reset (cols);
  msx_check (msx_columns_frames (cols) == 0 && msx_columns_max (cols) == 0.0 &&
                 msx_columns_kept (cols) == 0,
      "reset forgets everything");
  msx_columns_free (cols);
  msx_columns_free (NULL);
}

int
main (void)
{
  const int w = 16;

  run_case (4, w, w, 1);
  run_case (4, w, w, 3);
  run_case (4, w, w, w);
  run_case (4, w, w, 4 * w + 1);
  run_case (4, w, 7, 4 * w + 1);
  run_case (4, w, w, 100000);
  run_case (4, w, 37, 100000);
  run_case (4, w, 3 * w, 100000);
  test_click ();
  test_edges ();
  return msx_test_done ();
}
