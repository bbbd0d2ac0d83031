/* melspecx core — axes, colour bar, title and lane labels around a picture.
 * SPDX-License-Identifier: MIT
 *
 * The only part of the core that draws text: cairo and pango, built when
 * Meson finds them (the `annotate` feature).  Without them every call here
 * refuses with one sentence, and msx_annotate_supported() is 0.
 *
 * The picture itself (the plot) is drawn by msx_image_render() or
 * msx_scroll_render() into the frame at (margins.left, margins.top) with
 * the frame's stride: nothing here ever writes a pixel of the plot, so the
 * plot is pixel-identical to the picture without annotation.  Around it:
 * left, the frequency axis (round Hz values at their row on the picture's
 * mel scale, and lane names when there are several lanes); bottom, the time
 * axis; right, a colour bar of the colormap with dB labels; top, the title.
 *
 * Text is Sans at a pixel size that follows the plot height
 * (msx_annotate_font_px()), black on white, in the frame's pixel format
 * (grey levels for GRAY8, whose colour bar is the level itself).
 */
#ifndef MSX_ANNOTATE_H
#define MSX_ANNOTATE_H

#include <stddef.h>
#include <stdint.h>
#include "msx_config.h"
#include "msx_image.h"
#include "msx_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Lanes and characters of the labels kept by an annotator. */
#define MSX_ANNOTATE_MAX_LANES MSX_MAX_CHANNELS
#define MSX_ANNOTATE_MAX_NAME 16
#define MSX_ANNOTATE_MAX_TITLE 256

/**
 * MsxAnnotation:
 * What is drawn around a plot of @width × @height pixels.
 *
 * @n_mels, @f_min, @f_max (the effective upper edge, msx_config_f_max()),
 * @mel_scale: the picture's mel scale, for the frequency axis.
 * @map, @invert: the colormap of the plot (a custom or gamma table
 * included); @db_top: the dB value at the top of the colour bar (the
 * plot's level 1) and @top_db the range below it; @db_unit: "dB", "dBFS"...
 * @title: NULL or "" for none (UTF-8; at most MSX_ANNOTATE_MAX_TITLE bytes
 * are drawn).  @lane_names: NULL, or @n_lanes names ("L", "mid"...).
 */
typedef struct {
  int width, height; /* the plot */
  int n_lanes;
  MsxPixelFormat fmt;
  int n_mels;
  double f_min, f_max;
  MsxMelScale mel_scale;
  MsxColormap map;
  int invert;
  double db_top, top_db;
  const char *db_unit;
  const char *title;
  const char *const *lane_names;
} MsxAnnotation;

/** MsxMargins: pixels added on each side of the plot. */
typedef struct {
  int left, right, top, bottom;
} MsxMargins;

/** Returns: 1 when this build draws annotations, else 0. */
int msx_annotate_supported (void);

/**
 * msx_annotate_font_px:
 * Returns: the label font size in pixels for a plot @plot_height rows
 * high: 10 + height / 64, between 11 and 22.
 */
int msx_annotate_font_px (int plot_height);

/**
 * msx_annotate_margins:
 * @a: the annotation (@a->width and @a->height are the plot)
 * @m: (out): the margins
 *
 * The margins depend on the plot height (the font), the title (present or
 * not), the lanes and the frequency range, never on the look (colormap,
 * reference, top_db), so that a look that changes while playing keeps the
 * frame size.
 *
 * Returns: MSX_OK; MSX_ERROR_INVALID_ARGUMENT with @msg filled when this
 * build has no annotation support, an argument is out of range, or the
 * frame (plot and margins) would exceed MSX_MAX_WIDTH × MSX_MAX_HEIGHT.
 */
MsxStatus msx_annotate_margins (
    const MsxAnnotation *a, MsxMargins *m, char *msg, size_t msg_size);

/**
 * msx_annotate_fit:
 * @a: the annotation; @a->width and @a->height are set (out) to the plot
 * @frame_width, @frame_height: a frame size imposed from outside
 * @m: (out): the margins; the rows left over (when no plot height fits
 *   exactly, as the font steps) go to the top margin
 *
 * The largest plot that fits in the frame with its margins.
 *
 * Returns: MSX_OK, or MSX_ERROR_INVALID_ARGUMENT with @msg filled when the
 * frame leaves no room for a plot of at least one column and one row per
 * lane.
 */
MsxStatus msx_annotate_fit (MsxAnnotation *a, int frame_width, int frame_height,
    MsxMargins *m, char *msg, size_t msg_size);

/**
 * msx_annotate_row:
 * @a: the annotation
 * @lane: 0 .. n_lanes−1
 * @hz: a frequency
 *
 * Where @hz lies in the plot, as the picture draws it: band b (centre
 * frequency mel⁻¹(mel(f_min) + (b+1)·Δ), Δ = (mel(f_max) − mel(f_min)) /
 * (n_mels+1)) is sampled at lane height coordinate (b + 0.5)·rows/n_mels
 * from the lane's bottom edge (msx_resize_linear() and msx_resize_area()
 * both map band edges to row edges this way).
 *
 * Returns: the row coordinate from the top of the plot (row r spans
 * [r, r+1)), possibly outside the lane.
 */
double msx_annotate_row (const MsxAnnotation *a, int lane, double hz);

/**
 * msx_annotate_freq_ticks:
 * @hz, @row: (out): up to @max ticks of lane @lane: round frequencies
 *   (octaves of 1 kHz first, then 1, 2, 5 × 10^k, then multiples) inside
 *   the lane, at least 1.5 text heights apart, and their row (the integer
 *   row holding msx_annotate_row())
 *
 * Returns: the number of ticks, sorted by frequency.
 */
int msx_annotate_freq_ticks (
    const MsxAnnotation *a, int lane, double *hz, int *row, int max);

/**
 * msx_annotate_time_step:
 * Returns: the tick step in seconds for @span seconds across @width
 *   pixels: 1, 2 or 5 × 10^k below 10 s, then 10, 15, 30 s, 1, 2, 5, 10,
 *   15, 30 min, 1, 2, 5... h, so that labels of @label_px pixels keep
 *   apart.
 */
double msx_annotate_time_step (double span, int width, int label_px);

/**
 * msx_annotate_time_label:
 * Writes @t seconds as "2.5 s" (when @span is at most 60 s), "1:05" (m:ss)
 * or "1:02:05" (h:mm:ss, from an hour on), with the decimals @step needs.
 */
void msx_annotate_time_label (
    double t, double step, double span, char *out, size_t out_size);

/** Returns: the colormap index (0..255) the bar shows at dB value @db. */
int msx_annotate_bar_index (const MsxAnnotation *a, double db);

typedef struct MsxAnnotator MsxAnnotator;

/**
 * msx_annotator_new:
 * @a: the annotation (copied, strings included)
 * @out: (out): draws the frame around a plot; the static parts (frequency
 *   axis, colour bar, title, lane labels) are drawn here once
 *
 * Returns: MSX_OK, MSX_ERROR_INVALID_ARGUMENT (see msx_annotate_margins())
 * or MSX_ERROR_NO_MEMORY.
 */
MsxStatus msx_annotator_new (
    const MsxAnnotation *a, MsxAnnotator **out, char *msg, size_t msg_size);

/**
 * msx_annotator_new_fit:
 * As msx_annotator_new() for a frame of @frame_width × @frame_height
 * (msx_annotate_fit()).
 */
MsxStatus msx_annotator_new_fit (const MsxAnnotation *a, int frame_width,
    int frame_height, MsxAnnotator **out, char *msg, size_t msg_size);

/** Whether @an draws exactly @a (same sizes, scale, look and labels). */
int msx_annotator_matches (const MsxAnnotator *an, const MsxAnnotation *a);

/** The frame size, the plot size and the margins of @an. */
void msx_annotator_frame_size (const MsxAnnotator *an, int *width, int *height);
void msx_annotator_plot_size (const MsxAnnotator *an, int *width, int *height);
MsxMargins msx_annotator_margins (const MsxAnnotator *an);

/**
 * msx_annotator_draw:
 * @t0, @t1: the times in seconds at the plot's left and right edges (the
 *   time axis labels the ticks from max(t0, 0) on)
 * @frame: the frame, msx_annotator_frame_size(), @stride bytes a row
 *
 * Copies the static parts into every pixel of @frame outside the plot and
 * draws the time axis.  The plot's pixels are not touched.
 */
void msx_annotator_draw (
    MsxAnnotator *an, double t0, double t1, uint8_t *frame, size_t stride);

/** msx_annotator_free: NULL-safe. */
void msx_annotator_free (MsxAnnotator *an);

#ifdef __cplusplus
}
#endif
#endif /* MSX_ANNOTATE_H */
