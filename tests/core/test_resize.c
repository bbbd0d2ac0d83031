/* Tests of msx_resize: the area filter keeps the mean and every spike, the
 * linear filter is exact on ramps.  References are computed here in double
 * from the definitions, independently of the library.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>

#include "msx_resize.h"
#include "msx_test.h"

/* Weighted mean of @in over [a, b) (positions in units of length), by
 * brute-force overlap of every input with the interval. */
static double
ref_area_cell (const double *in, const double *w, int n, double a, double b)
{
  double x0 = 0.0, acc = 0.0;
  int i;

  for (i = 0; i < n; i++) {
    double x1 = x0 + (w ? w[i] : 1.0);
    double lo = fmax (a, x0), hi = fmin (b, x1);

    if (hi > lo)
      acc += in[i] * (hi - lo);
    x0 = x1;
  }
  return acc / (b - a);
}

static void
test_area_mean (void)
{
  enum { N = 1000 };
  double in[N], w[N], out[N], total = 0.0;
  int sizes[] = { 1, 3, 7, 64, 333, 999, 1000 }, s, i;

  srand (1);
  for (i = 0; i < N; i++) {
    in[i] = rand () / (double)RAND_MAX;
    w[i] = 1 + rand () % 8;
    total += w[i];
  }
  for (s = 0; s < (int)(sizeof (sizes) / sizeof (sizes[0])); s++) {
    int n_out = sizes[s];
    double in_mass = 0.0, out_mass = 0.0, err = 0.0;
    char what[96];

    msx_resize_area (in, w, N, 1, out, n_out, 1);
    for (i = 0; i < N; i++)
      in_mass += in[i] * w[i];
    for (i = 0; i < n_out; i++) {
      double ref =
          ref_area_cell (in, w, N, i * total / n_out, (i + 1) * total / n_out);

      out_mass += out[i] * total / n_out;
      err = fmax (err, fabs (out[i] - ref));
    }
    snprintf (
        what, sizeof (what), "area %d -> %d keeps the weighted sum", N, n_out);
    msx_check_close (out_mass, in_mass, 1e-9 * in_mass, what);
    snprintf (what, sizeof (what),
        "area %d -> %d equals the overlap "
        "reference (max err %.2g)",
        N, n_out, err);
    msx_check (err < 1e-12, what);
  }
}

/* A spike of height 1 in one of 1000 unit cells shrunk to 30 cells: the
 * cell(s) covering it hold its share of 1/(1000/30) of the length. */
static void
test_area_spike (void)
{
  enum { N = 1000, M = 30 };
  double in[N] = { 0 }, out[M], cell = (double)N / M;
  int spike = 500, j, hit = (int)floor ((spike + 0.5) / cell);

  in[spike] = 1.0;
  msx_resize_area (in, NULL, N, 1, out, M, 1);
  /* Cell 15 spans [500, 533.3): the spike lies wholly inside it. */
  msx_check_close (out[hit], 1.0 / cell, 1e-12, "spike survives at 1/cell");
  for (j = 0; j < M; j++)
    if (j != hit && out[j] != 0.0)
      break;
  msx_check (j == M, "other cells stay at zero");

  /* A spike straddling a boundary is split in proportion: input 33 spans
   * [33, 34) and cell 0 ends at 33.33. */
  in[spike] = 0.0;
  in[33] = 1.0;
  msx_resize_area (in, NULL, N, 1, out, M, 1);
  msx_check_close (
      out[0], (N / 3.0 / 10.0 - 33.0) / cell, 1e-12, "split spike: first part");
  msx_check_close (
      out[0] + out[1], 1.0 / cell, 1e-12, "split spike: parts add up");
}

static void
test_area_strided (void)
{
  double in[12], out[6];
  int i;

  /* Two interleaved signals: stride 2 must read only the first. */
  for (i = 0; i < 6; i++) {
    in[2 * i] = i;
    in[2 * i + 1] = 1000.0;
  }
  msx_resize_area (in, NULL, 6, 2, out, 3, 2);
  msx_check (out[0] == 0.5 && out[2] == 2.5 && out[4] == 4.5,
      "strided area: pairs averaged");
}

/* out[j] samples x = (j + 0.5)·n_in/n_out − 0.5; a ramp a + b·i gives
 * a + b·x exactly wherever x is inside [0, n_in − 1]. */
static void
test_linear_ramp (void)
{
  enum { N = 17 };
  double in[N], out[200], err = 0.0, edge_err = 0.0;
  int sizes[] = { 17, 40, 133, 200 }, s, i, j;

  for (i = 0; i < N; i++)
    in[i] = -80.0 + 3.25 * i;
  for (s = 0; s < 4; s++) {
    int n_out = sizes[s];

    msx_resize_linear (in, N, 1, out, n_out, 1);
    for (j = 0; j < n_out; j++) {
      double x = (j + 0.5) * N / n_out - 0.5;

      if (x >= 0.0 && x <= N - 1)
        err = fmax (err, fabs (out[j] - (-80.0 + 3.25 * x)));
      else /* clamped: the edge value */
        edge_err = fmax (edge_err, fabs (out[j] - in[x < 0 ? 0 : N - 1]));
    }
  }
  msx_check (err < 1e-12, "linear reproduces a ramp");
  msx_check (edge_err == 0.0, "linear clamps to the edge values");
  msx_resize_linear (in, N, 1, out, N, 1);
  for (i = 0; i < N && out[i] == in[i]; i++)
    ;
  msx_check (i == N, "same size is the identity");
  in[0] = 5.0;
  msx_resize_linear (in, 1, 1, out, 9, 1);
  for (j = 0; j < 9 && out[j] == 5.0; j++)
    ;
  msx_check (j == 9, "a single input fills every output");
}

int
main (void)
{
  test_area_mean ();
  test_area_spike ();
  test_area_strided ();
  test_linear_ramp ();
  return msx_test_done ();
}
