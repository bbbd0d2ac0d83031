/* melspecx core — the scrolling picture of stream mode.
 * SPDX-License-Identifier: MIT
 *
 * MsxScroll keeps the last `width` mel frames of each lane, in dB re 1.0 as
 * msx_stft delivers them with cfg->output_db, a peak tracker that sets the
 * reference in auto mode, and the picture drawn from them: newest column at
 * the right, lanes stacked top to bottom as msx_image_render() stacks them.
 * A render draws only the columns pushed since the previous one and keeps
 * the rest; anything that changes every pixel (reference, top_db,
 * colormap, invert, pixel format, size) redraws the whole picture once.
 *
 * Not thread-safe: push, render and the setters from one thread at a time.
 */
#ifndef MSX_SCROLL_H
#define MSX_SCROLL_H

#include <stddef.h>
#include <stdint.h>
#include "msx_config.h"
#include "msx_image.h"

/* Release of the peak tracker, in dB per second of audio. */
#define MSX_SCROLL_RELEASE_DB_PER_S 6.0

/* How many reference steps span top_db in auto mode (see
 * msx_scroll_ref_db()): steps of top_db/64, four of the 256 colour levels. */
#define MSX_SCROLL_REF_STEPS 64

/**
 * MsxScrollRef:
 * @MSX_SCROLL_REF_AUTO: the reference follows the peak tracker, never below
 *   floor + top_db (so that silence draws at level 0)
 * @MSX_SCROLL_REF_FIXED: the reference is a fixed dB value re 1.0
 */
typedef enum { MSX_SCROLL_REF_AUTO, MSX_SCROLL_REF_FIXED } MsxScrollRef;

typedef struct MsxScroll MsxScroll;

/**
 * msx_scroll_new:
 * @cfg: a config (validated here; not kept): lanes from channels and
 *   channel_mode, n_mels, width × height, top_db, colormap, invert, and
 *   power, amin and db_ref for the floor; hop_length and sample_rate set
 *   the tracker's release per frame
 * @out: (out): the new scroll, all columns at the floor, reference auto
 *
 * Returns: MSX_OK, MSX_ERROR_INVALID_ARGUMENT (any error of
 * msx_config_validate(), or height below the number of lanes) or
 * MSX_ERROR_NO_MEMORY.
 */
MsxStatus msx_scroll_new (const MsxConfig *cfg, MsxScroll **out);

/**
 * msx_scroll_push_frames:
 * @lane: 0 .. lanes−1, in that order for each batch (as msx_stft calls its
 *   MsxFramesFunc)
 * @mel_db: @n_frames × n_mels dB values re 1.0, time-major
 * @n_frames: the same count for every lane of a batch; may exceed the
 *   width (only the last width frames stay, all feed the tracker)
 *
 * The batch becomes columns, and the peak tracker runs over it, once its
 * last lane has arrived: per frame, peak = max(loudest value of the frame
 * over all lanes, peak − release), release = MSX_SCROLL_RELEASE_DB_PER_S ·
 * hop_length / sample_rate.
 *
 * Returns: MSX_OK, MSX_ERROR_INVALID_ARGUMENT (lane out of order, a count
 * that differs from lane 0's, @mel_db NULL) or MSX_ERROR_NO_MEMORY (the
 * batch is dropped).
 */
MsxStatus msx_scroll_push_frames (
    MsxScroll *scroll, int lane, const float *mel_db, size_t n_frames);

/**
 * msx_scroll_push_silence:
 * @n_frames: frames of silence, every lane at msx_scroll_floor_db(), as a
 *   timestamp gap or a GAP event stands for
 *
 * Returns: MSX_OK, or MSX_ERROR_INVALID_ARGUMENT in the middle of a batch
 * (not every lane of the last msx_scroll_push_frames() batch arrived).
 */
MsxStatus msx_scroll_push_silence (MsxScroll *scroll, uint64_t n_frames);

/**
 * msx_scroll_set_look:
 * Changes how the next render draws; a change redraws the whole picture.
 *
 * Returns: MSX_OK, or MSX_ERROR_INVALID_ARGUMENT for an unknown map or a
 * top_db outside MSX_MIN_TOP_DB..MSX_MAX_TOP_DB.
 */
MsxStatus msx_scroll_set_look (
    MsxScroll *scroll, MsxColormap map, int invert, double top_db);

/**
 * msx_scroll_set_reference:
 * @mode: auto (peak tracker) or fixed
 * @ref_db: the fixed reference in dB re 1.0 (ignored in auto mode)
 *
 * The picture shows [ref − top_db, ref] as levels 0..1.
 *
 * Returns: MSX_OK, or MSX_ERROR_INVALID_ARGUMENT for an unknown mode or a
 * @ref_db that is not finite.
 */
MsxStatus msx_scroll_set_reference (
    MsxScroll *scroll, MsxScrollRef mode, double ref_db);

/**
 * msx_scroll_set_size:
 * @width: columns, 1..MSX_MAX_WIDTH
 * @height: rows, lanes..MSX_MAX_HEIGHT
 *
 * Keeps the newest min(old, new) columns of each lane (older ones are the
 * floor); the next render draws the whole picture.  On failure nothing
 * changes.
 *
 * Returns: MSX_OK, MSX_ERROR_INVALID_ARGUMENT or MSX_ERROR_NO_MEMORY.
 */
MsxStatus msx_scroll_set_size (MsxScroll *scroll, int width, int height);

/**
 * msx_scroll_render:
 * @fmt: pixel format
 * @pixels: (out): msx_scroll_height() rows of @stride bytes, each row
 *   msx_scroll_width() pixels, oldest column at the left; bytes past the
 *   row's pixels are not touched
 * @stride: >= width × msx_pixel_size(@fmt)
 *
 * Draws the columns pushed since the last render into the kept picture
 * (all of it if the reference, the look, @fmt or the size changed since)
 * and copies it out.  Whichever way they were drawn, the pixels equal
 * msx_image_render() of msx_scroll_levels() floored at lo = ref − top_db,
 * between lo and ref = msx_scroll_ref_db(): the floor comes before the
 * bands are resized to rows, as in image mode.
 *
 * Returns: MSX_OK, MSX_ERROR_INVALID_ARGUMENT (format, NULL, stride) or
 * MSX_ERROR_NO_MEMORY.
 */
MsxStatus msx_scroll_render (
    MsxScroll *scroll, MsxPixelFormat fmt, uint8_t *pixels, size_t stride);

/**
 * msx_scroll_levels:
 * @out: (out): lanes × width × n_mels dB values re 1.0; lane l at
 *   out + l·width·n_mels, time-major, oldest column first (the layout of
 *   msx_image_render()'s input)
 */
void msx_scroll_levels (const MsxScroll *scroll, float *out);

/**
 * msx_scroll_ref_db:
 * Returns: the reference the next render draws with, dB re 1.0.  Fixed:
 * the value set.  Auto: the target max(peak, floor + top_db) rounded up to
 * a multiple of top_db / MSX_SCROLL_REF_STEPS; it rises at once when the
 * target passes it and falls only once the target is 1.5 steps below it,
 * so it stays within [target, target + 1.5 steps].
 */
double msx_scroll_ref_db (const MsxScroll *scroll);

/** Returns: the peak tracker's value, dB re 1.0 (the floor after a reset). */
double msx_scroll_peak_db (const MsxScroll *scroll);

/** Returns: the lowest level a frame can have: k·log10(amin) −
 * k·log10(max(amin, db_ref)). */
double msx_scroll_floor_db (const MsxScroll *scroll);

/** Returns: columns pushed (frames and silence) since the last render or reset.
 */
uint64_t msx_scroll_pending (const MsxScroll *scroll);

/** Returns: columns the last render drew (width when it redrew everything). */
int msx_scroll_last_drawn (const MsxScroll *scroll);

/** Returns: the picture's width (columns), height (rows) and lanes. */
int msx_scroll_width (const MsxScroll *scroll);
int msx_scroll_height (const MsxScroll *scroll);
int msx_scroll_lanes (const MsxScroll *scroll);

/**
 * msx_scroll_reset:
 * Flushing seek: every column back to the floor, the tracker to the floor;
 * the next render draws the whole picture (the floor's colour).  The look,
 * reference mode and size stay.
 */
void msx_scroll_reset (MsxScroll *scroll);

/** msx_scroll_free: NULL-safe. */
void msx_scroll_free (MsxScroll *scroll);

#endif /* MSX_SCROLL_H */
