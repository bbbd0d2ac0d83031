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
 * draws a scrolling picture at the negotiated framerate (1/1 to 240/1;
 * 30/1 unless downstream asks otherwise), one STFT frame per column,
 * newest at the right.  Video frames follow the input's timestamps: frame
 * k is at the first buffer's PTS + k / framerate; a DISCONT or a jump of
 * more than 40 ms re-anchors that timeline, a timestamp gap or a GAP event
 * is drawn as silence (the floor colour; gaps beyond 10 s skip ahead), and
 * a flushing seek clears the picture.  A frame that downstream's QoS says
 * is too late is not drawn (its columns still are, in the next frame) and
 * a QoS message is posted.  Buffers come from a video buffer pool agreed
 * with the ALLOCATION query, and a RECONFIGURE from downstream changes the
 * size or framerate at the next frame.  The stream-mode reference is a
 * peak tracker: it jumps up to a louder frame at once and falls by 6 dB
 * per second of audio, never below amin + top-db (so that silence stays
 * dark), drawn in steps of top-db/64; #GstMelspecx:ref-mode=fixed uses
 * #GstMelspecx:ref-db instead.  `auto` mode picks `stream` when upstream
 * is live (LATENCY query), else `image`.  Stream mode and raw frames add
 * n-fft/2 + hop-length samples to the latency (the centred window looks
 * ahead, and a column appears once per hop).
 *
 * Source caps, in order of preference:
 *
 * * `video/x-raw` RGBA, RGBx, BGRA, BGRx, RGB or GRAY8 (GRAY8 is the level
 *   itself, without colormap); in image mode RGB first (the picture is
 *   opaque, and an encoder such as pngenc then compresses three bytes a
 *   pixel instead of four) at framerate 0/1; width and height from
 *   downstream when fixed there, else from the #GstMelspecx:width and
 *   #GstMelspecx:height properties.
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
 * colormap, invert, top-db, ref-mode and ref-db may change at any time
 * and apply to the next picture (a GstController may animate colormap,
 * invert, top-db and ref-db).  In stream mode and for raw frames, n-fft,
 * hop-length, window, n-mels, f-min and f-max may change while playing:
 * the analysis is rebuilt at the next buffer (the picture starts empty).
 * The other analysis properties, and all of them in image mode, are fixed
 * once the format is negotiated: changing them in PAUSED or PLAYING is
 * refused with a warning.  In image mode the reference is the loudest
 * frame of the whole input, or with ref-mode=dbfs absolute levels (ref-db
 * applies to stream mode and raw output).  ref-mode=dbfs: in each band,
 * 0 dB is what a full-scale sine at the band's centre frequency gives
 * there, so a −6 dBFS sine reads −6 dB whatever the analysis settings.
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

#include <float.h>
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
  "framerate = (fraction) [ 0/1, 240/1 ]; " \
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
#define DEFAULT_SCROLL_DURATION 0.0
#define DEFAULT_GAMMA           1.0
#define DEFAULT_ANNOTATE        FALSE
#define DEFAULT_TITLE           NULL
#define MAX_SCROLL_DURATION     3600.0

#define MAX_FREQUENCY           500000.0
#define MAX_DEVICE_INDEX        64
#define MAX_CHANNELS            64
/* Stream-mode framerate when downstream leaves it open, and its range. */
#define DEFAULT_FPS_N           30
#define DEFAULT_FPS_D           1
#define MAX_FPS                 240
/* A timestamp this far from where the samples reached is a jump (as
 * GstAudioBaseSink's default alignment threshold). */
#define TIME_TOLERANCE          (40 * GST_MSECOND)
/* Gaps up to this long are analysed as silence; the timeline jumps over
 * the rest. */
#define MAX_SILENCE             (10 * GST_SECOND)
/* Silence goes into the analysis this many samples at a time. */
#define SILENCE_BLOCK           4096
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
  PROP_PRESET,
  PROP_FRAMING,
  PROP_PREEMPHASIS,
  PROP_DROP_LAST,
  PROP_AMIN,
  PROP_LOG_SCALE,
  PROP_TOP_DB,
  PROP_REF_MODE,
  PROP_REF_DB,
  PROP_COLORMAP,
  PROP_INVERT,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_CHUNK_SIZE,
  PROP_CHANNEL_MODE,
  PROP_SCROLL_DURATION,
  PROP_COLORMAP_FILE,
  PROP_GAMMA,
  PROP_ANNOTATE,
  PROP_TITLE
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
static gboolean gst_melspecx_src_event (
    GstPad *pad, GstObject *parent, GstEvent *event);
static void gst_melspecx_reset_state (GstMelspecx *self);
static void gst_melspecx_join_prepare (GstMelspecx *self);
static GstFlowReturn gst_melspecx_silence (GstMelspecx *self, guint64 n);

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
    { MSX_WINDOW_RECTANGULAR, "Rectangular window", "rectangular" },
    { MSX_WINDOW_POVEY,
        "Kaldi's povey window: the symmetric Hann window to the power 0.85",
        "povey" });
DEFINE_ENUM_TYPE (gst_melspecx_mel_scale_get_type, "GstMelspecxMelScale",
    { MSX_MEL_SCALE_SLANEY, "Slaney (Auditory Toolbox) mel scale", "slaney" },
    { MSX_MEL_SCALE_HTK, "HTK mel scale, 2595 log10(1 + f/700)", "htk" },
    { MSX_MEL_SCALE_KALDI,
        "Kaldi's mel banks: 1127 ln(1 + f/700), triangles linear in mel, "
        "the Nyquist bin left out",
        "kaldi" });
DEFINE_ENUM_TYPE (gst_melspecx_preset_get_type, "GstMelspecxPreset",
    { MSX_PRESET_NONE, "melspecx's own defaults", "none" },
    { MSX_PRESET_LIBROSA, "librosa.feature.melspectrogram and power_to_db",
        "librosa" },
    { MSX_PRESET_TORCHAUDIO,
        "torchaudio.transforms.MelSpectrogram and AmplitudeToDB",
        "torchaudio" },
    { MSX_PRESET_WHISPER, "whisper's log_mel_spectrogram (16 kHz input)",
        "whisper" },
    { MSX_PRESET_KALDI,
        "torchaudio.compliance.kaldi.fbank without dither (16 kHz input)",
        "kaldi" });
DEFINE_ENUM_TYPE (gst_melspecx_framing_get_type, "GstMelspecxFraming",
    { MSX_FRAMING_STFT, "n-fft samples every hop-length, windowed (STFT)",
        "stft" },
    { MSX_FRAMING_KALDI,
        "win-length samples every hop-length from the first, mean removed, "
        "pre-emphasised, windowed, zero-padded to n-fft (kaldi)",
        "kaldi" });
DEFINE_ENUM_TYPE (gst_melspecx_log_scale_get_type, "GstMelspecxLogScale",
    { MSX_LOG_DB, "Decibels, 10 log10 (20 log10 for power 1)", "db" },
    { MSX_LOG_LN, "Natural log (kaldi)", "ln" },
    { MSX_LOG_WHISPER, "(log10 + 4) / 4 (whisper)", "whisper" });
DEFINE_ENUM_TYPE (gst_melspecx_mel_norm_get_type, "GstMelspecxMelNorm",
    { MSX_MEL_NORM_SLANEY, "Divide each filter by its width (equal area)",
        "slaney" },
    { MSX_MEL_NORM_NONE, "Filters peak at 1", "none" });
DEFINE_ENUM_TYPE (gst_melspecx_ref_mode_get_type, "GstMelspecxRefMode",
    { GST_MELSPECX_REF_AUTO, "The loudest value is 0 dB", "auto" },
    { GST_MELSPECX_REF_FIXED, "ref-db is 0 dB", "fixed" },
    { GST_MELSPECX_REF_DBFS, "A full-scale sine is 0 dB (per band)", "dbfs" });
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
        "separate" },
    { MSX_CHANNELS_MID_SIDE,
        "Stereo: a lane of (L+R)/2 above a lane of (L-R)/2", "mid-side" });

/* colormap, invert, top-db and the reference only change how levels are
 * drawn: they apply to the next picture, and a GstController may animate
 * the numeric ones. */
static gboolean
gst_melspecx_prop_is_live (guint prop_id)
{
  switch (prop_id) {
    case PROP_REF_MODE:
    case PROP_REF_DB:
    case PROP_TOP_DB:
    case PROP_COLORMAP:
    case PROP_INVERT:
    case PROP_COLORMAP_FILE:
    case PROP_GAMMA:
      return TRUE;
    default:
      return FALSE;
  }
}

/* The analysis properties a scrolling picture or raw frames follow while
 * playing: the analysis is rebuilt at the next buffer.  One picture of the
 * whole input needs one analysis, so image mode refuses them. */
static gboolean
gst_melspecx_prop_rebuilds (guint prop_id)
{
  switch (prop_id) {
    case PROP_N_FFT:
    case PROP_HOP_LENGTH:
    case PROP_WINDOW:
    case PROP_N_MELS:
    case PROP_F_MIN:
    case PROP_F_MAX:
    case PROP_SCROLL_DURATION:
      return TRUE;
    default:
      return FALSE;
  }
}

/* annotate and title change the frame size: a scrolling picture follows
 * them at the next frame by renegotiating (as for a RECONFIGURE from
 * downstream); one picture of the whole input has negotiated its size. */
static gboolean
gst_melspecx_prop_reshapes (guint prop_id)
{
  return prop_id == PROP_ANNOTATE || prop_id == PROP_TITLE;
}

/* gst-inspect-1.0 shows these as "changeable in PLAYING state" or
 * "changeable only in NULL or READY state", and "controllable". */
static GParamFlags
gst_melspecx_prop_flags (guint prop_id)
{
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  if (gst_melspecx_prop_is_live (prop_id) && prop_id != PROP_REF_MODE &&
      prop_id != PROP_COLORMAP_FILE)
    flags |= GST_PARAM_CONTROLLABLE;
  if (gst_melspecx_prop_is_live (prop_id) ||
      gst_melspecx_prop_rebuilds (prop_id) ||
      gst_melspecx_prop_reshapes (prop_id))
    return flags | GST_PARAM_MUTABLE_PLAYING;
  return flags | GST_PARAM_MUTABLE_READY;
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
  gst_melspecx_install_enum (k, PROP_PRESET, "preset", "Preset",
      "Sets every analysis property (n-fft, win-length, hop-length, center, "
      "pad-mode, window, framing, preemphasis, drop-last, power, n-mels, "
      "f-min, f-max, mel-scale, mel-norm, amin, log-scale and top-db) to a "
      "library's defaults, so that the numbers match it; set it first, "
      "since properties set after it override it.  The whisper and kaldi "
      "presets refuse input that is not 16 kHz.",
      gst_melspecx_preset_get_type (), MSX_PRESET_NONE);
  gst_melspecx_install_enum (k, PROP_FRAMING, "framing", "Framing",
      "How frames are cut: n-fft samples of the (centred) signal times the "
      "window (stft), or kaldi's frames of win-length samples from the "
      "first sample on, their mean removed and pre-emphasised before the "
      "window, zero-padded to n-fft (kaldi, needs center=false, computed on "
      "the CPU).",
      gst_melspecx_framing_get_type (), MSX_FRAMING_STFT);
  gst_melspecx_install_double (k, PROP_PREEMPHASIS, "preemphasis",
      "Pre-emphasis",
      "The pre-emphasis coefficient c of framing=kaldi: each frame becomes "
      "x[i] - c x[i-1] (its first sample x[0] - c x[0]); 0 turns it off, "
      "and it must be 0 with framing=stft.",
      0.0, MSX_MAX_PREEMPHASIS, 0.0);
  gst_melspecx_install_boolean (k, PROP_DROP_LAST, "drop-last", "Drop last",
      "Whether to leave out the input's last frame, as whisper does.", FALSE);
  gst_melspecx_install_double (k, PROP_AMIN, "amin", "Smallest level",
      "The mel value below which the logarithm is taken of this value "
      "instead (librosa's amin).",
      FLT_MIN, FLT_MAX, MSX_DEFAULT_AMIN);
  gst_melspecx_install_enum (k, PROP_LOG_SCALE, "log-scale", "Log scale",
      "The unit of raw frames: decibels (db), the natural log (ln, kaldi) "
      "or whisper's (log10 + 4) / 4; pictures are drawn from the dB value "
      "whatever it is.",
      gst_melspecx_log_scale_get_type (), MSX_LOG_DB);
}

static void
gst_melspecx_install_picture_props (GObjectClass *k)
{
  gst_melspecx_install_double (k, PROP_TOP_DB, "top-db", "Dynamic range",
      "The range drawn, in dB below the reference; must be positive.",
      MSX_MIN_TOP_DB, MSX_MAX_TOP_DB, DEFAULT_TOP_DB);
  gst_melspecx_install_enum (k, PROP_REF_MODE, "ref-mode", "Reference mode",
      "What 0 dB is: the loudest value (auto), ref-db (fixed), or, in each "
      "band, a full-scale sine at the band's centre frequency (dbfs: "
      "absolute levels, as sox and ffmpeg draw).",
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
  g_object_class_install_property (k, PROP_COLORMAP_FILE,
      g_param_spec_string ("colormap-file", "Colormap file",
          "A colormap of your own, used in place of colormap: a CSV file of "
          "256 lines r,g,b (0-255, or 0-1 with decimal points; # comments) "
          "or a 256x1 PNG.  A bad file is refused naming the line.",
          NULL, gst_melspecx_prop_flags (PROP_COLORMAP_FILE)));
  gst_melspecx_install_double (k, PROP_GAMMA, "gamma", "Gamma",
      "Level curve before the colormap: level^gamma.  Above 1 the quiet "
      "part darkens and the loud part gets more colours; below 1 the quiet "
      "part brightens.  GRAY8 output is the level itself, without it.",
      0.1, 10.0, DEFAULT_GAMMA);
  gst_melspecx_install_boolean (k, PROP_ANNOTATE, "annotate", "Annotate",
      "Whether to draw axes around the picture: time (from the stream's "
      "timestamps), frequency in Hz at its place on the mel scale, a colour "
      "bar in dB, the title and lane names.  The plot keeps width x height "
      "and the frame grows by the margins; raw frames ignore it.",
      DEFAULT_ANNOTATE);
  g_object_class_install_property (k, PROP_TITLE,
      g_param_spec_string ("title", "Title",
          "A title drawn above the picture when annotate is true; empty or "
          "unset draws none.",
          DEFAULT_TITLE, gst_melspecx_prop_flags (PROP_TITLE)));
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
  gst_melspecx_install_double (k, PROP_SCROLL_DURATION, "scroll-duration",
      "Scroll duration",
      "Stream mode: the seconds of audio shown across the width; 0 means "
      "width x hop-length / rate (one STFT frame per column).  A longer "
      "duration averages the power of several frames per column, a shorter "
      "one repeats frames.",
      0.0, MAX_SCROLL_DURATION, DEFAULT_SCROLL_DURATION);
  gst_melspecx_install_enum (k, PROP_CHANNEL_MODE, "channel-mode",
      "Channel mode",
      "Whether to average the channels to mono, to draw one lane per "
      "channel, stacked top to bottom, or (stereo only) mid (L+R)/2 above "
      "side (L-R)/2.",
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
  gst_pad_set_event_function (
      self->srcpad, GST_DEBUG_FUNCPTR (gst_melspecx_src_event));
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  msx_config_init (&self->props);
  self->mode = DEFAULT_MODE;
  self->ref_mode = DEFAULT_REF_MODE;
  self->ref_db = DEFAULT_REF_DB;
  self->scroll_duration = DEFAULT_SCROLL_DURATION;
  self->gamma = DEFAULT_GAMMA;
  self->worker = gst_melspecx_worker_new ();
  self->pending = g_array_new (FALSE, FALSE, sizeof (gfloat));
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
  self->base_ts = GST_CLOCK_TIME_NONE;
  self->qos_proportion = 1.0;
  self->earliest_time = GST_CLOCK_TIME_NONE;
}

static void
gst_melspecx_finalize (GObject *object)
{
  GstMelspecx *self = GST_MELSPECX (object);

  gst_melspecx_join_prepare (self);
  gst_melspecx_reset_state (self);
  gst_melspecx_worker_free (self->worker);
  g_free (self->colormap_file);
  g_free (self->cmap_path);
  g_free (self->title);
  g_free (self->ann_title);
  g_array_free (self->pending, TRUE);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* properties */

/* Properties that shape the analysis or the negotiated format are frozen
 * while an analysis runs, except those a scrolling picture or raw frames
 * follow by rebuilding it.  The others only change how it is drawn and
 * apply to the next picture.  Called with the object lock held. */
static gboolean
gst_melspecx_prop_is_frozen (GstMelspecx *self, guint prop_id)
{
  if (!self->configured || gst_melspecx_prop_is_live (prop_id))
    return FALSE;
  return !(self->can_rebuild && (gst_melspecx_prop_rebuilds (prop_id) ||
                                    gst_melspecx_prop_reshapes (prop_id)));
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
    case PROP_PRESET:
      self->preset = g_value_get_enum (value);
      msx_preset_apply (self->preset, c);
      break;
    case PROP_FRAMING:
      c->framing = g_value_get_enum (value);
      break;
    case PROP_PREEMPHASIS:
      c->preemphasis = g_value_get_double (value);
      break;
    case PROP_DROP_LAST:
      c->drop_last = g_value_get_boolean (value);
      break;
    case PROP_AMIN:
      c->amin = g_value_get_double (value);
      break;
    case PROP_LOG_SCALE:
      c->log_scale = g_value_get_enum (value);
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
    case PROP_SCROLL_DURATION:
      self->scroll_duration = g_value_get_double (value);
      break;
    case PROP_COLORMAP_FILE:
      g_free (self->colormap_file);
      self->colormap_file = g_value_dup_string (value);
      if (self->colormap_file && !self->colormap_file[0])
        g_clear_pointer (&self->colormap_file, g_free);
      break;
    case PROP_GAMMA:
      self->gamma = g_value_get_double (value);
      break;
    case PROP_ANNOTATE:
      self->annotate = g_value_get_boolean (value);
      break;
    case PROP_TITLE:
      g_free (self->title);
      self->title = g_value_dup_string (value);
      if (self->title && !self->title[0])
        g_clear_pointer (&self->title, g_free);
      break;
    default:
      g_assert_not_reached ();
  }
}

/* A preset changed the analysis properties: notify those whose value
 * changed, in one batch. */
static void
gst_melspecx_notify_preset (GstMelspecx *self, const MsxConfig *a)
{
  const MsxConfig *b = &self->props;
  GObject *o = G_OBJECT (self);
  const struct {
    const gchar *name;
    gboolean changed;
  } props[] = {
    { "n-fft", a->n_fft != b->n_fft },
    { "win-length", a->win_length != b->win_length },
    { "hop-length", a->hop_length != b->hop_length },
    { "center", a->center != b->center },
    { "pad-mode", a->pad_mode != b->pad_mode },
    { "window", a->window != b->window },
    { "framing", a->framing != b->framing },
    { "preemphasis", a->preemphasis != b->preemphasis },
    { "drop-last", a->drop_last != b->drop_last },
    { "power", a->power != b->power },
    { "n-mels", a->n_mels != b->n_mels },
    { "f-min", a->f_min != b->f_min },
    { "f-max", a->f_max != b->f_max },
    { "mel-scale", a->mel_scale != b->mel_scale },
    { "mel-norm", a->mel_norm != b->mel_norm },
    { "amin", a->amin != b->amin },
    { "log-scale", a->log_scale != b->log_scale },
    { "top-db", a->top_db != b->top_db },
  };
  gsize i;

  g_object_freeze_notify (o);
  for (i = 0; i < G_N_ELEMENTS (props); i++)
    if (props[i].changed)
      g_object_notify (o, props[i].name);
  g_object_thaw_notify (o);
}

static void
gst_melspecx_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstMelspecx *self = GST_MELSPECX (object);
  MsxConfig before;
  gboolean refused, reshape;

  if (prop_id == PROP_0 || prop_id > PROP_TITLE) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  GST_OBJECT_LOCK (self);
  refused = gst_melspecx_prop_is_frozen (self, prop_id);
  before = self->props;
  if (!refused) {
    gst_melspecx_store_property (self, prop_id, value);
    if (self->configured && gst_melspecx_prop_rebuilds (prop_id))
      self->rebuild = TRUE;
  }
  reshape =
      !refused && self->configured && gst_melspecx_prop_reshapes (prop_id);
  GST_OBJECT_UNLOCK (self);
  /* the next video frame renegotiates its size */
  if (reshape)
    gst_pad_mark_reconfigure (self->srcpad);
  if (!refused && prop_id == PROP_PRESET)
    gst_melspecx_notify_preset (self, &before);

  /* Posted outside the lock: posting takes it for the object path. */
  if (refused)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("Cannot change %s while %s; set it in the READY or NULL state.",
            pspec->name,
            gst_melspecx_prop_rebuilds (prop_id) ||
                    gst_melspecx_prop_reshapes (prop_id)
                ? "one picture of the whole input is analysed (image mode)"
                : "an analysis runs"),
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
    case PROP_PRESET:
      g_value_set_enum (value, self->preset);
      break;
    case PROP_FRAMING:
      g_value_set_enum (value, c->framing);
      break;
    case PROP_PREEMPHASIS:
      g_value_set_double (value, c->preemphasis);
      break;
    case PROP_DROP_LAST:
      g_value_set_boolean (value, c->drop_last);
      break;
    case PROP_AMIN:
      g_value_set_double (value, c->amin);
      break;
    case PROP_LOG_SCALE:
      g_value_set_enum (value, c->log_scale);
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
    case PROP_SCROLL_DURATION:
      g_value_set_double (value, self->scroll_duration);
      break;
    case PROP_COLORMAP_FILE:
      g_value_set_string (value, self->colormap_file);
      break;
    case PROP_GAMMA:
      g_value_set_double (value, self->gamma);
      break;
    case PROP_ANNOTATE:
      g_value_set_boolean (value, self->annotate);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* helpers: errors */

/* Maps a core status to a GStreamer error with the core's sentence. */
void
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

void
gst_melspecx_post_unreadable (GstMelspecx *self)
{
  GST_ELEMENT_ERROR (
      self, STREAM, FORMAT, ("Could not convert the audio to float."), (NULL));
}

/* Warnings that do not stop the analysis. */
void
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

/* helpers: colours */

/* The colormap to draw with now: colormap, or colormap-file, through
 * gamma (registered once per distinct table, msx_colormap_custom).  A file
 * that cannot be used: FALSE with the reason in @msg, and the colormap
 * property in @map.  Streaming thread. */
static gboolean
gst_melspecx_resolve_colormap (
    GstMelspecx *self, MsxColormap *map, gchar *msg, gsize msg_size)
{
  gchar *path;
  gdouble gamma;
  gboolean ok = TRUE;
  MsxColormap base;

  GST_OBJECT_LOCK (self);
  base = self->props.colormap;
  path = g_strdup (self->colormap_file);
  gamma = self->gamma;
  GST_OBJECT_UNLOCK (self);

  if (path && g_strcmp0 (path, self->cmap_path) == 0 && self->cmap_ok) {
    base = self->cmap_id;
  } else if (path) {
    uint8_t rgb[256 * 3];
    MsxStatus st = msx_colormap_load (path, rgb, msg, msg_size);
    if (st == MSX_OK)
      st = msx_colormap_custom (rgb, &self->cmap_id);
    if (st == MSX_ERROR_NO_MEMORY && !msg[0])
      g_snprintf (msg, msg_size,
          "%s: too many different colormaps in one process (%d)", path,
          MSX_COLORMAP_MAX_CUSTOM);
    g_free (self->cmap_path);
    self->cmap_path = g_strdup (path);
    self->cmap_ok = st == MSX_OK;
    ok = self->cmap_ok;
    if (ok)
      base = self->cmap_id;
  }
  g_free (path);
  if (msx_colormap_gamma (base, gamma, map) != MSX_OK)
    *map = base; /* only when every custom slot is taken */
  return ok;
}

/**
 * gst_melspecx_colormap:
 * The colormap for the next picture; a colormap-file that cannot be used
 * is said once (a warning) and the colormap property is drawn instead.
 */
MsxColormap
gst_melspecx_colormap (GstMelspecx *self)
{
  gchar msg[512] = "";
  gboolean reported = self->cmap_path != NULL && !self->cmap_ok;
  MsxColormap map;

  if (!gst_melspecx_resolve_colormap (self, &map, msg, sizeof msg) && !reported)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("colormap-file refused: %s; drawing with colormap instead.", msg),
        (NULL));
  return map;
}

/* helpers: time */

/* The PTS of input sample @sample (per channel, since the analysis
 * started), from the last anchor; never before 0. */
GstClockTime
gst_melspecx_sample_time (GstMelspecx *self, guint64 sample)
{
  gint64 offset;

  if (!GST_CLOCK_TIME_IS_VALID (self->base_ts))
    return GST_CLOCK_TIME_NONE;
  if (sample >= self->base_sample)
    return self->base_ts + gst_util_uint64_scale (sample - self->base_sample,
                               GST_SECOND, self->cfg.sample_rate);
  offset = (gint64)gst_util_uint64_scale (
      self->base_sample - sample, GST_SECOND, self->cfg.sample_rate);
  return (gint64)self->base_ts > offset ? self->base_ts - offset : 0;
}

/* Where the input has reached: the time of the next sample. */
GstClockTime
gst_melspecx_input_time (GstMelspecx *self)
{
  return gst_melspecx_sample_time (self, self->samples);
}

static void
gst_melspecx_anchor (GstMelspecx *self, GstClockTime ts)
{
  self->base_ts = ts;
  self->base_sample = self->samples;
}

/* Follows the input's timestamps before @pts is analysed: the first one
 * anchors the timeline; a later one more than TIME_TOLERANCE (or, on a
 * DISCONT, any amount) ahead of where the samples reached is a gap,
 * analysed as silence up to MAX_SILENCE (beyond that the timeline jumps
 * after a picture's width of silence); one behind moves the anchor. */
static GstFlowReturn
gst_melspecx_follow_time (GstMelspecx *self, GstClockTime pts, gboolean discont)
{
  GstClockTime now, tolerance = discont ? 0 : TIME_TOLERANCE;
  guint64 n;

  if (!GST_CLOCK_TIME_IS_VALID (self->base_ts)) {
    if (!GST_CLOCK_TIME_IS_VALID (pts))
      pts = self->segment.format == GST_FORMAT_TIME ? self->segment.start : 0;
    gst_melspecx_anchor (self, pts);
    return GST_FLOW_OK;
  }
  if (!GST_CLOCK_TIME_IS_VALID (pts) || !self->ops->follows_input)
    return GST_FLOW_OK;
  now = gst_melspecx_input_time (self);
  if (pts > now + tolerance) {
    GstFlowReturn ret;
    GST_DEBUG_OBJECT (self, "gap of %" GST_TIME_FORMAT " at %" GST_TIME_FORMAT,
        GST_TIME_ARGS (pts - now), GST_TIME_ARGS (now));
    n = gst_util_uint64_scale_round (
        MIN (pts - now, MAX_SILENCE), self->cfg.sample_rate, GST_SECOND);
    ret = gst_melspecx_silence (self, n);
    if (pts - now > MAX_SILENCE)
      gst_melspecx_anchor (self, pts);
    return ret;
  }
  if (pts + tolerance < now) {
    GST_DEBUG_OBJECT (
        self, "time went back by %" GST_TIME_FORMAT, GST_TIME_ARGS (now - pts));
    gst_melspecx_anchor (self, pts);
  }
  return GST_FLOW_OK;
}

/* helpers: state */

/* Frees the analysis; keeps the properties.  Used by start, stop, caps
 * change and finalize. */
static void
gst_melspecx_reset_state (GstMelspecx *self)
{
  GST_DEBUG_OBJECT (self, "resetting state");

  if (self->ops)
    self->ops->stop (self);
  self->ops = NULL;
  gst_clear_caps (&self->src_caps);
  gst_melspecx_input_clear (&self->input);
  self->have_info = FALSE;
  gst_melspecx_framer_clear (&self->framer);
  self->framer.reported = FALSE;

  GST_OBJECT_LOCK (self);
  self->configured = FALSE;
  self->can_rebuild = FALSE;
  self->rebuild = FALSE;
  GST_OBJECT_UNLOCK (self);
}

/* Forgets the input, keeps the analysis set-up (flushing seek). */
static void
gst_melspecx_flush (GstMelspecx *self)
{
  if (self->ops)
    self->ops->flush (self);
  self->samples = 0;
  self->base_sample = 0;
  self->base_ts = GST_CLOCK_TIME_NONE;
  gst_melspecx_framer_clear (&self->framer);
}

static gpointer
gst_melspecx_prepare_thread (gpointer data)
{
  msx_stft_prepare (data);
  g_free (data);
  return NULL;
}

/* The analysis's set-up that does not wait for the input format (FFTW's
 * first plan, ~4 ms of a picture's fixed cost), on the other core while
 * the decoder upstream finds that format. */
static void
gst_melspecx_start_prepare (GstMelspecx *self)
{
  MsxConfig *cfg;

  GST_OBJECT_LOCK (self);
  cfg = g_memdup2 (&self->props, sizeof self->props);
  GST_OBJECT_UNLOCK (self);
  self->prepare = g_thread_try_new (
      "melspecx-prepare", gst_melspecx_prepare_thread, cfg, NULL);
  if (self->prepare == NULL)
    g_free (cfg); /* no thread: msx_stft_new() does it all */
}

static void
gst_melspecx_join_prepare (GstMelspecx *self)
{
  if (self->prepare != NULL)
    g_thread_join (g_steal_pointer (&self->prepare));
}

static GstStateChangeReturn
gst_melspecx_change_state (GstElement *element, GstStateChange transition)
{
  GstMelspecx *self = GST_MELSPECX (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      gst_melspecx_reset_state (self);
      gst_melspecx_flush (self);
      gst_melspecx_worker_set_flushing (self->worker, FALSE);
      gst_segment_init (&self->segment, GST_FORMAT_TIME);
      self->segment_pending = TRUE;
      gst_melspecx_start_prepare (self);
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

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    gst_melspecx_join_prepare (self);
    gst_melspecx_reset_state (self);
  }
  return ret;
}

/* helpers: annotation */

/* Short names of the usual channel positions, for lane labels. */
static const gchar *
gst_melspecx_position_name (GstAudioChannelPosition pos)
{
  switch (pos) {
    case GST_AUDIO_CHANNEL_POSITION_MONO:
      return "mono";
    case GST_AUDIO_CHANNEL_POSITION_FRONT_LEFT:
      return "L";
    case GST_AUDIO_CHANNEL_POSITION_FRONT_RIGHT:
      return "R";
    case GST_AUDIO_CHANNEL_POSITION_FRONT_CENTER:
      return "C";
    case GST_AUDIO_CHANNEL_POSITION_LFE1:
      return "LFE";
    case GST_AUDIO_CHANNEL_POSITION_REAR_LEFT:
      return "Lb";
    case GST_AUDIO_CHANNEL_POSITION_REAR_RIGHT:
      return "Rb";
    case GST_AUDIO_CHANNEL_POSITION_REAR_CENTER:
      return "Cb";
    case GST_AUDIO_CHANNEL_POSITION_SIDE_LEFT:
      return "Ls";
    case GST_AUDIO_CHANNEL_POSITION_SIDE_RIGHT:
      return "Rs";
    default:
      return NULL;
  }
}

/**
 * gst_melspecx_annotation:
 * The annotation of the negotiated plot (self->cfg's size and mel scale,
 * the title taken at negotiation) with the look given and the properties'
 * invert and top-db.  Lane names: "mid" and "side", the channel positions
 * ("L", "R"...), else "ch N".  Streaming thread.
 */
void
gst_melspecx_annotation (GstMelspecx *self, MsxAnnotation *a,
    MsxPixelFormat fmt, MsxColormap map, double db_top, const char *unit,
    gchar names[][MSX_ANNOTATE_MAX_NAME + 1], const char **name_ptrs)
{
  gint i;

  memset (a, 0, sizeof *a);
  a->width = self->cfg.width;
  a->height = self->cfg.height;
  a->n_lanes = self->lanes;
  a->fmt = fmt;
  a->n_mels = self->cfg.n_mels;
  a->f_min = self->cfg.f_min;
  a->f_max = msx_config_f_max (&self->cfg);
  a->mel_scale = self->cfg.mel_scale;
  a->map = map;
  GST_OBJECT_LOCK (self);
  a->invert = self->props.invert;
  a->top_db = self->props.top_db;
  GST_OBJECT_UNLOCK (self);
  a->db_top = db_top;
  a->db_unit = unit;
  a->title = self->ann_title;
  if (self->lanes < 2)
    return;
  for (i = 0; i < self->lanes && i < MSX_ANNOTATE_MAX_LANES; i++) {
    const gchar *name = NULL;
    if (self->cfg.channel_mode == MSX_CHANNELS_MID_SIDE)
      name = i == 0 ? "mid" : "side";
    else if (!GST_AUDIO_INFO_IS_UNPOSITIONED (&self->info))
      name = gst_melspecx_position_name (self->info.position[i]);
    if (name)
      g_strlcpy (names[i], name, MSX_ANNOTATE_MAX_NAME + 1);
    else
      g_snprintf (names[i], MSX_ANNOTATE_MAX_NAME + 1, "ch %d", i + 1);
    name_ptrs[i] = names[i];
  }
  a->lane_names = name_ptrs;
}

/* Takes annotate and title from the properties for this negotiation.
 * Returns: whether they changed. */
static gboolean
gst_melspecx_take_annotation (GstMelspecx *self)
{
  gboolean changed;

  GST_OBJECT_LOCK (self);
  changed = self->ann_on != self->annotate ||
            g_strcmp0 (self->ann_title, self->title) != 0;
  self->ann_on = self->annotate;
  g_free (self->ann_title);
  self->ann_title = g_strdup (self->title);
  GST_OBJECT_UNLOCK (self);
  if (self->ann_title && !g_utf8_validate (self->ann_title, -1, NULL)) {
    gchar *valid = g_utf8_make_valid (self->ann_title, -1);
    g_free (self->ann_title);
    self->ann_title = valid;
  }
  return changed;
}

/* The margins around a plot of the properties' width × height. */
static MsxStatus
gst_melspecx_requested_margins (
    GstMelspecx *self, MsxMargins *m, gchar *msg, gsize msg_size)
{
  gchar names[MSX_ANNOTATE_MAX_LANES][MSX_ANNOTATE_MAX_NAME + 1];
  const char *ptrs[MSX_ANNOTATE_MAX_LANES];
  MsxAnnotation a;

  gst_melspecx_annotation (
      self, &a, MSX_PIXEL_RGB, self->cfg.colormap, 0.0, "dB", names, ptrs);
  GST_OBJECT_LOCK (self);
  a.width = self->props.width;
  a.height = self->props.height;
  GST_OBJECT_UNLOCK (self);
  return msx_annotate_margins (&a, m, msg, msg_size);
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

static gboolean
gst_melspecx_not_png (
    GstCapsFeatures *features, GstStructure *s, gpointer unused)
{
  return !gst_structure_has_name (s, "image/png");
}

/* The source template narrowed to this analysis and mode: the raw
 * structure's fields fixed to what it produces; one picture at framerate
 * 0/1 (RGB first) or a scrolling video at 1..240 fps (no PNG). */
static GstCaps *
gst_melspecx_candidate_caps (GstMelspecx *self)
{
  GstCaps *caps = gst_pad_get_pad_template_caps (self->srcpad);
  gboolean image = self->active_mode == GST_MELSPECX_MODE_IMAGE;
  gint rate_n, rate_d, g;

  /* Frames per second, sample rate / hop, as a reduced fraction. */
  g = gst_melspecx_gcd (self->cfg.sample_rate, self->cfg.hop_length);
  rate_n = self->cfg.sample_rate / g;
  rate_d = self->cfg.hop_length / g;
  caps = gst_caps_make_writable (caps);
  for (guint i = 0; i < gst_caps_get_size (caps); i++) {
    GstStructure *s = gst_caps_get_structure (caps, i);
    if (gst_structure_has_name (s, RAW_CAPS_NAME)) {
      gst_structure_set (s, "n-mels", G_TYPE_INT, self->cfg.n_mels, "lanes",
          G_TYPE_INT, self->lanes, "rate", GST_TYPE_FRACTION, rate_n, rate_d,
          NULL);
    } else if (gst_structure_has_name (s, "video/x-raw") && image) {
      gst_melspecx_prefer_rgb (s);
      gst_structure_set (s, "framerate", GST_TYPE_FRACTION, 0, 1, NULL);
    } else if (gst_structure_has_name (s, "video/x-raw")) {
      gst_structure_set (
          s, "framerate", GST_TYPE_FRACTION_RANGE, 1, 1, MAX_FPS, 1, NULL);
    }
  }
  /* A PNG is one picture of the whole input: image mode only. */
  if (!image)
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
    gint width, height;

    GST_OBJECT_LOCK (self);
    width = self->props.width;
    height = self->props.height;
    GST_OBJECT_UNLOCK (self);
    if (self->ann_on && !gst_structure_has_name (s, RAW_CAPS_NAME)) {
      MsxMargins m;
      /* checked at configure: refused there when it fails */
      if (gst_melspecx_requested_margins (self, &m, NULL, 0) == MSX_OK) {
        width += m.left + m.right;
        height += m.top + m.bottom;
      }
    }
    if (gst_structure_has_field (s, "width"))
      gst_structure_fixate_field_nearest_int (s, "width", width);
    if (gst_structure_has_field (s, "height"))
      gst_structure_fixate_field_nearest_int (s, "height", height);
    if (gst_structure_has_field (s, "framerate"))
      gst_structure_fixate_field_nearest_fraction (
          s, "framerate", DEFAULT_FPS_N, DEFAULT_FPS_D);
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

/* What the chosen caps mean: the operations, the size, the pixels. */
static const GstMelspecxOps *
gst_melspecx_parse_src_caps (GstMelspecx *self, GstCaps *caps, gboolean *posted)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);

  *posted = FALSE;
  gst_video_info_init (&self->vinfo);
  self->png = FALSE;
  if (gst_structure_has_name (s, RAW_CAPS_NAME))
    return &gst_melspecx_raw_ops;
  if (!gst_structure_get_int (s, "width", &self->cfg.width) ||
      !gst_structure_get_int (s, "height", &self->cfg.height))
    return NULL;
  /* annotate: the caps are the frame; the plot is what the margins leave */
  if (self->ann_on) {
    gchar names[MSX_ANNOTATE_MAX_LANES][MSX_ANNOTATE_MAX_NAME + 1];
    const char *ptrs[MSX_ANNOTATE_MAX_LANES];
    gchar msg[512] = "";
    MsxAnnotation a;
    gint fw = self->cfg.width, fh = self->cfg.height;

    gst_melspecx_annotation (
        self, &a, MSX_PIXEL_RGB, self->cfg.colormap, 0.0, "dB", names, ptrs);
    if (msx_annotate_fit (&a, fw, fh, &self->ann_margins, msg, sizeof msg) !=
        MSX_OK) {
      /* a build without annotation: the sentence alone, whatever the caps */
      if (!msx_annotate_supported ())
        GST_ELEMENT_ERROR (
            self, CORE, NOT_IMPLEMENTED, ("annotate: %s.", msg), (NULL));
      else
        GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("annotate: %s.", msg),
            ("caps %" GST_PTR_FORMAT, caps));
      *posted = TRUE;
      return NULL;
    }
    self->cfg.width = a.width;
    self->cfg.height = a.height;
    GST_DEBUG_OBJECT (self, "%dx%d frame: %dx%d plot, margins %d %d %d %d", fw,
        fh, a.width, a.height, self->ann_margins.left, self->ann_margins.right,
        self->ann_margins.top, self->ann_margins.bottom);
  }
  if (gst_structure_has_name (s, "image/png")) {
    self->png = TRUE;
    return &gst_melspecx_picture_ops;
  }
  if (!gst_video_info_from_caps (&self->vinfo, caps))
    return NULL;
  self->pixfmt =
      gst_melspecx_pixel_format (GST_VIDEO_INFO_FORMAT (&self->vinfo));
  return self->active_mode == GST_MELSPECX_MODE_IMAGE
             ? &gst_melspecx_picture_ops
             : &gst_melspecx_video_ops;
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
  self->live = gst_melspecx_upstream_is_live (self);
  if (mode == GST_MELSPECX_MODE_AUTO)
    mode = self->live ? GST_MELSPECX_MODE_STREAM : GST_MELSPECX_MODE_IMAGE;
  self->active_mode = mode;
  self->lanes = msx_config_lanes (&self->cfg);
  gst_melspecx_take_annotation (self);
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
            image ? "image" : "stream",
            image ? ", image/png" : " at 1 to 240 fps", RAW_CAPS_NAME),
        ("downstream accepts %s", wanted));
  g_free (wanted);
  gst_caps_unref (peer);
}

/* channel-mode=separate stacks one lane per channel: each needs a row. */
static gboolean
gst_melspecx_check_lanes (GstMelspecx *self)
{
  if (self->ops == &gst_melspecx_raw_ops || self->cfg.height >= self->lanes)
    return TRUE;
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("channel-mode=%s draws %d lanes: height %d is too small (at least "
       "%d).",
          self->cfg.channel_mode == MSX_CHANNELS_MID_SIDE ? "mid-side"
                                                          : "separate",
          self->lanes, self->cfg.height, self->lanes),
      (NULL));
  return FALSE;
}

/* Chooses the source caps and what they mean; posts an error if none. */
static GstCaps *
gst_melspecx_negotiate (GstMelspecx *self)
{
  GstCaps *caps = gst_melspecx_choose_caps (self);
  gboolean posted;

  if (caps == NULL) {
    gst_melspecx_post_no_format (self);
    return NULL;
  }
  self->ops = gst_melspecx_parse_src_caps (self, caps, &posted);
  if (self->ops == NULL) {
    if (!posted)
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
          ("unusable output caps %" GST_PTR_FORMAT, caps));
    gst_caps_unref (caps);
    return NULL;
  }
  if (!gst_melspecx_check_lanes (self)) {
    self->ops = NULL;
    gst_caps_unref (caps);
    return NULL;
  }
  return caps;
}

/* Validates, negotiates the source pad and starts the analysis.  The
 * input's timeline is kept (a rebuild while playing continues it). */
static gboolean
gst_melspecx_configure (GstMelspecx *self)
{
  gchar msg[512];
  GstCaps *caps;
  MsxPreset preset;

  gst_melspecx_build_config (self);
  GST_OBJECT_LOCK (self);
  preset = self->preset;
  GST_OBJECT_UNLOCK (self);
  if (msx_config_validate (&self->cfg, msg, sizeof msg) != MSX_OK ||
      msx_preset_check_rate (preset, self->cfg.sample_rate, msg, sizeof msg)) {
    gst_melspecx_post_error (self, MSX_ERROR_INVALID_ARGUMENT, msg);
    return FALSE;
  }
  {
    MsxColormap map;
    msg[0] = '\0';
    g_clear_pointer (&self->cmap_path, g_free);
    if (!gst_melspecx_resolve_colormap (self, &map, msg, sizeof msg)) {
      GST_ELEMENT_ERROR (
          self, RESOURCE, SETTINGS, ("colormap-file refused: %s", msg), (NULL));
      return FALSE;
    }
  }
  caps = gst_melspecx_negotiate (self);
  if (caps == NULL)
    return FALSE;
  /* a frame past the size limit once the margins are added */
  if (self->ann_on && self->ops != &gst_melspecx_raw_ops) {
    MsxMargins m;
    msg[0] = '\0';
    if (gst_melspecx_requested_margins (self, &m, msg, sizeof msg) != MSX_OK) {
      GST_ELEMENT_ERROR (
          self, RESOURCE, SETTINGS, ("annotate: %s.", msg), (NULL));
      gst_caps_unref (caps);
      self->ops = NULL;
      return FALSE;
    }
  }
  GST_INFO_OBJECT (self, "%s mode, %s, output %" GST_PTR_FORMAT,
      self->active_mode == GST_MELSPECX_MODE_IMAGE ? "image" : "stream",
      self->ops->name, caps);
  gst_melspecx_log_config (self);
  if (!gst_pad_set_caps (self->srcpad, caps)) {
    gst_caps_unref (caps);
    self->ops = NULL;
    return FALSE;
  }
  gst_caps_replace (&self->src_caps, caps);
  gst_caps_unref (caps);
  gst_melspecx_join_prepare (self);
  if (!self->ops->start (self)) {
    self->ops->stop (self);
    self->ops = NULL;
    return FALSE;
  }
  /* the analysis starts at the next input sample */
  self->base_ts = gst_melspecx_input_time (self);
  self->base_sample = self->samples = 0;

  GST_OBJECT_LOCK (self);
  self->configured = TRUE;
  self->can_rebuild = self->ops != &gst_melspecx_picture_ops;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/**
 * gst_melspecx_renegotiate:
 * Downstream sent RECONFIGURE: picks the caps again and, if they differ,
 * sets them (size, framerate and pixel format in self->cfg/vinfo).
 *
 * Returns: FALSE if nothing usable was found (an error is posted).
 */
gboolean
gst_melspecx_renegotiate (GstMelspecx *self)
{
  const GstMelspecxOps *ops = self->ops;
  gboolean ann_changed = gst_melspecx_take_annotation (self);
  GstCaps *caps = gst_melspecx_choose_caps (self);
  /* What parsing the new caps overwrites: if they are refused, the stream
   * goes on with the caps it has (a scrolling video whose framerate had
   * become 0/1 divided by zero at the next frame). */
  GstVideoInfo vinfo = self->vinfo;
  MsxPixelFormat pixfmt = self->pixfmt;
  gint width = self->cfg.width, height = self->cfg.height;
  gboolean png = self->png, posted = FALSE;
  MsxMargins margins = self->ann_margins;

  /* the same caps: unless annotate or the title changed the plot */
  if (caps && self->src_caps && gst_caps_is_equal (caps, self->src_caps) &&
      !ann_changed) {
    gst_caps_unref (caps);
    return TRUE;
  }
  if (caps == NULL ||
      gst_melspecx_parse_src_caps (self, caps, &posted) != ops ||
      !gst_melspecx_check_lanes (self) ||
      !gst_pad_set_caps (self->srcpad, caps)) {
    self->vinfo = vinfo;
    self->pixfmt = pixfmt;
    self->cfg.width = width;
    self->cfg.height = height;
    self->png = png;
    self->ann_margins = margins;
    if (caps && !posted)
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
          ("Downstream asked for a format melspecx cannot switch to while "
           "playing."),
          ("new caps %" GST_PTR_FORMAT, caps));
    else if (!posted)
      gst_melspecx_post_no_format (self);
    gst_clear_caps (&caps);
    return FALSE;
  }
  GST_INFO_OBJECT (self, "renegotiated %" GST_PTR_FORMAT, caps);
  gst_caps_replace (&self->src_caps, caps);
  gst_caps_unref (caps);
  return TRUE;
}

/* An analysis property changed while playing: the analysis starts again
 * with it at this point of the input's timeline. */
static gboolean
gst_melspecx_rebuild (GstMelspecx *self)
{
  GstClockTime now = gst_melspecx_input_time (self);

  GST_OBJECT_LOCK (self);
  self->rebuild = FALSE;
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "rebuilding the analysis at %" GST_TIME_FORMAT,
      GST_TIME_ARGS (now));
  self->ops->stop (self);
  self->ops = NULL;
  return gst_melspecx_configure (self);
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

/* helpers: the analysis of video and raw frames */

/* Stream and raw output want every frame in dB re a fixed 1.0; the
 * backend computes it (on the GPU with Vulkan), and the peak tracker or
 * ref-db only shift it afterwards, so that both stay live. */
/* Whether ref-mode is dbfs now (it may change while playing). */
gboolean
gst_melspecx_ref_is_dbfs (GstMelspecx *self)
{
  gboolean dbfs;

  GST_OBJECT_LOCK (self);
  dbfs = self->ref_mode == GST_MELSPECX_REF_DBFS;
  GST_OBJECT_UNLOCK (self);
  return dbfs;
}

MsxStatus
gst_melspecx_stft_new (
    GstMelspecx *self, MsxFramesFunc func, gchar *msg, gsize msg_size)
{
  MsxConfig db_cfg = self->cfg;
  MsxStatus st;

  /* ref-mode=dbfs may be chosen at any time: the per-band references are
   * ready (n_mels transforms, a millisecond at the defaults) */
  g_free (self->dbfs);
  self->dbfs = g_new (gdouble, self->cfg.n_mels);
  st = msx_dbfs_reference (&self->cfg, self->dbfs);
  if (st != MSX_OK)
    return st;

  db_cfg.output_db = 1;
  db_cfg.db_ref = 1.0;
  st = msx_stft_new (&db_cfg, func, self, &self->stft, msg, msg_size);
  if (st != MSX_OK)
    return st;
  if (msg[0])
    GST_WARNING_OBJECT (self, "%s", msg);
  msg[0] = '\0';
  GST_INFO_OBJECT (self, "analysis on %s", msx_stft_backend (self->stft));
  gst_melspecx_warn_config (self, msx_stft_empty_bands (self->stft));
  return MSX_OK;
}

/* Analyses @buf (taken) now, every complete frame included: live input
 * wants each frame as soon as it can be computed. */
GstFlowReturn
gst_melspecx_stft_chain (GstMelspecx *self, GstBuffer *buf)
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
  if (st == MSX_OK)
    st = msx_stft_flush (self->stft);
  if (st != MSX_OK) {
    gst_melspecx_post_error (self, st, NULL);
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

/* @n samples per channel of zeros into the analysis. */
MsxStatus
gst_melspecx_stft_silence (GstMelspecx *self, guint64 n)
{
  static const gfloat zeros[SILENCE_BLOCK * MAX_CHANNELS];
  MsxStatus st = MSX_OK;

  while (n > 0 && st == MSX_OK) {
    gsize k = (gsize)MIN (n, SILENCE_BLOCK);
    st = msx_stft_push_samples (self->stft, zeros, MSX_SAMPLE_F32, k);
    n -= k;
  }
  return st == MSX_OK ? msx_stft_flush (self->stft) : st;
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
  if (!self->ops->follows_input)
    gst_segment_init (&seg, GST_FORMAT_TIME);
  else if (self->segment.format == GST_FORMAT_TIME)
    seg = self->segment;
  else
    gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_pad_push_event (self->srcpad, gst_event_new_segment (&seg));
}

GstFlowReturn
gst_melspecx_push (GstMelspecx *self, GstBuffer *buf)
{
  gst_melspecx_push_segment (self);
  GST_LOG_OBJECT (self, "pushing %" GST_PTR_FORMAT, buf);
  return gst_pad_push (self->srcpad, buf);
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

/* Silence for a timestamp gap or a GAP event: @n samples per channel. */
static GstFlowReturn
gst_melspecx_silence (GstMelspecx *self, guint64 n)
{
  if (n == 0)
    return GST_FLOW_OK;
  self->samples += n;
  return self->ops->silence (self, n);
}

/* vfuncs */

static GstFlowReturn
gst_melspecx_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GstMelspecx *self = GST_MELSPECX (parent);
  GstFlowReturn ret;
  gboolean rebuild;
  gsize n;

  GST_OBJECT_LOCK (self);
  rebuild = self->rebuild;
  GST_OBJECT_UNLOCK (self);
  if (rebuild && self->ops && !gst_melspecx_rebuild (self)) {
    gst_buffer_unref (buffer);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  if (self->ops == NULL) {
    gst_buffer_unref (buffer);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  {
    const gchar *unreadable = gst_melspecx_input_check (&self->input, buffer);
    if (unreadable) {
      GST_ELEMENT_ERROR (self, STREAM, FORMAT,
          ("Unreadable audio: %s.", unreadable),
          ("buffer %" GST_PTR_FORMAT, buffer));
      gst_buffer_unref (buffer);
      return GST_FLOW_ERROR;
    }
  }
  gst_melspecx_check_whole_frames (self, buffer);
  ret = gst_melspecx_follow_time (
      self, GST_BUFFER_PTS (buffer), GST_BUFFER_IS_DISCONT (buffer));
  if (ret != GST_FLOW_OK) {
    gst_buffer_unref (buffer);
    return ret;
  }
  buffer = gst_melspecx_framer_take (&self->framer, &self->info, buffer);
  if (buffer == NULL)
    return GST_FLOW_OK;
  n = gst_melspecx_buffer_samples (self, buffer);
  GST_LOG_OBJECT (
      self, "%" G_GSIZE_FORMAT " samples, %" GST_PTR_FORMAT, n, buffer);
  self->samples += n;
  return self->ops->chain (self, buffer, n);
}

/* A GAP event: silence from its timestamp for its duration. */
static void
gst_melspecx_gap (GstMelspecx *self, GstEvent *event)
{
  GstClockTime ts, duration;

  if (self->ops == NULL || !self->ops->follows_input)
    return;
  gst_event_parse_gap (event, &ts, &duration);
  if (!GST_CLOCK_TIME_IS_VALID (ts))
    return;
  if (gst_melspecx_follow_time (self, ts, FALSE) != GST_FLOW_OK ||
      !GST_CLOCK_TIME_IS_VALID (duration))
    return;
  gst_melspecx_silence (
      self, gst_util_uint64_scale_round (MIN (duration, MAX_SILENCE),
                self->cfg.sample_rate, GST_SECOND));
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
  if (self->ops == NULL)
    return;
  if (!GST_CLOCK_TIME_IS_VALID (self->base_ts))
    gst_melspecx_follow_time (self, GST_CLOCK_TIME_NONE, FALSE);
  self->ops->finish (self);
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
      gst_melspecx_gap (self, event);
      gst_event_unref (event);
      return TRUE;
    case GST_EVENT_EOS:
      gst_melspecx_eos (self);
      if (self->ops)
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

static gboolean
gst_melspecx_src_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstMelspecx *self = GST_MELSPECX (parent);

  if (GST_EVENT_TYPE (event) == GST_EVENT_QOS)
    gst_melspecx_video_qos (self, event);
  return gst_pad_event_default (pad, parent, event);
}

/* The analysis adds latency in stream mode and for raw frames: a centred
 * frame needs n-fft/2 samples ahead, and a column appears once per hop. */
static GstClockTime
gst_melspecx_latency (GstMelspecx *self)
{
  gint n_fft, hop, rate;

  GST_OBJECT_LOCK (self);
  n_fft = self->cfg.n_fft;
  hop = self->cfg.hop_length;
  rate = self->cfg.sample_rate;
  if (!self->can_rebuild || rate <= 0) {
    GST_OBJECT_UNLOCK (self);
    return 0;
  }
  GST_OBJECT_UNLOCK (self);
  return gst_util_uint64_scale (n_fft / 2 + hop, GST_SECOND, rate);
}

static gboolean
gst_melspecx_src_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstMelspecx *self = GST_MELSPECX (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_CAPS: {
      /* Once the audio is known, what this analysis and mode can produce
       * (any size, the mode's framerates, the raw fields fixed), so that
       * downstream may ask for another size with RECONFIGURE. */
      GstCaps *filter, *caps;
      gst_query_parse_caps (query, &filter);
      caps = self->src_caps ? gst_melspecx_candidate_caps (self)
                            : gst_pad_get_pad_template_caps (pad);
      if (filter) {
        GstCaps *both =
            gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);
        gst_caps_unref (caps);
        caps = both;
      }
      gst_query_set_caps_result (query, caps);
      gst_caps_unref (caps);
      return TRUE;
    }
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
