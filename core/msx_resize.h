/* melspecx core — one-dimensional resampling used for pictures.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSX_RESIZE_H
#define MSX_RESIZE_H

/**
 * msx_resize_area:
 * @in: @n_in values, each standing for @in_weight[i] units of length (NULL
 *   means 1 each)
 * @out: (out): @n_out values (@n_out <= @n_in)
 * @stride_in: distance between consecutive @in values, @stride_out likewise
 *
 * Box filter: output cell j covers the fraction [j/n_out, (j+1)/n_out) of
 * the total length and is the length-weighted mean of the input over it
 * (fractional overlaps counted).  Nothing is dropped.
 */
void msx_resize_area (const double *in, const double *in_weight, int n_in,
    int stride_in, double *out, int n_out, int stride_out);

/**
 * msx_resize_linear:
 * Linear interpolation with pixel centres aligned: out[j] samples the input
 * at x = (j + 0.5)·n_in/n_out − 0.5, clamped to [0, n_in − 1].
 */
void msx_resize_linear (const double *in, int n_in, int stride_in, double *out,
    int n_out, int stride_out);

/**
 * MsxLerp:
 * One output of msx_resize_linear(): out = in[i0] + t·(in[i1] − in[i0]).
 */
typedef struct {
  int i0, i1;
  double t;
} MsxLerp;

/**
 * msx_resize_linear_plan:
 * @plan: (out): @n_out entries
 *
 * The positions msx_resize_linear() samples, once for many rows or columns
 * of the same size: applying @plan gives exactly its values.
 */
void msx_resize_linear_plan (int n_in, int n_out, MsxLerp *plan);

#endif /* MSX_RESIZE_H */
