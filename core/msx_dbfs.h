/* melspecx core — absolute levels: the dB of a full-scale sine per band.
 * SPDX-License-Identifier: MIT
 *
 * dBFS as sox and ffmpeg draw it: 0 dB is a full-scale sine.  A mel band
 * sums several FFT bins with its own weights, so the reference is per
 * band: band m's 0 dBFS is the value a sine of amplitude 1 at the band's
 * centre frequency (mel point m+1 of the n_mels+2 equally spaced points)
 * gives in band m, for a frame whose window is centred on a crest of the
 * sine.  A −6 dBFS sine (amplitude 0.5) at a band's centre then reads
 * −6.02 dB in that band, whatever n_fft, window, power and mel norm; a
 * sine between two centres reads slightly less in both.
 */
#ifndef MSX_DBFS_H
#define MSX_DBFS_H

#include "msx_config.h"

/**
 * msx_dbfs_reference:
 * @cfg: a valid config (sample rate, framing, window, power, mel bank,
 *   amin)
 * @out: (out): n_mels values, k·log10(max(amin, S_m)) in dB re 1.0 (k 10
 *   for power 2, 20 for power 1), S_m being band m's mel value for the
 *   full-scale sine at its centre
 *
 * Computed in float64 with a direct DFT of the bins the band reads.
 *
 * Returns: MSX_OK, MSX_ERROR_INVALID_ARGUMENT or MSX_ERROR_NO_MEMORY.
 */
MsxStatus msx_dbfs_reference (const MsxConfig *cfg, double *out);

#endif /* MSX_DBFS_H */
