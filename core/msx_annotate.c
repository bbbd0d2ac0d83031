/* melspecx core — axes, colour bar, title and lane labels around a picture.
 * SPDX-License-Identifier: MIT
 *
 * The one file of the core that uses cairo and pango (see msx_annotate.h),
 * through msx_cairo: they are loaded on the first annotation (msx_cairo.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msx_annotate.h"
#include "msx_colormap.h"
#include "msx_image.h"
#include "msx_mel.h"

#ifdef MSX_HAVE_ANNOTATE
#include "msx_cairo.h"
#endif

/* Said whenever annotation is asked of a build without cairo and pango. */
#define NO_SUPPORT                                                             \
  "this build has no annotation support: melspecx was built without cairo "    \
  "and pango (Debian packages libcairo2-dev and libpango1.0-dev; Meson "       \
  "option -Dannotate)"

/* Labels of the colour bar are at most this wide whatever the look, so that
 * a reference, top_db or unit changed while playing keeps the frame. */
#define DB_LABEL_TEMPLATE "-000 dBFS"

/* The label font's range in pixels: the smallest stays as legible as
 * matplotlib's 10 pt tick labels at 100 dpi (about 14 px) allow in a small
 * picture. */
#define MIN_FONT_PX 11
#define MAX_FONT_PX 22

/* Helpers of the drawing code only, which a build without cairo and pango
 * leaves out. */
#define DRAWING_HELPER __attribute__ ((unused))

int
msx_annotate_font_px (int plot_height)
{
  int px = 10 + plot_height / 64;

  return px < MIN_FONT_PX ? MIN_FONT_PX : px > MAX_FONT_PX ? MAX_FONT_PX : px;
}

/* Spacing, all from the font size. */
typedef struct {
  int font_px, text_h, tick, gap, pad, bar_w, bar_gap;
} Metrics;

DRAWING_HELPER static Metrics
metrics_for (int font_px, int text_h)
{
  Metrics k;

  k.font_px = font_px;
  k.text_h = text_h;
  k.tick = font_px / 3 > 3 ? font_px / 3 : 3;
  k.gap = font_px / 4 > 2 ? font_px / 4 : 2;
  k.pad = font_px / 3 > 3 ? font_px / 3 : 3;
  k.bar_w = font_px;
  /* the colour bar stands apart from the plot, as matplotlib's does */
  k.bar_gap = font_px;
  return k;
}

DRAWING_HELPER static int
arg_error (const MsxAnnotation *a, char *msg, size_t msg_size)
{
  if (a == NULL)
    return msx_refuse (msg, msg_size, "no annotation given") != MSX_OK;
  if (a->width < 1 || a->height < 1 || a->width > MSX_MAX_WIDTH ||
      a->height > MSX_MAX_HEIGHT)
    return msx_refuse (msg, msg_size,
               "the plot is %dx%d; it must be 1..%d x 1..%d pixels", a->width,
               a->height, MSX_MAX_WIDTH, MSX_MAX_HEIGHT) != MSX_OK;
  if (a->n_lanes < 1 || a->n_lanes > MSX_ANNOTATE_MAX_LANES ||
      a->height < a->n_lanes)
    return msx_refuse (msg, msg_size, "%d lanes do not fit a plot %d rows high",
               a->n_lanes, a->height) != MSX_OK;
  if ((int)a->fmt < MSX_PIXEL_RGBA || a->fmt > MSX_PIXEL_GRAY8)
    return msx_refuse (msg, msg_size, "unknown pixel format %d", (int)a->fmt) !=
           MSX_OK;
  if (a->n_mels < 1 || !(a->f_min >= 0.0) || !(a->f_max > a->f_min) ||
      !isfinite (a->f_max))
    return msx_refuse (msg, msg_size,
               "the frequency axis needs n-mels >= 1 and 0 <= f-min < f-max "
               "(got %d, %g, %g)",
               a->n_mels, a->f_min, a->f_max) != MSX_OK;
  if (!msx_colormap_valid (a->map) || !(a->top_db >= MSX_MIN_TOP_DB) ||
      !(a->top_db <= MSX_MAX_TOP_DB) || !isfinite (a->db_top))
    return msx_refuse (msg, msg_size,
               "the colour bar needs a known colormap, a finite reference "
               "and top-db in %g..%g",
               MSX_MIN_TOP_DB, MSX_MAX_TOP_DB) != MSX_OK;
  return 0;
}

double
msx_annotate_row (const MsxAnnotation *a, int lane, double hz)
{
  double lo = msx_hz_to_mel (a->f_min, a->mel_scale);
  double hi = msx_hz_to_mel (a->f_max, a->mel_scale);
  double delta = (hi - lo) / (a->n_mels + 1);
  double u = (msx_hz_to_mel (hz, a->mel_scale) - lo) / delta - 1.0;
  int top, rows;

  msx_image_lane (a->height, a->n_lanes, a->fmt, lane, &top, &rows);
  return top + rows - (u + 0.5) * rows / a->n_mels;
}

DRAWING_HELPER static void
hz_label (double hz, char *out, size_t size)
{
  if (hz < 1000.0)
    snprintf (out, size, "%.0f", hz);
  else if (fmod (hz, 1000.0) == 0.0)
    snprintf (out, size, "%.0fk", hz / 1000.0);
  else
    snprintf (out, size, "%.1fk", hz / 1000.0);
}

/* Round frequencies, roundest first: octaves of 1 kHz, then 1, 2, 5 ×
 * 10^k, then multiples of 1 kHz, 100 Hz and 10 kHz.  Returns the count. */
#define MAX_CANDIDATES 256
static int
freq_candidates (double f_lo, double f_hi, double *out)
{
  int n = 0, k;
  double v, p;

  for (k = -3; k <= 9 && n < MAX_CANDIDATES; k++) {
    v = 1000.0 * ldexp (1.0, k);
    if (v >= f_lo && v <= f_hi)
      out[n++] = v;
  }
  for (p = 10.0; p <= 1e6 && n < MAX_CANDIDATES; p *= 10.0)
    for (k = 0; k < 3 && n < MAX_CANDIDATES; k++) {
      v = p * (k == 0 ? 1 : k == 1 ? 2 : 5);
      if (v >= f_lo && v <= f_hi)
        out[n++] = v;
    }
  for (v = 1000.0; v <= f_hi && v <= 100000.0 && n < MAX_CANDIDATES;
       v += 1000.0)
    if (v >= f_lo)
      out[n++] = v;
  for (v = 100.0; v < 1000.0 && v <= f_hi && n < MAX_CANDIDATES; v += 100.0)
    if (v >= f_lo)
      out[n++] = v;
  for (v = 10000.0; v <= f_hi && n < MAX_CANDIDATES; v += 10000.0)
    if (v >= f_lo)
      out[n++] = v;
  return n;
}

/* Ticks of @lane with text @text_h pixels high; see
 * msx_annotate_freq_ticks(). */
DRAWING_HELPER static int
freq_ticks (
    const MsxAnnotation *a, int lane, int text_h, double *hz, int *row, int max)
{
  double cand[MAX_CANDIDATES], min_gap = 1.5 * text_h;
  double ys[MAX_CANDIDATES];
  int n_cand = freq_candidates (a->f_min, a->f_max, cand);
  int top, rows, n = 0, i, j;

  msx_image_lane (a->height, a->n_lanes, a->fmt, lane, &top, &rows);
  for (i = 0; i < n_cand && n < max && n < MAX_CANDIDATES; i++) {
    double y = msx_annotate_row (a, lane, cand[i]);
    int ok = y >= top && y < top + rows;

    /* the label stays clear of the time axis and of the neighbour lanes */
    if (ok && (a->n_lanes > 1 || lane == a->n_lanes - 1))
      ok = y <= top + rows - 0.5 * text_h;
    if (ok && a->n_lanes > 1)
      ok = y >= top + 0.5 * text_h;
    for (j = 0; ok && j < n; j++)
      ok = fabs (ys[j] - y) >= min_gap && hz[j] != cand[i];
    if (ok) {
      hz[n] = cand[i];
      ys[n] = y;
      n++;
    }
  }
  /* by frequency */
  for (i = 1; i < n; i++)
    for (j = i; j > 0 && hz[j - 1] > hz[j]; j--) {
      double t = hz[j];
      hz[j] = hz[j - 1];
      hz[j - 1] = t;
      t = ys[j];
      ys[j] = ys[j - 1];
      ys[j - 1] = t;
    }
  for (i = 0; i < n; i++)
    row[i] = (int)floor (ys[i]);
  return n;
}

double
msx_annotate_time_step (double span, int width, int label_px)
{
  static const double big[] = { 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600,
    7200, 18000, 36000, 86400 };
  double want, p;
  size_t i;
  int e;

  if (!(span > 0.0) || width < 1)
    return 1.0;
  /* a label's width of white between neighbouring labels at least */
  want = span * 2.0 * (label_px > 1 ? label_px : 1) / width;
  if (want < 10.0) {
    for (e = -6; e < 1; e++) {
      p = pow (10.0, e);
      if (want <= p)
        return p;
      if (want <= 2 * p)
        return 2 * p;
      if (want <= 5 * p)
        return 5 * p;
    }
    return 10.0;
  }
  for (i = 0; i < sizeof big / sizeof big[0]; i++)
    if (want <= big[i])
      return big[i];
  return 86400.0 * ceil (want / 86400.0);
}

static int
decimals_for (double step)
{
  int d = 0;

  while (d < 6 && fabs (step * pow (10, d) - floor (step * pow (10, d) + 0.5)) >
                      1e-9 * pow (10, d))
    d++;
  return d;
}

void
msx_annotate_time_label (
    double t, double step, double span, char *out, size_t out_size)
{
  int d = decimals_for (step);
  double s;
  long m, h;

  if (!(t > 0.0))
    t = 0.0; /* never "-0" */
  if (span <= 60.0) {
    snprintf (out, out_size, "%.*f s", d, t);
    return;
  }
  /* rounded once, so that 59.9996 is 1:00, not 0:60 */
  t = floor (t * pow (10, d) + 0.5) / pow (10, d);
  h = (long)(t / 3600.0);
  m = (long)((t - h * 3600.0) / 60.0);
  s = t - h * 3600.0 - m * 60.0;
  if (s < 0)
    s = 0;
  if (h > 0 || t >= 3600.0)
    snprintf (out, out_size, "%ld:%02ld:%0*.*f", h, m, d ? d + 3 : 2, d, s);
  else
    snprintf (out, out_size, "%ld:%0*.*f", m, d ? d + 3 : 2, d, s);
}

int
msx_annotate_bar_index (const MsxAnnotation *a, double db)
{
  double l = 1.0 - (a->db_top - db) / a->top_db;

  if (!(l > 0.0))
    return 0;
  return l < 1.0 ? (int)(l * 255.0 + 0.5) : 255;
}

/* The dB step of the colour bar's labels: 1, 2 or 5 × 10^k, at least
 * 2.5 text heights apart over @rows (20 dB steps for top_db 80 on the
 * default picture, like matplotlib's colour bar). */
DRAWING_HELPER static double
db_step (double top_db, int rows, int text_h)
{
  double want = top_db * 2.5 * text_h / (rows > 1 ? rows : 1), p;
  int e;

  for (e = -3; e < 4; e++) {
    p = pow (10.0, e);
    if (want <= p)
      return p;
    if (want <= 2 * p)
      return 2 * p;
    if (want <= 5 * p)
      return 5 * p;
  }
  return 1e4;
}

#ifndef MSX_HAVE_ANNOTATE

int
msx_annotate_supported (void)
{
  return 0;
}

MsxStatus
msx_annotate_margins (
    const MsxAnnotation *a, MsxMargins *m, char *msg, size_t msg_size)
{
  return msx_refuse (msg, msg_size, NO_SUPPORT);
}

MsxStatus
msx_annotate_fit (MsxAnnotation *a, int frame_width, int frame_height,
    MsxMargins *m, char *msg, size_t msg_size)
{
  return msx_refuse (msg, msg_size, NO_SUPPORT);
}

int
msx_annotate_freq_ticks (
    const MsxAnnotation *a, int lane, double *hz, int *row, int max)
{
  return 0;
}

MsxStatus
msx_annotator_new (
    const MsxAnnotation *a, MsxAnnotator **out, char *msg, size_t msg_size)
{
  *out = NULL;
  return msx_refuse (msg, msg_size, NO_SUPPORT);
}

MsxStatus
msx_annotator_new_fit (const MsxAnnotation *a, int frame_width,
    int frame_height, MsxAnnotator **out, char *msg, size_t msg_size)
{
  *out = NULL;
  return msx_refuse (msg, msg_size, NO_SUPPORT);
}

int
msx_annotator_matches (const MsxAnnotator *an, const MsxAnnotation *a)
{
  return 0;
}

void
msx_annotator_frame_size (const MsxAnnotator *an, int *width, int *height)
{
  *width = *height = 0;
}

void
msx_annotator_plot_size (const MsxAnnotator *an, int *width, int *height)
{
  *width = *height = 0;
}

MsxMargins
msx_annotator_margins (const MsxAnnotator *an)
{
  MsxMargins m = { 0, 0, 0, 0 };
  return m;
}

void
msx_annotator_draw (
    MsxAnnotator *an, double t0, double t1, uint8_t *frame, size_t stride)
{
}

void
msx_annotator_free (MsxAnnotator *an)
{
}

#else /* MSX_HAVE_ANNOTATE */

/* cairo and pango are opened on the first annotation (msx_cairo.h). */
static MsxStatus
open_cairo (char *msg, size_t msg_size)
{
  const char *why = msx_cairo_open ();

  return why ? msx_refuse (msg, msg_size, "%s", why) : MSX_OK;
}

int
msx_annotate_supported (void)
{
  return msx_cairo_open () == NULL;
}

/* Text: one font map per user, so that threads never share pango state. */
typedef struct {
  PangoFontMap *map;
  PangoContext *ctx;
  PangoFontDescription *font, *bold;
} Text;

static int
text_init (Text *t, int font_px)
{
  cairo_font_options_t *fo;

  memset (t, 0, sizeof *t);
  t->map = msx_cairo.pango_cairo_font_map_new ();
  if (t->map == NULL)
    return 0;
  t->ctx = msx_cairo.pango_font_map_create_context (t->map);
  /* grey antialiasing: the pixels are converted to any format, and
   * subpixel colour fringes would be wrong in all but one */
  fo = msx_cairo.cairo_font_options_create ();
  msx_cairo.cairo_font_options_set_antialias (fo, CAIRO_ANTIALIAS_GRAY);
  msx_cairo.cairo_font_options_set_hint_style (fo, CAIRO_HINT_STYLE_SLIGHT);
  msx_cairo.cairo_font_options_set_hint_metrics (fo, CAIRO_HINT_METRICS_ON);
  msx_cairo.pango_cairo_context_set_font_options (t->ctx, fo);
  msx_cairo.cairo_font_options_destroy (fo);
  t->font = msx_cairo.pango_font_description_from_string ("Sans");
  msx_cairo.pango_font_description_set_absolute_size (
      t->font, font_px * PANGO_SCALE);
  t->bold = msx_cairo.pango_font_description_copy (t->font);
  msx_cairo.pango_font_description_set_weight (t->bold, PANGO_WEIGHT_BOLD);
  msx_cairo.pango_font_description_set_absolute_size (
      t->bold, (int)(font_px * 1.2 + 0.5) * PANGO_SCALE);
  return t->ctx != NULL;
}

static void
text_clear (Text *t)
{
  if (t->font)
    msx_cairo.pango_font_description_free (t->font);
  if (t->bold)
    msx_cairo.pango_font_description_free (t->bold);
  if (t->ctx)
    msx_cairo.g_object_unref (t->ctx);
  if (t->map)
    msx_cairo.g_object_unref (t->map);
  memset (t, 0, sizeof *t);
}

static PangoLayout *
text_layout (Text *t, const char *s, int bold)
{
  PangoLayout *l = msx_cairo.pango_layout_new (t->ctx);

  msx_cairo.pango_layout_set_font_description (l, bold ? t->bold : t->font);
  msx_cairo.pango_layout_set_text (l, s, -1);
  return l;
}

static void
text_size (Text *t, const char *s, int bold, int *w, int *h)
{
  PangoLayout *l = text_layout (t, s, bold);
  int lw, lh;

  msx_cairo.pango_layout_get_pixel_size (l, &lw, &lh);
  msx_cairo.g_object_unref (l);
  if (w)
    *w = lw;
  if (h)
    *h = lh;
}

/* Draws @s with its anchor at (x, y): @ax 0 left, 0.5 centre, 1 right;
 * @ay likewise from top to bottom. */
static void
text_draw (Text *t, cairo_t *cr, const char *s, int bold, double x, double y,
    double ax, double ay)
{
  PangoLayout *l = text_layout (t, s, bold);
  int w, h;

  msx_cairo.pango_layout_get_pixel_size (l, &w, &h);
  msx_cairo.cairo_move_to (
      cr, floor (x - ax * w + 0.5), floor (y - ay * h + 0.5));
  msx_cairo.pango_cairo_show_layout (cr, l);
  msx_cairo.g_object_unref (l);
}

/* Everything about the layout that does not need the plot's pixels. */
typedef struct {
  Metrics k;
  int freq_w, lane_w, title_h, db_w;
} Sizes;

static void
sizes_measure (const MsxAnnotation *a, Text *t, int font_px, Sizes *z)
{
  double cand[MAX_CANDIDATES];
  int n = freq_candidates (a->f_min, a->f_max, cand), i, w, h;
  char label[32];

  text_size (t, "0123456789 kHzsdB:", 0, NULL, &h);
  z->k = metrics_for (font_px, h);
  z->freq_w = 0;
  for (i = 0; i < n; i++) {
    hz_label (cand[i], label, sizeof label);
    text_size (t, label, 0, &w, NULL);
    if (w > z->freq_w)
      z->freq_w = w;
  }
  z->lane_w = 0;
  for (i = 0; a->n_lanes > 1 && i < a->n_lanes; i++) {
    char fallback[16];
    const char *name = a->lane_names ? a->lane_names[i] : NULL;
    if (name == NULL) {
      snprintf (fallback, sizeof fallback, "ch %d", i + 1);
      name = fallback;
    }
    text_size (t, name, 0, &w, NULL);
    if (w > z->lane_w)
      z->lane_w = w;
  }
  z->title_h = 0;
  if (a->title && a->title[0])
    text_size (t, a->title, 1, NULL, &z->title_h);
  text_size (t, DB_LABEL_TEMPLATE, 0, &z->db_w, NULL);
}

static MsxMargins
margins_of (const MsxAnnotation *a, const Sizes *z)
{
  const Metrics *k = &z->k;
  MsxMargins m;

  m.left = k->pad + (z->lane_w ? z->lane_w + 2 * k->gap : 0) + z->freq_w +
           k->gap + k->tick + 1;
  m.bottom = 1 + k->tick + k->gap + k->text_h + k->pad;
  m.top = z->title_h ? k->pad + z->title_h + k->pad : k->text_h / 2 + 2;
  m.right = 1 + k->bar_gap + k->bar_w + 1 + k->tick + k->gap + z->db_w + k->pad;
  return m;
}

static MsxStatus
check_frame (
    const MsxAnnotation *a, const MsxMargins *m, char *msg, size_t msg_size)
{
  int fw = m->left + a->width + m->right, fh = m->top + a->height + m->bottom;

  if (fw > MSX_MAX_WIDTH || fh > MSX_MAX_HEIGHT)
    return msx_refuse (msg, msg_size,
        "annotate adds %d x %d pixels of axes to the %dx%d plot: the frame "
        "would be %dx%d, more than %dx%d; lower width or height",
        m->left + m->right, m->top + m->bottom, a->width, a->height, fw, fh,
        MSX_MAX_WIDTH, MSX_MAX_HEIGHT);
  return MSX_OK;
}

MsxStatus
msx_annotate_margins (
    const MsxAnnotation *a, MsxMargins *m, char *msg, size_t msg_size)
{
  Text t;
  Sizes z;

  if (arg_error (a, msg, msg_size))
    return MSX_ERROR_INVALID_ARGUMENT;
  if (open_cairo (msg, msg_size) != MSX_OK)
    return MSX_ERROR_INVALID_ARGUMENT;
  if (!text_init (&t, msx_annotate_font_px (a->height))) {
    text_clear (&t);
    return MSX_ERROR_NO_MEMORY;
  }
  sizes_measure (a, &t, msx_annotate_font_px (a->height), &z);
  text_clear (&t);
  *m = margins_of (a, &z);
  return check_frame (a, m, msg, msg_size);
}

MsxStatus
msx_annotate_fit (MsxAnnotation *a, int frame_width, int frame_height,
    MsxMargins *m, char *msg, size_t msg_size)
{
  MsxAnnotation probe;
  Sizes z[MAX_FONT_PX + 1];
  int px, h, best_h = 0;

  if (a == NULL || m == NULL)
    return msx_refuse (msg, msg_size, "no annotation given");
  probe = *a;
  probe.width = probe.height = MSX_MAX_HEIGHT / 2; /* checked below */
  if (arg_error (&probe, msg, msg_size))
    return MSX_ERROR_INVALID_ARGUMENT;
  if (open_cairo (msg, msg_size) != MSX_OK)
    return MSX_ERROR_INVALID_ARGUMENT;
  /* The margins for each font size, measured once. */
  for (px = MIN_FONT_PX; px <= MAX_FONT_PX; px++) {
    Text t;
    if (!text_init (&t, px)) {
      text_clear (&t);
      return MSX_ERROR_NO_MEMORY;
    }
    sizes_measure (a, &t, px, &z[px]);
    text_clear (&t);
  }
  /* The tallest plot whose own margins fit the frame. */
  for (h = frame_height; h >= a->n_lanes && h >= 1; h--) {
    MsxMargins mm = margins_of (a, &z[msx_annotate_font_px (h)]);
    if (h + mm.top + mm.bottom <= frame_height) {
      best_h = h;
      break;
    }
  }
  if (best_h > 0) {
    *m = margins_of (a, &z[msx_annotate_font_px (best_h)]);
    m->top += frame_height - (best_h + m->top + m->bottom);
    if (frame_width - m->left - m->right >= 1) {
      a->width = frame_width - m->left - m->right;
      a->height = best_h;
      return MSX_OK;
    }
  }
  return msx_refuse (msg, msg_size,
      "a %dx%d frame leaves no room for the plot once annotate's axes are "
      "drawn around it; make it larger or set annotate=false",
      frame_width, frame_height);
}

int
msx_annotate_freq_ticks (
    const MsxAnnotation *a, int lane, double *hz, int *row, int max)
{
  Text t;
  int h, n;

  if (arg_error (a, NULL, 0) || lane < 0 || lane >= a->n_lanes ||
      msx_cairo_open () != NULL)
    return 0;
  if (!text_init (&t, msx_annotate_font_px (a->height))) {
    text_clear (&t);
    return 0;
  }
  text_size (&t, "0123456789 kHzsdB:", 0, NULL, &h);
  text_clear (&t);
  n = freq_ticks (a, lane, h, hz, row, max);
  return n;
}

struct MsxAnnotator {
  MsxAnnotation a; /* strings point into the copies below */
  char title[MSX_ANNOTATE_MAX_TITLE + 1];
  char unit[MSX_ANNOTATE_MAX_NAME + 1];
  char names[MSX_ANNOTATE_MAX_LANES][MSX_ANNOTATE_MAX_NAME + 1];
  const char *name_ptr[MSX_ANNOTATE_MAX_LANES];
  int has_names;
  MsxMargins m;
  Sizes z;
  int frame_w, frame_h, bpp;
  uint8_t *bg; /* the whole frame in fmt, the plot's pixels unused */
  size_t bg_stride;
  Text text;
  cairo_surface_t *strip;    /* the time axis, frame_w × m.bottom */
  cairo_surface_t *strip_bg; /* what the static parts draw there */
};

/* Copies at most @size − 1 bytes of UTF-8 @s, never cutting a character. */
static void
copy_utf8 (char *dst, size_t size, const char *s)
{
  size_t n = s ? strlen (s) : 0;

  if (n >= size) {
    n = size - 1;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
      n--;
  }
  if (n)
    memcpy (dst, s, n);
  dst[n] = '\0';
}

/* cairo's RGB24 pixels (native-endian xRGB) into @fmt. */
static void
convert_row (const uint32_t *src, MsxPixelFormat fmt, uint8_t *dst, int n)
{
  int i;

  for (i = 0; i < n; i++) {
    uint8_t r = src[i] >> 16, g = src[i] >> 8, b = src[i];
    switch (fmt) {
      case MSX_PIXEL_GRAY8:
        dst[i] = (uint8_t)((77 * r + 150 * g + 29 * b + 128) >> 8);
        break;
      case MSX_PIXEL_RGB:
        dst[3 * i] = r;
        dst[3 * i + 1] = g;
        dst[3 * i + 2] = b;
        break;
      case MSX_PIXEL_BGRA:
      case MSX_PIXEL_BGRX:
        dst[4 * i] = b;
        dst[4 * i + 1] = g;
        dst[4 * i + 2] = r;
        dst[4 * i + 3] = 255;
        break;
      default:
        dst[4 * i] = r;
        dst[4 * i + 1] = g;
        dst[4 * i + 2] = b;
        dst[4 * i + 3] = 255;
        break;
    }
  }
}

static void
line (cairo_t *cr, double x0, double y0, double x1, double y1)
{
  msx_cairo.cairo_move_to (cr, x0, y0);
  msx_cairo.cairo_line_to (cr, x1, y1);
  msx_cairo.cairo_stroke (cr);
}

/* The colour bar's column range in the frame. */
static int
bar_x (const MsxAnnotator *an)
{
  return an->m.left + an->a.width + 1 + an->z.k.bar_gap;
}

/* The frequency axis, lane names, title, spines and colour bar frame. */
static void
draw_static (MsxAnnotator *an, cairo_t *cr)
{
  const MsxAnnotation *a = &an->a;
  const Metrics *k = &an->z.k;
  int L = an->m.left, T = an->m.top, W = a->width, H = a->height;
  int lane, i, bx = bar_x (an);
  double step, v;
  char label[64];

  msx_cairo.cairo_set_source_rgb (cr, 1, 1, 1);
  msx_cairo.cairo_paint (cr);
  msx_cairo.cairo_set_source_rgb (cr, 0, 0, 0);
  msx_cairo.cairo_set_line_width (cr, 1.0);
  msx_cairo.cairo_set_antialias (cr, CAIRO_ANTIALIAS_NONE);

  /* spines just outside the plot (the bottom one is the time axis's) */
  line (cr, L - 0.5, T - 1, L - 0.5, T + H);
  line (cr, L + W + 0.5, T - 1, L + W + 0.5, T + H);
  line (cr, L - 1, T - 0.5, L + W + 1, T - 0.5);

  for (lane = 0; lane < a->n_lanes; lane++) {
    double hz[64];
    int row[64], n = freq_ticks (a, lane, k->text_h, hz, row, 64), top, rows;

    for (i = 0; i < n; i++) {
      double y = T + row[i] + 0.5;
      line (cr, L - 1 - k->tick, y, L - 1, y);
      hz_label (hz[i], label, sizeof label);
      text_draw (
          &an->text, cr, label, 0, L - 1 - k->tick - k->gap, y, 1.0, 0.5);
    }
    if (a->n_lanes > 1) {
      char fallback[16];
      const char *name = an->has_names ? a->lane_names[lane] : NULL;
      if (name == NULL || !name[0]) {
        snprintf (fallback, sizeof fallback, "ch %d", lane + 1);
        name = fallback;
      }
      msx_image_lane (H, a->n_lanes, a->fmt, lane, &top, &rows);
      text_draw (
          &an->text, cr, name, 0, k->pad, T + top + rows / 2.0, 0.0, 0.5);
      /* a short mark at each lane boundary */
      if (lane > 0)
        line (cr, L - 1 - 2 * k->tick, T + top - 0.5, L - 1, T + top - 0.5);
    }
  }

  if (a->title && a->title[0])
    text_draw (&an->text, cr, a->title, 1, L + W / 2.0, k->pad, 0.5, 0.0);

  /* the colour bar's frame, ticks and labels (its pixels come after) */
  msx_cairo.cairo_rectangle (cr, bx - 0.5, T - 0.5, k->bar_w + 1, H + 1);
  msx_cairo.cairo_stroke (cr);
  step = db_step (a->top_db, H, k->text_h);
  for (v = ceil ((a->db_top - a->top_db) / step - 1e-9) * step;
       v <= a->db_top + 1e-9 * step; v += step) {
    double y = T + (a->db_top - v) / a->top_db * H;
    int d = step < 1.0 ? decimals_for (step) : 0;
    int r = (int)floor (y);
    double vv = fabs (v) < 0.5 * step ? 0.0 : v; /* no "-0" */

    if (r > T + H - 1)
      r = T + H - 1;
    line (cr, bx + k->bar_w, r + 0.5, bx + k->bar_w + 1 + k->tick, r + 0.5);
    snprintf (
        label, sizeof label, "%+.*f %s", d, vv, a->db_unit ? a->db_unit : "dB");
    text_draw (&an->text, cr, label, 0, bx + k->bar_w + 1 + k->tick + k->gap,
        r + 0.5, 0.0, 0.5);
  }
}

/* The colour bar's pixels: row r shows the level at its centre. */
static void
draw_bar (MsxAnnotator *an)
{
  const MsxAnnotation *a = &an->a;
  const uint8_t *table = msx_colormap_table (a->map);
  int r, c, bx = bar_x (an);

  for (r = 0; r < a->height; r++) {
    double db = a->db_top - a->top_db * (r + 0.5) / a->height;
    int index = msx_annotate_bar_index (a, db);
    uint8_t *p = an->bg + (size_t)(an->m.top + r) * an->bg_stride;
    for (c = 0; c < an->z.k.bar_w; c++)
      msx_image_put_level (
          a->fmt, table, a->invert, index, p + (size_t)(bx + c) * an->bpp);
  }
}

static MsxStatus
annotator_build (MsxAnnotator *an, char *msg, size_t msg_size)
{
  cairo_surface_t *s;
  cairo_t *cr;
  int r, ok;

  an->frame_w = an->m.left + an->a.width + an->m.right;
  an->frame_h = an->m.top + an->a.height + an->m.bottom;
  an->bpp = msx_pixel_size (an->a.fmt);
  an->bg_stride = (size_t)an->frame_w * an->bpp;
  an->bg = malloc (an->bg_stride * an->frame_h);
  if (an->bg == NULL)
    return MSX_ERROR_NO_MEMORY;
  s = msx_cairo.cairo_image_surface_create (
      CAIRO_FORMAT_RGB24, an->frame_w, an->frame_h);
  an->strip = msx_cairo.cairo_image_surface_create (
      CAIRO_FORMAT_RGB24, an->frame_w, an->m.bottom);
  an->strip_bg = msx_cairo.cairo_image_surface_create (
      CAIRO_FORMAT_RGB24, an->frame_w, an->m.bottom);
  ok = msx_cairo.cairo_surface_status (s) == CAIRO_STATUS_SUCCESS &&
       msx_cairo.cairo_surface_status (an->strip) == CAIRO_STATUS_SUCCESS &&
       msx_cairo.cairo_surface_status (an->strip_bg) == CAIRO_STATUS_SUCCESS;
  if (ok) {
    cr = msx_cairo.cairo_create (s);
    msx_cairo.pango_cairo_update_context (cr, an->text.ctx);
    draw_static (an, cr);
    msx_cairo.cairo_destroy (cr);
    /* the colour bar's lowest label reaches below the plot */
    cr = msx_cairo.cairo_create (an->strip_bg);
    msx_cairo.cairo_set_source_surface (cr, s, 0, -(an->m.top + an->a.height));
    msx_cairo.cairo_set_operator (cr, CAIRO_OPERATOR_SOURCE);
    msx_cairo.cairo_paint (cr);
    msx_cairo.cairo_destroy (cr);
    msx_cairo.cairo_surface_flush (s);
    for (r = 0; r < an->frame_h; r++)
      convert_row (
          (const uint32_t *)(msx_cairo.cairo_image_surface_get_data (s) +
                             (size_t)r *
                                 msx_cairo.cairo_image_surface_get_stride (s)),
          an->a.fmt, an->bg + (size_t)r * an->bg_stride, an->frame_w);
    draw_bar (an);
  }
  msx_cairo.cairo_surface_destroy (s);
  if (!ok) {
    if (msg && msg_size)
      snprintf (msg, msg_size, "cairo could not make a %dx%d surface",
          an->frame_w, an->frame_h);
    return MSX_ERROR_NO_MEMORY;
  }
  return MSX_OK;
}

static MsxStatus
annotator_new (const MsxAnnotation *a, const MsxMargins *fixed,
    MsxAnnotator **out, char *msg, size_t msg_size)
{
  MsxAnnotator *an;
  MsxStatus st;
  int i;

  *out = NULL;
  if (arg_error (a, msg, msg_size))
    return MSX_ERROR_INVALID_ARGUMENT;
  if (open_cairo (msg, msg_size) != MSX_OK)
    return MSX_ERROR_INVALID_ARGUMENT;
  an = calloc (1, sizeof *an);
  if (an == NULL)
    return MSX_ERROR_NO_MEMORY;
  an->a = *a;
  copy_utf8 (an->title, sizeof an->title, a->title);
  copy_utf8 (an->unit, sizeof an->unit, a->db_unit ? a->db_unit : "dB");
  an->a.title = an->title;
  an->a.db_unit = an->unit;
  an->has_names = a->lane_names != NULL;
  for (i = 0; i < a->n_lanes; i++) {
    copy_utf8 (an->names[i], sizeof an->names[i],
        a->lane_names ? a->lane_names[i] : NULL);
    an->name_ptr[i] = an->names[i];
  }
  an->a.lane_names = an->has_names ? an->name_ptr : NULL;
  if (!text_init (&an->text, msx_annotate_font_px (a->height))) {
    msx_annotator_free (an);
    return MSX_ERROR_NO_MEMORY;
  }
  sizes_measure (&an->a, &an->text, msx_annotate_font_px (a->height), &an->z);
  an->m = fixed ? *fixed : margins_of (&an->a, &an->z);
  st = check_frame (&an->a, &an->m, msg, msg_size);
  if (st == MSX_OK)
    st = annotator_build (an, msg, msg_size);
  if (st != MSX_OK) {
    msx_annotator_free (an);
    return st;
  }
  *out = an;
  return MSX_OK;
}

MsxStatus
msx_annotator_new (
    const MsxAnnotation *a, MsxAnnotator **out, char *msg, size_t msg_size)
{
  return annotator_new (a, NULL, out, msg, msg_size);
}

MsxStatus
msx_annotator_new_fit (const MsxAnnotation *a, int frame_width,
    int frame_height, MsxAnnotator **out, char *msg, size_t msg_size)
{
  MsxAnnotation fitted;
  MsxMargins m;
  MsxStatus st;

  *out = NULL;
  if (a == NULL)
    return msx_refuse (msg, msg_size, "no annotation given");
  fitted = *a;
  st = msx_annotate_fit (&fitted, frame_width, frame_height, &m, msg, msg_size);
  if (st != MSX_OK)
    return st;
  return annotator_new (&fitted, &m, out, msg, msg_size);
}

static int
same_string (const char *a, const char *b)
{
  return strcmp (a ? a : "", b ? b : "") == 0;
}

int
msx_annotator_matches (const MsxAnnotator *an, const MsxAnnotation *a)
{
  const MsxAnnotation *b = &an->a;
  char title[MSX_ANNOTATE_MAX_TITLE + 1];
  int i;

  if (a->width != b->width || a->height != b->height ||
      a->n_lanes != b->n_lanes || a->fmt != b->fmt || a->n_mels != b->n_mels ||
      a->f_min != b->f_min || a->f_max != b->f_max ||
      a->mel_scale != b->mel_scale || a->map != b->map ||
      !a->invert != !b->invert || a->db_top != b->db_top ||
      a->top_db != b->top_db || !same_string (a->db_unit, b->db_unit) ||
      (a->lane_names != NULL) != an->has_names)
    return 0;
  copy_utf8 (title, sizeof title, a->title);
  if (!same_string (title, b->title))
    return 0;
  for (i = 0; a->lane_names && i < a->n_lanes; i++) {
    char name[MSX_ANNOTATE_MAX_NAME + 1];
    copy_utf8 (name, sizeof name, a->lane_names[i]);
    if (strcmp (name, b->lane_names[i]) != 0)
      return 0;
  }
  return 1;
}

void
msx_annotator_frame_size (const MsxAnnotator *an, int *width, int *height)
{
  *width = an->frame_w;
  *height = an->frame_h;
}

void
msx_annotator_plot_size (const MsxAnnotator *an, int *width, int *height)
{
  *width = an->a.width;
  *height = an->a.height;
}

MsxMargins
msx_annotator_margins (const MsxAnnotator *an)
{
  return an->m;
}

/* The bottom margin: spine, ticks and labels of [t0, t1]. */
static void
draw_time (MsxAnnotator *an, cairo_t *cr, double t0, double t1)
{
  const Metrics *k = &an->z.k;
  int L = an->m.left, W = an->a.width, lw, i, n;
  double span = t1 - t0, step, t;
  char label[64];

  msx_cairo.cairo_set_source_surface (cr, an->strip_bg, 0, 0);
  msx_cairo.cairo_set_operator (cr, CAIRO_OPERATOR_SOURCE);
  msx_cairo.cairo_paint (cr);
  msx_cairo.cairo_set_operator (cr, CAIRO_OPERATOR_OVER);
  msx_cairo.cairo_set_source_rgb (cr, 0, 0, 0);
  msx_cairo.cairo_set_line_width (cr, 1.0);
  msx_cairo.cairo_set_antialias (cr, CAIRO_ANTIALIAS_NONE);
  line (cr, L - 1, 0.5, L + W + 1, 0.5);
  if (!(span > 0.0) || !isfinite (span))
    return;
  msx_annotate_time_label (t1, span / 5, span, label, sizeof label);
  text_size (&an->text, label, 0, &lw, NULL);
  step = msx_annotate_time_step (span, W, lw);
  msx_annotate_time_label (t1, step, span, label, sizeof label);
  text_size (&an->text, label, 0, &lw, NULL);
  step = msx_annotate_time_step (span, W, lw);
  t = ceil ((t0 > 0 ? t0 : 0) / step - 1e-9) * step;
  for (n = 0; t <= t1 + 1e-9 * step && n < 1000; n++, t += step) {
    int col = (int)floor (L + (t - t0) / span * W);

    if (col > L + W - 1)
      col = L + W - 1;
    if (col < L)
      col = L;
    line (cr, col + 0.5, 1, col + 0.5, 1 + k->tick);
    msx_annotate_time_label (t, step, span, label, sizeof label);
    text_draw (
        &an->text, cr, label, 0, col + 0.5, 1 + k->tick + k->gap, 0.5, 0.0);
  }
  (void)i;
}

void
msx_annotator_draw (
    MsxAnnotator *an, double t0, double t1, uint8_t *frame, size_t stride)
{
  int L = an->m.left, T = an->m.top, W = an->a.width, H = an->a.height, r;
  size_t left_bytes = (size_t)L * an->bpp;
  size_t right_off = (size_t)(L + W) * an->bpp;
  size_t right_bytes = an->bg_stride - right_off;
  cairo_t *cr;
  const uint8_t *sd;
  int ss;

  for (r = 0; r < T; r++)
    memcpy (frame + (size_t)r * stride, an->bg + (size_t)r * an->bg_stride,
        an->bg_stride);
  for (r = T; r < T + H; r++) {
    uint8_t *dst = frame + (size_t)r * stride;
    const uint8_t *src = an->bg + (size_t)r * an->bg_stride;
    memcpy (dst, src, left_bytes);
    memcpy (dst + right_off, src + right_off, right_bytes);
  }
  cr = msx_cairo.cairo_create (an->strip);
  msx_cairo.pango_cairo_update_context (cr, an->text.ctx);
  draw_time (an, cr, t0, t1);
  msx_cairo.cairo_destroy (cr);
  msx_cairo.cairo_surface_flush (an->strip);
  sd = msx_cairo.cairo_image_surface_get_data (an->strip);
  ss = msx_cairo.cairo_image_surface_get_stride (an->strip);
  for (r = 0; r < an->m.bottom; r++)
    convert_row ((const uint32_t *)(sd + (size_t)r * ss), an->a.fmt,
        frame + (size_t)(T + H + r) * stride, an->frame_w);
}

void
msx_annotator_free (MsxAnnotator *an)
{
  if (an == NULL)
    return;
  if (an->strip)
    msx_cairo.cairo_surface_destroy (an->strip);
  if (an->strip_bg)
    msx_cairo.cairo_surface_destroy (an->strip_bg);
  text_clear (&an->text);
  free (an->bg);
  free (an);
}

#endif /* MSX_HAVE_ANNOTATE */
