/* melspecx core — streaming short-time analysis: samples in, mel frames out.
 * SPDX-License-Identifier: MIT
 *
 * Accepts interleaved float samples in pieces of any size, mixes or splits
 * channels, applies the centre padding, cuts frames every hop_length and
 * hands batches of up to chunk_size frames to a backend (the CPU backend
 * takes at most 256 at a time, msx_backend_max_batch(); and a batch is
 * cut down so that the samples it spans on every lane fit in
 * MSX_BATCH_MEMORY, msx_stft_batch()).  The frames it emits depend only on
 * the samples, never on how they were split into pushes or batches.
 */
#ifndef MSX_STFT_H
#define MSX_STFT_H

#include <stddef.h>
#include <stdint.h>
#include "msx_config.h"

typedef struct MsxStft MsxStft;

/**
 * MsxFramesFunc:
 * @user: the pointer given to msx_stft_new()
 * @lane: 0 when mixing, else the channel index
 * @mel: @n_frames × n_mels mel values (power or magnitude; their dB when
 *   cfg->output_db), time-major
 * @n_frames: number of frames, >= 1
 *
 * Receives analysed frames in order, lane by lane for each batch.
 */
typedef void (*MsxFramesFunc) (
    void *user, int lane, const float *mel, size_t n_frames);

/**
 * msx_stft_prepare:
 * @cfg: the config msx_stft_new() will get; only n_fft and backend are
 *   read, and nothing is validated
 *
 * Does ahead, from any thread, the part of msx_stft_new()'s set-up that
 * the input format does not change: the CPU FFT's first plan of n_fft
 * (~4 ms with FFTW, msx_fft_prepare()).  For a thread started before the
 * format is known, while the decoder upstream is still finding it.
 */
void msx_stft_prepare (const MsxConfig *cfg);

/**
 * msx_stft_new:
 * @cfg: a config (validated here)
 * @func: receives the frames
 * @user: passed to @func
 * @out: (out): the new analyser
 * @msg: (out): the reason on failure; with backend auto and a success on
 *   the CPU, why Vulkan was not used ("" if not applicable)
 *
 * Builds the window, mel bank and backend.
 *
 * Returns: MSX_OK, or any error of msx_config_validate() and
 * msx_backend_new().
 */
MsxStatus msx_stft_new (const MsxConfig *cfg, MsxFramesFunc func, void *user,
    MsxStft **out, char *msg, size_t msg_size);

/**
 * msx_stft_push:
 * @samples: @n_samples × channels interleaved floats; NaN and ±Inf are
 *   replaced by 0 so that one bad sample cannot poison the picture, and
 *   finite values beyond ±MSX_SAMPLE_LIMIT (for F64 too, even beyond
 *   float's range) are clamped to it: a loud sample stays loud, and every
 *   value that comes out is finite
 * @n_samples: samples per channel
 *
 * Frames are handed to the callback in full batches (msx_stft_batch()
 * frames) as soon as they are
 * complete; the rest waits for msx_stft_flush() or
 * msx_stft_finish().
 *
 * Returns: MSX_OK, MSX_ERROR_INVALID_ARGUMENT after msx_stft_finish(), or
 * a backend error.
 */
MsxStatus msx_stft_push (MsxStft *stft, const float *samples, size_t n_samples);

/**
 * MsxSampleFormat:
 * @MSX_SAMPLE_F32: float, native byte order (full scale ±1.0)
 * @MSX_SAMPLE_F64: double, native byte order
 * @MSX_SAMPLE_S16: int16_t, native byte order, divided by 32768
 * @MSX_SAMPLE_S32: int32_t, native byte order, divided by 2147483648
 *
 * Sample layouts msx_stft_push_samples() reads directly, converting each
 * sample once, on its way into the analysis buffer.
 */
typedef enum {
  MSX_SAMPLE_F32,
  MSX_SAMPLE_F64,
  MSX_SAMPLE_S16,
  MSX_SAMPLE_S32
} MsxSampleFormat;

/**
 * msx_stft_push_samples:
 * @samples: @n_samples × channels interleaved values in @fmt
 * @fmt: their layout
 *
 * msx_stft_push() for other sample formats: each value becomes the float
 * of its full-scale fraction (exactly, for S16) and then goes through the
 * same mixing, so the frames equal those of pushing the converted floats.
 *
 * Returns: as msx_stft_push(), or MSX_ERROR_INVALID_ARGUMENT for an
 * unknown @fmt.
 */
MsxStatus msx_stft_push_samples (
    MsxStft *stft, const void *samples, MsxSampleFormat fmt, size_t n_samples);

/**
 * msx_stft_flush:
 * Emits every frame whose samples have arrived, even if fewer than a
 * batch.  msx_stft_push() dispatches only full batches (chunk_size frames
 * is what a GPU wants); a live caller that needs low latency calls
 * this after each push.  The frames are the same either way.
 *
 * Returns: MSX_OK or a backend error.
 */
MsxStatus msx_stft_flush (MsxStft *stft);

/**
 * msx_stft_finish:
 * Ends the input: applies the right padding and emits the remaining frames.
 * With center, a total of L samples gives 1 + L/hop frames (librosa);
 * without, 1 + (L-n_fft)/hop, or none if L < n_fft; with framing kaldi,
 * 1 + (L-win_length)/hop, or none if L < win_length.  drop_last emits one
 * frame fewer (whisper), and holds the latest frame back until more input
 * or the end shows that it is not the last.  After finish, push
 * is refused until msx_stft_reset().
 */
MsxStatus msx_stft_finish (MsxStft *stft);

/** msx_stft_set_threads: see msx_backend_set_threads(). */
void msx_stft_set_threads (MsxStft *stft, int threads);

/** msx_stft_reset: forget all input (flushing seek, new stream). */
void msx_stft_reset (MsxStft *stft);

/**
 * msx_stft_batch:
 * Returns: the most frames handed to the backend and the callback at once:
 * chunk_size, or less where the backend wants less
 * (msx_backend_max_batch()) or where the samples a batch spans on every
 * lane would take more than MSX_BATCH_MEMORY (never less than 1).
 */
size_t msx_stft_batch (const MsxStft *stft);

/**
 * msx_stft_memory:
 * Returns: bytes of the analyser's own sample and mel buffers (the
 * backend's are not counted): at most MSX_BATCH_MEMORY plus a batch of mel
 * frames, unless a single frame needs more.
 */
size_t msx_stft_memory (const MsxStft *stft);

/** Returns: frames emitted per lane so far. */
uint64_t msx_stft_frames (const MsxStft *stft);

/** Returns: samples per channel pushed so far. */
uint64_t msx_stft_samples (const MsxStft *stft);

/** Returns: number of mel bands that catch no FFT bin (warn about them). */
int msx_stft_empty_bands (const MsxStft *stft);

/** Returns: the backend's description, e.g. "cpu (fftw)". */
const char *msx_stft_backend (MsxStft *stft);

/** msx_stft_free: NULL-safe. */
void msx_stft_free (MsxStft *stft);

#endif /* MSX_STFT_H */
