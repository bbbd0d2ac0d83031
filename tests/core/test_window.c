/* Unit tests of msx_window against scipy's definitions, in double.
 * SPDX-License-Identifier: MIT
 *
 * The reference builds scipy.signal.get_window(name, N, fftbins=True) the
 * way scipy does: the symmetric window of N+1 points,
 * w[n] = Σ (-1)^k a_k cos(2πkn/(M-1)) with M = N+1, then drops the last
 * point; librosa.util.pad_center then puts it at (n_fft - N) // 2.
 */
#include <stdio.h>
#include <stdlib.h>

#include "melspecx.h"
#include "msx_test.h"

static void
coefficients (MsxWindowType type, double a[3])
{
  a[0] = 1.0;
  a[1] = a[2] = 0.0;
  if (type == MSX_WINDOW_HANN) {
    a[0] = 0.5;
    a[1] = 0.5;
  } else if (type == MSX_WINDOW_HAMMING) {
    a[0] = 0.54;
    a[1] = 0.46;
  } else if (type == MSX_WINDOW_BLACKMAN) {
    a[0] = 0.42;
    a[1] = 0.5;
    a[2] = 0.08;
  }
}

/* Reference: symmetric window of M = N+1 points, truncated, padded. */
static void
reference (MsxWindowType type, int N, int n_fft, double *out)
{
  int M = N + 1, lpad = (n_fft - N) / 2, n;
  double a[3];

  coefficients (type, a);
  for (n = 0; n < n_fft; n++)
    out[n] = 0.0;
  for (n = 0; n < N; n++) {
    double x = 2.0 * M_PI * n / (M - 1);
    out[lpad + n] = N == 1 ? 1.0 : a[0] - a[1] * cos (x) + a[2] * cos (2 * x);
  }
}

static void
test_against_reference (MsxWindowType type, int win, int n_fft)
{
  float *w = malloc (n_fft * sizeof *w);
  double *ref = malloc (n_fft * sizeof *ref), err = 0.0;
  char what[128];
  int n;

  msx_window_fill (type, win, n_fft, w);
  reference (type, win, n_fft, ref);
  for (n = 0; n < n_fft; n++)
    err = fmax (err, fabs ((double)w[n] - ref[n]));
  snprintf (what, sizeof what, "%s win %d in n_fft %d: max error %.2g",
      msx_window_type_name (type), win, n_fft, err);
  /* float storage: half an ulp of values <= 1 */
  msx_check (err <= 6e-8, what);
  free (w);
  free (ref);
}

/* Facts that do not depend on the reference formula. */
static void
test_known_values (void)
{
  float w[16];
  int n, ok = 1;

  msx_window_fill (MSX_WINDOW_HANN, 4, 4, w);
  msx_check (w[0] == 0.0f && w[1] == 0.5f && w[2] == 1.0f && w[3] == 0.5f,
      "periodic hann 4 = 0, 0.5, 1, 0.5 (not symmetric)");
  msx_window_fill (MSX_WINDOW_HAMMING, 4, 4, w);
  msx_check (fabsf (w[0] - 0.08f) < 1e-7 && fabsf (w[2] - 1.0f) < 1e-7,
      "periodic hamming 4 starts at 0.08, peaks at 1");
  msx_window_fill (MSX_WINDOW_BLACKMAN, 4, 4, w);
  msx_check (fabsf (w[0]) < 1e-7 && fabsf (w[1] - 0.34f) < 1e-7,
      "periodic blackman 4 = 0, 0.34, 1, 0.34");
  msx_window_fill (MSX_WINDOW_HANN, 7, 16, w);
  for (n = 0; n < 16; n++)
    ok &= (n < 4 || n >= 11) ? w[n] == 0.0f : 1;
  msx_check (ok && w[4] == 0.0f && w[7] > 0.9f,
      "hann 7 in 16 sits at offset (16-7)//2 = 4");
  msx_window_fill (MSX_WINDOW_HANN, 1, 16, w);
  msx_check (w[7] == 1.0f && w[6] == 0.0f && w[8] == 0.0f,
      "a 1-point window is 1 (scipy's length guard), at offset 7");
  msx_window_fill (MSX_WINDOW_RECTANGULAR, 10, 16, w);
  msx_check (w[2] == 0.0f && w[3] == 1.0f && w[12] == 1.0f && w[13] == 0.0f,
      "rectangular 10 in 16 covers 3..12");
}

/* The periodic hann sums to N/2 and overlap-adds to a constant at hop N/4
 * (COLA), which is why it is the STFT default. */
static void
test_hann_cola (void)
{
  enum { N = 1024 };
  float w[N];
  double sum = 0.0, lo = 1e9, hi = 0.0;
  int n;

  msx_window_fill (MSX_WINDOW_HANN, N, N, w);
  for (n = 0; n < N; n++)
    sum += w[n];
  msx_check_close (sum, N / 2.0, 1e-4, "periodic hann sums to N/2");
  for (n = 0; n < N / 4; n++) {
    double s = w[n] + w[n + N / 4] + w[n + N / 2] + w[n + 3 * N / 4];
    lo = fmin (lo, s);
    hi = fmax (hi, s);
  }
  msx_check (hi - lo < 1e-6 && fabs (lo - 2.0) < 1e-6,
      "periodic hann overlap-adds to 2 at hop N/4");
}

int
main (void)
{
  static const int sizes[][2] = {
    { 2048, 2048 },
    { 400, 512 },
    { 401, 512 },
    { 2, 16 },
    { 1, 16 },
    { 15, 16 },
    { 16, 16 },
    { 1000, 65536 },
  };
  int t, i;

  for (t = MSX_WINDOW_HANN; t <= MSX_WINDOW_RECTANGULAR; t++)
    for (i = 0; i < (int)(sizeof sizes / sizeof sizes[0]); i++)
      test_against_reference (t, sizes[i][0], sizes[i][1]);
  test_known_values ();
  test_hann_cola ();
  return msx_test_done ();
}
