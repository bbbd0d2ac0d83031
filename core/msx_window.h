/* melspecx core — analysis windows.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSX_WINDOW_H
#define MSX_WINDOW_H

#include "msx_config.h"

/**
 * msx_window_fill:
 * @type: window shape
 * @win_length: window length, 1..@n_fft
 * @n_fft: frame length
 * @out: (out): @n_fft values
 *
 * Writes the periodic ("DFT-even", scipy.signal.get_window(fftbins=True))
 * window (povey: kaldi's symmetric one) of @win_length samples, zero-padded to
 * @n_fft and centred at offset (n_fft - win_length) / 2 as
 * librosa.util.pad_center does.  Computed in double precision, stored as float.
 */
void msx_window_fill (
    MsxWindowType type, int win_length, int n_fft, float *out);

#endif /* MSX_WINDOW_H */
