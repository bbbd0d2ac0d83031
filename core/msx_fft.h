/* melspecx core — batched real-to-complex FFT on the CPU.
 * SPDX-License-Identifier: MIT
 *
 * One implementation is compiled in, chosen by Meson: FFTW single precision
 * (msx_fft_fftw.c, GPL) when the `fftw` feature finds it, else kissfft
 * (msx_fft_kiss.c, BSD).
 */
#ifndef MSX_FFT_H
#define MSX_FFT_H

#include <stddef.h>
#include "msx_status.h"

typedef struct MsxFft MsxFft;

/**
 * msx_fft_new:
 * @n_fft: transform length, even and >= 2
 * @out: (out): the new plan
 *
 * Plans an out-of-place real-to-complex forward transform (no scaling).
 * Thread-safe: planning is serialised internally.
 *
 * Returns: MSX_OK, MSX_ERROR_INVALID_ARGUMENT for an odd or small n_fft,
 * MSX_ERROR_NO_MEMORY, or MSX_ERROR_FFT if the library refuses the plan.
 */
MsxStatus msx_fft_new (int n_fft, MsxFft ** out);

/**
 * msx_fft_forward:
 * @fft: a plan
 * @in: @n_frames packed frames of n_fft real samples
 * @out: (out): @n_frames × (n_fft/2+1) complex values as interleaved
 *   (re, im) float pairs: frame b, bin k at out[(b*(n_fft/2+1)+k)*2 + {0,1}]
 * @n_frames: number of frames
 *
 * The layout is the one of fftwf_plan_many_dft_r2c, GstFFTF32Complex and
 * VkFFT's R2C output.  One plan may be used from one thread at a time.
 */
void msx_fft_forward (MsxFft * fft, const float *in, float *out,
    size_t n_frames);

/**
 * msx_fft_input:
 * Returns: the plan's own input array of n_fft floats, SIMD aligned.  Fill
 * it (e.g. with a windowed frame) and call msx_fft_execute(): the frame
 * goes into the transform without a copy.
 */
float *msx_fft_input (MsxFft * fft);

/**
 * msx_fft_execute:
 * Transforms the n_fft reals in msx_fft_input() (which may be overwritten).
 *
 * Returns: the plan's own output, n_fft/2+1 complex values as interleaved
 * (re, im) floats, valid until the next call.
 */
const float *msx_fft_execute (MsxFft * fft);

/**
 * msx_fft_execute_bins:
 * @n_bins: how many bins the caller reads, 1 .. n_fft/2+1 (others: all)
 *
 * msx_fft_execute() for a caller that reads only bins 0 .. @n_bins-1 (the
 * mel bands end below Nyquist): the values past them are left undefined,
 * which saves part of the transform's last pass with FFTW.
 */
const float *msx_fft_execute_bins (MsxFft * fft, int n_bins);

/**
 * msx_fft_prepare:
 * @n_fft: a transform length msx_fft_new() will be asked for
 *
 * Does the library's one-time work for @n_fft ahead of msx_fft_new(), from
 * any thread: FFTW sets up its planner on the first plan of a process and
 * remembers each size it has planned, so the first msx_fft_new() costs
 * ~4 ms and a later one of the same size ~20 us.  Nothing for kissfft.
 */
void msx_fft_prepare (int n_fft);

/** Returns: "fftw" or "kissfft". */
const char *msx_fft_library (void);

/** msx_fft_free: NULL-safe. */
void msx_fft_free (MsxFft * fft);

#endif /* MSX_FFT_H */
