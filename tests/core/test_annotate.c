/* Tests for msx_annotate: axes, colour bar, title and lane labels.
 * SPDX-License-Identifier: MIT
 *
 * MSX_ANNOTATE_OUT=DIR writes the frames drawn here as PNGs, to look at.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "melspecx.h"
#include "msx_annotate.h"
#include "msx_test.h"

#define W 300
#define H 200
#define N_MELS 64

static float db[2 * W * N_MELS];

/* A picture with structure in both directions: a sweep over noise. */
static void
fill_db (int lanes)
{
  int l, c, b;
  unsigned s = 12345;

  for (l = 0; l < lanes; l++)
    for (c = 0; c < W; c++)
      for (b = 0; b < N_MELS; b++) {
        s = s * 1103515245u + 12345u;
        db[((size_t)l * W + c) * N_MELS + b] =
            (float)(-60.0 + 20.0 * ((s >> 16) & 1023) / 1023.0 +
                    (abs (b - c * N_MELS / W) < 3 ? 55.0 : 0.0) - 10.0 * l);
      }
}

static MsxAnnotation
annotation (MsxPixelFormat fmt, int lanes, const char *title)
{
  MsxAnnotation a;

  memset (&a, 0, sizeof a);
  a.width = W;
  a.height = H;
  a.n_lanes = lanes;
  a.fmt = fmt;
  a.n_mels = N_MELS;
  a.f_min = 0.0;
  a.f_max = 8000.0;
  a.mel_scale = MSX_MEL_SCALE_SLANEY;
  a.map = MSX_COLORMAP_MAGMA;
  a.invert = 0;
  a.db_top = 0.0;
  a.top_db = 80.0;
  a.db_unit = "dB";
  a.title = title;
  return a;
}

static void
save (const char *name, const uint8_t *px, MsxPixelFormat fmt, int w, int h,
    size_t stride)
{
  const char *dir = getenv ("MSX_ANNOTATE_OUT");
  uint8_t *png = NULL;
  size_t size = 0;
  char path[512];
  FILE *f;

  if (dir == NULL || !*dir)
    return;
  if (msx_png_encode (px, fmt, w, h, stride, NULL, NULL, &png, &size) != MSX_OK)
    return;
  snprintf (path, sizeof path, "%s/%s.png", dir, name);
  f = fopen (path, "wb");
  if (f) {
    fwrite (png, 1, size, f);
    fclose (f);
  }
  free (png);
}

/* An annotated frame: the plot rendered in place, then the margins. */
typedef struct {
  MsxAnnotator *an;
  uint8_t *px;
  size_t stride;
  int fw, fh, bpp;
  MsxMargins m;
} Frame;

static int
frame_fill (Frame *f, const MsxAnnotation *a, double t0, double t1, int fill)
{
  char msg[256] = "";
  MsxStatus st = msx_annotator_new (a, &f->an, msg, sizeof msg);

  if (st != MSX_OK) {
    printf ("# %s\n", msg);
    return 0;
  }
  msx_annotator_frame_size (f->an, &f->fw, &f->fh);
  f->m = msx_annotator_margins (f->an);
  f->bpp = msx_pixel_size (a->fmt);
  f->stride = (size_t)f->fw * f->bpp + 8; /* a stride wider than the row */
  f->px = malloc (f->stride * f->fh);
  memset (f->px, fill, f->stride * f->fh);
  st = msx_image_render (db, a->n_lanes, W, N_MELS, -80.0f, 0.0f, a->map,
      a->invert, a->fmt, a->width, a->height,
      f->px + (size_t)f->m.top * f->stride + (size_t)f->m.left * f->bpp,
      f->stride);
  msx_annotator_draw (f->an, t0, t1, f->px, f->stride);
  return st == MSX_OK;
}

static int
frame_draw (Frame *f, const MsxAnnotation *a, double t0, double t1)
{
  return frame_fill (f, a, t0, t1, 0x5a);
}

static void
frame_clear (Frame *f)
{
  msx_annotator_free (f->an);
  free (f->px);
  memset (f, 0, sizeof *f);
}

static const uint8_t *
pixel (const Frame *f, int x, int y)
{
  return f->px + (size_t)y * f->stride + (size_t)x * f->bpp;
}

/* Darkness 0..255 of a pixel (text is black on white). */
static int
dark (const Frame *f, int x, int y)
{
  const uint8_t *p = pixel (f, x, y);
  return f->bpp == 1 ? 255 - p[0] : 255 - (p[0] + p[1] + p[2]) / 3;
}

/* Dark pixels in the rectangle [x0, x1) × [y0, y1). */
static int
count_dark (const Frame *f, int x0, int y0, int x1, int y1)
{
  int x, y, n = 0;

  for (y = y0; y < y1; y++)
    for (x = x0; x < x1; x++)
      n += dark (f, x, y) > 128;
  return n;
}

static double
ref_hz_to_mel (double hz, MsxMelScale scale)
{
  if (scale == MSX_MEL_SCALE_HTK)
    return 2595.0 * log10 (1.0 + hz / 700.0);
  if (hz < 1000.0)
    return hz / (200.0 / 3.0);
  return 15.0 + log (hz / 1000.0) / (log (6.4) / 27.0);
}

static void
test_plot_unchanged (void)
{
  static const MsxPixelFormat fmts[] = { MSX_PIXEL_RGBA, MSX_PIXEL_RGBX,
    MSX_PIXEL_BGRA, MSX_PIXEL_BGRX, MSX_PIXEL_RGB, MSX_PIXEL_GRAY8 };
  static const char *names[] = { "rgba", "rgbx", "bgra", "bgrx", "rgb",
    "gray8" };
  size_t i;

  fill_db (1);
  for (i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
    MsxAnnotation a = annotation (fmts[i], 1, "A title");
    int bpp = msx_pixel_size (fmts[i]), y, same = 1, outside;
    uint8_t *plain = malloc ((size_t)W * H * bpp);
    Frame f;
    char what[128];

    msx_image_render (db, 1, W, N_MELS, -80.0f, 0.0f, a.map, 0, fmts[i], W, H,
        plain, (size_t)W * bpp);
    snprintf (what, sizeof what, "%s: annotated frame drawn", names[i]);
    msx_check (frame_draw (&f, &a, 0.0, 12.5), what);
    snprintf (what, sizeof what, "%s: frame is plot + margins", names[i]);
    msx_check (f.fw == f.m.left + W + f.m.right &&
                   f.fh == f.m.top + H + f.m.bottom && f.m.left > 0 &&
                   f.m.right > 0 && f.m.top > 0 && f.m.bottom > 0,
        what);
    for (y = 0; y < H; y++)
      same &= memcmp (pixel (&f, f.m.left, f.m.top + y),
                  plain + (size_t)y * W * bpp, (size_t)W * bpp) == 0;
    snprintf (what, sizeof what,
        "%s: the plot is pixel-identical to the picture alone", names[i]);
    msx_check (same, what);
    /* every pixel outside the plot was written: the same frame over
     * another fill byte is the same there */
    outside = 0;
    {
      Frame g;
      frame_fill (&g, &a, 0.0, 12.5, 0xa5);
      for (y = 0; y < f.fh; y++) {
        int x;
        for (x = 0; x < f.fw; x++)
          outside += memcmp (pixel (&f, x, y), pixel (&g, x, y), bpp) != 0;
      }
      frame_clear (&g);
    }
    snprintf (what, sizeof what, "%s: every margin pixel is drawn", names[i]);
    msx_check (outside == 0, what);
    snprintf (
        what, sizeof what, "%s: bytes past the row are untouched", names[i]);
    msx_check (
        f.px[(size_t)f.fw * bpp] == 0x5a &&
            f.px[(size_t)(f.fh - 1) * f.stride + (size_t)f.fw * bpp] == 0x5a,
        what);
    save (names[i], f.px, fmts[i], f.fw, f.fh, f.stride);
    frame_clear (&f);
    free (plain);
  }
}

static void
test_freq_ticks (MsxMelScale scale, double f_min, double f_max, int lanes)
{
  MsxAnnotation a = annotation (MSX_PIXEL_RGB, lanes, NULL);
  double lo, hi, delta, hz[64];
  int row[64], n, i, lane, ok = 1, drawn = 1, round = 1, total = 0;
  Frame f;
  char what[160];

  a.mel_scale = scale;
  a.f_min = f_min;
  a.f_max = f_max;
  fill_db (lanes);
  frame_draw (&f, &a, 0, 1);
  lo = ref_hz_to_mel (f_min, scale);
  hi = ref_hz_to_mel (f_max, scale);
  delta = (hi - lo) / (N_MELS + 1);
  for (lane = 0; lane < lanes; lane++) {
    int top, rows;
    msx_image_lane (H, lanes, a.fmt, lane, &top, &rows);
    n = msx_annotate_freq_ticks (&a, lane, hz, row, 64);
    total += n;
    for (i = 0; i < n; i++) {
      /* float64 position of hz on the picture's mel scale */
      double u = (ref_hz_to_mel (hz[i], scale) - lo) / delta - 1.0;
      double y = top + rows - (u + 0.5) * rows / N_MELS;
      ok &= fabs (row[i] + 0.5 - y) <= 0.5 + 1e-9 && row[i] >= top &&
            row[i] < top + rows;
      /* a tick: dark pixels just left of the spine at that row */
      drawn &= dark (&f, f.m.left - 2, f.m.top + row[i]) > 128;
      round &= fmod (hz[i], 100.0) == 0.0 || hz[i] == 125.0 || hz[i] == 250.0 ||
               hz[i] == 10.0 || hz[i] == 20.0 || hz[i] == 50.0;
      if (i > 0)
        ok &= hz[i] > hz[i - 1];
    }
  }
  snprintf (what, sizeof what,
      "%s %g..%g Hz, %d lane(s): %d ticks at round values",
      scale == MSX_MEL_SCALE_HTK ? "htk" : "slaney", f_min, f_max, lanes,
      total);
  msx_check (total >= 3 * lanes && round, what);
  snprintf (what, sizeof what,
      "%s %g..%g Hz, %d lane(s): each tick row holds its float64 mel "
      "position",
      scale == MSX_MEL_SCALE_HTK ? "htk" : "slaney", f_min, f_max, lanes);
  msx_check (ok, what);
  snprintf (what, sizeof what, "%s %g..%g Hz, %d lane(s): ticks are drawn",
      scale == MSX_MEL_SCALE_HTK ? "htk" : "slaney", f_min, f_max, lanes);
  msx_check (drawn, what);
  frame_clear (&f);
}

/* The bar's first column: the pixel right of its black outline, scanning
 * from the plot's right spine. */
static int
bar_column (const Frame *f, int y)
{
  int x;

  for (x = f->m.left + W + 2; x < f->fw - 1; x++)
    if (dark (f, x, y) > 200)
      return x + 1;
  return -1;
}

static void
test_colour_bar (
    MsxPixelFormat fmt, MsxColormap map, int invert, const char *what_map)
{
  MsxAnnotation a = annotation (fmt, 1, NULL);
  const uint8_t *table = msx_colormap_table (map);
  Frame f;
  int x, r, ok = 1;
  char what[160];

  a.map = map;
  a.invert = invert;
  fill_db (1);
  frame_draw (&f, &a, 0, 1);
  x = bar_column (&f, f.m.top + H / 2);
  for (r = 0; r < H && x > 0; r++) {
    /* the level at the row's centre, as msx_image_render rounds it */
    double level = 1.0 - (r + 0.5) / H;
    int idx = (int)(level * 255.0 + 0.5);
    const uint8_t *rgb = table + 3 * (invert ? 255 - idx : idx);
    const uint8_t *p = pixel (&f, x + 2, f.m.top + r);
    if (fmt == MSX_PIXEL_GRAY8)
      ok &= p[0] == idx;
    else if (fmt == MSX_PIXEL_BGRA)
      ok &= p[0] == rgb[2] && p[1] == rgb[1] && p[2] == rgb[0];
    else
      ok &= p[0] == rgb[0] && p[1] == rgb[1] && p[2] == rgb[2];
  }
  snprintf (what, sizeof what,
      "colour bar (%s): each row is the colormap at its dB", what_map);
  msx_check (x > 0 && ok, what);
  frame_clear (&f);
}

static void
test_labels_and_title (void)
{
  MsxAnnotation a = annotation (MSX_PIXEL_RGB, 1, NULL);
  MsxAnnotation t = annotation (MSX_PIXEL_RGB, 1, "Speech, 16 kHz");
  MsxMargins ma, mt;
  Frame f, g;
  int bx;

  fill_db (1);
  msx_check (msx_annotate_margins (&a, &ma, NULL, 0) == MSX_OK &&
                 msx_annotate_margins (&t, &mt, NULL, 0) == MSX_OK,
      "margins of a plot with and without title");
  msx_check (mt.top > ma.top && mt.left == ma.left && mt.right == ma.right &&
                 mt.bottom == ma.bottom,
      "a title adds to the top margin only");
  frame_draw (&f, &a, 0, 12.5);
  frame_draw (&g, &t, 0, 12.5);
  msx_check (count_dark (&f, 0, 0, f.m.left + W, f.m.top - 1) == 0,
      "no title: nothing dark above the top spine");
  msx_check (count_dark (&g, g.m.left, 0, g.m.left + W, g.m.top - 2) > 30,
      "title: text pixels in the top margin above the plot");
  msx_check (count_dark (&f, 0, f.m.top, f.m.left - 6, f.m.top + H) > 30,
      "frequency labels: text pixels in the left margin");
  msx_check (count_dark (&f, 0, f.m.top + H + 6, f.fw, f.fh) > 30,
      "time labels: text pixels in the bottom margin");
  bx = bar_column (&f, f.m.top + H / 2);
  msx_check (
      bx > 0 && count_dark (&f, bx + 20, f.m.top, f.fw, f.m.top + H) > 30,
      "dB labels: text pixels right of the colour bar");
  save ("title", g.px, MSX_PIXEL_RGB, g.fw, g.fh, g.stride);
  frame_clear (&f);
  frame_clear (&g);
}

static void
test_time_axis (void)
{
  MsxAnnotation a = annotation (MSX_PIXEL_RGBA, 1, NULL);
  Frame f;
  uint8_t *copy;
  int y, top_same = 1, plot_same = 1, bottom_diff = 0;
  char s[64];

  msx_annotate_time_label (2.5, 0.5, 10, s, sizeof s);
  msx_check (strcmp (s, "2.5 s") == 0, "time label 2.5 s");
  msx_annotate_time_label (65, 5, 120, s, sizeof s);
  msx_check (strcmp (s, "1:05") == 0, "time label 1:05 past a minute");
  msx_annotate_time_label (3725, 5, 7200, s, sizeof s);
  msx_check (strcmp (s, "1:02:05") == 0, "time label 1:02:05 past an hour");
  msx_annotate_time_label (59.9996, 1, 120, s, sizeof s);
  msx_check (strcmp (s, "1:00") == 0, "time label rounds to 1:00, not 0:60");
  msx_check (msx_annotate_time_step (10.0, 1000, 40) == 1.0 &&
                 msx_annotate_time_step (10.0, 300, 40) == 5.0 &&
                 msx_annotate_time_step (10.0, 500, 40) == 2.0 &&
                 msx_annotate_time_step (1.0, 1000, 40) == 0.1 &&
                 msx_annotate_time_step (600.0, 1000, 40) == 60.0 &&
                 msx_annotate_time_step (0.9, 500, 40) == 0.2,
      "time steps are 1, 2, 5 x 10^k s, then minutes");

  fill_db (1);
  frame_draw (&f, &a, 0.0, 10.0);
  copy = malloc (f.stride * f.fh);
  memcpy (copy, f.px, f.stride * f.fh);
  /* the same annotator one frame later: only the time axis moves */
  msx_annotator_draw (f.an, 3.3, 13.3, f.px, f.stride);
  for (y = 0; y < f.fh; y++) {
    int same = memcmp (copy + (size_t)y * f.stride, f.px + (size_t)y * f.stride,
                   (size_t)f.fw * f.bpp) == 0;
    if (y < f.m.top)
      top_same &= same;
    else if (y < f.m.top + H)
      plot_same &= same;
    else
      bottom_diff |= !same;
  }
  msx_check (top_same && plot_same && bottom_diff,
      "a later time range redraws the time axis alone");
  free (copy);
  frame_clear (&f);
}

static void
test_lanes (void)
{
  static const char *const lr[] = { "L", "R" };
  MsxAnnotation one = annotation (MSX_PIXEL_RGB, 1, NULL);
  MsxAnnotation two = annotation (MSX_PIXEL_RGB, 2, NULL);
  MsxMargins m1, m2;
  Frame f;

  two.lane_names = lr;
  msx_annotate_margins (&one, &m1, NULL, 0);
  msx_annotate_margins (&two, &m2, NULL, 0);
  msx_check (m2.left > m1.left, "lane names widen the left margin");
  fill_db (2);
  msx_check (frame_draw (&f, &two, 0, 30), "two lanes, L and R, drawn");
  msx_check (count_dark (&f, 0, f.m.top, m2.left - m1.left, f.m.top + H) > 10,
      "lane names: text pixels in the left margin's first column");
  save ("lanes", f.px, MSX_PIXEL_RGB, f.fw, f.fh, f.stride);
  frame_clear (&f);
}

static void
test_limits (void)
{
  MsxAnnotation a = annotation (MSX_PIXEL_RGB, 1, "t");
  MsxAnnotator *an = (MsxAnnotator *)&a;
  MsxMargins m;
  char msg[256] = "";
  int fw, fh, pw, ph;

  a.width = MSX_MAX_WIDTH;
  msx_check (msx_annotate_margins (&a, &m, msg, sizeof msg) ==
                     MSX_ERROR_INVALID_ARGUMENT &&
                 strstr (msg, "more than") != NULL,
      "a frame wider than the limit is refused, saying so");
  msx_check (
      msx_annotator_new (&a, &an, NULL, 0) == MSX_ERROR_INVALID_ARGUMENT &&
          an == NULL,
      "no annotator past the limit");
  a = annotation (MSX_PIXEL_RGB, 3, NULL);
  a.height = 2;
  msx_check (
      msx_annotate_margins (&a, &m, NULL, 0) == MSX_ERROR_INVALID_ARGUMENT,
      "fewer rows than lanes is refused");
  a = annotation (MSX_PIXEL_RGB, 1, NULL);
  a.f_max = a.f_min;
  msx_check (
      msx_annotate_margins (&a, &m, NULL, 0) == MSX_ERROR_INVALID_ARGUMENT,
      "an empty frequency range is refused");
  a = annotation (MSX_PIXEL_RGB, 1, NULL);
  a.top_db = 0;
  msx_check (
      msx_annotate_margins (&a, &m, NULL, 0) == MSX_ERROR_INVALID_ARGUMENT,
      "top_db 0 is refused");

  a = annotation (MSX_PIXEL_RGB, 1, "Fitted");
  msx_check (
      msx_annotator_new_fit (&a, 800, 600, &an, msg, sizeof msg) == MSX_OK,
      "an imposed 800x600 frame fits");
  msx_annotator_frame_size (an, &fw, &fh);
  msx_annotator_plot_size (an, &pw, &ph);
  m = msx_annotator_margins (an);
  msx_check (fw == 800 && fh == 600 && pw == 800 - m.left - m.right &&
                 ph == 600 - m.top - m.bottom && pw > 600 && ph > 480,
      "the imposed frame is exactly plot + margins");
  msx_annotator_free (an);
  msx_check (msx_annotator_new_fit (&a, 20, 20, &an, msg, sizeof msg) ==
                     MSX_ERROR_INVALID_ARGUMENT &&
                 strstr (msg, "no room") != NULL,
      "a 20x20 frame has no room for a plot");
  a = annotation (MSX_PIXEL_RGB, 1, NULL);
  a.width = a.height = 1;
  msx_check (msx_annotator_new (&a, &an, NULL, 0) == MSX_OK,
      "a 1x1 plot still gets its axes");
  msx_annotator_free (an);
}

int
main (void)
{
  if (!msx_annotate_supported ()) {
    MsxAnnotation a = annotation (MSX_PIXEL_RGB, 1, NULL);
    MsxAnnotator *an = NULL;
    char msg[256] = "";
    msx_check (msx_annotator_new (&a, &an, msg, sizeof msg) ==
                       MSX_ERROR_INVALID_ARGUMENT &&
                   an == NULL && strstr (msg, "no annotation support") != NULL,
        "without cairo and pango, annotation is refused in one sentence");
    printf ("ok %d # SKIP this build has no annotation support\n",
        ++msx_test_count);
    return msx_test_done ();
  }
  test_plot_unchanged ();
  test_freq_ticks (MSX_MEL_SCALE_SLANEY, 0, 8000, 1);
  test_freq_ticks (MSX_MEL_SCALE_HTK, 0, 8000, 1);
  test_freq_ticks (MSX_MEL_SCALE_SLANEY, 300, 20000, 1);
  test_freq_ticks (MSX_MEL_SCALE_HTK, 50, 4000, 2);
  test_colour_bar (MSX_PIXEL_RGB, MSX_COLORMAP_MAGMA, 0, "magma");
  test_colour_bar (MSX_PIXEL_BGRA, MSX_COLORMAP_VIRIDIS, 1, "viridis inverted");
  test_colour_bar (MSX_PIXEL_GRAY8, MSX_COLORMAP_INFERNO, 0, "GRAY8 levels");
  {
    MsxColormap g;
    if (msx_colormap_gamma (MSX_COLORMAP_INFERNO, 2.0, &g) == MSX_OK)
      test_colour_bar (MSX_PIXEL_RGB, g, 0, "inferno, gamma 2");
  }
  test_labels_and_title ();
  test_time_axis ();
  test_lanes ();
  test_limits ();
  return msx_test_done ();
}
