/* melspecx core — the mel filterbank.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSX_MEL_H
#define MSX_MEL_H

#include "msx_config.h"

/**
 * MsxMelBank:
 * Triangular mel filters stored as a sparse band matrix: filter m covers
 * FFT bins start[m] .. start[m]+length[m]-1 with weights
 * weights[offset[m] .. offset[m]+length[m]-1].  A band that catches no bin
 * has length 0.  Public so that the Vulkan backend can upload it.
 */
typedef struct {
  int n_mels;
  int n_bins; /* n_fft/2 + 1 */
  int *start;
  int *length;
  int *offset;
  float *weights;
  int n_weights; /* sum of length[] */
  /* The same filters for msx_mel_bank_apply(): each band's weights padded
   * with zeros to a multiple of 4 (at the end, or at the front where the
   * end would pass n_bins), so that every band is whole vectors; a band
   * that fits neither way is padded to the whole spectrum instead.  Every
   * padded band lies within the n_bins bins. */
  int *start4;
  int *length4;
  int *offset4;
  float *weights4;
} MsxMelBank;

/**
 * msx_mel_bank_new:
 * @cfg: a validated config (sample_rate, n_fft, n_mels, f_min, f_max,
 *   mel_scale, mel_norm are used; f_max is clamped to Nyquist)
 * @out: (out): the filterbank
 *
 * Builds librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk, norm):
 * n_mels+2 points equally spaced on the mel scale (Slaney: linear below
 * 1 kHz, logarithmic above; HTK: 2595·log10(1+f/700)), triangles over the
 * FFT bin frequencies k·sr/n_fft, and with Slaney norm each triangle scaled
 * by 2/(f[m+2]-f[m]) so that its area is constant.  mel_scale kaldi builds
 * kaldi's MelBanks instead: 1127·ln(1+f/700), edges f_min + i·delta in mel,
 * triangles linear in mel over bins 0..n_fft/2−1, the Nyquist bin 0.
 * Weights are computed in double precision.
 *
 * Returns: MSX_OK or MSX_ERROR_NO_MEMORY.
 */
MsxStatus msx_mel_bank_new (const MsxConfig *cfg, MsxMelBank **out);

/**
 * msx_mel_bank_apply:
 * @bank: a filterbank
 * @spectrum: n_bins values (power or magnitude), of which the first
 *   msx_mel_bank_bins_used() are read; finite, never negative
 * @mel: (out): n_mels values, each at most FLT_MAX (a sum that overflows
 *   saturates there)
 */
void msx_mel_bank_apply (
    const MsxMelBank *bank, const float *spectrum, float *mel);

/**
 * msx_mel_bank_bins_used:
 * Returns: one past the highest FFT bin msx_mel_bank_apply() reads (0 if
 * none): the spectrum above it does not matter.
 */
int msx_mel_bank_bins_used (const MsxMelBank *bank);

/** Returns: the number of bands that catch no FFT bin (they stay 0). */
int msx_mel_bank_empty_bands (const MsxMelBank *bank);

/** msx_mel_bank_free: NULL-safe. */
void msx_mel_bank_free (MsxMelBank *bank);

/* Hz <-> mel conversions of librosa (htk=0: Slaney, htk=1: HTK) and
 * kaldi (1127·ln(1 + f/700)). */
double msx_hz_to_mel (double hz, MsxMelScale scale);
double msx_mel_to_hz (double mel, MsxMelScale scale);

#endif /* MSX_MEL_H */
