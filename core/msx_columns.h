/* melspecx core — bounded-memory time axis for whole-input pictures.
 * SPDX-License-Identifier: MIT
 *
 * Image mode must show an input of any length in `width` columns with memory
 * that does not grow with the input.  MsxColumns keeps at most
 * 4 × width columns, each the sum of a power-of-two number of consecutive
 * frames; when full, neighbouring columns are merged pairwise.  Sums are in
 * the mel power domain (double), so a single loud frame survives averaging
 * (a click among 1000 quiet frames stays ~30 dB above them) instead of being
 * decimated away.
 */
#ifndef MSX_COLUMNS_H
#define MSX_COLUMNS_H

#include <stddef.h>
#include <stdint.h>
#include "msx_status.h"

typedef struct MsxColumns MsxColumns;

/**
 * msx_columns_new:
 * @n_mels: bands per frame
 * @width: target picture width; capacity is 4 × width columns
 *
 * Returns: MSX_OK, MSX_ERROR_INVALID_ARGUMENT or MSX_ERROR_NO_MEMORY.
 */
MsxStatus msx_columns_new (int n_mels, int width, MsxColumns **out);

/** msx_columns_add: appends @n_frames frames (time-major, n_mels each). */
void msx_columns_add (MsxColumns *cols, const float *mel, size_t n_frames);

/** Returns: frames added since creation or reset. */
uint64_t msx_columns_frames (const MsxColumns *cols);

/**
 * msx_columns_kept:
 * Returns: columns held now (<= 4 × width): all but the last are sums of
 * the same power-of-two number of frames, the last of 1 up to that many.
 * A test of the memory bound and of the merge boundaries.
 */
int msx_columns_kept (const MsxColumns *cols);

/** Returns: the largest single-frame value seen (the image-mode ref), 0 if
 * none. */
double msx_columns_max (const MsxColumns *cols);

/**
 * msx_columns_render_db:
 * @out_width: columns wanted, >= 1
 * @power: 2.0 or 1.0 (dB multiplier 10 or 20)
 * @ref: dB reference (image mode: msx_columns_max())
 * @amin: lower clamp before the log
 * @top_db: floor, in dB below @ref
 * @out: (out): @out_width × n_mels dB values, time-major, each
 *   k·log10(max(amin, v)) − k·log10(max(amin, ref)) floored at −@top_db
 *
 * When more columns are kept than @out_width, each output column is the
 * frame-weighted area (box) average of the kept columns it overlaps, in the
 * power domain, then converted to dB.  When fewer, the kept columns are
 * converted to dB and interpolated linearly in time (pixel-centre aligned,
 * edges clamped): bilinear upscaling in the dB domain.
 *
 * Returns: MSX_OK, MSX_ERROR_NO_MEMORY, or MSX_ERROR_NO_DATA if no frame
 * was added.
 */
MsxStatus msx_columns_render_db (const MsxColumns *cols, int out_width,
    double power, double ref, double amin, double top_db, float *out);

/** msx_columns_reset: forget all frames. */
void msx_columns_reset (MsxColumns *cols);

/** msx_columns_free: NULL-safe. */
void msx_columns_free (MsxColumns *cols);

#endif /* MSX_COLUMNS_H */
