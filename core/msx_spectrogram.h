/* melspecx core — one picture of a whole input (image mode).
 * SPDX-License-Identifier: MIT
 *
 * Ties msx_stft (analysis), msx_columns (bounded time axis, one per lane),
 * msx_image (colour) and msx_png together.  Memory is O(lanes × width ×
 * n_mels) whatever the input length.
 */
#ifndef MSX_SPECTROGRAM_H
#define MSX_SPECTROGRAM_H

#include <stddef.h>
#include <stdint.h>
#include "msx_config.h"
#include "msx_image.h"
#include "msx_stft.h"

typedef struct MsxSpectrogram MsxSpectrogram;

/**
 * msx_spectrogram_new:
 * @cfg: the config (copied; validated here); cfg->width is the column
 *   budget of the time axis
 * @msg: (out): the reason on failure (see msx_stft_new())
 *
 * Returns: MSX_OK or any error of msx_stft_new().
 */
MsxStatus msx_spectrogram_new (
    const MsxConfig *cfg, MsxSpectrogram **out, char *msg, size_t msg_size);

/** msx_spectrogram_push: see msx_stft_push(). */
MsxStatus msx_spectrogram_push (
    MsxSpectrogram *sg, const float *samples, size_t n_samples);

/** msx_spectrogram_push_samples: see msx_stft_push_samples(). */
MsxStatus msx_spectrogram_push_samples (MsxSpectrogram *sg, const void *samples,
    MsxSampleFormat fmt, size_t n_samples);

/** msx_spectrogram_finish: see msx_stft_finish(). */
MsxStatus msx_spectrogram_finish (MsxSpectrogram *sg);

/** Returns: frames analysed per lane so far. */
uint64_t msx_spectrogram_frames (const MsxSpectrogram *sg);

/** Returns: the input duration in seconds (samples pushed / rate). */
double msx_spectrogram_duration (const MsxSpectrogram *sg);

/**
 * msx_spectrogram_render:
 * @fmt, @width, @height: the picture (width/height may differ from the
 *   config's: the caller may have negotiated others)
 * @pixels: (out): @height × @stride bytes
 *
 * dB relative to the loudest frame of the whole input (all lanes), floored
 * at −top_db and mapped [−top_db, 0] → [0, 1] through the colormap.
 * Silence (no mel value above amin, so there is no meaningful ref) renders
 * uniformly at level 0, and so does an input too short for a single frame
 * (empty input): a valid, uniform picture rather than an error.
 *
 * Returns: MSX_OK, MSX_ERROR_NO_MEMORY, MSX_ERROR_INVALID_ARGUMENT.
 */
MsxStatus msx_spectrogram_render (MsxSpectrogram *sg, MsxPixelFormat fmt,
    int width, int height, uint8_t *pixels, size_t stride);

/**
 * msx_spectrogram_render_png:
 * Renders RGB (the picture is opaque: no alpha) at @width × @height and
 * encodes a PNG with a "melspecx" tEXt chunk holding the JSON of every
 * parameter, the duration and the version.  Free *@png with free().
 */
MsxStatus msx_spectrogram_render_png (
    MsxSpectrogram *sg, int width, int height, uint8_t **png, size_t *png_size);

/**
 * msx_spectrogram_encode_png:
 * @pixels: an RGB frame of @frame_width × @frame_height, @stride bytes a
 *   row (an annotated picture: msx_annotate.h)
 * @plot_width, @plot_height: the picture inside it, as the JSON records
 *   width and height (so that a picture made like it has the same plot)
 * @title: (nullable): NULL for a picture without annotation; else the
 *   JSON adds "annotate": true and, when @title is not empty, "title"
 *
 * Encodes a PNG with the "melspecx" tEXt chunk of
 * msx_spectrogram_render_png().  Free *@png with free().
 */
MsxStatus msx_spectrogram_encode_png (MsxSpectrogram *sg, const uint8_t *pixels,
    int frame_width, int frame_height, size_t stride, int plot_width,
    int plot_height, const char *title, uint8_t **png, size_t *png_size);

/**
 * msx_spectrogram_set_ref:
 * What the next render's 0 dB is: the loudest frame (MSX_REF_MAX) or, per
 * band, a full-scale sine (MSX_REF_DBFS, msx_dbfs.h); the PNG's JSON says
 * which.
 *
 * Returns: MSX_OK, or MSX_ERROR_INVALID_ARGUMENT for an unknown value.
 */
MsxStatus msx_spectrogram_set_ref (MsxSpectrogram *sg, MsxRef ref);

/**
 * msx_spectrogram_set_look:
 * Changes how the next render draws (colormap, invert, top_db) without
 * touching the analysis, so that these may change at any time.
 *
 * Returns: MSX_OK, or MSX_ERROR_INVALID_ARGUMENT for an unknown map or a
 * top_db outside MSX_MIN_TOP_DB..MSX_MAX_TOP_DB.
 */
MsxStatus msx_spectrogram_set_look (
    MsxSpectrogram *sg, MsxColormap map, int invert, double top_db);

/** msx_spectrogram_set_threads: see msx_backend_set_threads(). */
void msx_spectrogram_set_threads (MsxSpectrogram *sg, int threads);

/** msx_spectrogram_reset: forget all input (flushing seek). */
void msx_spectrogram_reset (MsxSpectrogram *sg);

/** Returns: the backend's description. */
const char *msx_spectrogram_backend (MsxSpectrogram *sg);

/** Returns: bands that catch no FFT bin. */
int msx_spectrogram_empty_bands (const MsxSpectrogram *sg);

/** msx_spectrogram_free: NULL-safe. */
void msx_spectrogram_free (MsxSpectrogram *sg);

#endif /* MSX_SPECTROGRAM_H */
