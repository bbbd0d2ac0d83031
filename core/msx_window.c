/* melspecx core — analysis windows.
 * SPDX-License-Identifier: MIT
 *
 * The windows are scipy.signal.get_window(name, N, fftbins=True): the
 * periodic ("DFT-even") form, i.e. the symmetric window of N+1 points with
 * its last point dropped, which is what librosa.filters.get_window uses.
 */
#include <math.h>
#include <string.h>

#include "msx_window.h"

/* Generalised cosine window, periodic:
 * w[n] = a0 - a1 cos(2πn/N) + a2 cos(4πn/N), n = 0..N-1 (scipy's
 * general_cosine on N+1 points, truncated).  A 1-point window is 1, as
 * scipy's length guard returns. */
static void
cosine_window (double a0, double a1, double a2, int n, float *out)
{
  int i;

  if (n == 1) {
    out[0] = 1.0f;
    return;
  }
  for (i = 0; i < n; i++) {
    double x = 2.0 * M_PI * i / n;
    out[i] = (float)(a0 - a1 * cos (x) + a2 * cos (2.0 * x));
  }
}

void
msx_window_fill (MsxWindowType type, int win_length, int n_fft, float *out)
{
  /* librosa.util.pad_center: the window sits at (n_fft - win_length) // 2 */
  int lpad = (n_fft - win_length) / 2;
  float *w = out + lpad;
  int i;

  memset (out, 0, (size_t)n_fft * sizeof *out);
  switch (type) {
    case MSX_WINDOW_HANN:
      cosine_window (0.5, 0.5, 0.0, win_length, w);
      break;
    case MSX_WINDOW_HAMMING:
      cosine_window (0.54, 0.46, 0.0, win_length, w);
      break;
    case MSX_WINDOW_BLACKMAN:
      /* scipy.signal.windows.blackman: the "exact" 0.42/0.5/0.08 form */
      cosine_window (0.42, 0.5, 0.08, win_length, w);
      break;
    case MSX_WINDOW_POVEY:
      /* kaldi's povey window, symmetric: (0.5 − 0.5 cos(2πn/(N−1)))^0.85
       * (torch.hann_window(N, periodic=False).pow(0.85)); one point is 1 */
      for (i = 0; i < win_length; i++)
        w[i] = win_length == 1
                   ? 1.0f
                   : (float)pow (
                         0.5 - 0.5 * cos (2.0 * M_PI * i / (win_length - 1)),
                         0.85);
      break;
    case MSX_WINDOW_RECTANGULAR:
    default:
      for (i = 0; i < win_length; i++)
        w[i] = 1.0f;
      break;
  }
}
