/* melspecx core — batched real-to-complex FFT with kissfft (BSD).
 * SPDX-License-Identifier: MIT
 *
 * kiss_fftr computes n/2+1 kiss_fft_cpx {r, i} values, the same
 * interleaved layout msx_fft.h promises, so it writes straight into the
 * caller's array (or the plan's own, for msx_fft_execute).  kiss_fftr_alloc
 * only allocates, so no lock is needed.
 */
#include <stdlib.h>

#include <kiss_fftr.h>

#include "msx_fft.h"

struct MsxFft {
  int n_fft;
  kiss_fftr_cfg cfg;
  float *in;  /* n_fft reals */
  float *out; /* n_fft/2+1 complex */
};

const char *
msx_fft_library (void)
{
  return "kissfft";
}

/* kissfft plans in microseconds: nothing to do ahead. */
void
msx_fft_prepare (int n_fft)
{
  (void)n_fft;
}

MsxStatus
msx_fft_new (int n_fft, MsxFft **out)
{
  MsxFft *fft;

  *out = NULL;
  /* kiss_fftr packs n reals as n/2 complex values: n must be even. */
  if (n_fft < 2 || n_fft % 2)
    return MSX_ERROR_INVALID_ARGUMENT;
  fft = calloc (1, sizeof *fft);
  if (!fft)
    return MSX_ERROR_NO_MEMORY;
  fft->n_fft = n_fft;
  fft->cfg = kiss_fftr_alloc (n_fft, 0, NULL, NULL);
  fft->in = malloc ((size_t)n_fft * sizeof (float));
  fft->out = malloc (((size_t)n_fft + 2) * sizeof (float));
  if (!fft->cfg || !fft->in || !fft->out) {
    msx_fft_free (fft);
    return MSX_ERROR_NO_MEMORY;
  }
  *out = fft;
  return MSX_OK;
}

float *
msx_fft_input (MsxFft *fft)
{
  return fft->in;
}

const float *
msx_fft_execute (MsxFft *fft)
{
  kiss_fftr (fft->cfg, fft->in, (kiss_fft_cpx *)fft->out);
  return fft->out;
}

/* kiss_fftr has no partial transform: every bin is computed. */
const float *
msx_fft_execute_bins (MsxFft *fft, int n_bins)
{
  (void)n_bins;
  return msx_fft_execute (fft);
}

void
msx_fft_forward (MsxFft *fft, const float *in, float *out, size_t n_frames)
{
  size_t n = (size_t)fft->n_fft;
  size_t b;

  for (b = 0; b < n_frames; b++)
    kiss_fftr (fft->cfg, in + b * n, (kiss_fft_cpx *)(out + b * (n + 2)));
}

void
msx_fft_free (MsxFft *fft)
{
  if (!fft)
    return;
  kiss_fftr_free (fft->cfg);
  free (fft->in);
  free (fft->out);
  free (fft);
}
