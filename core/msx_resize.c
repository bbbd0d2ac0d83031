/* melspecx core — one-dimensional resampling used for pictures.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stddef.h>

#include "msx_resize.h"

static double
weight_at (const double *w, int i)
{
  return w ? w[i] : 1.0;
}

/* Positions are kept multiplied by n_out, so that output cell j spans
 * [j·total, (j+1)·total) and input i spans its cumulative weight × n_out.
 * With integer weights (frame counts) every boundary is then an exact
 * integer in double, and the fractional overlaps are exact too. */
void
msx_resize_area (const double *in, const double *in_weight, int n_in,
    int stride_in, double *out, int n_out, int stride_out)
{
  double total = 0.0, x0 = 0.0;
  int i = 0, j;

  for (j = 0; j < n_in; j++)
    total += weight_at (in_weight, j);
  for (j = 0; j < n_out; j++) {
    double a = (double)j * total, b = (double)(j + 1) * total;
    double acc = 0.0;

    while (i < n_in) {
      double x1 = x0 + weight_at (in_weight, i) * n_out;
      double lo = x0 > a ? x0 : a, hi = x1 < b ? x1 : b;

      if (hi > lo)
        acc += in[(size_t)i * stride_in] * (hi - lo);
      if (x1 > b)
        break; /* input i continues into the next cell */
      x0 = x1;
      i++;
    }
    out[(size_t)j * stride_out] = total > 0.0 ? acc / total : 0.0;
  }
}

void
msx_resize_linear_plan (int n_in, int n_out, MsxLerp *plan)
{
  double scale = (double)n_in / n_out;
  int j;

  for (j = 0; j < n_out; j++) {
    double x = (j + 0.5) * scale - 0.5;

    if (x < 0.0)
      x = 0.0;
    else if (x > n_in - 1)
      x = n_in - 1;
    plan[j].i0 = (int)floor (x);
    plan[j].i1 = plan[j].i0 + 1 < n_in ? plan[j].i0 + 1 : plan[j].i0;
    plan[j].t = x - plan[j].i0;
  }
}

void
msx_resize_linear (const double *in, int n_in, int stride_in, double *out,
    int n_out, int stride_out)
{
  double scale = (double)n_in / n_out;
  int j;

  for (j = 0; j < n_out; j++) {
    double x = (j + 0.5) * scale - 0.5;
    int i0, i1;
    double t;

    if (x < 0.0)
      x = 0.0;
    else if (x > n_in - 1)
      x = n_in - 1;
    i0 = (int)floor (x);
    i1 = i0 + 1 < n_in ? i0 + 1 : i0;
    t = x - i0;
    /* Written as a + t·(b − a) so that equal neighbours give exactly a. */
    out[(size_t)j * stride_out] =
        in[(size_t)i0 * stride_in] +
        t * (in[(size_t)i1 * stride_in] - in[(size_t)i0 * stride_in]);
  }
}
