/* GStreamer melspecx — element tests of annotate=true (GstCheck + GstHarness)
 * SPDX-License-Identifier: MIT
 *
 * The frame is the plot (width × height) plus the margins the core computes
 * for the same labels, in image mode (PNG and video/x-raw) and stream mode;
 * the plot inside it is the picture without annotation, pixel for pixel; a
 * frame fixed downstream that leaves no room for a plot is an error on the
 * bus.  In a build without cairo and pango, annotate=true is refused in one
 * sentence.
 */
#include <math.h>
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "msx_annotate.h"

#define RATE 22050
#define PLOT_W 300
#define PLOT_H 100

/* helpers */

/* @seconds of a 440 Hz sine with a 3 kHz partial, mono F32. */
static GstBuffer *
tone (gdouble seconds)
{
  gsize n = (gsize)(seconds * RATE);
  gfloat *s = g_new (gfloat, n);

  for (gsize i = 0; i < n; i++)
    s[i] = 0.4 * sin (2.0 * G_PI * 440.0 * i / RATE) +
           0.1 * sin (2.0 * G_PI * 3000.0 * i / RATE);
  return gst_buffer_new_wrapped (s, n * sizeof (gfloat));
}

/* A harness for a @mode (0 image, 1 stream) melspecx making PLOT_W ×
 * PLOT_H plots; @sink_caps NULL for ANY. */
static GstHarness *
new_harness (
    gint mode, gboolean annotate, const gchar *title, const gchar *sink_caps)
{
  GstHarness *h = gst_harness_new ("melspecx");

  g_object_set (h->element, "mode", mode, "width", PLOT_W, "height", PLOT_H,
      "annotate", annotate, "title", title, NULL);
  if (sink_caps)
    gst_harness_set_sink_caps_str (h, sink_caps);
  gst_harness_set_src_caps_str (h, "audio/x-raw,format=F32LE,"
                                   "layout=interleaved,rate=22050,channels=1");
  return h;
}

/* Image mode: one picture of a second of tone. */
static GstBuffer *
picture (gboolean annotate, const gchar *title, const gchar *sink_caps)
{
  GstHarness *h = new_harness (0, annotate, title, sink_caps);
  GstBuffer *out;

  fail_unless_equals_int (gst_harness_push (h, tone (1.0)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  gst_harness_teardown (h);
  return out;
}

/* The margins the element must add around a PLOT_W × PLOT_H plot of the
 * default analysis (128 slaney bands, 0 to 8000 Hz, one lane). */
static MsxMargins
expected_margins (const gchar *title)
{
  MsxAnnotation a;
  MsxMargins m;
  gchar msg[256] = "";

  memset (&a, 0, sizeof a);
  a.width = PLOT_W;
  a.height = PLOT_H;
  a.n_lanes = 1;
  a.fmt = MSX_PIXEL_RGB;
  a.n_mels = 128;
  a.f_min = 0.0;
  a.f_max = 8000.0;
  a.mel_scale = MSX_MEL_SCALE_SLANEY;
  a.map = MSX_COLORMAP_INFERNO;
  a.top_db = 80.0;
  a.db_unit = "dB";
  a.title = title;
  fail_unless (msx_annotate_margins (&a, &m, msg, sizeof msg) == MSX_OK, msg);
  return m;
}

static void
caps_size (GstHarness *h, gint *width, gint *height)
{
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
  GstVideoInfo info;

  fail_unless (caps != NULL);
  fail_unless (gst_video_info_from_caps (&info, caps));
  *width = GST_VIDEO_INFO_WIDTH (&info);
  *height = GST_VIDEO_INFO_HEIGHT (&info);
  gst_caps_unref (caps);
}

static guint32
be32 (const guint8 *p)
{
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

/* The first error message's text on @bus, or NULL. */
static gchar *
bus_error (GstBus *bus)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GError *err = NULL;
  gchar *text;

  if (msg == NULL)
    return NULL;
  gst_message_parse_error (msg, &err, NULL);
  text = g_strdup (err->message);
  g_error_free (err);
  gst_message_unref (msg);
  return text;
}

/* Pushes a second of tone and EOS into a harness whose element posts on
 * its own bus; returns the first error's text (NULL for none). */
static gchar *
error_of (GstHarness *h)
{
  GstBus *bus = gst_bus_new ();
  gchar *text;

  gst_element_set_bus (h->element, bus);
  /* the flow is the error's echo; the bus says why */
  gst_harness_push (h, tone (1.0));
  gst_harness_push_event (h, gst_event_new_eos ());
  text = bus_error (bus);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  return text;
}

/* tests: a build with cairo and pango */

/* PNG: the IHDR says plot + margins, with and without a title. */
GST_START_TEST (test_image_png_size)
{
  const gchar *titles[2] = { NULL, "A title" };

  for (gint i = 0; i < 2; i++) {
    GstBuffer *out = picture (TRUE, titles[i], NULL);
    MsxMargins m = expected_margins (titles[i]);
    GstMapInfo mi;

    gst_buffer_map (out, &mi, GST_MAP_READ);
    fail_unless (mi.size > 24 && memcmp (mi.data + 12, "IHDR", 4) == 0);
    fail_unless_equals_int (be32 (mi.data + 16), PLOT_W + m.left + m.right);
    fail_unless_equals_int (be32 (mi.data + 20), PLOT_H + m.top + m.bottom);
    gst_buffer_unmap (out, &mi);
    gst_buffer_unref (out);
  }
}

GST_END_TEST;

/* video/x-raw: caps and buffer are the frame, and the plot at the margins'
 * corner is the picture annotate=false makes, in RGB, RGBA and GRAY8. */
GST_START_TEST (test_image_raw_plot_identical)
{
  static const gchar *formats[3] = { "RGB", "RGBA", "GRAY8" };
  MsxMargins m = expected_margins ("T");

  for (gint f = 0; f < 3; f++) {
    gchar *caps = g_strdup_printf ("video/x-raw,format=%s", formats[f]);
    GstHarness *h = new_harness (0, TRUE, "T", caps);
    GstVideoInfo ia, ip;
    GstCaps *ca, *cp;
    GstBuffer *ann, *plain;
    GstMapInfo ma, mp;
    gint bpp;

    fail_unless_equals_int (gst_harness_push (h, tone (1.0)), GST_FLOW_OK);
    fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
    ann = gst_harness_pull (h);
    ca = gst_pad_get_current_caps (h->sinkpad);
    fail_unless (gst_video_info_from_caps (&ia, ca));
    gst_harness_teardown (h);

    h = new_harness (0, FALSE, NULL, caps);
    fail_unless_equals_int (gst_harness_push (h, tone (1.0)), GST_FLOW_OK);
    fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
    plain = gst_harness_pull (h);
    cp = gst_pad_get_current_caps (h->sinkpad);
    fail_unless (gst_video_info_from_caps (&ip, cp));
    gst_harness_teardown (h);

    fail_unless_equals_int (
        GST_VIDEO_INFO_WIDTH (&ia), PLOT_W + m.left + m.right);
    fail_unless_equals_int (
        GST_VIDEO_INFO_HEIGHT (&ia), PLOT_H + m.top + m.bottom);
    fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&ip), PLOT_W);
    fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&ip), PLOT_H);
    fail_unless_equals_int (
        gst_buffer_get_size (ann), GST_VIDEO_INFO_SIZE (&ia));
    bpp = GST_VIDEO_INFO_COMP_PSTRIDE (&ia, 0);
    gst_buffer_map (ann, &ma, GST_MAP_READ);
    gst_buffer_map (plain, &mp, GST_MAP_READ);
    for (gint y = 0; y < PLOT_H; y++) {
      const guint8 *a =
          ma.data + (gsize)(m.top + y) * GST_VIDEO_INFO_PLANE_STRIDE (&ia, 0) +
          (gsize)m.left * bpp;
      const guint8 *p =
          mp.data + (gsize)y * GST_VIDEO_INFO_PLANE_STRIDE (&ip, 0);
      fail_unless (memcmp (a, p, (gsize)PLOT_W * bpp) == 0,
          "%s: plot row %d differs from the picture", formats[f], y);
    }
    /* and the margins are drawn: the top-left pixel is the white ground */
    fail_unless_equals_int (ma.data[0], 255);
    gst_buffer_unmap (ann, &ma);
    gst_buffer_unmap (plain, &mp);
    gst_buffer_unref (ann);
    gst_buffer_unref (plain);
    gst_caps_unref (ca);
    gst_caps_unref (cp);
    g_free (caps);
  }
}

GST_END_TEST;

/* Stream mode: the caps are plot + margins; a title adds rows on top and
 * keeps the width. */
GST_START_TEST (test_stream_caps_size)
{
  const gchar *titles[2] = { NULL, "Live" };
  gint w[2], hgt[2];

  for (gint i = 0; i < 2; i++) {
    GstHarness *h = new_harness (1, TRUE, titles[i], "video/x-raw,format=RGBA");
    MsxMargins m = expected_margins (titles[i]);
    GstBuffer *buf;
    gint n = 0;

    fail_unless_equals_int (gst_harness_push (h, tone (0.5)), GST_FLOW_OK);
    while ((buf = gst_harness_try_pull (h))) {
      caps_size (h, &w[i], &hgt[i]);
      fail_unless_equals_int (gst_buffer_get_size (buf), w[i] * hgt[i] * 4);
      gst_buffer_unref (buf);
      n++;
    }
    fail_unless (n > 0);
    fail_unless_equals_int (w[i], PLOT_W + m.left + m.right);
    fail_unless_equals_int (hgt[i], PLOT_H + m.top + m.bottom);
    gst_harness_teardown (h);
  }
  fail_unless_equals_int (w[1], w[0]);
  fail_unless (hgt[1] > hgt[0]);
}

GST_END_TEST;

/* A frame fixed downstream: the plot is what the margins leave; a frame
 * too small for any plot is an error on the bus, in both modes. */
GST_START_TEST (test_forced_size_without_room)
{
  for (gint mode = 0; mode < 2; mode++) {
    GstHarness *h = new_harness (mode, TRUE, NULL,
        "video/x-raw,format=RGBA,width=30,"
        "height=20");
    gchar *text = error_of (h);

    fail_unless (text != NULL, "mode %d: no error", mode);
    fail_unless (
        strstr (text, "30x20 frame leaves no room") != NULL, "%s", text);
    fail_unless (strchr (text, '\n') == NULL, "%s", text);
    g_free (text);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* tests: a build without cairo and pango */

GST_START_TEST (test_unsupported_refused)
{
  for (gint mode = 0; mode < 2; mode++) {
    GstHarness *h = new_harness (mode, TRUE, NULL, "video/x-raw,format=RGBA");
    gchar *text = error_of (h);

    fail_unless (text != NULL, "mode %d: no error", mode);
    fail_unless (strstr (text, "no annotation support") != NULL, "%s", text);
    g_free (text);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

static Suite *
melspecx_annotate_suite (void)
{
  Suite *s = suite_create ("melspecx_annotate");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  if (msx_annotate_supported ()) {
    tcase_add_test (tc, test_image_png_size);
    tcase_add_test (tc, test_image_raw_plot_identical);
    tcase_add_test (tc, test_stream_caps_size);
    tcase_add_test (tc, test_forced_size_without_room);
  } else {
    tcase_add_test (tc, test_unsupported_refused);
  }
  return s;
}

GST_CHECK_MAIN (melspecx_annotate);
