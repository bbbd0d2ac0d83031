/* melspecx core — real-to-complex FFT with FFTW (single precision).
 * SPDX-License-Identifier: MIT
 * (FFTW itself is GPL-2+: a binary linking this file is GPL.)
 *
 * One 1-frame plan on fftwf_malloc'd buffers that callers fill and read in
 * place (msx_fft_input, msx_fft_execute).  Two reasons: n/2+1 complex
 * outputs per frame is odd, so executing a plan at out + b*(n/2+1) breaks
 * FFTW's SIMD alignment assumption (a crash), and measured on 2 cores it is
 * also the fastest layout: n_fft 2048 ~310k frames/s against ~250k for a
 * plan_many over 16 frames at that stride and ~120k for an FFTW_UNALIGNED
 * plan.  FFTW_MEASURE gains only ~5 % at 2048 for ~280 ms of planning.
 *
 * The real transform of n samples is a complex one of n/2 (the samples
 * read as n/2 (even, odd) pairs, which is how they lie in memory) and a
 * last pass that splits the even and odd halves apart.  FFTW's own r2c
 * plans do the same, but FFTW_ESTIMATE gives them a radix-2 SSE2 split
 * that took 30 % of the transform; ours is eight floats a vector with
 * AVX2, and stops at the last bin the caller needs (msx_fft_execute_bins:
 * 372 of 1025 for 128 mel bands up to 8 kHz at 44.1 kHz).  n_fft 2048,
 * one thread: 0.96 us a frame against 1.22 us for FFTW's r2c, all bins.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

#include "msx_fft.h"
#include "msx_simd.h"

struct MsxFft {
  int n_fft;
  fftwf_plan plan;  /* complex, n_fft/2 points, in -> half */
  float *in;        /* n_fft reals, SIMD aligned */
  float *half;      /* the n_fft/2 complex values of the plan */
  float *out;       /* n_fft/2+1 complex */
  float *twiddle_c; /* per bin k: (cos, -cos)(2πk/n) / 2 */
  float *twiddle_s; /* per bin k: (sin, sin)(2πk/n) / 2 */
};

/* FFTW's planner is not thread-safe; executing plans is. */
static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;

const char *
msx_fft_library (void)
{
  return "fftw";
}

MsxStatus
msx_fft_new (int n_fft, MsxFft **out)
{
  MsxFft *fft;
  int half, k;

  *out = NULL;
  if (n_fft < 2 || n_fft % 2)
    return MSX_ERROR_INVALID_ARGUMENT;
  fft = calloc (1, sizeof *fft);
  if (!fft)
    return MSX_ERROR_NO_MEMORY;
  fft->n_fft = n_fft;
  half = n_fft / 2;
  fft->in = fftwf_malloc ((size_t)n_fft * sizeof (float));
  fft->half = fftwf_malloc ((size_t)half * sizeof (fftwf_complex));
  fft->out = fftwf_malloc ((size_t)(half + 1) * sizeof (fftwf_complex));
  fft->twiddle_c = malloc ((size_t)(half + 1) * 2 * sizeof (float));
  fft->twiddle_s = malloc ((size_t)(half + 1) * 2 * sizeof (float));
  if (!fft->in || !fft->half || !fft->out || !fft->twiddle_c ||
      !fft->twiddle_s) {
    msx_fft_free (fft);
    return MSX_ERROR_NO_MEMORY;
  }
  for (k = 0; k <= half; k++) {
    double a = 2.0 * M_PI * k / n_fft;
    fft->twiddle_c[2 * k] = (float)(0.5 * cos (a));
    fft->twiddle_c[2 * k + 1] = -fft->twiddle_c[2 * k];
    fft->twiddle_s[2 * k] = fft->twiddle_s[2 * k + 1] = (float)(0.5 * sin (a));
  }
  /* FFTW_ESTIMATE: MEASURE costs ~100 ms and scribbles on the arrays. */
  pthread_mutex_lock (&planner_lock);
  fft->plan = fftwf_plan_dft_1d (half, (fftwf_complex *)fft->in,
      (fftwf_complex *)fft->half, FFTW_FORWARD, FFTW_ESTIMATE);
  pthread_mutex_unlock (&planner_lock);
  if (!fft->plan) {
    msx_fft_free (fft);
    return MSX_ERROR_FFT;
  }
  *out = fft;
  return MSX_OK;
}

void
msx_fft_prepare (int n_fft)
{
  MsxFft *fft;

  /* The plan is thrown away; what FFTW learnt of the size stays. */
  if (msx_fft_new (n_fft, &fft) == MSX_OK)
    msx_fft_free (fft);
}

float *
msx_fft_input (MsxFft *fft)
{
  return fft->in;
}

/* Eight floats, four complex values (a GCC and clang extension). */
typedef float MsxFloat8 __attribute__ ((vector_size (32)));
typedef int MsxInt8 __attribute__ ((vector_size (32)));

#if defined(__clang__)
#define SHUFFLE8(v, ...) __builtin_shufflevector (v, v, __VA_ARGS__)
#else
#define SHUFFLE8(v, ...) __builtin_shuffle (v, (MsxInt8){ __VA_ARGS__ })
#endif

/* Bins 0 .. n_bins-1 (n_bins <= m+1) of the real transform from Z, the
 * m-point complex transform of the (even, odd) sample pairs, Z_m = Z_0:
 *   A = Z_k, B = conj Z_{m-k}, X_k = (A + B)/2 − i e^{-2πik/n} (A − B)/2
 * which in (re, im) pairs, D = A − B, is
 *   X_k = (A + B)/2 + (cos, −cos)/2 · (D_im, D_re) − (sin, sin)/2 · D.
 * Four bins a step: Z_{m-k-3} .. Z_{m-k} loaded at once and reversed. */
MSX_SIMD_CLONES static void
fft_split (const float *restrict z, const float *restrict tc,
    const float *restrict ts, float *restrict x, int m, int n_bins)
{
  const MsxFloat8 half = { 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f };
  const MsxFloat8 conj = { 1.0f, -1.0f, 1.0f, -1.0f, 1.0f, -1.0f, 1.0f, -1.0f };
  int end = n_bins < m ? n_bins : m; /* bins 1 .. end-1 have a partner */
  int k;

  x[0] = z[0] + z[1];
  x[1] = 0.0f;
  for (k = 1; k + 4 <= end; k += 4) {
    MsxFloat8 a, b, c, s, d, out;
    memcpy (&a, z + 2 * k, sizeof a);
    memcpy (&b, z + 2 * (m - k - 3), sizeof b);
    memcpy (&c, tc + 2 * k, sizeof c);
    memcpy (&s, ts + 2 * k, sizeof s);
    b = SHUFFLE8 (b, 6, 7, 4, 5, 2, 3, 0, 1) * conj;
    d = a - b;
    out = half * (a + b) + c * SHUFFLE8 (d, 1, 0, 3, 2, 5, 4, 7, 6) - s * d;
    memcpy (x + 2 * k, &out, sizeof out);
  }
  for (; k < end; k++) {
    float ar = z[2 * k], ai = z[2 * k + 1];
    float br = z[2 * (m - k)], bi = -z[2 * (m - k) + 1];
    float dr = ar - br, di = ai - bi;
    x[2 * k] = 0.5f * (ar + br) + tc[2 * k] * di - ts[2 * k] * dr;
    x[2 * k + 1] = 0.5f * (ai + bi) + tc[2 * k + 1] * dr - ts[2 * k + 1] * di;
  }
  if (n_bins > m) {
    x[2 * m] = z[0] - z[1];
    x[2 * m + 1] = 0.0f;
  }
}

const float *
msx_fft_execute_bins (MsxFft *fft, int n_bins)
{
  int m = fft->n_fft / 2;

  if (n_bins < 1 || n_bins > m + 1)
    n_bins = m + 1;
  fftwf_execute (fft->plan);
  fft_split (fft->half, fft->twiddle_c, fft->twiddle_s, fft->out, m, n_bins);
  return fft->out;
}

const float *
msx_fft_execute (MsxFft *fft)
{
  return msx_fft_execute_bins (fft, fft->n_fft / 2 + 1);
}

void
msx_fft_forward (MsxFft *fft, const float *in, float *out, size_t n_frames)
{
  size_t n = (size_t)fft->n_fft, n_out = n + 2; /* floats per spectrum */
  size_t b;

  for (b = 0; b < n_frames; b++) {
    memcpy (fft->in, in + b * n, n * sizeof (float));
    memcpy (out + b * n_out, msx_fft_execute (fft), n_out * sizeof (float));
  }
}

void
msx_fft_free (MsxFft *fft)
{
  if (!fft)
    return;
  if (fft->plan) {
    pthread_mutex_lock (&planner_lock);
    fftwf_destroy_plan (fft->plan);
    pthread_mutex_unlock (&planner_lock);
  }
  fftwf_free (fft->in);
  fftwf_free (fft->half);
  fftwf_free (fft->out);
  free (fft->twiddle_c);
  free (fft->twiddle_s);
  free (fft);
}
