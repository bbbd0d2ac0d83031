/* GStreamer melspecx — element tests (GstCheck + GstHarness)
 * SPDX-License-Identifier: MIT
 *
 * Each test pushes a known signal generated here and asserts facts about
 * what comes out: sizes, the row of a sine, raw dB values, timestamps,
 * bus messages.  Expected mel bands come from an independent float64
 * Slaney mel formula (librosa's hz_to_mel).
 */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/audio/audio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "msx_backend.h"

#define RATE 22050
#define N_MELS 128
#define HOP 512
#define WIDTH 64

/* helpers: signals */

/* librosa.hz_to_mel (htk=False), in float64. */
static gdouble
slaney_mel (gdouble f)
{
  const gdouble f_sp = 200.0 / 3.0, logstep = log (6.4) / 27.0;

  return f < 1000.0 ? f / f_sp : 1000.0 / f_sp + log (f / 1000.0) / logstep;
}

/* The band whose triangle peaks nearest @f (filter m peaks at mel point
 * m + 1 of n_mels + 2 equally spaced points between f_min=0 and f_max). */
static gdouble
expected_band (gdouble f, gdouble f_max, gint n_mels)
{
  return slaney_mel (f) / slaney_mel (f_max) * (n_mels + 1) - 1.0;
}

/* @n samples of @channels interleaved F32; channel c gets amp[c]·sin. */
static gfloat *
sine_f32 (gint rate, gint channels, gsize n, gdouble freq, const gdouble *amp)
{
  gfloat *s = g_new (gfloat, n * channels);

  for (gsize i = 0; i < n; i++)
    for (gint c = 0; c < channels; c++)
      s[i * channels + c] = amp[c] * sin (2.0 * G_PI * freq * i / rate);
  return s;
}

static GstBuffer *
wrap_f32 (gfloat *samples, gsize n_floats)
{
  return gst_buffer_new_wrapped (samples, n_floats * sizeof (gfloat));
}

static GstBuffer *
mono_sine (gsize n, gdouble freq)
{
  const gdouble amp[1] = { 0.5 };

  return wrap_f32 (sine_f32 (RATE, 1, n, freq, amp), n);
}

static gchar *
f32_caps (gint rate, gint channels)
{
  return g_strdup_printf ("audio/x-raw,format=F32LE,layout=interleaved,"
                          "rate=%d,channels=%d",
      rate, channels);
}

/* helpers: harness */

/* An image-mode harness with small pictures; @sink_caps NULL for ANY. */
static GstHarness *
new_harness (const gchar *sink_caps)
{
  GstHarness *h = gst_harness_new ("melspecx");

  g_object_set (h->element, "mode", 0, "width", WIDTH, "height", N_MELS, NULL);
  if (sink_caps)
    gst_harness_set_sink_caps_str (h, sink_caps);
  return h;
}

static void
start_f32 (GstHarness *h, gint rate, gint channels)
{
  gchar *caps = f32_caps (rate, channels);

  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
}

/* Pushes @buf, EOS, and returns the one picture. */
static GstBuffer *
picture_of (GstHarness *h, GstBuffer *buf)
{
  if (buf)
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  return gst_harness_pull (h);
}

/* GRAY8 picture of a mono F32 buffer with the harness's settings. */
static GstBuffer *
gray_picture (GstHarness *h, gint rate, gint channels, GstBuffer *buf)
{
  start_f32 (h, rate, channels);
  return picture_of (h, buf);
}

/* The row with the largest level sum in a GRAY8 picture. */
static gint
brightest_row (GstBuffer *buf, gint width, gint height)
{
  gint stride = GST_ROUND_UP_4 (width), best = -1;
  guint64 best_sum = 0;
  GstMapInfo mi;

  gst_buffer_map (buf, &mi, GST_MAP_READ);
  for (gint y = 0; y < height; y++) {
    guint64 sum = 0;
    for (gint x = 0; x < width; x++)
      sum += mi.data[y * stride + x];
    if (best < 0 || sum > best_sum) {
      best = y;
      best_sum = sum;
    }
  }
  gst_buffer_unmap (buf, &mi);
  return best;
}

/* Like gst_harness_set_src_caps_str(), for caps the element may refuse. */
static void
push_caps (GstHarness *h, const gchar *caps_str)
{
  GstCaps *caps = gst_caps_from_string (caps_str);
  GstSegment seg;

  /* A sticky event is stored even when refused: the next buffer tells. */
  gst_harness_push_event (h, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&seg));
}

static GstBus *
attach_bus (GstHarness *h)
{
  GstBus *bus = gst_bus_new ();

  gst_element_set_bus (h->element, bus);
  return bus;
}

/* The text of the first message of @type on @bus, or NULL. */
static gchar *
bus_text (GstBus *bus, GstMessageType type)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, type);
  GError *err = NULL;
  gchar *text;

  if (msg == NULL)
    return NULL;
  if (type == GST_MESSAGE_ERROR)
    gst_message_parse_error (msg, &err, NULL);
  else
    gst_message_parse_warning (msg, &err, NULL);
  text = g_strdup (err->message);
  g_error_free (err);
  gst_message_unref (msg);
  return text;
}

static void
teardown (GstHarness *h, GstBus *bus)
{
  if (bus) {
    gst_element_set_bus (h->element, NULL);
    gst_object_unref (bus);
  }
  gst_harness_teardown (h);
}

static gboolean
buffers_equal (GstBuffer *a, GstBuffer *b)
{
  GstMapInfo ma, mb;
  gboolean eq;

  gst_buffer_map (a, &ma, GST_MAP_READ);
  gst_buffer_map (b, &mb, GST_MAP_READ);
  eq = ma.size == mb.size && memcmp (ma.data, mb.data, ma.size) == 0;
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
  return eq;
}

/* Largest difference between two equally sized byte buffers. */
static gint
max_abs_diff (GstBuffer *a, GstBuffer *b)
{
  GstMapInfo ma, mb;
  gint d = 0;

  gst_buffer_map (a, &ma, GST_MAP_READ);
  gst_buffer_map (b, &mb, GST_MAP_READ);
  fail_unless_equals_int (ma.size, mb.size);
  for (gsize i = 0; i < ma.size; i++)
    d = MAX (d, ABS ((gint)ma.data[i] - (gint)mb.data[i]));
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
  return d;
}

/* A fresh image-mode GRAY8 picture of one mono F32 buffer. */
static GstBuffer *
gray_picture_with (GstBuffer *in, const gchar *prop, gint value)
{
  GstHarness *h = new_harness ("video/x-raw,format=GRAY8");
  GstBuffer *out;

  if (prop)
    g_object_set (h->element, prop, value, NULL);
  out = gray_picture (h, RATE, 1, in);
  gst_harness_teardown (h);
  return out;
}

/* tests: picture size and format */

GST_START_TEST (test_size_from_properties)
{
  GstHarness *h = new_harness ("video/x-raw,format=RGBA");
  GstVideoInfo info;
  GstBuffer *out;
  GstCaps *caps;

  g_object_set (h->element, "width", 300, "height", 100, NULL);
  out = gray_picture (h, RATE, 1, mono_sine (RATE, 440.0));
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_video_info_from_caps (&info, caps));
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 300);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 100);
  fail_unless_equals_int (GST_VIDEO_INFO_FPS_N (&info), 0);
  fail_unless_equals_int (gst_buffer_get_size (out), 300 * 100 * 4);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 0);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (out), GST_SECOND);
  gst_caps_unref (caps);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_size_from_downstream_caps)
{
  GstHarness *h = new_harness ("video/x-raw,format=RGBx,width=2048,"
                               "height=512");
  GstBuffer *out = gray_picture (h, RATE, 1, mono_sine (RATE / 2, 440.0));

  fail_unless_equals_int (gst_buffer_get_size (out), 2048 * 512 * 4);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The negotiated video format for a downstream that takes what pngenc
 * takes, in @mode (0 image, 1 stream). */
static gchar *
format_for_encoder (gint mode)
{
  GstHarness *h = new_harness ("video/x-raw,format={ RGBA, RGB, GRAY8 }");
  GstVideoInfo info;
  GstBuffer *out;
  GstCaps *caps;
  gchar *format;

  g_object_set (h->element, "mode", mode, NULL);
  start_f32 (h, RATE, 1);
  fail_unless_equals_int (
      gst_harness_push (h, mono_sine (RATE, 440.0)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  out = gst_harness_pull (h);
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_video_info_from_caps (&info, caps));
  format =
      g_strdup (gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (&info)));
  fail_unless_equals_int (
      gst_buffer_get_size (out), GST_VIDEO_INFO_SIZE (&info));
  gst_caps_unref (caps);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  return format;
}

/* Image mode offers RGB first (an opaque picture, three bytes a pixel for
 * the encoder); stream mode keeps RGBA first. */
GST_START_TEST (test_image_prefers_rgb)
{
  gchar *image = format_for_encoder (0), *stream = format_for_encoder (1);

  fail_unless_equals_string (image, "RGB");
  fail_unless_equals_string (stream, "RGBA");
  g_free (image);
  g_free (stream);
}

GST_END_TEST;

/* Downstream accepting anything gets a PNG with the metadata chunk. */
GST_START_TEST (test_png_with_text_chunk)
{
  static const guint8 sig[8] = { 137, 'P', 'N', 'G', 13, 10, 26, 10 };
  GstHarness *h = new_harness (NULL);
  GstBuffer *out = gray_picture (h, RATE, 1, mono_sine (RATE, 440.0));
  gboolean found = FALSE;
  GstMapInfo mi;
  gsize pos = 8;

  gst_buffer_map (out, &mi, GST_MAP_READ);
  fail_unless (mi.size > 8 && memcmp (mi.data, sig, 8) == 0);
  /* Walk the chunks: length, type, data, CRC. */
  while (pos + 8 <= mi.size) {
    const guint8 *p = mi.data + pos;
    guint32 len = (guint32)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
    const guint8 *type = mi.data + pos + 4;
    if (memcmp (type, "tEXt", 4) == 0 && len > 9)
      found |= memcmp (type + 4, "melspecx\0", 9) == 0 &&
               memchr (type + 13, '{', len - 9) != NULL;
    pos += 12 + len;
  }
  fail_unless_equals_int (pos, mi.size);
  fail_unless (found, "no melspecx tEXt chunk holding JSON");
  gst_buffer_unmap (out, &mi);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* tests: what the picture shows */

GST_START_TEST (test_sine_rows)
{
  gdouble b1 = expected_band (1000.0, 8000.0, N_MELS);
  gdouble b5 = expected_band (5000.0, 8000.0, N_MELS);
  GstBuffer *p1 = gray_picture_with (mono_sine (RATE, 1000.0), NULL, 0);
  GstBuffer *p5 = gray_picture_with (mono_sine (RATE, 5000.0), NULL, 0);
  gint r1 = brightest_row (p1, WIDTH, N_MELS);
  gint r5 = brightest_row (p5, WIDTH, N_MELS);

  /* Height = n-mels: one row per band, lowest band at the bottom. */
  GST_INFO (
      "1 kHz: row %d (band %.2f), 5 kHz: row %d (band %.2f)", r1, b1, r5, b5);
  fail_unless (fabs ((N_MELS - 1 - r1) - b1) <= 1.0);
  fail_unless (fabs ((N_MELS - 1 - r5) - b5) <= 1.0);
  fail_unless (r5 < r1);
  gst_buffer_unref (p1);
  gst_buffer_unref (p5);
}

GST_END_TEST;

GST_START_TEST (test_chunk_size_invariance)
{
  GstBuffer *in = mono_sine (RATE, 1000.0);
  GstBuffer *a = gray_picture_with (gst_buffer_ref (in), "chunk-size", 1);
  GstBuffer *b = gray_picture_with (gst_buffer_ref (in), "chunk-size", 7);
  GstBuffer *c = gray_picture_with (gst_buffer_ref (in), "chunk-size", 4096);

  fail_unless (buffers_equal (a, b));
  fail_unless (buffers_equal (a, c));
  gst_buffer_unref (in);
  gst_buffer_unref (a);
  gst_buffer_unref (b);
  gst_buffer_unref (c);
}

GST_END_TEST;

/* Left channel sine, right silence: the top lane lit, the bottom one at
 * level 0 (the floor of the common reference). */
GST_START_TEST (test_separate_lanes)
{
  const gdouble amp[2] = { 0.5, 0.0 };
  GstHarness *h = new_harness ("video/x-raw,format=GRAY8");
  GstBuffer *out;
  GstMapInfo mi;
  guint top = 0, bottom = 0;

  g_object_set (h->element, "channel-mode", 1, "height", 2 * N_MELS, NULL);
  out = gray_picture (
      h, RATE, 2, wrap_f32 (sine_f32 (RATE, 2, RATE, 1000.0, amp), 2 * RATE));
  gst_buffer_map (out, &mi, GST_MAP_READ);
  fail_unless_equals_int (mi.size, WIDTH * 2 * N_MELS);
  for (gsize i = 0; i < mi.size / 2; i++) {
    top = MAX (top, mi.data[i]);
    bottom = MAX (bottom, mi.data[mi.size / 2 + i]);
  }
  fail_unless_equals_int (top, 255);
  fail_unless_equals_int (bottom, 0);
  gst_buffer_unmap (out, &mi);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Fewer rows than lanes is refused when the caps arrive, naming height
 * (it used to fail only at EOS, with no property named). */
GST_START_TEST (test_separate_lanes_need_rows)
{
  GstHarness *h = new_harness ("video/x-raw,format=GRAY8");
  GstBus *bus = attach_bus (h);
  gchar *caps = f32_caps (RATE, 6), *text;

  g_object_set (h->element, "channel-mode", 1, "height", 4, NULL);
  push_caps (h, caps);
  text = bus_text (bus, GST_MESSAGE_ERROR);
  fail_unless (text != NULL, "no error at negotiation");
  fail_unless (strstr (text, "height 4") && strstr (text, "6 lanes") &&
                   strstr (text, "channel-mode=separate"),
      "unclear error: %s", text);
  fail_unless_equals_int (
      gst_harness_push (h, mono_sine (RATE, 1000.0)), GST_FLOW_NOT_NEGOTIATED);
  g_free (text);
  g_free (caps);
  teardown (h, bus);
}

GST_END_TEST;

/* Stream mode into a PNG encoder is refused when the caps arrive, saying
 * which mode makes PNGs (it used to negotiate, then fail with "A parameter
 * is outside its allowed range"). */
GST_START_TEST (test_stream_mode_into_png)
{
  GstHarness *h = gst_harness_new ("melspecx");
  GstBus *bus = attach_bus (h);
  gchar *text;

  g_object_set (h->element, "mode", 1, NULL);
  gst_harness_set_sink_caps_str (h, "image/png");
  start_f32 (h, RATE, 1);
  text = bus_text (bus, GST_MESSAGE_ERROR);
  fail_unless (text != NULL, "no error at negotiation");
  fail_unless (strstr (text, "mode=stream") && strstr (text, "mode=image"),
      "unclear error: %s", text);
  g_free (text);
  teardown (h, bus);
}

GST_END_TEST;

/* More than two channels without a channel-mask (an appsrc fed from
 * numpy): read as unpositioned, one lane each, the middle one lit. */
GST_START_TEST (test_unpositioned_channels)
{
  const gdouble amp[3] = { 0.0, 0.5, 0.0 };
  GstHarness *h = new_harness ("video/x-raw,format=GRAY8");
  GstBuffer *out;
  GstMapInfo mi;
  guint lane_max[3] = { 0, 0, 0 };
  gsize lane = (gsize)WIDTH * N_MELS;

  g_object_set (h->element, "channel-mode", 1, "height", 3 * N_MELS, NULL);
  out = gray_picture (
      h, RATE, 3, wrap_f32 (sine_f32 (RATE, 3, RATE, 1000.0, amp), 3 * RATE));
  gst_buffer_map (out, &mi, GST_MAP_READ);
  fail_unless_equals_int (mi.size, 3 * lane);
  for (gsize i = 0; i < mi.size; i++)
    lane_max[i / lane] = MAX (lane_max[i / lane], mi.data[i]);
  fail_unless (lane_max[0] == 0 && lane_max[1] == 255 && lane_max[2] == 0);
  gst_buffer_unmap (out, &mi);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* tests: raw float output */

static GstHarness *
new_raw_harness (void)
{
  return new_harness ("application/x-mel-spectrogram");
}

/* Pulls every raw buffer after EOS into one array of frames. */
static gfloat *
pull_raw (GstHarness *h, guint *n_frames, GstClockTime *first_pts)
{
  GArray *all = g_array_new (FALSE, FALSE, sizeof (gfloat));
  guint64 next_offset = 0;
  GstBuffer *buf;

  *first_pts = GST_CLOCK_TIME_NONE;
  while ((buf = gst_harness_try_pull (h))) {
    GstMapInfo mi;
    /* Frames are contiguous and PTS = first PTS + offset · hop / rate. */
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), next_offset);
    if (*first_pts == GST_CLOCK_TIME_NONE)
      *first_pts = GST_BUFFER_PTS (buf);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buf),
        *first_pts +
            gst_util_uint64_scale (next_offset * HOP, GST_SECOND, RATE));
    next_offset = GST_BUFFER_OFFSET_END (buf);
    gst_buffer_map (buf, &mi, GST_MAP_READ);
    g_array_append_vals (all, mi.data, mi.size / sizeof (gfloat));
    gst_buffer_unmap (buf, &mi);
    gst_buffer_unref (buf);
  }
  *n_frames = all->len / N_MELS;
  fail_unless_equals_int (next_offset, *n_frames);
  return (gfloat *)g_array_free (all, FALSE);
}

GST_START_TEST (test_raw_frames)
{
  GstHarness *h = new_raw_harness ();
  gsize len = RATE + 100;
  gint peak = 0, mid;
  GstClockTime pts;
  guint frames;
  gfloat *db;

  start_f32 (h, RATE, 1);
  fail_unless_equals_int (
      gst_harness_push (h, mono_sine (len, 1000.0)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  db = pull_raw (h, &frames, &pts);
  fail_unless_equals_int (frames, 1 + len / HOP);
  mid = frames / 2;
  for (gint m = 1; m < N_MELS; m++)
    if (db[mid * N_MELS + m] > db[mid * N_MELS + peak])
      peak = m;
  fail_unless (fabs (peak - expected_band (1000.0, 8000.0, N_MELS)) <= 1.0);
  g_free (db);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Raw PTS follow the audio's: the first buffer at 1 s gives frame i at
 * 1 s + i · hop / rate (checked in pull_raw for every buffer). */
GST_START_TEST (test_raw_timestamps)
{
  GstHarness *h = new_raw_harness ();
  GstBuffer *in = mono_sine (RATE / 2, 440.0);
  GstClockTime pts;
  guint frames;
  GstCaps *caps;
  gint n, d;

  g_object_set (h->element, "chunk-size", 3, NULL);
  start_f32 (h, RATE, 1);
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_structure_get_fraction (
      gst_caps_get_structure (caps, 0), "rate", &n, &d));
  fail_unless (n == RATE / 2 && d == HOP / 2); /* 22050/512 reduced */
  GST_BUFFER_PTS (in) = GST_SECOND;
  gst_harness_push (h, in);
  gst_harness_push_event (h, gst_event_new_eos ());
  g_free (pull_raw (h, &frames, &pts));
  fail_unless_equals_uint64 (pts, GST_SECOND);
  fail_unless_equals_int (frames, 1 + (RATE / 2) / HOP);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Raw values are 10·log10(max(1e-10, S)) − ref-db without floor: silence
 * is exactly −100 dB, or −80 dB against ref-db = −20. */
GST_START_TEST (test_raw_silence_levels)
{
  gdouble refs[2] = { 0.0, -20.0 };

  for (gint r = 0; r < 2; r++) {
    GstHarness *h = new_raw_harness ();
    GstClockTime pts;
    guint frames;
    gfloat *db;

    if (r == 1)
      g_object_set (h->element, "ref-db", refs[r], NULL);
    start_f32 (h, RATE, 1);
    gst_harness_push (h, wrap_f32 (g_new0 (gfloat, 4096), 4096));
    gst_harness_push_event (h, gst_event_new_eos ());
    db = pull_raw (h, &frames, &pts);
    fail_unless_equals_int (frames, 1 + 4096 / HOP);
    for (guint i = 0; i < frames * N_MELS; i++)
      fail_unless (fabs (db[i] - (-100.0 - refs[r])) < 1e-4, "%f", db[i]);
    g_free (db);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* tests: errors and warnings */

/* Pushes caps with @prop=@value set and returns the bus error text. */
static gchar *
config_error (const gchar *props)
{
  GstHarness *h = new_harness ("video/x-raw,format=GRAY8");
  GstBus *bus = attach_bus (h);
  gchar *caps_str = f32_caps (RATE, 1), *text;
  gchar **kv = g_strsplit (props, " ", -1);

  for (gchar **p = kv; *p; p++) {
    gchar **pair = g_strsplit (*p, "=", 2);
    gst_util_set_object_arg (G_OBJECT (h->element), pair[0], pair[1]);
    g_strfreev (pair);
  }
  push_caps (h, caps_str);
  fail_unless_equals_int (
      gst_harness_push (h, mono_sine (1024, 440.0)), GST_FLOW_NOT_NEGOTIATED);
  text = bus_text (bus, GST_MESSAGE_ERROR);
  g_strfreev (kv);
  g_free (caps_str);
  teardown (h, bus);
  return text;
}

GST_START_TEST (test_invalid_combinations)
{
  static const gchar *cases[][2] = {
    { "n-fft=1025", "n-fft" },
    { "n-fft=512 win-length=1024", "win-length" },
    { "f-min=9000", "f-min" },
    { "f-min=4000 f-max=4000", "f-m" },
    { "n-fft=256 n-mels=200", "n-mels" },
    { "power=1.5", "power" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *text = config_error (cases[i][0]);
    GST_INFO ("%s -> %s", cases[i][0], text);
    fail_unless (text != NULL, "%s gave no error", cases[i][0]);
    fail_unless (
        strstr (text, cases[i][1]) != NULL, "%s: %s", cases[i][0], text);
    g_free (text);
  }
}

GST_END_TEST;

/* Values GLib's param specs can express are refused at set time. */
GST_START_TEST (test_invalid_at_set_time)
{
  static const gchar *props[] = { "n-fft", "hop-length", "n-mels", "width",
    "height", "chunk-size" };
  GstElement *e = gst_element_factory_make ("melspecx", NULL);
  GValue v = G_VALUE_INIT;
  GParamSpec *ps;

  for (guint i = 0; i < G_N_ELEMENTS (props); i++) {
    ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e), props[i]);
    g_value_init (&v, G_TYPE_INT);
    g_value_set_int (&v, 0);
    fail_unless (g_param_value_validate (ps, &v), "%s accepts 0", props[i]);
    g_value_unset (&v);
  }
  ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e), "top-db");
  g_value_init (&v, G_TYPE_DOUBLE);
  g_value_set_double (&v, 0.0);
  fail_unless (g_param_value_validate (ps, &v), "top-db accepts 0");
  g_value_unset (&v);
  gst_object_unref (e);
}

GST_END_TEST;

GST_START_TEST (test_f_max_above_nyquist_warns)
{
  GstHarness *h = new_harness ("video/x-raw,format=GRAY8");
  GstBus *bus = attach_bus (h);
  GstBuffer *out;
  gchar *text;

  g_object_set (h->element, "f-max", 6000.0, "n-mels", 40, NULL);
  out = gray_picture (h, 8000, 1, wrap_f32 (g_new0 (gfloat, 8000), 8000));
  text = bus_text (bus, GST_MESSAGE_WARNING);
  fail_unless (text && strstr (text, "f-max"), "%s", text);
  fail_unless (bus_text (bus, GST_MESSAGE_WARNING) == NULL); /* once */
  g_free (text);
  gst_buffer_unref (out);
  teardown (h, bus);
}

GST_END_TEST;

GST_START_TEST (test_empty_bands_warn)
{
  GstHarness *h = new_harness ("video/x-raw,format=GRAY8");
  GstBus *bus = attach_bus (h);
  GstBuffer *out;
  gchar *text;

  g_object_set (h->element, "f-max", 0.0, "n-fft", 256, NULL);
  out = gray_picture (h, 192000, 1, wrap_f32 (g_new0 (gfloat, 19200), 19200));
  text = bus_text (bus, GST_MESSAGE_WARNING);
  fail_unless (
      text && strstr (text, "n-fft") && strstr (text, "n-mels"), "%s", text);
  fail_unless_equals_int (gst_buffer_get_size (out), WIDTH * N_MELS);
  g_free (text);
  gst_buffer_unref (out);
  teardown (h, bus);
}

GST_END_TEST;

GST_START_TEST (test_eos_before_data)
{
  GstHarness *h = new_harness (NULL);
  GstBus *bus = attach_bus (h);
  gchar *text;

  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  text = bus_text (bus, GST_MESSAGE_ERROR);
  fail_unless (text && strstr (text, "no audio before end of stream"));
  fail_unless (gst_harness_try_pull (h) == NULL);
  g_free (text);
  teardown (h, bus);
}

GST_END_TEST;

/* Caps but no samples, and all-zero samples: a picture at level 0. */
GST_START_TEST (test_empty_and_silent_input)
{
  for (gint silent = 0; silent < 2; silent++) {
    GstHarness *h = new_harness ("video/x-raw,format=GRAY8");
    GstBuffer *in = silent ? wrap_f32 (g_new0 (gfloat, RATE), RATE) : NULL;
    GstBuffer *out = gray_picture (h, RATE, 1, in);
    GstMapInfo mi;

    gst_buffer_map (out, &mi, GST_MAP_READ);
    fail_unless_equals_int (mi.size, WIDTH * N_MELS);
    for (gsize i = 0; i < mi.size; i++)
      fail_unless_equals_int (mi.data[i], 0);
    gst_buffer_unmap (out, &mi);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* NaN and ±Inf samples count as zeros. */
GST_START_TEST (test_nan_samples)
{
  const gdouble amp[1] = { 0.5 };
  gfloat *bad = sine_f32 (RATE, 1, RATE, 1000.0, amp);
  gfloat *zeroed = g_memdup2 (bad, RATE * sizeof (gfloat));
  GstBuffer *a, *b;

  for (gsize i = 1000; i < RATE; i += 3000) {
    bad[i] = NAN;
    bad[i + 1] = INFINITY;
    bad[i + 2] = -INFINITY;
    zeroed[i] = zeroed[i + 1] = zeroed[i + 2] = 0.0f;
  }
  a = gray_picture_with (wrap_f32 (bad, RATE), NULL, 0);
  b = gray_picture_with (wrap_f32 (zeroed, RATE), NULL, 0);
  fail_unless (buffers_equal (a, b));
  gst_buffer_unref (a);
  gst_buffer_unref (b);
}

GST_END_TEST;

/* tests: flushing and caps changes */

GST_START_TEST (test_flush_resets)
{
  GstHarness *h = new_harness ("video/x-raw,format=GRAY8");
  GstBuffer *out, *ref = gray_picture_with (mono_sine (RATE, 1000.0), NULL, 0);
  GstSegment seg;

  start_f32 (h, RATE, 1);
  fail_unless_equals_int (
      gst_harness_push (h, mono_sine (RATE, 5000.0)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  out = picture_of (h, mono_sine (RATE, 1000.0));
  /* Nothing of the 5 kHz part remains. */
  fail_unless (buffers_equal (out, ref));
  gst_buffer_unref (out);
  gst_buffer_unref (ref);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* New rate and channels mid-stream: the analysis restarts with them. */
GST_START_TEST (test_caps_change_restarts)
{
  const gdouble amp[2] = { 0.5, 0.5 };
  GstHarness *h = new_harness ("video/x-raw,format=GRAY8");
  GstHarness *r = new_harness ("video/x-raw,format=GRAY8");
  GstBuffer *out, *ref;

  start_f32 (h, RATE, 1);
  fail_unless_equals_int (
      gst_harness_push (h, mono_sine (RATE, 5000.0)), GST_FLOW_OK);
  start_f32 (h, 48000, 2);
  out =
      picture_of (h, wrap_f32 (sine_f32 (48000, 2, 48000, 1000.0, amp), 96000));
  ref = gray_picture (
      r, 48000, 2, wrap_f32 (sine_f32 (48000, 2, 48000, 1000.0, amp), 96000));
  fail_unless (buffers_equal (out, ref));
  gst_buffer_unref (out);
  gst_buffer_unref (ref);
  gst_harness_teardown (h);
  gst_harness_teardown (r);
}

GST_END_TEST;

/* tests: stream mode and mode choice */

GST_START_TEST (test_stream_frames_and_latency)
{
  GstHarness *h = new_harness ("video/x-raw,format=GRAY8");
  GstClockTime expected, prev = GST_CLOCK_TIME_NONE;
  guint n = 0;
  GstBuffer *buf;

  g_object_set (h->element, "mode", 1, NULL);
  gst_harness_set_upstream_latency (h, 10 * GST_MSECOND);
  start_f32 (h, RATE, 1);
  for (gint i = 0; i < 10; i++)
    fail_unless_equals_int (
        gst_harness_push (h, mono_sine (RATE / 10, 440.0)), GST_FLOW_OK);
  while ((buf = gst_harness_try_pull (h))) {
    fail_unless (
        !GST_CLOCK_TIME_IS_VALID (prev) || GST_BUFFER_PTS (buf) > prev);
    fail_unless_equals_uint64 (
        GST_BUFFER_PTS (buf), gst_util_uint64_scale (n, GST_SECOND, 30));
    prev = GST_BUFFER_PTS (buf);
    n++;
    gst_buffer_unref (buf);
  }
  /* One second of audio at 30/1: frames at 0, 1/30, ... 30/30 s. */
  fail_unless_equals_int (n, 31);
  expected = 10 * GST_MSECOND +
             gst_util_uint64_scale (2048 / 2 + HOP, GST_SECOND, RATE);
  fail_unless_equals_uint64 (gst_harness_query_latency (h), expected);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* While an analysis runs, properties that fix its framing (center) keep
 * their value; in stream mode the look changes (and shows in the next
 * frame). */
GST_START_TEST (test_properties_while_running)
{
  GstHarness *h = new_harness ("video/x-raw,format=RGBA");
  GstBus *bus = attach_bus (h);
  GstBuffer *a, *b;
  gint colormap;
  gboolean center;
  gchar *text;

  g_object_set (h->element, "mode", 1, NULL);
  start_f32 (h, RATE, 1);
  fail_unless_equals_int (
      gst_harness_push (h, mono_sine (RATE / 10, 440.0)), GST_FLOW_OK);
  g_object_set (h->element, "center", FALSE, "colormap", 1, NULL);
  g_object_get (h->element, "center", &center, "colormap", &colormap, NULL);
  fail_unless (center);
  fail_unless_equals_int (colormap, 1);
  text = bus_text (bus, GST_MESSAGE_WARNING); /* the refusal, on the bus */
  fail_unless (text && strstr (text, "center"), "%s", text);
  fail_unless (bus_text (bus, GST_MESSAGE_WARNING) == NULL); /* colormap ok */
  g_free (text);
  a = gst_harness_pull (h); /* drawn before the change: inferno */
  while ((b = gst_harness_try_pull (h)))
    gst_buffer_unref (b);
  fail_unless_equals_int (
      gst_harness_push (h, mono_sine (RATE / 10, 440.0)), GST_FLOW_OK);
  b = gst_harness_pull (h); /* viridis: level 0 is not inferno's black */
  fail_unless (max_abs_diff (a, b) > 50);
  gst_buffer_unref (a);
  gst_buffer_unref (b);
  teardown (h, bus);
}

GST_END_TEST;

/* What may change while playing is in each param spec, for gst-inspect:
 * the look, and the analysis properties a scrolling picture follows; a
 * GstController may animate the numeric look. */
GST_START_TEST (test_mutable_flags)
{
  static const gchar *live[] = { "colormap", "invert", "top-db", "ref-mode",
    "ref-db", "n-fft", "hop-length", "window", "n-mels", "f-min", "f-max",
    "scroll-duration", "colormap-file", "gamma", "annotate", "title" };
  static const gchar *controllable[] = { "colormap", "invert", "top-db",
    "ref-db", "gamma" };
  GstElement *e = gst_element_factory_make ("melspecx", NULL);
  GParamSpec **specs;
  guint i, j, n, n_live = 0;

  specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (e), &n);
  for (i = 0; i < n; i++) {
    gboolean is_live = FALSE;

    if (specs[i]->owner_type != G_OBJECT_TYPE (e))
      continue; /* GstObject's name and parent */
    for (j = 0; j < G_N_ELEMENTS (live); j++)
      is_live = is_live || !strcmp (specs[i]->name, live[j]);
    n_live += is_live;
    fail_unless_equals_int (
        specs[i]->flags & (GST_PARAM_MUTABLE_PLAYING | GST_PARAM_MUTABLE_READY),
        is_live ? GST_PARAM_MUTABLE_PLAYING : GST_PARAM_MUTABLE_READY);
    is_live = FALSE;
    for (j = 0; j < G_N_ELEMENTS (controllable); j++)
      is_live = is_live || !strcmp (specs[i]->name, controllable[j]);
    fail_unless_equals_int (
        !!(specs[i]->flags & GST_PARAM_CONTROLLABLE), is_live);
  }
  fail_unless_equals_int (n_live, G_N_ELEMENTS (live));
  g_free (specs);
  gst_object_unref (e);
}

GST_END_TEST;

/* In image mode a colormap or top-db set after the audio started still
 * draws the picture: the same bytes as when set from the start. */
GST_START_TEST (test_image_look_changes_before_eos)
{
  GstHarness *late = new_harness ("video/x-raw,format=RGBA");
  GstHarness *early = new_harness ("video/x-raw,format=RGBA");
  GstBuffer *a, *b;

  g_object_set (early->element, "colormap", 1, "top-db", 40.0, NULL);
  b = gray_picture (early, RATE, 1, mono_sine (RATE / 2, 440.0));
  start_f32 (late, RATE, 1);
  fail_unless_equals_int (
      gst_harness_push (late, mono_sine (RATE / 2, 440.0)), GST_FLOW_OK);
  g_object_set (late->element, "colormap", 1, "top-db", 40.0, NULL);
  a = picture_of (late, NULL);
  fail_unless_equals_int (max_abs_diff (a, b), 0);
  gst_buffer_unref (a);
  gst_buffer_unref (b);
  gst_harness_teardown (late);
  gst_harness_teardown (early);
}

GST_END_TEST;

/* Runs @desc to EOS and returns the caps melspecx negotiated. */
static GstCaps *
negotiated_caps (const gchar *desc, guint *n_buffers)
{
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  GstCaps *caps = NULL;
  GstSample *sample;

  *n_buffers = 0;
  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_PLAYING), GST_STATE_CHANGE_ASYNC);
  while ((sample = gst_app_sink_try_pull_sample (
              GST_APP_SINK (sink), 30 * GST_SECOND))) {
    if (caps == NULL)
      caps = gst_caps_ref (gst_sample_get_caps (sample));
    (*n_buffers)++;
    gst_sample_unref (sample);
  }
  fail_unless (gst_app_sink_is_eos (GST_APP_SINK (sink)));
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  return caps;
}

GST_START_TEST (test_auto_mode)
{
  guint n;
  GstCaps *caps = negotiated_caps ("audiotestsrc num-buffers=20 ! melspecx "
                                   "! appsink name=sink sync=false",
      &n);
  GstStructure *s = gst_caps_get_structure (caps, 0);

  /* Not live: image mode, one PNG (appsink accepts anything). */
  fail_unless (gst_structure_has_name (s, "image/png"));
  fail_unless_equals_int (n, 1);
  gst_caps_unref (caps);

  caps = negotiated_caps ("audiotestsrc is-live=true num-buffers=10 ! "
                          "melspecx ! appsink name=sink sync=false",
      &n);
  s = gst_caps_get_structure (caps, 0);
  fail_unless (gst_structure_has_name (s, "video/x-raw"));
  fail_unless (n > 1);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* tests: input formats */

/* @x quantised to @fmt's sample, written at @p. */
static void
write_sample (GstAudioFormat fmt, gdouble x, guint8 *p)
{
  switch (fmt) {
    case GST_AUDIO_FORMAT_S16LE:
      GST_WRITE_UINT16_LE (p, (gint16)lrint (x * 32767.0));
      break;
    case GST_AUDIO_FORMAT_S24LE: {
      gint32 v = lrint (x * 8388607.0);
      GST_WRITE_UINT24_LE (p, (guint32)v);
      break;
    }
    case GST_AUDIO_FORMAT_S32LE:
      GST_WRITE_UINT32_LE (p, (guint32)(gint32)lrint (x * 2147483647.0));
      break;
    case GST_AUDIO_FORMAT_F64LE:
      GST_WRITE_DOUBLE_LE (p, x);
      break;
    case GST_AUDIO_FORMAT_U8:
      *p = (guint8)(128 + lrint (x * 127.0));
      break;
    default:
      GST_WRITE_FLOAT_LE (p, (gfloat)x);
      break;
  }
}

/* A 1 kHz + 3 kHz picture through @fmt in @ch equal channels (mixed, so
 * the mono picture), @planar: non-interleaved, drawn @top_db deep. */
static GstBuffer *
format_picture_channels (
    GstAudioFormat fmt, gboolean planar, gint ch, gdouble top_db)
{
  GstHarness *h = new_harness ("video/x-raw,format=GRAY8");
  gint bps = GST_AUDIO_FORMAT_INFO_WIDTH (gst_audio_format_get_info (fmt)) / 8;
  GstBuffer *in = gst_buffer_new_allocate (NULL, RATE * ch * bps, NULL);
  GstAudioInfo info;
  GstMapInfo mi;
  GstCaps *caps;

  gst_audio_info_set_format (&info, fmt, RATE, ch, NULL);
  info.layout =
      planar ? GST_AUDIO_LAYOUT_NON_INTERLEAVED : GST_AUDIO_LAYOUT_INTERLEAVED;
  gst_buffer_map (in, &mi, GST_MAP_WRITE);
  for (gint i = 0; i < RATE; i++) {
    gdouble x = 0.4 * sin (2 * G_PI * 1000.0 * i / RATE) +
                0.2 * sin (2 * G_PI * 3000.0 * i / RATE);
    for (gint c = 0; c < ch; c++)
      write_sample (
          fmt, x, mi.data + (planar ? c * RATE + i : i * ch + c) * bps);
  }
  gst_buffer_unmap (in, &mi);
  if (planar)
    gst_buffer_add_audio_meta (in, &info, RATE, NULL);
  g_object_set (h->element, "top-db", top_db, NULL);
  caps = gst_audio_info_to_caps (&info);
  gst_harness_set_src_caps (h, caps);
  in = picture_of (h, in);
  gst_harness_teardown (h);
  return in;
}

/* @planar: stereo, non-interleaved. */
static GstBuffer *
format_picture (GstAudioFormat fmt, gboolean planar, gdouble top_db)
{
  return format_picture_channels (fmt, planar, planar ? 2 : 1, top_db);
}

/* Integer formats differ from F32 by their quantisation noise only: each
 * is drawn over a range its bits can hold (8 bits: about 48 dB). */
GST_START_TEST (test_input_formats)
{
  static const struct {
    GstAudioFormat fmt;
    gdouble top_db;
  } cases[] = {
    { GST_AUDIO_FORMAT_S16LE, 80.0 },
    { GST_AUDIO_FORMAT_S24LE, 80.0 },
    { GST_AUDIO_FORMAT_S32LE, 80.0 },
    { GST_AUDIO_FORMAT_F64LE, 80.0 },
    { GST_AUDIO_FORMAT_U8, 30.0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstBuffer *ref =
        format_picture (GST_AUDIO_FORMAT_F32LE, FALSE, cases[i].top_db);
    GstBuffer *out = format_picture (cases[i].fmt, FALSE, cases[i].top_db);
    gint d = max_abs_diff (out, ref);
    const gchar *name = gst_audio_format_to_string (cases[i].fmt);
    GST_INFO ("%s: max difference %d", name, d);
    fail_unless (d <= 1, "%s differs by %d levels", name, d);
    gst_buffer_unref (out);
    gst_buffer_unref (ref);
  }
}

GST_END_TEST;

/* Non-interleaved input gives exactly the interleaved picture. */
GST_START_TEST (test_non_interleaved)
{
  GstBuffer *ref = format_picture (GST_AUDIO_FORMAT_F32LE, FALSE, 80.0);
  GstBuffer *out = format_picture (GST_AUDIO_FORMAT_F32LE, TRUE, 80.0);

  fail_unless (buffers_equal (out, ref));
  gst_buffer_unref (out);
  gst_buffer_unref (ref);
}

GST_END_TEST;

/* Up to 64 channels, in any format and layout, give the mono picture
 * (GStreamer's channel mixer stops at 63 and used to crash the process
 * when a format was converted); 65 are refused at negotiation. */
GST_START_TEST (test_many_channels)
{
  static const struct {
    GstAudioFormat fmt;
    gboolean planar;
    gdouble top_db;
  } cases[] = {
    { GST_AUDIO_FORMAT_S24LE, FALSE, 80.0 },
    { GST_AUDIO_FORMAT_U8, FALSE, 30.0 },
    { GST_AUDIO_FORMAT_S16LE, TRUE, 80.0 },
    { GST_AUDIO_FORMAT_F32LE, TRUE, 80.0 },
  };
  static const gint counts[] = { 63, 64 };
  GstHarness *h;
  GstCaps *caps;
  GstAudioInfo info;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstBuffer *ref =
        format_picture (GST_AUDIO_FORMAT_F32LE, FALSE, cases[i].top_db);
    for (guint j = 0; j < G_N_ELEMENTS (counts); j++) {
      GstBuffer *out = format_picture_channels (
          cases[i].fmt, cases[i].planar, counts[j], cases[i].top_db);
      gint d = max_abs_diff (out, ref);
      fail_unless (d <= 1, "%d channels of %s%s differ by %d levels", counts[j],
          gst_audio_format_to_string (cases[i].fmt),
          cases[i].planar ? " (non-interleaved)" : "", d);
      gst_buffer_unref (out);
    }
    gst_buffer_unref (ref);
  }

  h = new_harness ("video/x-raw,format=GRAY8");
  gst_audio_info_set_format (&info, GST_AUDIO_FORMAT_S24LE, RATE, 65, NULL);
  caps = gst_audio_info_to_caps (&info);
  fail_if (gst_pad_query_accept_caps (h->srcpad->peer, caps),
      "65 channels accepted");
  gst_caps_unref (caps);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The brightest row of column @x of a GRAY8 picture. */
static gint
brightest_row_at (GstBuffer *buf, gint x, gint width, gint height)
{
  gint stride = GST_ROUND_UP_4 (width), best = 0;
  GstMapInfo mi;

  gst_buffer_map (buf, &mi, GST_MAP_READ);
  for (gint y = 1; y < height; y++)
    if (mi.data[y * stride + x] > mi.data[best * stride + x])
      best = y;
  gst_buffer_unmap (buf, &mi);
  return best;
}

/* The samples wait in a ring of about 4 MiB here: one stereo buffer of
 * 7.3 MB goes in by pieces, and buffers of 999 frames wrap around its end
 * mid-buffer.  Both give the picture of the same samples, in order (a
 * rising sweep: the brightest row moves one way across the picture). */
GST_START_TEST (test_queue_pieces)
{
  gsize n = 40 * RATE, step = 999;
  gfloat *samples = g_new (gfloat, 2 * n);
  GstHarness *h;
  GstBuffer *whole, *pieces;
  gint rows[4];

  for (gsize i = 0; i < n; i++) {
    gdouble t = (gdouble)i / RATE, f0 = 200.0, f1 = 6000.0, T = 40.0;
    /* instantaneous frequency f0 + (f1 - f0) t / T */
    gdouble phase = 2.0 * G_PI * (f0 * t + (f1 - f0) * t * t / (2.0 * T));
    samples[2 * i] = samples[2 * i + 1] = 0.5 * sin (phase);
  }
  h = new_harness ("video/x-raw,format=GRAY8");
  whole = gray_picture (
      h, RATE, 2, gst_buffer_new_memdup (samples, 2 * n * sizeof (gfloat)));
  gst_harness_teardown (h);

  h = new_harness ("video/x-raw,format=GRAY8");
  start_f32 (h, RATE, 2);
  for (gsize i = 0; i < n; i += step) {
    gsize len = MIN (step, n - i);
    fail_unless_equals_int (
        gst_harness_push (h,
            gst_buffer_new_memdup (samples + 2 * i, 2 * len * sizeof (gfloat))),
        GST_FLOW_OK);
  }
  pieces = picture_of (h, NULL);
  gst_harness_teardown (h);

  fail_unless (buffers_equal (whole, pieces));
  for (gint i = 0; i < 4; i++)
    rows[i] = brightest_row_at (whole, 4 + i * 16, WIDTH, N_MELS);
  fail_unless (
      (rows[0] < rows[1] && rows[1] < rows[2] && rows[2] < rows[3]) ||
          (rows[0] > rows[1] && rows[1] > rows[2] && rows[2] > rows[3]),
      "brightest rows %d %d %d %d", rows[0], rows[1], rows[2], rows[3]);
  g_free (samples);
  gst_buffer_unref (whole);
  gst_buffer_unref (pieces);
}

GST_END_TEST;

/* Buffers that split frames (an appsrc fed from a byte stream, chunks of
 * 1001 bytes of stereo F32) give the picture of whole buffers, with one
 * warning; trailing bytes of an incomplete frame are dropped with another.
 * Each buffer used to be read from its own first byte: noise. */
GST_START_TEST (test_split_frames)
{
  const gdouble amp[2] = { 0.5, 0.25 };
  gsize n = RATE, bytes = n * 2 * sizeof (gfloat), step = 1001;
  gfloat *samples = sine_f32 (RATE, 2, n, 1000.0, amp);
  GstHarness *h;
  GstBus *bus;
  GstBuffer *ref, *out;
  gchar *caps = f32_caps (RATE, 2), *text;

  h = new_harness ("video/x-raw,format=GRAY8");
  ref = gray_picture (h, RATE, 2, gst_buffer_new_memdup (samples, bytes));
  gst_harness_teardown (h);

  h = new_harness ("video/x-raw,format=GRAY8");
  bus = attach_bus (h);
  gst_harness_set_src_caps_str (h, caps);
  for (gsize off = 0; off < bytes; off += step)
    fail_unless_equals_int (
        gst_harness_push (h, gst_buffer_new_memdup ((guint8 *)samples + off,
                                 MIN (step, bytes - off))),
        GST_FLOW_OK);
  /* three bytes that start a frame and never finish it */
  fail_unless_equals_int (
      gst_harness_push (h, gst_buffer_new_memdup (samples, 3)), GST_FLOW_OK);
  out = picture_of (h, NULL);
  fail_unless (buffers_equal (out, ref), "split frames change the picture");
  text = bus_text (bus, GST_MESSAGE_WARNING);
  fail_unless (text && strstr (text, "whole frames"), "no warning: %s", text);
  g_free (text);
  text = bus_text (bus, GST_MESSAGE_WARNING);
  fail_unless (
      text && strstr (text, "last 3 bytes"), "no drop warning: %s", text);
  g_free (text);
  fail_unless (bus_text (bus, GST_MESSAGE_WARNING) == NULL, "warned twice");
  gst_buffer_unref (out);
  gst_buffer_unref (ref);
  g_free (samples);
  g_free (caps);
  teardown (h, bus);
}

GST_END_TEST;

/* tests: stream mode's contracts with GStreamer */

/* A stream-mode GRAY8 harness at @fps, WIDTH x N_MELS. */
static GstHarness *
stream_harness (gint fps)
{
  GstHarness *h = gst_harness_new ("melspecx");
  gchar *caps =
      g_strdup_printf ("video/x-raw,format=GRAY8,framerate=%d/1", fps);

  g_object_set (h->element, "mode", 1, "width", WIDTH, "height", N_MELS, NULL);
  gst_harness_set_sink_caps_str (h, caps);
  g_free (caps);
  start_f32 (h, RATE, 1);
  return h;
}

/* @n samples of a 0.5 sine at @pts (GST_CLOCK_TIME_NONE: none). */
static GstBuffer *
sine_at (gsize n, gdouble freq, GstClockTime pts)
{
  GstBuffer *buf = mono_sine (n, freq);

  GST_BUFFER_PTS (buf) = pts;
  return buf;
}

/* Pulls every frame waiting; returns how many, the last one kept. */
static guint
pull_all (GstHarness *h, GstBuffer **last)
{
  GstBuffer *buf;
  guint n = 0;

  while ((buf = gst_harness_try_pull (h))) {
    if (last) {
      gst_clear_buffer (last);
      *last = buf;
    } else {
      gst_buffer_unref (buf);
    }
    n++;
  }
  return n;
}

/* The brightest pixel of columns [x0, x1) of a GRAY8 WIDTH-wide frame. */
static gint
columns_max (GstBuffer *buf, gint x0, gint x1)
{
  GstMapInfo mi;
  gint mx = 0, rows;

  gst_buffer_map (buf, &mi, GST_MAP_READ);
  rows = mi.size / WIDTH;
  for (gint y = 0; y < rows; y++)
    for (gint x = x0; x < x1; x++)
      mx = MAX (mx, mi.data[y * WIDTH + x]);
  gst_buffer_unmap (buf, &mi);
  return mx;
}

/* Frames follow the input's timestamps: audio starting at 5 s gives frames
 * from 5 s, one per 1/30 s; the timeline is not a sample count. */
GST_START_TEST (test_stream_pts_follow_input)
{
  GstHarness *h = stream_harness (30);
  GstBuffer *buf;
  guint n = 0;

  for (gint i = 0; i < 10; i++)
    fail_unless_equals_int (
        gst_harness_push (h,
            sine_at (RATE / 10, 440.0, 5 * GST_SECOND + i * GST_SECOND / 10)),
        GST_FLOW_OK);
  while ((buf = gst_harness_try_pull (h))) {
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buf),
        5 * GST_SECOND + gst_util_uint64_scale (n, GST_SECOND, 30));
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (buf),
        gst_util_uint64_scale (n + 1, GST_SECOND, 30) -
            gst_util_uint64_scale (n, GST_SECOND, 30));
    n++;
    gst_buffer_unref (buf);
  }
  /* 5 s ... 6 s: the audio reached 6 s */
  fail_unless_equals_int (n, 31);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* 10 % of the buffers lost upstream: frames stay on the input's time (they
 * used to fall behind by the missing samples), and the gaps are drawn as
 * silence: the picture's dark columns are where the audio was lost. */
GST_START_TEST (test_stream_timestamp_gaps)
{
  GstHarness *h = stream_harness (30);
  GstBuffer *last = NULL;
  GstClockTime end = 0;
  guint pushed = 0;

  for (gint i = 0; i < 100; i++) {
    GstClockTime pts = gst_util_uint64_scale (i, GST_SECOND, 20);
    end = pts + gst_util_uint64_scale (RATE / 20, GST_SECOND, RATE);
    if (i % 10 == 3)
      continue; /* dropped */
    fail_unless_equals_int (
        gst_harness_push (h, sine_at (RATE / 20, 440.0, pts)), GST_FLOW_OK);
    pushed++;
  }
  fail_unless_equals_int (pushed, 90);
  fail_unless (pull_all (h, &last) > 0);
  /* the last frame is the one whose time the input reached */
  fail_unless (GST_BUFFER_PTS (last) <= end &&
                   end - GST_BUFFER_PTS (last) < GST_SECOND / 30,
      "last frame at %" GST_TIME_FORMAT " for input up to %" GST_TIME_FORMAT,
      GST_TIME_ARGS (GST_BUFFER_PTS (last)), GST_TIME_ARGS (end));
  gst_buffer_unref (last);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A long timestamp gap (DISCONT) and a GAP event both advance the picture
 * with silence: after loud audio, the newest columns are the floor and
 * frames are pushed through the gap. */
GST_START_TEST (test_stream_gap_is_silence)
{
  for (gint use_event = 0; use_event < 2; use_event++) {
    GstHarness *h = stream_harness (30);
    GstBuffer *last = NULL, *buf;
    guint n;

    fail_unless_equals_int (
        gst_harness_push (h, sine_at (RATE, 1000.0, 0)), GST_FLOW_OK);
    n = pull_all (h, &last);
    fail_unless (columns_max (last, WIDTH - 8, WIDTH) > 200, "tone not lit");
    gst_clear_buffer (&last);
    if (use_event) {
      fail_unless (gst_harness_push_event (
          h, gst_event_new_gap (GST_SECOND, 2 * GST_SECOND)));
    } else {
      buf = sine_at (RATE / 10, 1000.0, 3 * GST_SECOND);
      GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
      gst_buffer_memset (buf, 0, 0, gst_buffer_get_size (buf));
      fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
    }
    n = pull_all (h, &last);
    /* two seconds at 30 fps were drawn, not skipped */
    fail_unless (n >= 59, "%u frames through the gap", n);
    fail_unless (GST_BUFFER_PTS (last) >= 2 * GST_SECOND + GST_SECOND / 2);
    fail_unless_equals_int (columns_max (last, WIDTH - 40, WIDTH), 0);
    gst_buffer_unref (last);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* A flushing seek clears the picture and starts a new timeline. */
GST_START_TEST (test_stream_flush_clears)
{
  GstHarness *h = stream_harness (30);
  GstBuffer *last = NULL;
  GstSegment seg;

  fail_unless_equals_int (
      gst_harness_push (h, sine_at (RATE, 1000.0, 0)), GST_FLOW_OK);
  pull_all (h, NULL);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.start = seg.time = 10 * GST_SECOND;
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  {
    GstBuffer *quiet = sine_at (RATE / 5, 1000.0, 10 * GST_SECOND);
    gst_buffer_memset (quiet, 0, 0, gst_buffer_get_size (quiet));
    fail_unless_equals_int (gst_harness_push (h, quiet), GST_FLOW_OK);
  }
  fail_unless (pull_all (h, &last) > 0);
  fail_unless (GST_BUFFER_PTS (last) >= 10 * GST_SECOND);
  fail_unless_equals_int (columns_max (last, 0, WIDTH), 0);
  gst_buffer_unref (last);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* QoS: frames downstream says are too late are not drawn, one QoS message
 * each; the columns still reach the picture (the next frame equals the one
 * an undisturbed run draws at that time). */
GST_START_TEST (test_stream_qos)
{
  GstHarness *h = stream_harness (30), *r = stream_harness (30);
  GstBus *bus = attach_bus (h);
  GstBuffer *a = NULL, *b = NULL, *buf;
  GstMessage *msg;
  guint frames = 0, messages = 0;
  guint64 processed, dropped;
  GstFormat fmt;

  /* 0.5 s in, downstream is 0.3 s late: frames before ~1.1 s are dropped */
  fail_unless_equals_int (
      gst_harness_push (h, sine_at (RATE / 2, 1000.0, 0)), GST_FLOW_OK);
  pull_all (h, NULL);
  fail_unless (gst_harness_push_upstream_event (
      h, gst_event_new_qos (
             GST_QOS_TYPE_UNDERFLOW, 0.5, 300 * GST_MSECOND, GST_SECOND / 2)));
  fail_unless_equals_int (
      gst_harness_push (h, sine_at (RATE, 3000.0, GST_SECOND / 2)),
      GST_FLOW_OK);
  while ((buf = gst_harness_try_pull (h))) {
    fail_unless (GST_BUFFER_PTS (buf) > GST_SECOND + 2 * GST_SECOND / 15);
    gst_clear_buffer (&a);
    a = buf;
    frames++;
  }
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_QOS))) {
    gst_message_parse_qos_stats (msg, &fmt, &processed, &dropped);
    fail_unless_equals_int (fmt, GST_FORMAT_BUFFERS);
    messages++;
    fail_unless_equals_uint64 (dropped, messages);
    gst_message_unref (msg);
  }
  /* earliest = 0.5 + 2 × 0.3 + 1/30 s: frames at 16/30 ... 34/30 s were
   * late (19), then 35/30 ... 45/30 s drawn */
  fail_unless_equals_int (messages, 19);
  fail_unless_equals_int (frames, 46 - 16 - 19);
  fail_unless_equals_int (
      gst_harness_push (r, sine_at (RATE / 2, 1000.0, 0)), GST_FLOW_OK);
  fail_unless_equals_int (
      gst_harness_push (r, sine_at (RATE, 3000.0, GST_SECOND / 2)),
      GST_FLOW_OK);
  pull_all (r, &b);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (a), GST_BUFFER_PTS (b));
  fail_unless (buffers_equal (a, b), "the dropped frames' columns are lost");
  gst_buffer_unref (a);
  gst_buffer_unref (b);
  teardown (h, bus);
  gst_harness_teardown (r);
}

GST_END_TEST;

/* Buffers come from a video buffer pool (ALLOCATION query). */
GST_START_TEST (test_stream_buffer_pool)
{
  GstHarness *h = stream_harness (30);
  GstBuffer *buf;

  fail_unless_equals_int (
      gst_harness_push (h, sine_at (RATE / 10, 1000.0, 0)), GST_FLOW_OK);
  buf = gst_harness_pull (h);
  fail_unless (buf->pool && GST_IS_VIDEO_BUFFER_POOL (buf->pool));
  gst_buffer_unref (buf);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Downstream asks for another size and framerate mid-stream (RECONFIGURE):
 * the next frame has them; the newest columns are kept. */
GST_START_TEST (test_stream_reconfigure)
{
  GstHarness *h = stream_harness (30);
  GstBuffer *last = NULL;
  GstCaps *caps;
  GstStructure *s;
  gint w, h_px, fps_n, fps_d;
  GstMapInfo mi;

  fail_unless_equals_int (
      gst_harness_push (h, sine_at (RATE / 2, 1000.0, 0)), GST_FLOW_OK);
  pull_all (h, NULL);
  gst_harness_set_sink_caps_str (
      h, "video/x-raw,format=GRAY8,width=32,height=40,framerate=10/1");
  fail_unless (
      gst_harness_push_upstream_event (h, gst_event_new_reconfigure ()));
  fail_unless_equals_int (
      gst_harness_push (h, sine_at (RATE / 2, 1000.0, GST_SECOND / 2)),
      GST_FLOW_OK);
  fail_unless (pull_all (h, &last) > 0);
  caps = gst_pad_get_current_caps (h->sinkpad);
  s = gst_caps_get_structure (caps, 0);
  fail_unless (gst_structure_get_int (s, "width", &w) &&
               gst_structure_get_int (s, "height", &h_px) &&
               gst_structure_get_fraction (s, "framerate", &fps_n, &fps_d));
  fail_unless_equals_int (w, 32);
  fail_unless_equals_int (h_px, 40);
  fail_unless_equals_int (fps_n, 10);
  fail_unless_equals_int (fps_d, 1);
  gst_buffer_map (last, &mi, GST_MAP_READ);
  fail_unless_equals_int (mi.size, 32 * 40);
  gst_buffer_unmap (last, &mi);
  gst_caps_unref (caps);
  gst_buffer_unref (last);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Downstream asks mid-stream for raw frames, which a scrolling video
 * cannot switch to: refused, and the video keeps its caps (EOS then draws
 * the last frame at 30/1; the refusal used to leave a framerate of 0/1). */
GST_START_TEST (test_stream_reconfigure_refused)
{
  GstHarness *h = stream_harness (30);
  GstCaps *caps;
  gint fps_n = 0, fps_d = 0;

  fail_unless_equals_int (
      gst_harness_push (h, sine_at (RATE / 2, 1000.0, 0)), GST_FLOW_OK);
  pull_all (h, NULL);
  gst_harness_set_sink_caps_str (h, "application/x-mel-spectrogram");
  fail_unless (
      gst_harness_push_upstream_event (h, gst_event_new_reconfigure ()));
  fail_if (gst_harness_push (h, sine_at (RATE / 2, 1000.0, GST_SECOND / 2)) ==
           GST_FLOW_OK);
  gst_harness_push_event (h, gst_event_new_eos ());
  pull_all (h, NULL);
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_structure_get_fraction (
      gst_caps_get_structure (caps, 0), "framerate", &fps_n, &fps_d));
  fail_unless_equals_int (fps_n, 30);
  fail_unless_equals_int (fps_d, 1);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Any framerate from 1 to 240; beyond, a clear refusal. */
GST_START_TEST (test_stream_framerates)
{
  static const gint ok[] = { 1, 24, 60, 240 };

  for (guint i = 0; i < G_N_ELEMENTS (ok); i++) {
    GstHarness *h = stream_harness (ok[i]);
    guint n;
    fail_unless_equals_int (
        gst_harness_push (h, sine_at (RATE, 1000.0, 0)), GST_FLOW_OK);
    n = pull_all (h, NULL);
    fail_unless (
        n == (guint)ok[i] + 1 || n == (guint)ok[i], "%d fps: %u", ok[i], n);
    gst_harness_teardown (h);
  }
  {
    GstHarness *h = gst_harness_new ("melspecx");
    GstBus *bus = attach_bus (h);
    gchar *text;
    g_object_set (h->element, "mode", 1, NULL);
    gst_harness_set_sink_caps_str (h, "video/x-raw,framerate=250/1");
    push_caps (h, "audio/x-raw,format=F32LE,layout=interleaved,rate=22050,"
                  "channels=1");
    text = bus_text (bus, GST_MESSAGE_ERROR);
    fail_unless (text && strstr (text, "1 to 240 fps"), "%s", text);
    g_free (text);
    teardown (h, bus);
  }
}

GST_END_TEST;

/* n-mels changes while playing: raw frames renegotiate with the new band
 * count at the next buffer, without an error. */
GST_START_TEST (test_stream_rebuild_on_property)
{
  GstHarness *h = gst_harness_new ("melspecx");
  GstBus *bus = attach_bus (h);
  GstCaps *caps;
  gint n_mels;

  gst_harness_set_sink_caps_str (h, "application/x-mel-spectrogram");
  start_f32 (h, RATE, 1);
  fail_unless_equals_int (
      gst_harness_push (h, sine_at (RATE / 2, 1000.0, 0)), GST_FLOW_OK);
  pull_all (h, NULL);
  g_object_set (h->element, "n-mels", 40, "f-max", 4000.0, NULL);
  fail_unless (bus_text (bus, GST_MESSAGE_WARNING) == NULL);
  fail_unless_equals_int (
      gst_harness_push (h, sine_at (RATE / 2, 1000.0, GST_SECOND / 2)),
      GST_FLOW_OK);
  fail_unless (pull_all (h, NULL) > 0);
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_structure_get_int (
      gst_caps_get_structure (caps, 0), "n-mels", &n_mels));
  fail_unless_equals_int (n_mels, 40);
  fail_unless (bus_text (bus, GST_MESSAGE_ERROR) == NULL);
  gst_caps_unref (caps);
  teardown (h, bus);
}

GST_END_TEST;

/* Columns of a GRAY8 WIDTH-wide frame with any pixel above @level. */
static gint
lit_columns (GstBuffer *buf, gint level)
{
  gint n = 0;

  for (gint x = 0; x < WIDTH; x++)
    n += columns_max (buf, x, x + 1) > level;
  return n;
}

/* scroll-duration: twice the default duration across the width puts two
 * frames in a column, so one second of tone after silence lights half as
 * many columns; 0 is one frame per column. */
GST_START_TEST (test_stream_scroll_duration)
{
  gdouble natural = (gdouble)WIDTH * HOP / RATE;
  gint lit[2];

  for (gint i = 0; i < 2; i++) {
    GstHarness *h = gst_harness_new ("melspecx");
    GstBuffer *last = NULL, *quiet = sine_at (RATE, 1000.0, 0);

    g_object_set (h->element, "mode", 1, "width", WIDTH, "height", N_MELS,
        "scroll-duration", i ? 2 * natural : 0.0, NULL);
    gst_harness_set_sink_caps_str (h, "video/x-raw,format=GRAY8");
    start_f32 (h, RATE, 1);
    gst_buffer_memset (quiet, 0, 0, gst_buffer_get_size (quiet));
    fail_unless_equals_int (gst_harness_push (h, quiet), GST_FLOW_OK);
    fail_unless_equals_int (
        gst_harness_push (h, sine_at (RATE, 1000.0, GST_SECOND)), GST_FLOW_OK);
    pull_all (h, &last);
    lit[i] = lit_columns (last, 100);
    gst_buffer_unref (last);
    gst_harness_teardown (h);
  }
  /* 1 s is 43 frames: about 43 columns, then about 22 */
  fail_unless (lit[0] >= 41 && lit[0] <= 46, "%d columns at 0", lit[0]);
  fail_unless (
      ABS (2 * lit[1] - lit[0]) <= 3, "%d columns, then %d", lit[0], lit[1]);
}

GST_END_TEST;

/* A picture that would keep gigabytes is refused when the caps arrive,
 * naming what to lower (it used to be allocated as the input grew). */
GST_START_TEST (test_picture_memory_refused)
{
  GstHarness *h = gst_harness_new ("melspecx");
  GstBus *bus = attach_bus (h);
  gchar *caps = f32_caps (RATE, 8), *text;

  g_object_set (h->element, "mode", 0, "channel-mode", 1, "width", 16384,
      "height", 256, "n-mels", 1024, "n-fft", 4096, NULL);
  gst_harness_set_sink_caps_str (h, "video/x-raw,format=GRAY8");
  push_caps (h, caps);
  text = bus_text (bus, GST_MESSAGE_ERROR);
  fail_unless (text && strstr (text, "width 16384") &&
                   strstr (text, "MiB for the picture"),
      "%s", text);
  g_free (text);
  g_free (caps);
  teardown (h, bus);
}

GST_END_TEST;

/* A colormap file: a CSV whose entry i is (i, 0, 255 − i) draws a tone's
 * picture with red = level and blue = 255 − level; gamma 2 bends the
 * levels; a bad line is refused at negotiation, naming it. */
GST_START_TEST (test_colormap_file)
{
  gchar *path = g_build_filename (g_get_tmp_dir (), "msx-ramp.csv", NULL);
  gchar *bad = g_build_filename (g_get_tmp_dir (), "msx-bad.csv", NULL);
  GString *csv = g_string_new ("# red ramp\n");
  GstBuffer *gray, *rgb[2];
  GstMapInfo mg, mr;
  gint worst[2] = { 0, 0 };

  for (gint i = 0; i < 256; i++)
    g_string_append_printf (csv, "%d,0,%d\n", i, 255 - i);
  g_file_set_contents (path, csv->str, -1, NULL);
  g_string_truncate (csv, 0);
  for (gint i = 0; i < 256; i++)
    g_string_append (csv, i == 99 ? "1,2\n" : "0,0,0\n");
  g_file_set_contents (bad, csv->str, -1, NULL);
  g_string_free (csv, TRUE);

  gray = gray_picture_with (mono_sine (RATE, 1000.0), NULL, 0);
  for (gint k = 0; k < 2; k++) {
    GstHarness *h = new_harness ("video/x-raw,format=RGB");
    g_object_set (
        h->element, "colormap-file", path, "gamma", k ? 2.0 : 1.0, NULL);
    start_f32 (h, RATE, 1);
    rgb[k] = picture_of (h, mono_sine (RATE, 1000.0));
    gst_harness_teardown (h);
  }
  gst_buffer_map (gray, &mg, GST_MAP_READ);
  for (gint k = 0; k < 2; k++) {
    gst_buffer_map (rgb[k], &mr, GST_MAP_READ);
    for (gsize i = 0; i < mg.size; i++) {
      gint level = mg.data[i];
      gint want = k ? (gint)lround (255.0 * pow (level / 255.0, 2.0)) : level;
      worst[k] = MAX (worst[k], ABS (mr.data[3 * i] - want));
      worst[k] = MAX (worst[k], ABS (mr.data[3 * i + 2] - (255 - want)));
      worst[k] = MAX (worst[k], mr.data[3 * i + 1]);
    }
    gst_buffer_unmap (rgb[k], &mr);
    gst_buffer_unref (rgb[k]);
  }
  gst_buffer_unmap (gray, &mg);
  gst_buffer_unref (gray);
  fail_unless (worst[0] == 0, "the file's colours: off by %d", worst[0]);
  fail_unless (worst[1] == 0, "gamma 2: off by %d", worst[1]);

  {
    GstHarness *h = new_harness ("video/x-raw,format=RGB");
    GstBus *bus = attach_bus (h);
    gchar *caps = f32_caps (RATE, 1), *text;
    g_object_set (h->element, "colormap-file", bad, NULL);
    push_caps (h, caps);
    text = bus_text (bus, GST_MESSAGE_ERROR);
    fail_unless (text && strstr (text, "line 100"), "%s", text);
    g_free (text);
    g_free (caps);
    teardown (h, bus);
  }
  g_unlink (path);
  g_unlink (bad);
  g_free (path);
  g_free (bad);
}

GST_END_TEST;

/* Non-interleaved caps and a buffer without GstAudioMeta: one clear error
 * (GStreamer's mapping only asserted, which a fuzzer found). */
GST_START_TEST (test_noninterleaved_without_meta)
{
  GstHarness *h = new_harness ("video/x-raw,format=GRAY8");
  GstBus *bus = attach_bus (h);
  gchar *text;

  push_caps (h, "audio/x-raw,format=F32LE,layout=non-interleaved,rate=22050,"
                "channels=2");
  fail_unless_equals_int (
      gst_harness_push (h, mono_sine (RATE, 440.0)), GST_FLOW_ERROR);
  text = bus_text (bus, GST_MESSAGE_ERROR);
  fail_unless (text && strstr (text, "no GstAudioMeta"), "%s", text);
  g_free (text);
  teardown (h, bus);
}

GST_END_TEST;

/* tests: backends */

GST_START_TEST (test_vulkan_backend)
{
  GstHarness *h = new_harness ("video/x-raw,format=GRAY8");
  GstBus *bus = attach_bus (h);
  gchar *caps = f32_caps (RATE, 1), *text;
  GstFlowReturn ret;

  /* The property, not the test environment's override, is under test. */
  g_unsetenv ("MELSPECX_BACKEND");
  g_object_set (h->element, "backend", 2, NULL);
  push_caps (h, caps);
  ret = gst_harness_push (h, mono_sine (4096, 440.0));
  text = bus_text (bus, GST_MESSAGE_ERROR);
  if (msx_backend_vulkan_built ()) {
    /* Built with Vulkan: lavapipe at least must open. */
    fail_unless_equals_int (ret, GST_FLOW_OK);
    fail_unless (text == NULL, "vulkan failed: %s", text);
  } else {
    fail_unless_equals_int (ret, GST_FLOW_NOT_NEGOTIATED);
    fail_unless (text && strstr (text, "Vulkan"), "%s", text);
  }
  g_free (text);
  g_free (caps);
  teardown (h, bus);
}

GST_END_TEST;

static Suite *
melspecx_suite (void)
{
  Suite *s = suite_create ("melspecx");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_size_from_properties);
  tcase_add_test (tc, test_size_from_downstream_caps);
  tcase_add_test (tc, test_image_prefers_rgb);
  tcase_add_test (tc, test_png_with_text_chunk);
  tcase_add_test (tc, test_sine_rows);
  tcase_add_test (tc, test_chunk_size_invariance);
  tcase_add_test (tc, test_separate_lanes);
  tcase_add_test (tc, test_separate_lanes_need_rows);
  tcase_add_test (tc, test_stream_mode_into_png);
  tcase_add_test (tc, test_unpositioned_channels);
  tcase_add_test (tc, test_raw_frames);
  tcase_add_test (tc, test_raw_timestamps);
  tcase_add_test (tc, test_raw_silence_levels);
  tcase_add_test (tc, test_invalid_combinations);
  tcase_add_test (tc, test_invalid_at_set_time);
  tcase_add_test (tc, test_f_max_above_nyquist_warns);
  tcase_add_test (tc, test_empty_bands_warn);
  tcase_add_test (tc, test_eos_before_data);
  tcase_add_test (tc, test_empty_and_silent_input);
  tcase_add_test (tc, test_nan_samples);
  tcase_add_test (tc, test_flush_resets);
  tcase_add_test (tc, test_caps_change_restarts);
  tcase_add_test (tc, test_stream_frames_and_latency);
  tcase_add_test (tc, test_stream_pts_follow_input);
  tcase_add_test (tc, test_stream_timestamp_gaps);
  tcase_add_test (tc, test_stream_gap_is_silence);
  tcase_add_test (tc, test_stream_flush_clears);
  tcase_add_test (tc, test_stream_qos);
  tcase_add_test (tc, test_stream_buffer_pool);
  tcase_add_test (tc, test_stream_reconfigure);
  tcase_add_test (tc, test_stream_reconfigure_refused);
  tcase_add_test (tc, test_stream_framerates);
  tcase_add_test (tc, test_stream_rebuild_on_property);
  tcase_add_test (tc, test_stream_scroll_duration);
  tcase_add_test (tc, test_picture_memory_refused);
  tcase_add_test (tc, test_colormap_file);
  tcase_add_test (tc, test_noninterleaved_without_meta);
  tcase_add_test (tc, test_properties_while_running);
  tcase_add_test (tc, test_mutable_flags);
  tcase_add_test (tc, test_image_look_changes_before_eos);
  tcase_add_test (tc, test_auto_mode);
  tcase_add_test (tc, test_input_formats);
  tcase_add_test (tc, test_non_interleaved);
  tcase_add_test (tc, test_many_channels);
  tcase_add_test (tc, test_split_frames);
  tcase_add_test (tc, test_queue_pieces);
  tcase_add_test (tc, test_vulkan_backend);
  return s;
}

GST_CHECK_MAIN (melspecx);
