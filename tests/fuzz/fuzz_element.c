/* libFuzzer target: the melspecx element through GstHarness.
 * SPDX-License-Identifier: MIT
 *
 * The element is compiled into this program (with the core, both
 * instrumented for coverage) and registered statically, so no plugin is
 * loaded and no registry is scanned.  Each input sets a mode, properties,
 * input caps (any format of the sink template, rate 1..768000, 1..64
 * channels, interleaved or not) and output caps (video/x-raw in a random
 * format and size, image/png, raw frames, or anything), then plays a
 * script: buffers of random sizes with continuous, jumping or missing
 * timestamps and DISCONT/GAP flags, GAP events, property changes,
 * caps changes on either side, QoS, flushes, EOS and state changes.
 *
 * What comes out must be sound: a video frame holds its caps' size; a PNG
 * carries readable melspecx metadata; raw frames are whole and every dB
 * value is finite.  Errors the element posts are fine (a bad combination
 * of properties is one); crashes, leaks, hangs and GLib criticals are not.
 *
 * Inputs stay small: at most ~2 s of timeline, 400 000 samples and a
 * bounded amount of analysis (samples × n_fft / hop, silence included)
 * per input, pictures up to 64 × 64, n_fft up to 2048.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gst/audio/audio.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "fuzz_bytes.h"
#include "gstmelspecx.h"
#include "msx_png_info.h"

#define FUZZ_CHECK(cond)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      g_printerr ("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
      __builtin_trap ();                                                       \
    }                                                                          \
  } while (0)

#define MAX_SAMPLES 400000 /* per input, all channels */
#define MAX_SECONDS 2
/* Analysis work per input: Σ samples × lanes × n_fft / hop_length. */
#define MAX_WORK 5e6
#define MAX_BUFFER_FRAMES 8192

/* The sink template's formats. */
static const GstAudioFormat formats[] = { GST_AUDIO_FORMAT_F32LE,
  GST_AUDIO_FORMAT_F32BE, GST_AUDIO_FORMAT_F64LE, GST_AUDIO_FORMAT_F64BE,
  GST_AUDIO_FORMAT_S32LE, GST_AUDIO_FORMAT_S32BE, GST_AUDIO_FORMAT_S24_32LE,
  GST_AUDIO_FORMAT_S24LE, GST_AUDIO_FORMAT_S24BE, GST_AUDIO_FORMAT_S16LE,
  GST_AUDIO_FORMAT_S16BE, GST_AUDIO_FORMAT_U16LE, GST_AUDIO_FORMAT_S8,
  GST_AUDIO_FORMAT_U8 };

static const gchar *const video_formats[] = { "RGBA", "RGBx", "BGRA", "BGRx",
  "RGB", "GRAY8" };

typedef struct {
  GstHarness *h;
  GstAudioInfo info;
  gboolean have_caps;
  GstClockTime next_pts;
  guint64 samples; /* pushed this input, all channels */
  gdouble work;    /* analysis so far, see MAX_WORK */
  gint eos_count;
} Run;

/* Input caps */

static void
pick_audio_info (Run *r, Bytes *b)
{
  GstAudioFormat fmt = formats[take (b, 1) % G_N_ELEMENTS (formats)];
  gint rate, channels;

  switch (take (b, 1) % 4) {
    case 0:
      rate = pick (b, 1, 768000);
      break;
    case 1:
      rate = pick (b, 1, 100);
      break;
    default:
      rate = (gint[]){ 8000, 16000, 22050, 44100, 48000, 96000,
        192000 }[take (b, 1) % 7];
      break;
  }
  channels = take (b, 1) < 220 ? pick (b, 1, 4) : pick (b, 1, 64);
  gst_audio_info_set_format (&r->info, fmt, rate, channels, NULL);
  if (take (b, 1) % 4 == 0)
    r->info.layout = GST_AUDIO_LAYOUT_NON_INTERLEAVED;
}

static void
send_caps (Run *r, Bytes *b)
{
  GstSegment segment;
  GstCaps *caps;

  pick_audio_info (r, b);
  caps = gst_audio_info_to_caps (&r->info);
  FUZZ_CHECK (caps != NULL);
  /* Not gst_harness_set_src_caps(), which asserts that the element takes
   * the caps: refusing them (after EOS, say) is the element's right. */
  gst_harness_push_event (r->h, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_harness_push_event (r->h, gst_event_new_segment (&segment));
  r->have_caps = TRUE;
  r->next_pts = 0;
}

/* Output caps: what the harness's sink accepts. */
static void
set_sink_caps (Run *r, Bytes *b)
{
  gchar *s = NULL;

  switch (take (b, 1) % 5) {
    case 0:
    case 1:
      s = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d",
          video_formats[take (b, 1) % G_N_ELEMENTS (video_formats)],
          pick (b, 1, 64), pick (b, 1, 64));
      break;
    case 2:
      s = g_strdup ("video/x-raw");
      break;
    case 3:
      s = g_strdup (
          take (b, 1) % 2 ? "image/png" : "application/x-mel-spectrogram");
      break;
    default:
      /* ANY: the element chooses. */
      gst_harness_set_sink_caps (r->h, gst_caps_new_any ());
      return;
  }
  gst_harness_set_sink_caps_str (r->h, s);
  g_free (s);
}

/* Properties */

typedef struct {
  const gchar *name;
  gdouble lo, hi;
} Range;

/* Numeric properties with ranges that keep an iteration fast (the
 * element's own ranges reach n_fft 65536 and 16384-pixel pictures). */
static const Range ranges[] = { { "n-fft", 16, 2048 },
  { "win-length", 0, 2048 }, { "hop-length", 1, 4096 }, { "n-mels", 1, 256 },
  { "f-min", 0, 48000 }, { "f-max", 0, 96000 }, { "top-db", 0.001, 1000 },
  { "ref-db", -200, 200 }, { "width", 1, 64 }, { "height", 1, 64 },
  { "chunk-size", 1, 512 }, { "scroll-duration", 0, 10 }, { "power", 1, 2 } };

static const gchar *const enums[] = { "pad-mode", "window", "mel-scale",
  "mel-norm", "ref-mode", "colormap", "channel-mode", "center", "invert" };

static void
set_numeric (GstElement *e, const Range *r, Bytes *b)
{
  GParamSpec *ps =
      g_object_class_find_property (G_OBJECT_GET_CLASS (e), r->name);

  FUZZ_CHECK (ps != NULL);
  if (G_IS_PARAM_SPEC_INT (ps)) {
    gint v = pick (b, (gint)r->lo, (gint)r->hi);
    /* Mostly even FFT sizes: odd ones are refused at negotiation. */
    if (!strcmp (r->name, "n-fft") && take (b, 1) % 8)
      v &= ~1;
    g_object_set (e, r->name, MAX (v, G_PARAM_SPEC_INT (ps)->minimum), NULL);
  } else {
    /* Whole numbers now and then (f-max 0 is Nyquist). */
    gdouble v = take (b, 1) % 4 ? pick_double (b, r->lo, r->hi)
                                : (gdouble)pick (b, (gint)r->lo, (gint)r->hi);
    g_object_set (e, r->name, MAX (v, r->lo), NULL);
  }
}

static void
set_enum (GstElement *e, const gchar *name, Bytes *b)
{
  GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e), name);

  FUZZ_CHECK (ps != NULL);
  if (G_IS_PARAM_SPEC_BOOLEAN (ps)) {
    g_object_set (e, name, (gboolean)(take (b, 1) & 1), NULL);
  } else {
    GEnumClass *k = G_PARAM_SPEC_ENUM (ps)->enum_class;
    g_object_set (e, name, k->values[take (b, 1) % k->n_values].value, NULL);
  }
}

static void
set_random_property (GstElement *e, Bytes *b)
{
  guint i = take (b, 1) % (G_N_ELEMENTS (ranges) + G_N_ELEMENTS (enums));

  if (i < G_N_ELEMENTS (ranges))
    set_numeric (e, &ranges[i], b);
  else
    set_enum (e, enums[i - G_N_ELEMENTS (ranges)], b);
}

/* Buffers */

/* Analysis work of one sample per channel with the current properties. */
static gdouble
work_per_frame (Run *r)
{
  gint n_fft = 2048, hop = 1, mode = 0;
  gint lanes;

  g_object_get (r->h->element, "n-fft", &n_fft, "hop-length", &hop,
      "channel-mode", &mode, NULL);
  lanes = mode == MSX_CHANNELS_SEPARATE ? r->info.channels
          : mode == MSX_CHANNELS_MIX    ? 1
                                        : 2;
  return 1.0 + (gdouble)lanes * n_fft / hop;
}

/* Frames per channel the rest of MAX_WORK allows. */
static gsize
affordable (Run *r)
{
  gdouble left = MAX_WORK - r->work;

  return left > 0.0 ? (gsize)(left / work_per_frame (r)) : 0;
}

static void
spend (Run *r, gsize frames)
{
  r->work += frames * work_per_frame (r);
}

/* A gap of @d that the element draws as silence, if affordable. */
static gboolean
afford_gap (Run *r, GstClockTime d)
{
  guint64 frames = gst_util_uint64_scale (d, r->info.rate, GST_SECOND);

  if (!r->have_caps || r->next_pts + d > MAX_SECONDS * GST_SECOND ||
      frames > affordable (r))
    return FALSE;
  spend (r, frames);
  return TRUE;
}

static GstBuffer *
make_buffer (Run *r, Bytes *b, gsize *n_frames)
{
  gint bpf = GST_AUDIO_INFO_BPF (&r->info);
  gsize frames = pick (b, 0, take (b, 1) % 4 ? 1024 : MAX_BUFFER_FRAMES);
  gsize size, i, extra = 0;
  GstBuffer *buf;
  GstMapInfo map;

  if (r->samples + frames * r->info.channels > MAX_SAMPLES)
    frames = (MAX_SAMPLES - r->samples) / r->info.channels;
  frames = MIN (frames, affordable (r));
  spend (r, frames);
  /* Interleaved buffers may split a frame (the element re-joins them). */
  if (r->info.layout == GST_AUDIO_LAYOUT_INTERLEAVED && take (b, 1) % 8 == 0)
    extra = pick (b, 1, bpf > 1 ? bpf - 1 : 1);
  size = frames * bpf + extra;
  buf = gst_buffer_new_allocate (NULL, size, NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  /* The input's bytes, repeated; the remaining input when it is short. */
  for (i = 0; i < size; i++)
    map.data[i] = b->n ? b->p[i % b->n] : (guint8)(i * 37);
  gst_buffer_unmap (buf, &map);
  if (r->info.layout == GST_AUDIO_LAYOUT_NON_INTERLEAVED)
    gst_buffer_add_audio_meta (buf, &r->info, frames, NULL);
  r->samples += frames * r->info.channels;
  *n_frames = frames;
  return buf;
}

/* Timestamps: continuous, a jump, or none; flags now and then. */
static void
stamp_buffer (Run *r, Bytes *b, GstBuffer *buf, gsize frames)
{
  GstClockTime duration =
      gst_util_uint64_scale_int (frames, GST_SECOND, r->info.rate);
  guint8 how = take (b, 1);
  GstClockTime gap;

  switch (how % 8) {
    case 0: /* a gap */
      gap = pick (b, 0, 3000) * GST_MSECOND;
      if (afford_gap (r, gap))
        r->next_pts += gap;
      break;
    case 1:
      r->next_pts = r->next_pts > GST_SECOND ? r->next_pts - GST_SECOND : 0;
      break;
    case 2:
      GST_BUFFER_PTS (buf) = GST_CLOCK_TIME_NONE;
      r->next_pts += duration;
      goto flags;
    default:
      break;
  }
  GST_BUFFER_PTS (buf) = r->next_pts;
  if (how & 0x10)
    GST_BUFFER_DURATION (buf) = duration;
  r->next_pts += duration;
flags:
  if (how & 0x20)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  if ((how & 0xc0) == 0xc0)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_GAP);
}

static void
push_buffer (Run *r, Bytes *b)
{
  gsize frames;
  GstBuffer *buf;

  if (!r->have_caps)
    return;
  if (r->next_pts > MAX_SECONDS * GST_SECOND ||
      r->samples + r->info.channels >= MAX_SAMPLES)
    return;
  buf = make_buffer (r, b, &frames);
  stamp_buffer (r, b, buf, frames);
  gst_harness_push (r->h, buf);
}

static void
push_gap (Run *r, Bytes *b)
{
  GstClockTime dur = pick (b, 0, 2000) * GST_MSECOND;

  if (take (b, 1) % 4 == 0)
    dur = GST_CLOCK_TIME_NONE;
  else if (!afford_gap (r, dur))
    return;
  gst_harness_push_event (r->h, gst_event_new_gap (r->next_pts, dur));
  if (GST_CLOCK_TIME_IS_VALID (dur))
    r->next_pts += dur;
}

static void
flush (Run *r, Bytes *b)
{
  GstSegment segment;

  gst_harness_push_event (r->h, gst_event_new_flush_start ());
  gst_harness_push_event (r->h, gst_event_new_flush_stop (TRUE));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  if (take (b, 1) % 2)
    segment.start = segment.time = pick (b, 0, 5000) * GST_MSECOND;
  gst_harness_push_event (r->h, gst_event_new_segment (&segment));
  r->next_pts = segment.start;
}

/* Output */

static void
check_raw (GstBuffer *buf, const GstStructure *s)
{
  gint n_mels = 0, lanes = 0;
  GstMapInfo map;
  gsize i, frame;

  FUZZ_CHECK (gst_structure_get_int (s, "n-mels", &n_mels) &&
              gst_structure_get_int (s, "lanes", &lanes));
  frame = (gsize)n_mels * lanes * sizeof (gfloat);
  FUZZ_CHECK (gst_buffer_map (buf, &map, GST_MAP_READ));
  FUZZ_CHECK (frame > 0 && map.size % frame == 0);
  for (i = 0; i + sizeof (gfloat) <= map.size; i += sizeof (gfloat)) {
    gfloat v;
    memcpy (&v, map.data + i, sizeof (v));
    FUZZ_CHECK (isfinite (v));
  }
  gst_buffer_unmap (buf, &map);
}

static void
check_png (GstBuffer *buf)
{
  GstMapInfo map;
  gchar *text = NULL;

  FUZZ_CHECK (gst_buffer_map (buf, &map, GST_MAP_READ));
  FUZZ_CHECK (msx_png_info_read (map.data, map.size, &text, NULL) == MSX_OK);
  g_free (text);
  gst_buffer_unmap (buf, &map);
}

static void
check_output (GstBuffer *buf, GstCaps *caps)
{
  const GstStructure *s;
  GstVideoInfo vi;

  FUZZ_CHECK (caps != NULL && gst_caps_is_fixed (caps));
  s = gst_caps_get_structure (caps, 0);
  if (gst_structure_has_name (s, "application/x-mel-spectrogram")) {
    check_raw (buf, s);
  } else if (gst_structure_has_name (s, "image/png")) {
    check_png (buf);
  } else {
    FUZZ_CHECK (gst_video_info_from_caps (&vi, caps));
    FUZZ_CHECK (gst_buffer_get_size (buf) >= GST_VIDEO_INFO_SIZE (&vi));
  }
}

/* Takes what came out; the harness keeps it all otherwise. */
static void
drain (Run *r)
{
  GstBuffer *buf;
  GstEvent *ev;

  while ((buf = gst_harness_try_pull (r->h)) != NULL) {
    GstCaps *caps = gst_pad_get_current_caps (r->h->sinkpad);
    check_output (buf, caps);
    gst_caps_unref (caps);
    gst_buffer_unref (buf);
  }
  while ((ev = gst_harness_try_pull_event (r->h)) != NULL)
    gst_event_unref (ev);
  while ((ev = gst_harness_try_pull_upstream_event (r->h)) != NULL)
    gst_event_unref (ev);
}

static void
send_qos (Run *r, Bytes *b)
{
  GstClockTimeDiff diff = pick (b, -500, 500) * GST_MSECOND;
  GstEvent *ev;

  /* GStreamer wants timestamp + diff >= 0. */
  if (diff < 0 && (GstClockTime)-diff > r->next_pts)
    diff = -(GstClockTimeDiff)r->next_pts;
  ev = gst_event_new_qos (
      take (b, 1) % 2 ? GST_QOS_TYPE_UNDERFLOW : GST_QOS_TYPE_OVERFLOW,
      pick_double (b, 0.1, 4.0), diff, r->next_pts);
  gst_harness_push_upstream_event (r->h, ev);
}

/* READY and back: the stream starts over with new caps. */
static void
restart (Run *r, Bytes *b)
{
  gst_element_set_state (r->h->element, GST_STATE_READY);
  if (take (b, 1) % 2)
    g_object_set (r->h->element, "mode", take (b, 1) % 3, NULL);
  gst_element_set_state (r->h->element, GST_STATE_PLAYING);
  gst_harness_push_event (r->h, gst_event_new_stream_start ("fuzz"));
  send_caps (r, b);
}

static void
step (Run *r, Bytes *b)
{
  switch (take (b, 1) % 16) {
    case 0:
      push_gap (r, b);
      break;
    case 1:
    case 2:
      set_random_property (r->h->element, b);
      break;
    case 3:
      flush (r, b);
      break;
    case 4:
      if (r->eos_count++ < 3)
        gst_harness_push_event (r->h, gst_event_new_eos ());
      break;
    case 5:
      send_caps (r, b);
      break;
    case 6:
      set_sink_caps (r, b);
      break;
    case 7:
      send_qos (r, b);
      break;
    case 8:
      if (r->eos_count++ < 3)
        restart (r, b);
      break;
    default:
      push_buffer (r, b);
      break;
  }
  drain (r);
}

static void
setup (Run *r, Bytes *b)
{
  GstElement *e;
  gint i, n;

  r->h = gst_harness_new ("melspecx");
  e = r->h->element;
  g_object_set (e, "backend", MSX_BACKEND_CPU, "mode", take (b, 1) % 3, "width",
      pick (b, 1, 64), "height", pick (b, 1, 64), "n-fft", 512, "hop-length",
      128, "n-mels", 32, NULL);
  n = take (b, 1) % 6;
  for (i = 0; i < n; i++)
    set_random_property (e, b);
  if (take (b, 1) % 2)
    gst_harness_set_upstream_latency (r->h, pick (b, 0, 100) * GST_MSECOND);
  set_sink_caps (r, b);
  send_caps (r, b);
}

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* abort(), which libFuzzer catches and reports with the input, rather
 * than GLib's fatal-message breakpoint (SIGTRAP), which it does not. */
static void
on_log (const gchar *domain, GLogLevelFlags level, const gchar *message,
    gpointer user)
{
  g_log_default_handler (domain, level, message, user);
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    abort ();
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* Nothing from outside: no registry, no plugins but ours, the CPU. */
  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  g_setenv ("MELSPECX_BACKEND", "cpu", TRUE);
  gst_init (NULL, NULL);
  FUZZ_CHECK (GST_ELEMENT_REGISTER (melspecx, NULL));
  /* A critical or a warning is a misuse of GLib or GStreamer (a property
   * value out of range, an event out of order): a bug, whoever logs it. */
  g_log_set_default_handler (on_log, NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  Bytes b = { data, size };
  Run r;

  memset (&r, 0, sizeof (r));
  setup (&r, &b);
  while (b.n > 0)
    step (&r, &b);
  gst_harness_push_event (r.h, gst_event_new_eos ());
  drain (&r);
  gst_harness_teardown (r.h);
  return 0;
}
