/* GStreamer melspecx — mel spectrogram pictures from audio
 * Copyright (C) 2025 the melspecx authors
 * SPDX-License-Identifier: MIT
 *
 * Permission is hereby granted, free of charge, to any person obtaining a
 * copy of this software and associated documentation files, to deal in the
 * Software without restriction, subject to the conditions of the MIT licence
 * in the LICENSE file at the top of the source tree.
 */
/* clang-format off */
/**
 * SECTION:element-melspecx
 * @title: melspecx
 *
 * melspecx computes a mel spectrogram of raw audio (librosa's
 * melspectrogram + power_to_db) and draws it with a colormap: low
 * frequencies at the bottom, time from left to right.
 *
 * In `image` mode it draws one picture of the whole input, pushed at EOS
 * with framerate 0/1, PTS 0 and the input's duration; memory stays bounded
 * whatever the input length (columns are merged as frames arrive).  The
 * reference (0 dB) is the loudest frame of the input.  In `stream` mode it
 * draws a scrolling picture at the negotiated framerate (30/1 unless
 * downstream asks otherwise), one STFT frame per column, newest at the
 * right, with PTS following the audio.  The stream-mode reference is a
 * peak tracker: it jumps up to a louder frame at once and falls by
 * 6 dB per second of audio, never below amin + top-db (so that silence
 * stays dark); #GstMelspecx:ref-mode=fixed uses #GstMelspecx:ref-db
 * instead.  `auto` mode picks `stream` when upstream is live (LATENCY
 * query), else `image`.  Stream mode adds n-fft/2 + hop-length samples to
 * the latency (the centred window looks ahead).
 *
 * Source caps, in order of preference:
 *
 * * `video/x-raw` RGBA, RGBx, BGRA, BGRx, RGB or GRAY8 (GRAY8 is the level
 *   itself, without colormap); in image mode RGB first (the picture is
 *   opaque, and an encoder such as pngenc then compresses three bytes a
 *   pixel instead of four); width and height from downstream when fixed
 *   there, else from the #GstMelspecx:width and #GstMelspecx:height
 *   properties.
 * * `image/png` with the same width and height (chosen in image mode when
 *   downstream accepts anything, so `! melspecx ! filesink` writes a PNG).
 *   The PNG holds a `melspecx` tEXt chunk with the parameters as JSON.
 * * `application/x-mel-spectrogram, format=(string)F32LE,
 *   n-mels=(int)N, lanes=(int)L, rate=(fraction)R`: numbers for machines.
 *   R is the frame rate, sample rate / hop-length.  Each buffer holds k
 *   frames × L lanes × N bands of float32 dB, time-major (frame, then lane,
 *   then band, lowest band first).  L is 1 with channel-mode=mix, else the
 *   channel count.  Values are k·log10(max(amin, S)) − ref-db with k 10 for
 *   power 2 and 20 for power 1, amin 1e-10, and ref-db 0 when ref-mode is
 *   auto: NO top-db floor is applied (the consumer applies max − top-db).
 *   Buffer PTS is the time of its first frame, first PTS + frame index ×
 *   hop-length / rate (librosa's frame times: with center=true frame i is
 *   centred on sample i × hop-length); offset is the frame index.  Frames
 *   are pushed as they are computed, in any mode.
 *
 * A caps change in the middle of the stream (new rate or channels) drops
 * the analysis so far and starts again with the new format.  A flushing
 * seek resets the analysis.  EOS before any caps is an error; EOS after
 * caps but without samples gives a picture at level 0.
 *
 * Analysis properties are fixed once the format is negotiated: changing
 * them in PAUSED or PLAYING is refused with a warning.  colormap, invert,
 * top-db, ref-mode and ref-db may change at any time and apply to the next
 * picture.  In image mode the reference is always the loudest frame of the
 * whole input (ref-mode and ref-db apply to stream mode and raw output).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=song.mp3 ! decodebin ! melspecx ! pngenc ! filesink location=song.png
 * gst-launch-1.0 filesrc location=song.flac ! decodebin ! melspecx ! filesink location=song.png
 * gst-launch-1.0 autoaudiosrc ! melspecx ! videoconvert ! autovideosink
 * ]|
 */
/* clang-format on */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include "gstmelspecx.h"

GST_DEBUG_CATEGORY (gst_melspecx_debug);
#define GST_CAT_DEFAULT gst_melspecx_debug

/* clang-format off */
#define SINK_FORMATS "{ F32LE, F32BE, F64LE, F64BE, S32LE, S32BE, S24_32LE, " \
  "S24LE, S24BE, S16LE, S16BE, U16LE, S8, U8 }"
#define SINK_CAPS \
  "audio/x-raw, format = (string) " SINK_FORMATS ", " \
  "layout = (string) { interleaved, non-interleaved }, " \
  "rate = (int) [ 1, 1000000 ], channels = (int) [ 1, 64 ]"

#define RAW_CAPS_NAME "application/x-mel-spectrogram"
#define SRC_CAPS \
  "video/x-raw, format = (string) { RGBA, RGBx, BGRA, BGRx, RGB, GRAY8 }, " \
  "width = (int) [ 1, 16384 ], height = (int) [ 1, 16384 ], " \
  "framerate = (fraction) [ 0/1, MAX ]; " \
  "image/png, width = (int) [ 1, 16384 ], height = (int) [ 1, 16384 ]; " \
  RAW_CAPS_NAME ", format = (string) F32LE, n-mels = (int) [ 1, 1024 ], " \
  "lanes = (int) [ 1, 64 ], rate = (fraction) [ 0/1, MAX ]"

#define DEFAULT_MODE            GST_MELSPECX_MODE_AUTO
#define DEFAULT_BACKEND         MSX_BACKEND_AUTO
#define DEFAULT_DEVICE_INDEX    -1
#define DEFAULT_N_FFT           2048
#define DEFAULT_WIN_LENGTH      0
#define DEFAULT_HOP_LENGTH      512
#define DEFAULT_CENTER          TRUE
#define DEFAULT_PAD_MODE        MSX_PAD_REFLECT
#define DEFAULT_WINDOW          MSX_WINDOW_HANN
#define DEFAULT_POWER           2.0
#define DEFAULT_N_MELS          128
#define DEFAULT_F_MIN           0.0
#define DEFAULT_F_MAX           8000.0
#define DEFAULT_MEL_SCALE       MSX_MEL_SCALE_SLANEY
#define DEFAULT_MEL_NORM        MSX_MEL_NORM_SLANEY
#define DEFAULT_TOP_DB          80.0
#define DEFAULT_REF_MODE        GST_MELSPECX_REF_AUTO
#define DEFAULT_REF_DB          0.0
#define DEFAULT_COLORMAP        MSX_COLORMAP_INFERNO
#define DEFAULT_INVERT          FALSE
#define DEFAULT_WIDTH           1024
#define DEFAULT_HEIGHT          256
#define DEFAULT_CHUNK_SIZE      1024
#define DEFAULT_CHANNEL_MODE    MSX_CHANNELS_MIX

#define MAX_FREQUENCY           500000.0
#define MAX_DEVICE_INDEX        64
/* Stream-mode peak tracker: how fast the reference falls, dB per second. */
#define PEAK_RELEASE_DB_PER_S   6.0
/* Stream-mode framerate when downstream leaves it open. */
#define DEFAULT_FPS_N           30
#define DEFAULT_FPS_D           1
/* clang-format on */

enum {
  PROP_0,
  PROP_MODE,
  PROP_BACKEND,
  PROP_DEVICE_INDEX,
  PROP_N_FFT,
  PROP_WIN_LENGTH,
  PROP_HOP_LENGTH,
  PROP_CENTER,
  PROP_PAD_MODE,
  PROP_WINDOW,
  PROP_POWER,
  PROP_N_MELS,
  PROP_F_MIN,
  PROP_F_MAX,
  PROP_MEL_SCALE,
  PROP_MEL_NORM,
  PROP_TOP_DB,
  PROP_REF_MODE,
  PROP_REF_DB,
  PROP_COLORMAP,
  PROP_INVERT,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_CHUNK_SIZE,
  PROP_CHANNEL_MODE
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (SINK_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (SRC_CAPS));

#define gst_melspecx_parent_class parent_class
G_DEFINE_TYPE (GstMelspecx, gst_melspecx, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (
    melspecx, "melspecx", GST_RANK_NONE, GST_TYPE_MELSPECX);

static void gst_melspecx_finalize (GObject *object);
static void gst_melspecx_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_melspecx_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static GstStateChangeReturn gst_melspecx_change_state (
    GstElement *element, GstStateChange transition);
static gboolean gst_melspecx_sink_event (
    GstPad *pad, GstObject *parent, GstEvent *event);
static GstFlowReturn gst_melspecx_chain (
    GstPad *pad, GstObject *parent, GstBuffer *buffer);
static gboolean gst_melspecx_src_query (
    GstPad *pad, GstObject *parent, GstQuery *query);
static void gst_melspecx_reset_state (GstMelspecx *self);
static void gst_melspecx_on_frames (
    void *user, int lane, const float *mel, size_t n_frames);

/* GEnum types, with the nicks used on the command line */

static GType
gst_melspecx_enum_type (gsize *id, const gchar *name, const GEnumValue *values)
{
  if (g_once_init_enter (id)) {
    GType type = g_enum_register_static (name, values);
    g_once_init_leave (id, type);
  }
  return (GType)*id;
}

#define DEFINE_ENUM_TYPE(func, name, ...)                                      \
  static GType func (void)                                                     \
  {                                                                            \
    static gsize id = 0;                                                       \
    static const GEnumValue values[] = { __VA_ARGS__, { 0, NULL, NULL } };     \
    return gst_melspecx_enum_type (&id, name, values);                         \
  }

DEFINE_ENUM_TYPE (gst_melspecx_mode_get_type, "GstMelspecxMode",
    { GST_MELSPECX_MODE_IMAGE, "One picture of the whole input, at EOS",
        "image" },
    { GST_MELSPECX_MODE_STREAM, "A scrolling picture at the framerate",
        "stream" },
    { GST_MELSPECX_MODE_AUTO, "Stream when upstream is live, else image",
        "auto" });
DEFINE_ENUM_TYPE (gst_melspecx_backend_get_type, "GstMelspecxBackend",
    { MSX_BACKEND_AUTO, "A Vulkan GPU if one opens, else the CPU", "auto" },
    { MSX_BACKEND_VULKAN, "Vulkan compute (any device, lavapipe included)",
        "vulkan" },
    { MSX_BACKEND_CPU, "The CPU", "cpu" });
DEFINE_ENUM_TYPE (gst_melspecx_pad_mode_get_type, "GstMelspecxPadMode",
    { MSX_PAD_REFLECT, "Reflect the signal at its ends", "reflect" },
    { MSX_PAD_CONSTANT, "Pad with zeros", "constant" });
DEFINE_ENUM_TYPE (gst_melspecx_window_get_type, "GstMelspecxWindow",
    { MSX_WINDOW_HANN, "Periodic Hann window", "hann" },
    { MSX_WINDOW_HAMMING, "Periodic Hamming window", "hamming" },
    { MSX_WINDOW_BLACKMAN, "Periodic Blackman window", "blackman" },
    { MSX_WINDOW_RECTANGULAR, "Rectangular window", "rectangular" });
DEFINE_ENUM_TYPE (gst_melspecx_mel_scale_get_type, "GstMelspecxMelScale",
    { MSX_MEL_SCALE_SLANEY, "Slaney (Auditory Toolbox) mel scale", "slaney" },
    { MSX_MEL_SCALE_HTK, "HTK mel scale, 2595 log10(1 + f/700)", "htk" });
DEFINE_ENUM_TYPE (gst_melspecx_mel_norm_get_type, "GstMelspecxMelNorm",
    { MSX_MEL_NORM_SLANEY, "Divide each filter by its width (equal area)",
        "slaney" },
    { MSX_MEL_NORM_NONE, "Filters peak at 1", "none" });
DEFINE_ENUM_TYPE (gst_melspecx_ref_mode_get_type, "GstMelspecxRefMode",
    { GST_MELSPECX_REF_AUTO, "The loudest value is 0 dB", "auto" },
    { GST_MELSPECX_REF_FIXED, "ref-db is 0 dB", "fixed" });
DEFINE_ENUM_TYPE (gst_melspecx_colormap_get_type, "GstMelspecxColormap",
    { MSX_COLORMAP_INFERNO, "matplotlib inferno", "inferno" },
    { MSX_COLORMAP_VIRIDIS, "matplotlib viridis", "viridis" },
    { MSX_COLORMAP_MAGMA, "matplotlib magma", "magma" },
    { MSX_COLORMAP_PLASMA, "matplotlib plasma", "plasma" },
    { MSX_COLORMAP_CIVIDIS, "matplotlib cividis", "cividis" },
    { MSX_COLORMAP_GREYS, "matplotlib Greys", "greys" },
    { MSX_COLORMAP_BLUES, "matplotlib Blues", "blues" },
    { MSX_COLORMAP_GREENS, "matplotlib Greens", "greens" },
    { MSX_COLORMAP_REDS, "matplotlib Reds", "reds" },
    { MSX_COLORMAP_PURPLES, "matplotlib Purples", "purples" },
    { MSX_COLORMAP_ORANGES, "matplotlib Oranges", "oranges" });
DEFINE_ENUM_TYPE (gst_melspecx_channel_mode_get_type, "GstMelspecxChannelMode",
    { MSX_CHANNELS_MIX, "Average the channels to mono", "mix" },
    { MSX_CHANNELS_SEPARATE, "One lane per channel, stacked top to bottom",
        "separate" });

/* colormap, invert, top-db and the reference only change how levels are
 * drawn: they apply to the next picture.  Everything else shapes the
 * analysis and is fixed once the audio format is known. */
static gboolean
gst_melspecx_prop_is_live (guint prop_id)
{
  switch (prop_id) {
    case PROP_REF_MODE:
    case PROP_REF_DB:
    case PROP_TOP_DB:
    case PROP_COLORMAP:
    case PROP_INVERT:
      return TRUE;
    default:
      return FALSE;
  }
}

/* gst-inspect-1.0 shows these as "changeable in PLAYING state" or
 * "changeable only in NULL or READY state". */
static GParamFlags
gst_melspecx_prop_flags (guint prop_id)
{
  return G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
         (gst_melspecx_prop_is_live (prop_id) ? GST_PARAM_MUTABLE_PLAYING
                                              : GST_PARAM_MUTABLE_READY);
}

static void
gst_melspecx_install_enum (GObjectClass *gobject_class, guint prop_id,
    const gchar *name, const gchar *nick, const gchar *blurb, GType type,
    gint def)
{
  g_object_class_install_property (gobject_class, prop_id,
      g_param_spec_enum (
          name, nick, blurb, type, def, gst_melspecx_prop_flags (prop_id)));
  gst_type_mark_as_plugin_api (type, 0);
}

static void
gst_melspecx_install_int (GObjectClass *gobject_class, guint prop_id,
    const gchar *name, const gchar *nick, const gchar *blurb, gint min,
    gint max, gint def)
{
  g_object_class_install_property (gobject_class, prop_id,
      g_param_spec_int (
          name, nick, blurb, min, max, def, gst_melspecx_prop_flags (prop_id)));
}

static void
gst_melspecx_install_double (GObjectClass *gobject_class, guint prop_id,
    const gchar *name, const gchar *nick, const gchar *blurb, gdouble min,
    gdouble max, gdouble def)
{
  g_object_class_install_property (gobject_class, prop_id,
      g_param_spec_double (
          name, nick, blurb, min, max, def, gst_melspecx_prop_flags (prop_id)));
}

static void
gst_melspecx_install_boolean (GObjectClass *gobject_class, guint prop_id,
    const gchar *name, const gchar *nick, const gchar *blurb, gboolean def)
{
  g_object_class_install_property (gobject_class, prop_id,
      g_param_spec_boolean (
          name, nick, blurb, def, gst_melspecx_prop_flags (prop_id)));
}

static void
gst_melspecx_install_analysis_props (GObjectClass *k)
{
  gst_melspecx_install_enum (k, PROP_MODE, "mode", "Mode",
      "Whether to draw one picture of the whole input at EOS (image), a "
      "scrolling picture (stream), or to choose from upstream's liveness "
      "(auto).",
      gst_melspecx_mode_get_type (), DEFAULT_MODE);
  gst_melspecx_install_enum (k, PROP_BACKEND, "backend", "Backend",
      "Where the FFTs run; the environment variable MELSPECX_BACKEND "
      "(auto, vulkan or cpu) overrides this when set.",
      gst_melspecx_backend_get_type (), DEFAULT_BACKEND);
  gst_melspecx_install_int (k, PROP_DEVICE_INDEX, "device-index",
      "Device index",
      "The Vulkan physical device to use, or -1 to choose "
      "the first suitable one.",
      -1, MAX_DEVICE_INDEX, DEFAULT_DEVICE_INDEX);
  gst_melspecx_install_int (k, PROP_N_FFT, "n-fft", "FFT size",
      "The FFT length in samples; it must be even.", MSX_MIN_N_FFT,
      MSX_MAX_N_FFT, DEFAULT_N_FFT);
  gst_melspecx_install_int (k, PROP_WIN_LENGTH, "win-length", "Window length",
      "The window length in samples, at most n-fft; 0 "
      "means n-fft.",
      0, MSX_MAX_N_FFT, DEFAULT_WIN_LENGTH);
  gst_melspecx_install_int (k, PROP_HOP_LENGTH, "hop-length", "Hop length",
      "The number of samples between the starts of successive frames.", 1,
      MSX_MAX_HOP_LENGTH, DEFAULT_HOP_LENGTH);
  gst_melspecx_install_boolean (k, PROP_CENTER, "center", "Center",
      "Whether to pad the signal by n-fft/2 at each end so that frame i is "
      "centred on sample i * hop-length.",
      DEFAULT_CENTER);
  gst_melspecx_install_enum (k, PROP_PAD_MODE, "pad-mode", "Pad mode",
      "How the centre padding is filled.", gst_melspecx_pad_mode_get_type (),
      DEFAULT_PAD_MODE);
  gst_melspecx_install_enum (k, PROP_WINDOW, "window", "Window",
      "The analysis window, periodic, zero-padded to n-fft and centred.",
      gst_melspecx_window_get_type (), DEFAULT_WINDOW);
  gst_melspecx_install_double (k, PROP_POWER, "power", "Power",
      "The exponent of the magnitude spectrum: 2.0 for power, 1.0 for "
      "magnitude (other values are refused).",
      1.0, 2.0, DEFAULT_POWER);
  gst_melspecx_install_int (k, PROP_N_MELS, "n-mels", "Mel bands",
      "The number of mel bands, at most n-fft/2+1.", 1, MSX_MAX_N_MELS,
      DEFAULT_N_MELS);
  gst_melspecx_install_double (k, PROP_F_MIN, "f-min", "Lowest frequency",
      "The lower edge of the lowest mel band, in Hz; below f-max.", 0.0,
      MAX_FREQUENCY, DEFAULT_F_MIN);
  gst_melspecx_install_double (k, PROP_F_MAX, "f-max", "Highest frequency",
      "The upper edge of the highest mel band, in Hz; 0 means the Nyquist "
      "frequency, and a value above Nyquist is lowered to it with a "
      "warning.",
      0.0, MAX_FREQUENCY, DEFAULT_F_MAX);
  gst_melspecx_install_enum (k, PROP_MEL_SCALE, "mel-scale", "Mel scale",
      "The Hz to mel conversion.", gst_melspecx_mel_scale_get_type (),
      DEFAULT_MEL_SCALE);
  gst_melspecx_install_enum (k, PROP_MEL_NORM, "mel-norm", "Mel norm",
      "The normalisation of the mel filters.",
      gst_melspecx_mel_norm_get_type (), DEFAULT_MEL_NORM);
}

static void
gst_melspecx_install_picture_props (GObjectClass *k)
{
  gst_melspecx_install_double (k, PROP_TOP_DB, "top-db", "Dynamic range",
      "The range drawn, in dB below the reference; must be positive.", 0.001,
      1000.0, DEFAULT_TOP_DB);
  gst_melspecx_install_enum (k, PROP_REF_MODE, "ref-mode", "Reference mode",
      "What 0 dB is: the loudest value (auto) or ref-db (fixed).",
      gst_melspecx_ref_mode_get_type (), DEFAULT_REF_MODE);
  gst_melspecx_install_double (k, PROP_REF_DB, "ref-db", "Reference level",
      "The level drawn as 0 dB when ref-mode is fixed, in dB re 1.0; "
      "setting it also sets ref-mode to fixed.",
      -200.0, 200.0, DEFAULT_REF_DB);
  gst_melspecx_install_enum (k, PROP_COLORMAP, "colormap", "Colormap",
      "The matplotlib colormap used to draw the levels.",
      gst_melspecx_colormap_get_type (), DEFAULT_COLORMAP);
  gst_melspecx_install_boolean (k, PROP_INVERT, "invert", "Invert",
      "Whether to reverse the colormap.", DEFAULT_INVERT);
  gst_melspecx_install_int (k, PROP_WIDTH, "width", "Width",
      "The picture width in pixels when downstream does not fix it.", 1,
      MSX_MAX_WIDTH, DEFAULT_WIDTH);
  gst_melspecx_install_int (k, PROP_HEIGHT, "height", "Height",
      "The picture height in pixels when downstream does not fix it.", 1,
      MSX_MAX_HEIGHT, DEFAULT_HEIGHT);
  gst_melspecx_install_int (k, PROP_CHUNK_SIZE, "chunk-size", "Chunk size",
      "The number of STFT frames computed per batch (per GPU dispatch); "
      "it changes speed and memory, never the picture.",
      1, MSX_MAX_CHUNK_SIZE, DEFAULT_CHUNK_SIZE);
  gst_melspecx_install_enum (k, PROP_CHANNEL_MODE, "channel-mode",
      "Channel mode",
      "Whether to average the channels to mono or to draw "
      "one lane per channel, stacked top to bottom.",
      gst_melspecx_channel_mode_get_type (), DEFAULT_CHANNEL_MODE);
}

static void
gst_melspecx_class_init (GstMelspecxClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_melspecx_set_property;
  gobject_class->get_property = gst_melspecx_get_property;
  gobject_class->finalize = gst_melspecx_finalize;
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_melspecx_change_state);

  gst_melspecx_install_analysis_props (gobject_class);
  gst_melspecx_install_picture_props (gobject_class);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Mel spectrogram",
      "Visualization/Analyzer/Audio",
      "Draws the mel spectrogram of audio as a picture or a scrolling video",
      "melspecx authors");

  GST_DEBUG_CATEGORY_INIT (
      gst_melspecx_debug, "melspecx", 0, "mel spectrogram element");
}

static void
gst_melspecx_init (GstMelspecx *self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_melspecx_chain));
  gst_pad_set_event_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_melspecx_sink_event));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_query_function (
      self->srcpad, GST_DEBUG_FUNCPTR (gst_melspecx_src_query));
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  msx_config_init (&self->props);
  self->mode = DEFAULT_MODE;
  self->ref_mode = DEFAULT_REF_MODE;
  self->ref_db = DEFAULT_REF_DB;
  self->worker = gst_melspecx_worker_new ();
  self->pending = g_array_new (FALSE, FALSE, sizeof (gfloat));
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
  self->base_ts = GST_CLOCK_TIME_NONE;
}

static void
gst_melspecx_finalize (GObject *object)
{
  GstMelspecx *self = GST_MELSPECX (object);

  gst_melspecx_reset_state (self);
  gst_melspecx_worker_free (self->worker);
  g_array_free (self->pending, TRUE);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* properties */

/* Properties that shape the analysis or the negotiated format are frozen
 * while an analysis runs.  The others only change how it is drawn and
 * apply to the next picture.  Called with the object lock held. */
static gboolean
gst_melspecx_prop_is_frozen (GstMelspecx *self, guint prop_id)
{
  return self->configured && !gst_melspecx_prop_is_live (prop_id);
}

/* Called with the object lock held. */
static void
gst_melspecx_store_property (
    GstMelspecx *self, guint prop_id, const GValue *value)
{
  MsxConfig *c = &self->props;

  switch (prop_id) {
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_BACKEND:
      c->backend = g_value_get_enum (value);
      break;
    case PROP_DEVICE_INDEX:
      c->device_index = g_value_get_int (value);
      break;
    case PROP_N_FFT:
      c->n_fft = g_value_get_int (value);
      break;
    case PROP_WIN_LENGTH:
      c->win_length = g_value_get_int (value);
      break;
    case PROP_HOP_LENGTH:
      c->hop_length = g_value_get_int (value);
      break;
    case PROP_CENTER:
      c->center = g_value_get_boolean (value);
      break;
    case PROP_PAD_MODE:
      c->pad_mode = g_value_get_enum (value);
      break;
    case PROP_WINDOW:
      c->window = g_value_get_enum (value);
      break;
    case PROP_POWER:
      c->power = g_value_get_double (value);
      break;
    case PROP_N_MELS:
      c->n_mels = g_value_get_int (value);
      break;
    case PROP_F_MIN:
      c->f_min = g_value_get_double (value);
      break;
    case PROP_F_MAX:
      c->f_max = g_value_get_double (value);
      break;
    case PROP_MEL_SCALE:
      c->mel_scale = g_value_get_enum (value);
      break;
    case PROP_MEL_NORM:
      c->mel_norm = g_value_get_enum (value);
      break;
    case PROP_TOP_DB:
      c->top_db = g_value_get_double (value);
      break;
    case PROP_REF_MODE:
      self->ref_mode = g_value_get_enum (value);
      break;
    case PROP_REF_DB:
      self->ref_db = g_value_get_double (value);
      self->ref_mode = GST_MELSPECX_REF_FIXED;
      break;
    case PROP_COLORMAP:
      c->colormap = g_value_get_enum (value);
      break;
    case PROP_INVERT:
      c->invert = g_value_get_boolean (value);
      break;
    case PROP_WIDTH:
      c->width = g_value_get_int (value);
      break;
    case PROP_HEIGHT:
      c->height = g_value_get_int (value);
      break;
    case PROP_CHUNK_SIZE:
      c->chunk_size = g_value_get_int (value);
      break;
    case PROP_CHANNEL_MODE:
      c->channel_mode = g_value_get_enum (value);
      break;
    default:
      g_assert_not_reached ();
  }
}

static void
gst_melspecx_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstMelspecx *self = GST_MELSPECX (object);
  gboolean refused;

  if (prop_id == PROP_0 || prop_id > PROP_CHANNEL_MODE) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  GST_OBJECT_LOCK (self);
  refused = gst_melspecx_prop_is_frozen (self, prop_id);
  if (!refused)
    gst_melspecx_store_property (self, prop_id, value);
  GST_OBJECT_UNLOCK (self);

  /* Posted outside the lock: posting takes it for the object path. */
  if (refused)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("Cannot change %s while an analysis runs; set it in the READY or "
         "NULL state.",
            pspec->name),
        (NULL));
}

static void
gst_melspecx_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstMelspecx *self = GST_MELSPECX (object);
  const MsxConfig *c = &self->props;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_BACKEND:
      g_value_set_enum (value, c->backend);
      break;
    case PROP_DEVICE_INDEX:
      g_value_set_int (value, c->device_index);
      break;
    case PROP_N_FFT:
      g_value_set_int (value, c->n_fft);
      break;
    case PROP_WIN_LENGTH:
      g_value_set_int (value, c->win_length);
      break;
    case PROP_HOP_LENGTH:
      g_value_set_int (value, c->hop_length);
      break;
    case PROP_CENTER:
      g_value_set_boolean (value, c->center);
      break;
    case PROP_PAD_MODE:
      g_value_set_enum (value, c->pad_mode);
      break;
    case PROP_WINDOW:
      g_value_set_enum (value, c->window);
      break;
    case PROP_POWER:
      g_value_set_double (value, c->power);
      break;
    case PROP_N_MELS:
      g_value_set_int (value, c->n_mels);
      break;
    case PROP_F_MIN:
      g_value_set_double (value, c->f_min);
      break;
    case PROP_F_MAX:
      g_value_set_double (value, c->f_max);
      break;
    case PROP_MEL_SCALE:
      g_value_set_enum (value, c->mel_scale);
      break;
    case PROP_MEL_NORM:
      g_value_set_enum (value, c->mel_norm);
      break;
    case PROP_TOP_DB:
      g_value_set_double (value, c->top_db);
      break;
    case PROP_REF_MODE:
      g_value_set_enum (value, self->ref_mode);
      break;
    case PROP_REF_DB:
      g_value_set_double (value, self->ref_db);
      break;
    case PROP_COLORMAP:
      g_value_set_enum (value, c->colormap);
      break;
    case PROP_INVERT:
      g_value_set_boolean (value, c->invert);
      break;
    case PROP_WIDTH:
      g_value_set_int (value, c->width);
      break;
    case PROP_HEIGHT:
      g_value_set_int (value, c->height);
      break;
    case PROP_CHUNK_SIZE:
      g_value_set_int (value, c->chunk_size);
      break;
    case PROP_CHANNEL_MODE:
      g_value_set_enum (value, c->channel_mode);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* helpers: errors */

/* Maps a core status to a GStreamer error with the core's sentence. */
static void
gst_melspecx_post_error (GstMelspecx *self, MsxStatus st, const gchar *msg)
{
  const gchar *text = (msg && msg[0]) ? msg : msx_status_string (st);

  switch (st) {
    case MSX_ERROR_INVALID_ARGUMENT:
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", text), (NULL));
      break;
    case MSX_ERROR_BACKEND_UNAVAILABLE:
      GST_ELEMENT_ERROR (self, LIBRARY, INIT,
          ("The Vulkan backend is not available: %s", text), (NULL));
      break;
    case MSX_ERROR_FFT:
    case MSX_ERROR_DEVICE:
      GST_ELEMENT_ERROR (self, LIBRARY, FAILED, ("%s", text), (NULL));
      break;
    case MSX_ERROR_PNG:
      GST_ELEMENT_ERROR (self, LIBRARY, ENCODE, ("%s", text), (NULL));
      break;
    case MSX_ERROR_NO_MEMORY:
      GST_ELEMENT_ERROR (self, CORE, FAILED, ("%s", text), (NULL));
      break;
    default:
      GST_ELEMENT_ERROR (self, STREAM, FAILED, ("%s", text), (NULL));
      break;
  }
}

/* helpers: state */

/* Frees the analysis; keeps the properties.  Used by start, stop, caps
 * change and finalize. */
static void
gst_melspecx_reset_state (GstMelspecx *self)
{
  GST_DEBUG_OBJECT (self, "resetting state");

  gst_melspecx_worker_stop (self->worker);
  g_clear_pointer (&self->sg, msx_spectrogram_free);
  g_clear_pointer (&self->stft, msx_stft_free);
  gst_melspecx_input_clear (&self->input);
  g_clear_pointer (&self->ring, g_free);
  g_clear_pointer (&self->scratch, g_free);
  g_clear_pointer (&self->batch_max, g_free);
  self->batch_max_size = 0;
  g_array_set_size (self->pending, 0);
  self->pending_frames = 0;
  self->have_info = FALSE;
  gst_melspecx_framer_clear (&self->framer);
  self->framer.reported = FALSE;

  GST_OBJECT_LOCK (self);
  self->configured = FALSE;
  GST_OBJECT_UNLOCK (self);
}

/* amin in dB: the lowest value any frame can have. */
static gdouble
gst_melspecx_floor_db (const MsxConfig *cfg)
{
  return msx_db_multiplier (cfg->power) * log10 (cfg->amin);
}

static void
gst_melspecx_clear_ring (GstMelspecx *self)
{
  gsize n = (gsize)self->lanes * self->cfg.width * self->cfg.n_mels;
  gfloat floor_db = gst_melspecx_floor_db (&self->cfg);

  for (gsize i = 0; self->ring && i < n; i++)
    self->ring[i] = floor_db;
  self->ring_head = 0;
  self->peak_db = floor_db;
  self->new_columns = 0;
}

/* Forgets the input, keeps the analysis set-up (flushing seek). */
static void
gst_melspecx_flush (GstMelspecx *self)
{
  if (self->sg) {
    gst_melspecx_worker_discard (self->worker);
    msx_spectrogram_reset (self->sg);
  }
  if (self->stft)
    msx_stft_reset (self->stft);
  gst_melspecx_clear_ring (self);
  g_array_set_size (self->pending, 0);
  self->pending_frames = 0;
  self->frames_out = 0;
  self->video_frames = 0;
  self->samples = 0;
  self->base_ts = GST_CLOCK_TIME_NONE;
  gst_melspecx_framer_clear (&self->framer);
}

static GstStateChangeReturn
gst_melspecx_change_state (GstElement *element, GstStateChange transition)
{
  GstMelspecx *self = GST_MELSPECX (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      gst_melspecx_reset_state (self);
      gst_melspecx_worker_set_flushing (self->worker, FALSE);
      gst_segment_init (&self->segment, GST_FORMAT_TIME);
      self->segment_pending = TRUE;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      /* Unblock a streaming thread waiting for room in the queue, so that
       * the pad can be deactivated. */
      gst_melspecx_worker_set_flushing (self->worker, TRUE);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    gst_melspecx_reset_state (self);
  return ret;
}

/* helpers: negotiation */

static gint
gst_melspecx_gcd (gint a, gint b)
{
  while (b) {
    gint t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* Image mode: the template's formats with RGB first.  One opaque picture
 * goes to an encoder more often than to a display: pngenc takes RGB or
 * RGBA, and deflates three bytes a pixel ~20 % faster than four (and
 * gives a slightly smaller file). */
static void
gst_melspecx_prefer_rgb (GstStructure *s)
{
  static const gchar *const order[] = { "RGB", "RGBA", "RGBx", "BGRA", "BGRx",
    "GRAY8" };
  GValue list = G_VALUE_INIT, v = G_VALUE_INIT;

  gst_value_list_init (&list, G_N_ELEMENTS (order));
  g_value_init (&v, G_TYPE_STRING);
  for (guint i = 0; i < G_N_ELEMENTS (order); i++) {
    g_value_set_static_string (&v, order[i]);
    gst_value_list_append_value (&list, &v);
  }
  gst_structure_take_value (s, "format", &list);
  g_value_unset (&v);
}

/* The source template with the raw structure's fields fixed to what this
 * analysis produces. */
static gboolean
gst_melspecx_not_png (
    GstCapsFeatures *features, GstStructure *s, gpointer unused)
{
  return !gst_structure_has_name (s, "image/png");
}

static GstCaps *
gst_melspecx_candidate_caps (GstMelspecx *self)
{
  GstCaps *caps = gst_pad_get_pad_template_caps (self->srcpad);
  gint rate_n, rate_d, g;

  /* Frames per second, sample rate / hop, as a reduced fraction. */
  g = gst_melspecx_gcd (self->cfg.sample_rate, self->cfg.hop_length);
  rate_n = self->cfg.sample_rate / g;
  rate_d = self->cfg.hop_length / g;
  caps = gst_caps_make_writable (caps);
  for (guint i = 0; i < gst_caps_get_size (caps); i++) {
    GstStructure *s = gst_caps_get_structure (caps, i);
    if (gst_structure_has_name (s, RAW_CAPS_NAME))
      gst_structure_set (s, "n-mels", G_TYPE_INT, self->cfg.n_mels, "lanes",
          G_TYPE_INT, self->lanes, "rate", GST_TYPE_FRACTION, rate_n, rate_d,
          NULL);
    else if (gst_structure_has_name (s, "video/x-raw") &&
             self->active_mode == GST_MELSPECX_MODE_IMAGE)
      gst_melspecx_prefer_rgb (s);
  }
  /* A PNG is one picture of the whole input: image mode only. */
  if (self->active_mode != GST_MELSPECX_MODE_IMAGE)
    gst_caps_filter_and_map_in_place (caps, gst_melspecx_not_png, NULL);
  return caps;
}

/* Template order, except that a downstream accepting anything gets a PNG
 * in image mode (so that `! melspecx ! filesink` writes a picture). */
static GstCaps *
gst_melspecx_choose_caps (GstMelspecx *self)
{
  GstCaps *candidates = gst_melspecx_candidate_caps (self);
  GstCaps *peer = gst_pad_peer_query_caps (self->srcpad, NULL);
  GstCaps *caps;

  GST_DEBUG_OBJECT (self, "downstream accepts %" GST_PTR_FORMAT, peer);
  if (gst_caps_is_any (peer) && self->active_mode == GST_MELSPECX_MODE_IMAGE) {
    caps = gst_caps_new_empty ();
    for (guint i = 0; i < gst_caps_get_size (candidates); i++) {
      GstStructure *s = gst_caps_get_structure (candidates, i);
      if (gst_structure_has_name (s, "image/png"))
        gst_caps_append_structure (caps, gst_structure_copy (s));
    }
  } else {
    caps = gst_caps_intersect_full (candidates, peer, GST_CAPS_INTERSECT_FIRST);
  }
  gst_caps_unref (peer);
  gst_caps_unref (candidates);
  if (gst_caps_is_empty (caps)) {
    gst_caps_unref (caps);
    return NULL;
  }

  caps = gst_caps_truncate (caps);
  caps = gst_caps_make_writable (caps);
  {
    GstStructure *s = gst_caps_get_structure (caps, 0);
    gboolean image = self->active_mode == GST_MELSPECX_MODE_IMAGE;

    if (gst_structure_has_field (s, "width"))
      gst_structure_fixate_field_nearest_int (s, "width", self->cfg.width);
    if (gst_structure_has_field (s, "height"))
      gst_structure_fixate_field_nearest_int (s, "height", self->cfg.height);
    if (gst_structure_has_field (s, "framerate"))
      gst_structure_fixate_field_nearest_fraction (
          s, "framerate", image ? 0 : DEFAULT_FPS_N, image ? 1 : DEFAULT_FPS_D);
  }
  return gst_caps_fixate (caps);
}

static MsxPixelFormat
gst_melspecx_pixel_format (GstVideoFormat fmt)
{
  switch (fmt) {
    case GST_VIDEO_FORMAT_RGBx:
      return MSX_PIXEL_RGBX;
    case GST_VIDEO_FORMAT_BGRA:
      return MSX_PIXEL_BGRA;
    case GST_VIDEO_FORMAT_BGRx:
      return MSX_PIXEL_BGRX;
    case GST_VIDEO_FORMAT_RGB:
      return MSX_PIXEL_RGB;
    case GST_VIDEO_FORMAT_GRAY8:
      return MSX_PIXEL_GRAY8;
    default:
      return MSX_PIXEL_RGBA;
  }
}

/* Reads what the chosen caps mean for us; returns FALSE if unusable. */
static gboolean
gst_melspecx_parse_src_caps (GstMelspecx *self, GstCaps *caps)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);

  if (gst_structure_has_name (s, RAW_CAPS_NAME)) {
    self->output = GST_MELSPECX_OUTPUT_RAW;
    return TRUE;
  }
  if (!gst_structure_get_int (s, "width", &self->cfg.width) ||
      !gst_structure_get_int (s, "height", &self->cfg.height))
    return FALSE;
  if (gst_structure_has_name (s, "image/png")) {
    self->output = GST_MELSPECX_OUTPUT_PNG;
    return TRUE;
  }
  if (!gst_video_info_from_caps (&self->vinfo, caps))
    return FALSE;
  self->output = GST_MELSPECX_OUTPUT_VIDEO;
  self->pixfmt =
      gst_melspecx_pixel_format (GST_VIDEO_INFO_FORMAT (&self->vinfo));
  return TRUE;
}

static gboolean
gst_melspecx_upstream_is_live (GstMelspecx *self)
{
  GstQuery *query = gst_query_new_latency ();
  gboolean live = FALSE;

  if (gst_pad_peer_query (self->sinkpad, query))
    gst_query_parse_latency (query, &live, NULL, NULL);
  gst_query_unref (query);
  return live;
}

/* Properties + audio format + liveness → the config and the mode. */
static void
gst_melspecx_build_config (GstMelspecx *self)
{
  const gchar *env = g_getenv ("MELSPECX_BACKEND");
  GstMelspecxMode mode;

  GST_OBJECT_LOCK (self);
  self->cfg = self->props;
  mode = self->mode;
  GST_OBJECT_UNLOCK (self);

  self->cfg.sample_rate = GST_AUDIO_INFO_RATE (&self->info);
  self->cfg.channels = GST_AUDIO_INFO_CHANNELS (&self->info);
  if (env && *env) {
    if (g_ascii_strcasecmp (env, "cpu") == 0)
      self->cfg.backend = MSX_BACKEND_CPU;
    else if (g_ascii_strcasecmp (env, "vulkan") == 0)
      self->cfg.backend = MSX_BACKEND_VULKAN;
    else if (g_ascii_strcasecmp (env, "auto") == 0)
      self->cfg.backend = MSX_BACKEND_AUTO;
    else
      GST_WARNING_OBJECT (self,
          "ignoring MELSPECX_BACKEND=%s: use auto, "
          "vulkan or cpu",
          env);
  }
  if (mode == GST_MELSPECX_MODE_AUTO)
    mode = gst_melspecx_upstream_is_live (self) ? GST_MELSPECX_MODE_STREAM
                                                : GST_MELSPECX_MODE_IMAGE;
  self->active_mode = mode;
  self->lanes = msx_config_lanes (&self->cfg);
}

/* Warnings that do not stop the analysis (SPEC §3, §6). */
static void
gst_melspecx_warn_config (GstMelspecx *self, int empty_bands)
{
  gdouble nyquist = self->cfg.sample_rate / 2.0;

  if (self->cfg.f_max > nyquist)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("f-max is %g Hz, above the Nyquist frequency of %g Hz; using %g Hz",
            self->cfg.f_max, nyquist, nyquist),
        (NULL));
  if (empty_bands > 0)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("%d of the n-mels=%d mel bands catch no FFT bin at %d Hz with "
         "n-fft=%d; they are drawn at the floor (raise n-fft or lower "
         "n-mels)",
            empty_bands, self->cfg.n_mels, self->cfg.sample_rate,
            self->cfg.n_fft),
        (NULL));
}

/* Creates the core analysis for the negotiated output. */
static gboolean
gst_melspecx_create_analysis (GstMelspecx *self)
{
  gchar msg[512] = "";
  MsxStatus st;
  const gchar *backend;
  int empty;

  if (self->active_mode == GST_MELSPECX_MODE_IMAGE &&
      self->output != GST_MELSPECX_OUTPUT_RAW) {
    st = msx_spectrogram_new (&self->cfg, &self->sg, msg, sizeof msg);
    if (st != MSX_OK)
      goto failed;
    backend = msx_spectrogram_backend (self->sg);
    empty = msx_spectrogram_empty_bands (self->sg);
    /* Back-pressure after two seconds of audio. */
    if (!gst_melspecx_worker_start (self->worker, self->sg, &self->input,
            2 * (gsize)self->cfg.sample_rate)) {
      GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
          ("Could not start the analysis thread."), (NULL));
      return FALSE;
    }
  } else {
    /* Stream and raw output want every frame in dB re a fixed 1.0; the
     * backend computes it (on the GPU with Vulkan), and the peak tracker
     * or ref-db only shift it afterwards, so that both stay live. */
    MsxConfig db_cfg = self->cfg;
    db_cfg.output_db = 1;
    db_cfg.db_ref = 1.0;
    st = msx_stft_new (
        &db_cfg, gst_melspecx_on_frames, self, &self->stft, msg, sizeof msg);
    if (st != MSX_OK)
      goto failed;
    backend = msx_stft_backend (self->stft);
    empty = msx_stft_empty_bands (self->stft);
  }
  if (msg[0])
    GST_WARNING_OBJECT (self, "%s", msg);
  GST_INFO_OBJECT (self, "analysis on %s", backend);
  gst_melspecx_warn_config (self, empty);
  return TRUE;

failed:
  gst_melspecx_post_error (self, st, msg);
  return FALSE;
}

static void
gst_melspecx_alloc_stream (GstMelspecx *self)
{
  gsize cols = (gsize)self->lanes * self->cfg.width * self->cfg.n_mels;

  if (self->output != GST_MELSPECX_OUTPUT_RAW && self->stft) {
    self->ring = g_new (gfloat, cols);
    self->scratch = g_new (gfloat, cols);
  }
  gst_melspecx_clear_ring (self);
}

static void
gst_melspecx_log_config (GstMelspecx *self)
{
  const MsxConfig *c = &self->cfg;

  GST_DEBUG_OBJECT (self,
      "%d Hz x %d, n-fft %d, win %d, hop %d, center %d, "
      "pad %d, window %s, power %g, %d mels %g..%g Hz, scale %d, norm %d, "
      "top-db %g, %s %dx%d, chunk %d, lanes %d",
      c->sample_rate, c->channels, c->n_fft, msx_config_win_length (c),
      c->hop_length, c->center, c->pad_mode, msx_window_type_name (c->window),
      c->power, c->n_mels, c->f_min, msx_config_f_max (c), c->mel_scale,
      c->mel_norm, c->top_db, msx_colormap_name (c->colormap), c->width,
      c->height, c->chunk_size, self->lanes);
}

/* Downstream takes none of our formats: one sentence that says what this
 * mode produces and what downstream wants (e.g. stream mode into pngenc). */
static void
gst_melspecx_post_no_format (GstMelspecx *self)
{
  GstCaps *peer = gst_pad_peer_query_caps (self->srcpad, NULL);
  gboolean image = self->active_mode == GST_MELSPECX_MODE_IMAGE;
  gboolean png_wanted = FALSE;
  gchar *wanted;

  for (guint i = 0; i < gst_caps_get_size (peer); i++)
    png_wanted |=
        gst_structure_has_name (gst_caps_get_structure (peer, i), "image/png");
  wanted = gst_caps_is_empty (peer) ? g_strdup ("nothing")
                                    : gst_caps_to_string (peer);
  if (!image && png_wanted)
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("mode=stream draws a scrolling video (video/x-raw) and cannot "
         "produce image/png; use mode=image for one PNG of the whole input, "
         "or put videoconvert and a video sink after melspecx."),
        ("downstream accepts %s", wanted));
  else
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("Downstream accepts none of the formats melspecx produces in %s "
         "mode (video/x-raw RGB/RGBA/BGRA/GRAY8%s, %s).",
            image ? "image" : "stream", image ? ", image/png" : "",
            RAW_CAPS_NAME),
        ("downstream accepts %s", wanted));
  g_free (wanted);
  gst_caps_unref (peer);
}

/* channel-mode=separate stacks one lane per channel: each needs a row. */
static gboolean
gst_melspecx_check_lanes (GstMelspecx *self)
{
  if (self->output == GST_MELSPECX_OUTPUT_RAW ||
      self->cfg.height >= self->lanes)
    return TRUE;
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("channel-mode=separate draws %d lanes, one per channel: height %d is "
       "too small (at least %d).",
          self->lanes, self->cfg.height, self->lanes),
      (NULL));
  return FALSE;
}

/* Validates, negotiates the source pad and builds the analysis. */
static gboolean
gst_melspecx_configure (GstMelspecx *self)
{
  gchar msg[512];
  GstCaps *caps;

  gst_melspecx_build_config (self);
  if (msx_config_validate (&self->cfg, msg, sizeof msg) != MSX_OK) {
    gst_melspecx_post_error (self, MSX_ERROR_INVALID_ARGUMENT, msg);
    return FALSE;
  }
  caps = gst_melspecx_choose_caps (self);
  if (caps == NULL) {
    gst_melspecx_post_no_format (self);
    return FALSE;
  }
  if (!gst_melspecx_parse_src_caps (self, caps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("unusable output caps %" GST_PTR_FORMAT, caps));
    gst_caps_unref (caps);
    return FALSE;
  }
  if (!gst_melspecx_check_lanes (self)) {
    gst_caps_unref (caps);
    return FALSE;
  }
  GST_INFO_OBJECT (self, "%s mode, output %" GST_PTR_FORMAT,
      self->active_mode == GST_MELSPECX_MODE_IMAGE ? "image" : "stream", caps);
  gst_melspecx_log_config (self);
  if (!gst_melspecx_create_analysis (self) ||
      !gst_pad_set_caps (self->srcpad, caps)) {
    gst_caps_unref (caps);
    return FALSE;
  }
  gst_caps_unref (caps);
  gst_melspecx_alloc_stream (self);

  GST_OBJECT_LOCK (self);
  self->configured = TRUE;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* gst_audio_info_from_caps() wants a channel-mask beyond two channels; an
 * analysis does not care where the speakers are, so caps without one (an
 * appsrc fed from numpy) are read as unpositioned channels. */
static gboolean
gst_melspecx_audio_info_from_caps (GstAudioInfo *info, GstCaps *caps)
{
  GstStructure *s;
  gboolean ok;

  if (gst_audio_info_from_caps (info, caps))
    return TRUE;
  s = gst_caps_get_structure (caps, 0);
  if (gst_structure_has_field (s, "channel-mask"))
    return FALSE;
  caps = gst_caps_copy (caps);
  gst_caps_set_simple (caps, "channel-mask", GST_TYPE_BITMASK, 0ULL, NULL);
  ok = gst_audio_info_from_caps (info, caps);
  gst_caps_unref (caps);
  return ok;
}

/* Input caps: how buffers will be read (gstmelspecxinput.c), then a fresh
 * analysis.  A new format mid-stream restarts the analysis (what came
 * before is dropped). */
static gboolean
gst_melspecx_set_sink_caps (GstMelspecx *self, GstCaps *caps)
{
  GstAudioInfo info;

  if (!gst_melspecx_audio_info_from_caps (&info, caps)) {
    GST_WARNING_OBJECT (self, "unusable audio caps %" GST_PTR_FORMAT, caps);
    return FALSE;
  }
  if (self->have_info && self->configured &&
      gst_audio_info_is_equal (&info, &self->info))
    return TRUE;

  gst_melspecx_reset_state (self);
  gst_melspecx_flush (self);
  self->info = info;
  self->have_info = TRUE;
  if (!gst_melspecx_input_setup (&self->input, &info)) {
    GST_WARNING_OBJECT (self, "cannot convert %" GST_PTR_FORMAT, caps);
    return FALSE;
  }
  GST_DEBUG_OBJECT (self, "samples read %s",
      self->input.unpacked_bytes ? "unpacked" : "directly");
  return gst_melspecx_configure (self);
}

/* helpers: output */

static void
gst_melspecx_push_segment (GstMelspecx *self)
{
  GstSegment seg;

  if (!self->segment_pending)
    return;
  self->segment_pending = FALSE;
  /* The picture of the whole input lives at time 0; scrolling pictures and
   * raw frames keep upstream's times. */
  if (self->active_mode == GST_MELSPECX_MODE_IMAGE &&
      self->output != GST_MELSPECX_OUTPUT_RAW)
    gst_segment_init (&seg, GST_FORMAT_TIME);
  else if (self->segment.format == GST_FORMAT_TIME)
    seg = self->segment;
  else
    gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_pad_push_event (self->srcpad, gst_event_new_segment (&seg));
}

static GstFlowReturn
gst_melspecx_push (GstMelspecx *self, GstBuffer *buf)
{
  gst_melspecx_push_segment (self);
  GST_LOG_OBJECT (self, "pushing %" GST_PTR_FORMAT, buf);
  return gst_pad_push (self->srcpad, buf);
}

static GstClockTime
gst_melspecx_frame_time (GstMelspecx *self, guint64 frame)
{
  return self->base_ts + gst_util_uint64_scale (frame * self->cfg.hop_length,
                             GST_SECOND, self->cfg.sample_rate);
}

/* Pushes the raw frames computed so far as one buffer. */
static GstFlowReturn
gst_melspecx_push_raw (GstMelspecx *self)
{
  guint n = self->pending_frames;
  gsize bytes = (gsize)n * self->lanes * self->cfg.n_mels * sizeof (gfloat);
  GstBuffer *buf;

  if (n == 0)
    return GST_FLOW_OK;
  buf = gst_buffer_new_memdup (self->pending->data, bytes);
  GST_BUFFER_PTS (buf) = gst_melspecx_frame_time (self, self->frames_out);
  GST_BUFFER_DURATION (buf) =
      gst_melspecx_frame_time (self, self->frames_out + n) -
      GST_BUFFER_PTS (buf);
  GST_BUFFER_OFFSET (buf) = self->frames_out;
  GST_BUFFER_OFFSET_END (buf) = self->frames_out + n;
  self->frames_out += n;
  g_array_set_size (self->pending, 0);
  self->pending_frames = 0;
  return gst_melspecx_push (self, buf);
}

/* Stream mode: the last `width` columns, oldest first, at the current
 * reference. */
static GstFlowReturn
gst_melspecx_render_stream (GstMelspecx *self, GstBuffer *buf)
{
  const MsxConfig *c = &self->cfg;
  gsize col = c->n_mels, lane_size = (gsize)c->width * col;
  gdouble top_db, ref;
  MsxColormap map;
  gboolean invert;
  GstMapInfo mi;
  MsxStatus st;

  for (gint l = 0; l < self->lanes; l++) {
    const gfloat *ring = self->ring + l * lane_size;
    gfloat *out = self->scratch + l * lane_size;
    gsize older = (gsize)(c->width - self->ring_head) * col;
    memcpy (out, ring + self->ring_head * col, older * sizeof (gfloat));
    memcpy (out + older, ring, self->ring_head * col * sizeof (gfloat));
  }

  GST_OBJECT_LOCK (self);
  top_db = self->props.top_db;
  map = self->props.colormap;
  invert = self->props.invert;
  ref = self->ref_mode == GST_MELSPECX_REF_FIXED
            ? self->ref_db
            : MAX (self->peak_db, gst_melspecx_floor_db (c) + top_db);
  GST_OBJECT_UNLOCK (self);

  gst_buffer_map (buf, &mi, GST_MAP_WRITE);
  st = msx_image_render (self->scratch, self->lanes, c->width, c->n_mels,
      ref - top_db, ref, map, invert, self->pixfmt, c->width, c->height,
      mi.data, GST_VIDEO_INFO_PLANE_STRIDE (&self->vinfo, 0));
  gst_buffer_unmap (buf, &mi);
  if (st != MSX_OK) {
    gst_melspecx_post_error (self, st, NULL);
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_melspecx_push_video_frame (
    GstMelspecx *self, GstClockTime pts, GstClockTime duration)
{
  GstBuffer *buf =
      gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&self->vinfo), NULL);
  GstFlowReturn ret = gst_melspecx_render_stream (self, buf);

  if (ret != GST_FLOW_OK) {
    gst_buffer_unref (buf);
    return ret;
  }
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = duration;
  GST_BUFFER_OFFSET (buf) = self->video_frames++;
  self->new_columns = 0;
  return gst_melspecx_push (self, buf);
}

/* Stream mode: every video frame whose time the audio has reached.  With
 * framerate 0/1, one frame per input buffer. */
static GstFlowReturn
gst_melspecx_push_video_frames (GstMelspecx *self, gboolean eos)
{
  gint fps_n = GST_VIDEO_INFO_FPS_N (&self->vinfo);
  gint fps_d = GST_VIDEO_INFO_FPS_D (&self->vinfo);
  GstClockTime now = self->base_ts + gst_util_uint64_scale (self->samples,
                                         GST_SECOND, self->cfg.sample_rate);
  GstFlowReturn ret = GST_FLOW_OK;

  if (fps_n <= 0)
    return gst_melspecx_push_video_frame (self, now, GST_CLOCK_TIME_NONE);
  while (ret == GST_FLOW_OK) {
    guint64 k = self->video_frames;
    GstClockTime pts =
        self->base_ts + gst_util_uint64_scale (k, fps_d * GST_SECOND, fps_n);
    GstClockTime next = self->base_ts + gst_util_uint64_scale (
                                            k + 1, fps_d * GST_SECOND, fps_n);
    if (pts > now) {
      /* At EOS, one last frame shows the columns of the final padding. */
      if (!eos || self->new_columns == 0)
        break;
      eos = FALSE;
    }
    ret = gst_melspecx_push_video_frame (self, pts, next - pts);
  }
  return ret;
}

/* Called by msx_stft for each lane of each batch, on the streaming thread,
 * with frames already in dB re 1.0 (the backend converts them): raw output
 * stores them shifted by ref-db; stream mode writes them into the ring and
 * runs the peak tracker. */
static void
gst_melspecx_on_frames (void *user, int lane, const float *mel, size_t n_frames)
{
  GstMelspecx *self = user;
  const MsxConfig *c = &self->cfg;
  gsize nm = c->n_mels, stride = (gsize)self->lanes * nm;

  if (self->output == GST_MELSPECX_OUTPUT_RAW) {
    gdouble ref_db;
    if (lane == 0)
      g_array_set_size (
          self->pending, (self->pending_frames + n_frames) * stride);
    GST_OBJECT_LOCK (self);
    ref_db = self->ref_mode == GST_MELSPECX_REF_FIXED ? self->ref_db : 0.0;
    GST_OBJECT_UNLOCK (self);
    for (gsize f = 0; f < n_frames; f++) {
      gfloat *dst = (gfloat *)self->pending->data +
                    (self->pending_frames + f) * stride + lane * nm;
      for (gsize m = 0; m < nm; m++)
        dst[m] = (gfloat)(mel[f * nm + m] - ref_db);
    }
    if (lane == self->lanes - 1)
      self->pending_frames += n_frames;
    return;
  }

  if (lane == 0 && self->batch_max_size < n_frames) {
    self->batch_max = g_renew (gdouble, self->batch_max, n_frames);
    self->batch_max_size = n_frames;
  }
  for (gsize f = 0; f < n_frames; f++) {
    gsize col = (self->ring_head + f) % c->width;
    gfloat *dst = self->ring + ((gsize)lane * c->width + col) * nm;
    gdouble mx = -G_MAXDOUBLE;
    memcpy (dst, mel + f * nm, nm * sizeof (gfloat));
    for (gsize m = 0; m < nm; m++)
      mx = MAX (mx, dst[m]);
    self->batch_max[f] = lane == 0 ? mx : MAX (self->batch_max[f], mx);
  }
  if (lane < self->lanes - 1)
    return;
  {
    /* Peak tracker: instant attack, PEAK_RELEASE_DB_PER_S release. */
    gdouble release = PEAK_RELEASE_DB_PER_S * c->hop_length / c->sample_rate;
    for (gsize f = 0; f < n_frames; f++)
      self->peak_db = MAX (self->batch_max[f], self->peak_db - release);
  }
  self->ring_head = (self->ring_head + n_frames) % c->width;
  self->new_columns += n_frames;
}

/* helpers: input */

static gsize
gst_melspecx_buffer_samples (GstMelspecx *self, GstBuffer *buf)
{
  GstAudioMeta *meta = gst_buffer_get_audio_meta (buf);

  if (meta)
    return meta->samples;
  return gst_buffer_get_size (buf) / GST_AUDIO_INFO_BPF (&self->info);
}

static void
gst_melspecx_post_unreadable (GstMelspecx *self)
{
  GST_ELEMENT_ERROR (
      self, STREAM, FORMAT, ("Could not convert the audio to float."), (NULL));
}

/* Image mode: the buffer goes to the worker as it is. */
static GstFlowReturn
gst_melspecx_chain_image (GstMelspecx *self, GstBuffer *buf, gsize n)
{
  GstFlowReturn ret = gst_melspecx_worker_push (self->worker, buf, n);

  if (ret != GST_FLOW_ERROR)
    return ret;
  if (gst_melspecx_worker_unreadable (self->worker))
    gst_melspecx_post_unreadable (self);
  else
    gst_melspecx_post_error (
        self, gst_melspecx_worker_status (self->worker), NULL);
  return ret;
}

static GstFlowReturn
gst_melspecx_chain_stream (GstMelspecx *self, GstBuffer *buf)
{
  const void *data;
  MsxSampleFormat fmt;
  gsize n;
  MsxStatus st;

  if (!gst_melspecx_input_map (&self->input, buf, &data, &fmt, &n)) {
    gst_buffer_unref (buf);
    gst_melspecx_post_unreadable (self);
    return GST_FLOW_ERROR;
  }
  st = msx_stft_push_samples (self->stft, data, fmt, n);
  gst_melspecx_input_unmap (&self->input);
  gst_buffer_unref (buf);
  /* Live input wants every frame now, not once chunk-size are ready. */
  if (st == MSX_OK && self->active_mode == GST_MELSPECX_MODE_STREAM)
    st = msx_stft_flush (self->stft);
  if (st != MSX_OK) {
    gst_melspecx_post_error (self, st, NULL);
    return GST_FLOW_ERROR;
  }
  if (self->output == GST_MELSPECX_OUTPUT_RAW)
    return gst_melspecx_push_raw (self);
  return gst_melspecx_push_video_frames (self, FALSE);
}

/* Says once per stream that upstream splits frames across buffers (they
 * are re-assembled: the picture is right, but upstream is at fault). */
static void
gst_melspecx_check_whole_frames (GstMelspecx *self, GstBuffer *buf)
{
  gsize bpf = GST_AUDIO_INFO_BPF (&self->info),
        size = gst_buffer_get_size (buf);

  if (self->framer.reported || bpf == 0 || size % bpf == 0 ||
      gst_buffer_get_audio_meta (buf))
    return;
  self->framer.reported = TRUE;
  GST_ELEMENT_WARNING (self, STREAM, FORMAT,
      ("Audio buffers do not hold whole frames (a buffer of %" G_GSIZE_FORMAT
       " bytes, frames of %" G_GSIZE_FORMAT " bytes): melspecx joins the "
       "split frames.",
          size, bpf),
      ("upstream should push whole frames of %d channels of %s",
          GST_AUDIO_INFO_CHANNELS (&self->info),
          GST_AUDIO_INFO_NAME (&self->info)));
}

/* vfuncs */

static GstFlowReturn
gst_melspecx_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GstMelspecx *self = GST_MELSPECX (parent);
  gsize n;

  if (!self->configured) {
    gst_buffer_unref (buffer);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  gst_melspecx_check_whole_frames (self, buffer);
  buffer = gst_melspecx_framer_take (&self->framer, &self->info, buffer);
  if (buffer == NULL)
    return GST_FLOW_OK;
  n = gst_melspecx_buffer_samples (self, buffer);
  GST_LOG_OBJECT (
      self, "%" G_GSIZE_FORMAT " samples, %" GST_PTR_FORMAT, n, buffer);
  if (!GST_CLOCK_TIME_IS_VALID (self->base_ts))
    self->base_ts =
        GST_BUFFER_PTS_IS_VALID (buffer)
            ? GST_BUFFER_PTS (buffer)
            : (self->segment.format == GST_FORMAT_TIME ? self->segment.start
                                                       : 0);
  self->samples += n;
  if (self->sg)
    return gst_melspecx_chain_image (self, buffer, n);
  return gst_melspecx_chain_stream (self, buffer);
}

static GstFlowReturn
gst_melspecx_render_picture (GstMelspecx *self, GstBuffer **out)
{
  gint w = self->cfg.width, h = self->cfg.height;
  MsxStatus st;

  /* The look may have changed since negotiation: draw with today's. */
  GST_OBJECT_LOCK (self);
  st = msx_spectrogram_set_look (
      self->sg, self->props.colormap, self->props.invert, self->props.top_db);
  GST_OBJECT_UNLOCK (self);
  g_assert (st == MSX_OK); /* the param specs keep them valid */

  if (self->output == GST_MELSPECX_OUTPUT_PNG) {
    uint8_t *png = NULL;
    size_t size = 0;
    st = msx_spectrogram_render_png (self->sg, w, h, &png, &size);
    if (st == MSX_OK)
      *out = gst_buffer_new_wrapped_full (0, png, size, 0, size, png, free);
  } else {
    GstMapInfo mi;
    *out = gst_buffer_new_allocate (
        NULL, GST_VIDEO_INFO_SIZE (&self->vinfo), NULL);
    gst_buffer_map (*out, &mi, GST_MAP_WRITE);
    st = msx_spectrogram_render (self->sg, self->pixfmt, w, h, mi.data,
        GST_VIDEO_INFO_PLANE_STRIDE (&self->vinfo, 0));
    gst_buffer_unmap (*out, &mi);
    if (st != MSX_OK)
      gst_clear_buffer (out);
  }
  if (st != MSX_OK) {
    gst_melspecx_post_error (self, st, NULL);
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

/* Image mode at EOS: analyse what is queued, draw, push one picture. */
static GstFlowReturn
gst_melspecx_finish_image (GstMelspecx *self)
{
  GstFlowReturn ret = gst_melspecx_worker_drain (self->worker);
  GstBuffer *buf = NULL;
  MsxStatus st;

  if (ret == GST_FLOW_ERROR)
    gst_melspecx_post_error (
        self, gst_melspecx_worker_status (self->worker), NULL);
  if (ret != GST_FLOW_OK)
    return ret;
  /* Decoding is over: the last batch (up to chunk-size frames) may use
   * every core.  The worker is idle until the next input. */
  msx_spectrogram_set_threads (self->sg, 0);
  st = msx_spectrogram_finish (self->sg);
  if (st != MSX_OK) {
    gst_melspecx_post_error (self, st, NULL);
    return GST_FLOW_ERROR;
  }
  GST_DEBUG_OBJECT (self, "%" G_GUINT64_FORMAT " frames, %.3f s",
      msx_spectrogram_frames (self->sg), msx_spectrogram_duration (self->sg));
  ret = gst_melspecx_render_picture (self, &buf);
  if (ret != GST_FLOW_OK)
    return ret;
  GST_BUFFER_PTS (buf) = 0;
  GST_BUFFER_DURATION (buf) =
      (GstClockTime)(msx_spectrogram_duration (self->sg) * GST_SECOND + 0.5);
  return gst_melspecx_push (self, buf);
}

static GstFlowReturn
gst_melspecx_finish_stream (GstMelspecx *self)
{
  MsxStatus st = msx_stft_finish (self->stft);

  if (st != MSX_OK) {
    gst_melspecx_post_error (self, st, NULL);
    return GST_FLOW_ERROR;
  }
  if (!GST_CLOCK_TIME_IS_VALID (self->base_ts))
    self->base_ts =
        self->segment.format == GST_FORMAT_TIME ? self->segment.start : 0;
  if (self->output == GST_MELSPECX_OUTPUT_RAW)
    return gst_melspecx_push_raw (self);
  return gst_melspecx_push_video_frames (self, TRUE);
}

static void
gst_melspecx_eos (GstMelspecx *self)
{
  gsize dropped = gst_melspecx_framer_clear (&self->framer);

  if (dropped)
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("The last %" G_GSIZE_FORMAT " bytes of audio were not a whole frame "
         "(%d bytes) and were dropped.",
            dropped, GST_AUDIO_INFO_BPF (&self->info)),
        (NULL));
  if (!self->have_info) {
    /* Also what an upstream element that failed to negotiate or to
     * decode sends after its own error, which is then the cause. */
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("received no audio before end of stream"),
        ("EOS arrived before any caps: no audio format was negotiated "
         "(an error posted upstream before this one is its cause)"));
    return;
  }
  if (!self->configured)
    return;
  if (self->sg)
    gst_melspecx_finish_image (self);
  else if (self->stft)
    gst_melspecx_finish_stream (self);
}

static gboolean
gst_melspecx_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstMelspecx *self = GST_MELSPECX (parent);

  GST_LOG_OBJECT (self, "event %" GST_PTR_FORMAT, event);
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS: {
      GstCaps *caps;
      gboolean ret;
      gst_event_parse_caps (event, &caps);
      ret = gst_melspecx_set_sink_caps (self, caps);
      gst_event_unref (event);
      return ret;
    }
    case GST_EVENT_SEGMENT:
      gst_event_copy_segment (event, &self->segment);
      self->segment_pending = TRUE;
      gst_event_unref (event);
      return TRUE;
    case GST_EVENT_GAP:
      /* Image mode draws the audio it got; gaps need no picture. */
      gst_event_unref (event);
      return TRUE;
    case GST_EVENT_EOS:
      gst_melspecx_eos (self);
      if (self->configured)
        gst_melspecx_push_segment (self);
      return gst_pad_push_event (self->srcpad, event);
    case GST_EVENT_FLUSH_START:
      gst_melspecx_worker_set_flushing (self->worker, TRUE);
      return gst_pad_push_event (self->srcpad, event);
    case GST_EVENT_FLUSH_STOP:
      gst_melspecx_flush (self);
      gst_melspecx_worker_set_flushing (self->worker, FALSE);
      gst_segment_init (&self->segment, GST_FORMAT_TIME);
      return gst_pad_push_event (self->srcpad, event);
    default:
      return gst_pad_event_default (pad, parent, event);
  }
}

/* Our added latency in stream mode: the centred window looks n-fft/2
 * samples ahead, and a column appears once per hop. */
static GstClockTime
gst_melspecx_latency (GstMelspecx *self)
{
  if (!self->configured || self->active_mode != GST_MELSPECX_MODE_STREAM)
    return 0;
  return gst_util_uint64_scale (self->cfg.n_fft / 2 + self->cfg.hop_length,
      GST_SECOND, self->cfg.sample_rate);
}

static gboolean
gst_melspecx_src_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstMelspecx *self = GST_MELSPECX (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY: {
      GstClockTime min, max, ours;
      gboolean live;
      if (!gst_pad_peer_query (self->sinkpad, query))
        return FALSE;
      gst_query_parse_latency (query, &live, &min, &max);
      ours = gst_melspecx_latency (self);
      GST_DEBUG_OBJECT (self,
          "upstream latency %" GST_TIME_FORMAT ", ours %" GST_TIME_FORMAT,
          GST_TIME_ARGS (min), GST_TIME_ARGS (ours));
      min += ours;
      if (GST_CLOCK_TIME_IS_VALID (max))
        max += ours;
      gst_query_set_latency (query, live, min, max);
      return TRUE;
    }
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}
