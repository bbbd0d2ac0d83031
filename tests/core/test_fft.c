/* Unit tests of msx_fft (FFTW or kissfft, whichever was built) against a
 * direct O(N²) DFT in double.
 * SPDX-License-Identifier: MIT
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "melspecx.h"
#include "msx_test.h"

/* Deterministic uniform noise in [-1, 1) (xorshift64). */
static double
noise (uint64_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return (double)(*s >> 11) / 4503599627370496.0 - 1.0;
}

/* X_k = Σ x_n e^{-2πikn/N}, k = 0..N/2, with exact index reduction so
 * that the twiddles come from one table of N cos/sin values. */
static void
dft (const float *x, int N, double *re, double *im)
{
  double *c = malloc (N * sizeof *c), *s = malloc (N * sizeof *s);
  int k, n;

  for (n = 0; n < N; n++) {
    c[n] = cos (2.0 * M_PI * n / N);
    s[n] = sin (2.0 * M_PI * n / N);
  }
  for (k = 0; k <= N / 2; k++) {
    double ar = 0.0, ai = 0.0;
    for (n = 0; n < N; n++) {
      int m = (int)(((int64_t)k * n) % N);
      ar += x[n] * c[m];
      ai -= x[n] * s[m];
    }
    re[k] = ar;
    im[k] = ai;
  }
  free (c);
  free (s);
}

/* Relative L2 error of @frames frames of msx_fft against the DFT; @shift
 * offsets both arrays by one float to defeat any SIMD alignment. */
static double
fft_error (int N, int frames, int shift)
{
  int bins = N / 2 + 1, b, k;
  float *in = malloc ((N * frames + 1) * sizeof *in);
  float *out = malloc ((2 * bins * frames + 1) * sizeof *out);
  double *re = malloc (bins * sizeof *re), *im = malloc (bins * sizeof *im);
  double num = 0.0, den = 0.0;
  uint64_t seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)N;
  MsxFft *fft;

  for (k = 0; k < N * frames + 1; k++)
    in[k] = (float)noise (&seed);
  if (msx_fft_new (N, &fft) != MSX_OK)
    return INFINITY;
  msx_fft_forward (fft, in + shift, out + shift, frames);
  for (b = 0; b < frames; b++) {
    const float *o = out + shift + 2 * bins * b;
    dft (in + shift + N * b, N, re, im);
    for (k = 0; k < bins; k++) {
      num += pow (o[2 * k] - re[k], 2) + pow (o[2 * k + 1] - im[k], 2);
      den += re[k] * re[k] + im[k] * im[k];
    }
  }
  msx_fft_free (fft);
  free (in);
  free (out);
  free (re);
  free (im);
  return sqrt (num / den);
}

static void
test_sizes (void)
{
  /* the smallest (2, 4: no bin between DC and Nyquist to pair; 10: an odd
   * half), powers of two, mixed radix (400 = 2^4·5^2, 18 = 2·3^2), a large
   * prime factor (2·53) and a long one */
  static const int sizes[] = { 2, 4, 10, 16, 18, 106, 400, 512, 1000, 2048,
    4096, 16384 };
  char what[128];
  size_t i;

  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    int frames = sizes[i] <= 512 ? 5 : 2;
    double err = fft_error (sizes[i], frames, (int)(i & 1));
    snprintf (what, sizeof what, "%s n %d x %d frames%s: rel L2 error %.2g",
        msx_fft_library (), sizes[i], frames, i & 1 ? " (unaligned)" : "", err);
    msx_check (err < 2e-6, what);
  }
}

/* An impulse at sample d has X_k = e^{-2πikd/N}: |X_k| = 1 for all k. */
static void
test_impulse (void)
{
  enum { N = 64 };
  float in[N] = { 0 }, out[N + 2];
  double err = 0.0;
  MsxFft *fft;
  int k;

  in[3] = 1.0f;
  msx_fft_new (N, &fft);
  msx_fft_forward (fft, in, out, 1);
  for (k = 0; k <= N / 2; k++) {
    err = fmax (err, fabs (out[2 * k] - cos (2 * M_PI * k * 3 / N)));
    err = fmax (err, fabs (out[2 * k + 1] + sin (2 * M_PI * k * 3 / N)));
  }
  msx_check (err < 1e-6, "impulse at 3: X_k = exp(-2πi·3k/N), unscaled");
  msx_fft_free (fft);
}

/* msx_fft_execute_bins(): the first n_bins values are those of the whole
 * transform, bit for bit, for every n_bins around the four-bin steps. */
static void
test_bins (void)
{
  enum { N = 64 };
  float full[N + 2];
  const float *x;
  uint64_t seed = 7;
  int n, k, worst = 0;
  MsxFft *fft;

  msx_fft_new (N, &fft);
  for (k = 0; k < N; k++)
    msx_fft_input (fft)[k] = (float)noise (&seed);
  memcpy (full, msx_fft_execute (fft), sizeof full);
  for (n = 1; n <= N / 2 + 1; n++) {
    seed = 7; /* the input may have been overwritten */
    for (k = 0; k < N; k++)
      msx_fft_input (fft)[k] = (float)noise (&seed);
    x = msx_fft_execute_bins (fft, n);
    if (memcmp (x, full, 2 * (size_t)n * sizeof *x))
      worst = n;
  }
  msx_check (
      worst == 0, "execute_bins(n): bins below n equal the full transform's");
  msx_fft_free (fft);
}

static void
test_invalid (void)
{
  MsxFft *fft = (MsxFft *)1;

  msx_check (
      msx_fft_new (15, &fft) == MSX_ERROR_INVALID_ARGUMENT && fft == NULL,
      "odd n refused");
  msx_check (
      msx_fft_new (0, &fft) == MSX_ERROR_INVALID_ARGUMENT, "n 0 refused");
  msx_fft_free (NULL); /* NULL-safe: valgrind/ASan would object */
}

/* Planning from several threads at once (FFTW's planner is not
 * thread-safe: msx_fft serialises it). */
static void *
plan_many_times (void *arg)
{
  int i, *failures = arg;

  for (i = 0; i < 200; i++) {
    MsxFft *fft;
    if (msx_fft_new (16 + 2 * (i % 50), &fft) != MSX_OK)
      (*failures)++;
    msx_fft_free (fft);
  }
  return NULL;
}

static void
test_threads (void)
{
  pthread_t t[4];
  int failures[4] = { 0 }, i, sum = 0;

  for (i = 0; i < 4; i++)
    pthread_create (&t[i], NULL, plan_many_times, &failures[i]);
  for (i = 0; i < 4; i++) {
    pthread_join (t[i], NULL);
    sum += failures[i];
  }
  msx_check (sum == 0 && fft_error (2048, 1, 0) < 2e-6,
      "4 threads planning 800 plans at once, then a correct transform");
}

static double
now (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Throughput for the report: a TAP comment, never asserted. */
static void
report_speed (int N, int batch)
{
  float *in = calloc ((size_t)N * batch, sizeof *in);
  float *out = malloc ((size_t)(N + 2) * batch * sizeof *out);
  uint64_t seed = 1;
  double t0, best = 0.0;
  MsxFft *fft;
  int i, rep;

  for (i = 0; i < N * batch; i++)
    in[i] = (float)noise (&seed);
  msx_fft_new (N, &fft);
  for (rep = 0; rep < 5; rep++) {
    t0 = now ();
    msx_fft_forward (fft, in, out, batch);
    best = fmax (best, batch / (now () - t0));
  }
  printf ("# %s: n_fft %d, batch %d: %.0f frames/s (best of 5)\n",
      msx_fft_library (), N, batch, best);
  msx_fft_free (fft);
  free (in);
  free (out);
}

int
main (void)
{
  msx_check (!strcmp (msx_fft_library (), "fftw") ||
                 !strcmp (msx_fft_library (), "kissfft"),
      msx_fft_library ());
  test_sizes ();
  test_impulse ();
  test_bins ();
  test_invalid ();
  test_threads ();
  report_speed (2048, 1024);
  report_speed (512, 1024);
  return msx_test_done ();
}
