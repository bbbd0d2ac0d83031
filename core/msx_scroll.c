/* melspecx core — the scrolling picture of stream mode.
 * SPDX-License-Identifier: MIT
 *
 * Levels and pixels live in two rings with the same column order: column
 * `head` of both is the oldest, and pushing n frames writes columns head ..
 * head+n−1 (mod width) and moves head on.  A render that keeps the look
 * draws only those columns into the pixel ring (msx_image_render() on the
 * span, lane by lane, so the pixels are the ones a full render gives) and
 * unrolls the ring into the caller's buffer: two memcpy per row instead of
 * resizing and colouring width × height pixels.
 *
 * The reference is part of the look, and in auto mode the tracker moves it
 * every frame during a release (0.06 dB per hop at 48 kHz, hop 512), which
 * would redraw the whole picture every frame.  So the drawn reference is
 * quantised: a multiple of top_db/MSX_SCROLL_REF_STEPS (1.25 dB at top_db
 * 80, four colour levels), raised at once when the tracker passes it so
 * nothing new clips, lowered only once the tracker is 1.5 steps below so a
 * peak that hovers at a step boundary does not flicker.  A release then
 * redraws the picture about five times a second, not thirty, and each
 * redraw changes the brightness by a barely visible four levels.  Keeping
 * resized per-pixel dB to recolour instead would cost a float per pixel
 * (4 MB at 1024 × 1024) and still touch every pixel on each change.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "msx_colormap.h"
#include "msx_db.h"
#include "msx_scroll.h"

/* Everything the colour of a drawn pixel depends on besides its levels. */
typedef struct {
  double lo, hi; /* dB drawn as level 0 and level 1 */
  MsxColormap map;
  int invert;
  MsxPixelFormat fmt;
} Look;

struct MsxScroll {
  int lanes, n_mels, width, height;
  double release; /* dB per frame */
  double floor_db;

  MsxColormap map;
  int invert;
  double top_db;
  MsxScrollRef ref_mode;
  double ref_fixed;

  float *ring; /* lanes × width × n_mels; lane l at ring + l·width·n_mels */
  int head;    /* oldest column, next to be written */
  double peak;
  double *batch_max; /* per frame of the batch, loudest over its lanes */
  size_t batch_size, batch_n;
  int next_lane;
  uint64_t pending;

  uint8_t *picture; /* width × height pixels, 4 bytes each at most */
  float *span;      /* width × n_mels: one lane's columns, floored */
  int drawn_valid;  /* the picture holds every column drawn with `drawn` */
  Look drawn;
  double auto_ref; /* the quantised reference last drawn in auto mode */
  int have_auto_ref;
  int last_drawn;
};

/* Sizes of the two rings, or 0 if they do not fit a size_t. */
static size_t
ring_floats (int lanes, int width, int n_mels)
{
  if ((size_t)width > SIZE_MAX / sizeof (float) / lanes / n_mels)
    return 0;
  return (size_t)lanes * width * n_mels;
}

static size_t
picture_bytes (int width, int height)
{
  if ((size_t)width > SIZE_MAX / 4 / height)
    return 0;
  return (size_t)width * height * 4;
}

static void
fill_floor (float *v, size_t n, float floor_db)
{
  size_t i;

  for (i = 0; i < n; i++)
    v[i] = floor_db;
}

MsxStatus
msx_scroll_new (const MsxConfig *cfg, MsxScroll **out)
{
  MsxScroll *s;
  double k;
  MsxStatus st;

  *out = NULL;
  if (msx_config_validate (cfg, NULL, 0) != MSX_OK ||
      cfg->height < msx_config_lanes (cfg))
    return MSX_ERROR_INVALID_ARGUMENT;
  s = calloc (1, sizeof (*s));
  if (s == NULL)
    return MSX_ERROR_NO_MEMORY;
  k = msx_db_multiplier (cfg->power);
  s->lanes = msx_config_lanes (cfg);
  s->n_mels = cfg->n_mels;
  s->release = MSX_SCROLL_RELEASE_DB_PER_S * cfg->hop_length / cfg->sample_rate;
  s->floor_db =
      k * log10 (cfg->amin) - k * log10 (fmax (cfg->amin, cfg->db_ref));
  s->map = cfg->colormap;
  s->invert = cfg->invert ? 1 : 0;
  s->top_db = cfg->top_db;
  s->ref_mode = MSX_SCROLL_REF_AUTO;
  /* batches are at most chunk_size frames from msx_stft: no growth then */
  s->batch_max = malloc ((size_t)cfg->chunk_size * sizeof (double));
  s->batch_size = cfg->chunk_size;
  st = MSX_ERROR_NO_MEMORY;
  if (s->batch_max == NULL)
    goto fail;
  st = msx_scroll_set_size (s, cfg->width, cfg->height);
  if (st != MSX_OK)
    goto fail;
  msx_scroll_reset (s);
  *out = s;
  return MSX_OK;

fail:
  msx_scroll_free (s);
  return st;
}

/* The newest min(old, new) columns of each lane, oldest first, into a new
 * ring whose oldest column is 0. */
static void
copy_newest (const MsxScroll *s, float *ring, int width)
{
  size_t nm = s->n_mels;
  int keep = s->width < width ? s->width : width, l, i;

  fill_floor (ring, ring_floats (s->lanes, width, s->n_mels), s->floor_db);
  for (l = 0; l < s->lanes; l++)
    for (i = 0; i < keep; i++) {
      int from = (s->head + s->width - keep + i) % s->width;
      memcpy (ring + ((size_t)l * width + width - keep + i) * nm,
          s->ring + ((size_t)l * s->width + from) * nm, nm * sizeof (float));
    }
}

MsxStatus
msx_scroll_set_size (MsxScroll *s, int width, int height)
{
  size_t floats, bytes;
  float *ring = NULL, *span;
  uint8_t *picture;

  if (width < 1 || width > MSX_MAX_WIDTH || height < s->lanes ||
      height > MSX_MAX_HEIGHT)
    return MSX_ERROR_INVALID_ARGUMENT;
  floats = ring_floats (s->lanes, width, s->n_mels);
  bytes = picture_bytes (width, height);
  if (floats == 0 || bytes == 0)
    return MSX_ERROR_NO_MEMORY;
  picture = malloc (bytes);
  span = malloc (floats / s->lanes * sizeof (float));
  if (width != s->width)
    ring = malloc (floats * sizeof (float));
  if (picture == NULL || span == NULL || (width != s->width && ring == NULL)) {
    free (picture);
    free (span);
    free (ring);
    return MSX_ERROR_NO_MEMORY;
  }
  if (ring != NULL) {
    if (s->ring != NULL)
      copy_newest (s, ring, width);
    else
      fill_floor (ring, floats, s->floor_db);
    free (s->ring);
    s->ring = ring;
    s->head = 0;
  }
  free (s->picture);
  free (s->span);
  s->picture = picture;
  s->span = span;
  s->width = width;
  s->height = height;
  s->drawn_valid = 0;
  return MSX_OK;
}

/* Runs the tracker over @n frames whose loudest values are @frame_max (or
 * the floor when NULL) and moves the ring on by @n columns. */
static void
advance (MsxScroll *s, const double *frame_max, uint64_t n)
{
  uint64_t f;

  for (f = 0; f < n; f++) {
    double mx = frame_max ? frame_max[f] : s->floor_db;
    double fall = s->peak - s->release;

    s->peak = mx > fall ? mx : fall;
    /* silence: once at the floor the tracker stays there */
    if (frame_max == NULL && s->peak <= s->floor_db)
      break;
  }
  s->head = (int)((s->head + n) % (uint64_t)s->width);
  s->pending += n;
}

static MsxStatus
begin_batch (MsxScroll *s, size_t n_frames)
{
  if (n_frames > s->batch_size) {
    double *m = realloc (s->batch_max, n_frames * sizeof (double));

    if (m == NULL)
      return MSX_ERROR_NO_MEMORY;
    s->batch_max = m;
    s->batch_size = n_frames;
  }
  s->batch_n = n_frames;
  return MSX_OK;
}

MsxStatus
msx_scroll_push_frames (
    MsxScroll *s, int lane, const float *mel_db, size_t n_frames)
{
  size_t nm = s->n_mels, f, first;
  float *lane_ring;

  if (lane != s->next_lane || mel_db == NULL ||
      (lane > 0 && n_frames != s->batch_n))
    return MSX_ERROR_INVALID_ARGUMENT;
  if (lane == 0 && begin_batch (s, n_frames) != MSX_OK)
    return MSX_ERROR_NO_MEMORY;
  for (f = 0; f < n_frames; f++) {
    const float *v = mel_db + f * nm;
    float mx = v[0];
    size_t m;

    for (m = 1; m < nm; m++)
      mx = v[m] > mx ? v[m] : mx;
    s->batch_max[f] = lane == 0 || mx > s->batch_max[f] ? mx : s->batch_max[f];
  }
  /* only the last `width` frames of a long batch stay in the ring */
  first = n_frames > (size_t)s->width ? n_frames - s->width : 0;
  lane_ring = s->ring + (size_t)lane * s->width * nm;
  for (f = first; f < n_frames; f++)
    memcpy (lane_ring + ((s->head + f) % s->width) * nm, mel_db + f * nm,
        nm * sizeof (float));
  if (lane < s->lanes - 1) {
    s->next_lane = lane + 1;
    return MSX_OK;
  }
  s->next_lane = 0;
  advance (s, s->batch_max, n_frames);
  return MSX_OK;
}

MsxStatus
msx_scroll_push_silence (MsxScroll *s, uint64_t n_frames)
{
  uint64_t w = (uint64_t)s->width, n = n_frames < w ? n_frames : w, f;
  size_t nm = s->n_mels;
  int l;

  if (s->next_lane != 0)
    return MSX_ERROR_INVALID_ARGUMENT;
  for (l = 0; l < s->lanes; l++)
    for (f = n_frames - n; f < n_frames; f++)
      fill_floor (
          s->ring +
              ((size_t)l * s->width + (s->head + f) % (uint64_t)s->width) * nm,
          nm, s->floor_db);
  advance (s, NULL, n_frames);
  return MSX_OK;
}

MsxStatus
msx_scroll_set_look (MsxScroll *s, MsxColormap map, int invert, double top_db)
{
  if (!msx_colormap_valid (map) ||
      !(top_db >= MSX_MIN_TOP_DB && top_db <= MSX_MAX_TOP_DB))
    return MSX_ERROR_INVALID_ARGUMENT;
  /* a new top_db is a new step: quantise afresh */
  if (top_db != s->top_db)
    s->have_auto_ref = 0;
  s->map = map;
  s->invert = invert ? 1 : 0;
  s->top_db = top_db;
  return MSX_OK;
}

MsxStatus
msx_scroll_set_reference (MsxScroll *s, MsxScrollRef mode, double ref_db)
{
  if ((mode != MSX_SCROLL_REF_AUTO && mode != MSX_SCROLL_REF_FIXED) ||
      !isfinite (ref_db))
    return MSX_ERROR_INVALID_ARGUMENT;
  s->ref_mode = mode;
  s->ref_fixed = ref_db;
  return MSX_OK;
}

double
msx_scroll_ref_db (const MsxScroll *s)
{
  double target, step;

  if (s->ref_mode == MSX_SCROLL_REF_FIXED)
    return s->ref_fixed;
  target = fmax (s->peak, s->floor_db + s->top_db);
  step = s->top_db / MSX_SCROLL_REF_STEPS;
  if (s->have_auto_ref && target <= s->auto_ref &&
      target >= s->auto_ref - 1.5 * step)
    return s->auto_ref;
  return ceil (target / step) * step;
}

/* Draws ring columns [first, first + n) into the same picture columns.
 * Levels are floored at the bottom of the range before the bands are
 * resized to rows, as image mode floors dB at −top_db before it does:
 * a row between a band far below the floor and one above it then gets
 * the same colour in both modes. */
static MsxStatus
draw_span (MsxScroll *s, const Look *look, int first, int n)
{
  int bpp = msx_pixel_size (look->fmt), l;
  size_t pstride = (size_t)s->width * bpp, count = (size_t)n * s->n_mels, i;
  float lo = (float)look->lo;

  for (l = 0; l < s->lanes && n > 0; l++) {
    int top, rows;
    const float *db =
        s->ring + ((size_t)l * s->width + first) * (size_t)s->n_mels;
    MsxStatus st;

    /* msx_image_render's stacking, separator lines included */
    if (msx_image_lane (s->height, s->lanes, look->fmt, l, &top, &rows))
      msx_image_separator (look->fmt,
          s->picture + (size_t)(top - 1) * pstride + (size_t)first * bpp, n);
    for (i = 0; i < count; i++)
      s->span[i] = db[i] > lo ? db[i] : lo;
    st = msx_image_render (s->span, 1, n, s->n_mels, lo, (float)look->hi,
        look->map, look->invert, look->fmt, n, rows,
        s->picture + (size_t)top * pstride + (size_t)first * bpp, pstride);

    if (st != MSX_OK)
      return st;
  }
  return MSX_OK;
}

static int
look_equal (const Look *a, const Look *b)
{
  return a->lo == b->lo && a->hi == b->hi && a->map == b->map &&
         a->invert == b->invert && a->fmt == b->fmt;
}

/* Draws what the kept picture lacks for @look: the pending columns, or
 * everything when the look changed or every column is new. */
static MsxStatus
draw (MsxScroll *s, const Look *look)
{
  int n = s->width, start, tail;
  MsxStatus st;

  if (s->drawn_valid && look_equal (look, &s->drawn) &&
      s->pending < (uint64_t)s->width)
    n = (int)s->pending;
  s->drawn_valid = 0;
  start = (s->head + s->width - n) % s->width;
  tail = start + n > s->width ? s->width - start : n;
  st = draw_span (s, look, start, tail);
  if (st == MSX_OK)
    st = draw_span (s, look, 0, n - tail);
  if (st != MSX_OK)
    return st;
  s->drawn = *look;
  s->drawn_valid = 1;
  s->last_drawn = n;
  s->pending = 0;
  return MSX_OK;
}

MsxStatus
msx_scroll_render (
    MsxScroll *s, MsxPixelFormat fmt, uint8_t *pixels, size_t stride)
{
  int bpp, y;
  size_t pstride, older, newer;
  double ref;
  Look look;
  MsxStatus st;

  if (pixels == NULL || (int)fmt < MSX_PIXEL_RGBA || fmt > MSX_PIXEL_GRAY8 ||
      stride < (size_t)s->width * msx_pixel_size (fmt))
    return MSX_ERROR_INVALID_ARGUMENT;
  ref = msx_scroll_ref_db (s);
  look = (Look){ ref - s->top_db, ref, s->map, s->invert, fmt };
  st = draw (s, &look);
  if (st != MSX_OK)
    return st;
  if (s->ref_mode == MSX_SCROLL_REF_AUTO) {
    s->auto_ref = ref;
    s->have_auto_ref = 1;
  }
  /* unroll the column ring: oldest (head) at the left */
  bpp = msx_pixel_size (fmt);
  pstride = (size_t)s->width * bpp;
  older = (size_t)(s->width - s->head) * bpp;
  newer = (size_t)s->head * bpp;
  for (y = 0; y < s->height; y++) {
    const uint8_t *row = s->picture + (size_t)y * pstride;
    uint8_t *dst = pixels + (size_t)y * stride;

    memcpy (dst, row + newer, older);
    memcpy (dst + older, row, newer);
  }
  return MSX_OK;
}

void
msx_scroll_levels (const MsxScroll *s, float *out)
{
  size_t nm = s->n_mels, lane_n = (size_t)s->width * nm;
  size_t older = (size_t)(s->width - s->head) * nm, newer = s->head * nm;
  int l;

  for (l = 0; l < s->lanes; l++) {
    const float *ring = s->ring + l * lane_n;

    memcpy (out + l * lane_n, ring + newer, older * sizeof (float));
    memcpy (out + l * lane_n + older, ring, newer * sizeof (float));
  }
}

double
msx_scroll_peak_db (const MsxScroll *s)
{
  return s->peak;
}

double
msx_scroll_floor_db (const MsxScroll *s)
{
  return s->floor_db;
}

uint64_t
msx_scroll_pending (const MsxScroll *s)
{
  return s->pending;
}

int
msx_scroll_last_drawn (const MsxScroll *s)
{
  return s->last_drawn;
}

int
msx_scroll_width (const MsxScroll *s)
{
  return s->width;
}

int
msx_scroll_height (const MsxScroll *s)
{
  return s->height;
}

int
msx_scroll_lanes (const MsxScroll *s)
{
  return s->lanes;
}

void
msx_scroll_reset (MsxScroll *s)
{
  fill_floor (
      s->ring, ring_floats (s->lanes, s->width, s->n_mels), s->floor_db);
  s->head = 0;
  s->peak = s->floor_db;
  s->next_lane = 0;
  s->pending = 0;
  s->drawn_valid = 0;
  s->have_auto_ref = 0;
  s->last_drawn = 0;
}

void
msx_scroll_free (MsxScroll *s)
{
  if (s == NULL)
    return;
  free (s->ring);
  free (s->picture);
  free (s->span);
  free (s->batch_max);
  free (s);
}
