/* melspecx core — dB matrices to pixels.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSX_IMAGE_H
#define MSX_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include "msx_config.h"

typedef enum {
  MSX_PIXEL_RGBA,
  MSX_PIXEL_RGBX,
  MSX_PIXEL_BGRA,
  MSX_PIXEL_BGRX,
  MSX_PIXEL_RGB,
  MSX_PIXEL_GRAY8 /* the level itself, 0 = quiet (no colormap) */
} MsxPixelFormat;

/** Returns: bytes per pixel of @fmt (4, 3 or 1). */
int msx_pixel_size (MsxPixelFormat fmt);

/* The grey of the one-row lines between lanes: mid grey stands apart
 * from every colormap's ends. */
#define MSX_SEPARATOR_GREY 128

/**
 * msx_image_lane:
 * @height, @n_lanes, @fmt: the picture
 * @lane: 0 .. n_lanes−1, top to bottom
 * @top: (out): the lane's first row
 * @rows: (out): its rows
 *
 * Each lane gets height/n_lanes rows, the last one the remainder.  In a
 * colour picture of several lanes at least 4 rows high, each lane after
 * the first gives its top row to a thin grey separator line (@top is then
 * the row after it); GRAY8 pictures are levels and have none.
 *
 * Returns: whether row @top − 1 is a separator.
 */
int msx_image_lane (
    int height, int n_lanes, MsxPixelFormat fmt, int lane, int *top, int *rows);

/**
 * msx_image_put_level:
 * Writes one pixel of colormap level @index (0..255) at @p in @fmt: the
 * level itself for GRAY8, else entry @index of the 256×3 @table (reversed
 * with @invert).  The picture and its colour bar are drawn with it.
 */
void msx_image_put_level (MsxPixelFormat fmt, const uint8_t *table, int invert,
    int index, uint8_t *p);

/**
 * msx_image_separator:
 * Draws @n_cols pixels of separator grey at @row.
 */
void msx_image_separator (MsxPixelFormat fmt, uint8_t *row, int n_cols);

/**
 * msx_image_render:
 * @db: @n_lanes lanes, each @n_cols × @n_mels dB values time-major, lane l
 *   at db + l·n_cols·n_mels
 * @db_min: the dB value drawn as level 0 (e.g. −top_db)
 * @db_max: the dB value drawn as level 1 (e.g. 0)
 * @map, @invert: colormap
 * @fmt: pixel format
 * @width, @height: picture size; @width must equal @n_cols (time is resized
 *   by the caller, see msx_columns_render_db)
 * @pixels: (out): @height rows of @stride bytes
 *
 * Lanes are stacked top to bottom as msx_image_lane() places them.  Within
 * a lane the lowest band is at the bottom; bands are resized to the lane
 * height in the dB domain (linear when upscaling, area average when
 * shrinking).  Alpha is 255.
 *
 * Returns: MSX_OK, MSX_ERROR_INVALID_ARGUMENT (sizes) or MSX_ERROR_NO_MEMORY.
 */
MsxStatus msx_image_render (const float *db, int n_lanes, int n_cols,
    int n_mels, float db_min, float db_max, MsxColormap map, int invert,
    MsxPixelFormat fmt, int width, int height, uint8_t *pixels, size_t stride);

#endif /* MSX_IMAGE_H */
