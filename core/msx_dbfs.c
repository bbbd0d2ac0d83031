/* melspecx core — absolute levels: the dB of a full-scale sine per band.
 * SPDX-License-Identifier: MIT
 *
 * One transform per band of the windowed sine at its centre frequency
 * (through the CPU FFT: n_mels transforms of n_fft, milliseconds at the
 * defaults), then the band's own weights over the bins it reads, summed
 * in float64.
 */
#include <math.h>
#include <stdlib.h>

#include "msx_db.h"
#include "msx_dbfs.h"
#include "msx_fft.h"
#include "msx_mel.h"
#include "msx_window.h"

MsxStatus
msx_dbfs_reference (const MsxConfig *c, double *out)
{
  double mel_lo, mel_hi, k_db = msx_db_multiplier (c->power);
  float *window = NULL;
  MsxMelBank *bank = NULL;
  MsxFft *fft = NULL;
  MsxStatus st;
  int m, n;

  if ((st = msx_config_validate (c, NULL, 0)))
    return st;
  window = malloc ((size_t)c->n_fft * sizeof *window);
  if (!window)
    return MSX_ERROR_NO_MEMORY;
  msx_window_fill (c->window, msx_config_win_length (c), c->n_fft, window);
  if ((st = msx_mel_bank_new (c, &bank)) || (st = msx_fft_new (c->n_fft, &fft)))
    goto done;
  mel_lo = msx_hz_to_mel (c->f_min, c->mel_scale);
  mel_hi = msx_hz_to_mel (msx_config_f_max (c), c->mel_scale);
  for (m = 0; m < c->n_mels; m++) {
    double hz = msx_mel_to_hz (
        mel_lo + (m + 1) * (mel_hi - mel_lo) / (c->n_mels + 1), c->mel_scale);
    double w = 2.0 * M_PI * hz / c->sample_rate, sum = 0.0;
    float *in = msx_fft_input (fft);
    const float *x;
    int j;

    for (n = 0; n < c->n_fft; n++)
      in[n] = (float)(window[n] * cos (w * (n - c->n_fft / 2)));
    x = msx_fft_execute (fft);
    for (j = 0; j < bank->length[m]; j++) {
      int k = bank->start[m] + j;
      double re = x[2 * k], im = x[2 * k + 1], p = re * re + im * im;
      sum +=
          bank->weights[bank->offset[m] + j] * (c->power == 1.0 ? sqrt (p) : p);
    }
    out[m] = k_db * log10 (sum > c->amin ? sum : c->amin);
  }

done:
  msx_fft_free (fft);
  msx_mel_bank_free (bank);
  free (window);
  return st;
}
