/* melspecx core — analysis and image parameters, and their checks.
 * SPDX-License-Identifier: MIT
 *
 * Validation messages use the element's hyphenated property names so that
 * the element, the Python package and the command line can pass them on
 * unchanged.
 */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "melspecx.h"

/* Meson passes -DMSX_VERSION; the fallback keeps the file buildable alone. */
#ifndef MSX_VERSION
#define MSX_VERSION "0.1.0"
#endif

static const char *const window_names[] = { "hann", "hamming", "blackman",
  "rectangular", "povey" };
static const char *const mel_scale_names[] = { "slaney", "htk", "kaldi" };
static const char *const framing_names[] = { "stft", "kaldi" };
static const char *const log_scale_names[] = { "db", "ln", "whisper" };

static const char *const colormap_names[MSX_COLORMAP_COUNT] = { "inferno",
  "viridis", "magma", "plasma", "cividis", "greys", "blues", "greens", "reds",
  "purples", "oranges" };

const char *
msx_version (void)
{
  return MSX_VERSION;
}

void
msx_config_init (MsxConfig *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->sample_rate = 44100;
  cfg->channels = 1;
  cfg->channel_mode = MSX_CHANNELS_MIX;
  cfg->n_fft = 2048;
  cfg->win_length = 0;
  cfg->hop_length = 512;
  cfg->center = 1;
  cfg->pad_mode = MSX_PAD_REFLECT;
  cfg->window = MSX_WINDOW_HANN;
  cfg->framing = MSX_FRAMING_STFT;
  cfg->preemphasis = 0.0;
  cfg->drop_last = 0;
  cfg->log_scale = MSX_LOG_DB;
  cfg->power = 2.0;
  cfg->n_mels = 128;
  cfg->f_min = 0.0;
  cfg->f_max = 8000.0;
  cfg->mel_scale = MSX_MEL_SCALE_SLANEY;
  cfg->mel_norm = MSX_MEL_NORM_SLANEY;
  cfg->top_db = 80.0;
  cfg->amin = MSX_DEFAULT_AMIN;
  cfg->colormap = MSX_COLORMAP_INFERNO;
  cfg->invert = 0;
  cfg->width = 1024;
  cfg->height = 256;
  cfg->output_db = 0;
  cfg->db_ref = 1.0;
  cfg->chunk_size = 1024;
  cfg->threads = 0;
  cfg->backend = MSX_BACKEND_AUTO;
  cfg->device_index = -1;
}

double
msx_config_f_max (const MsxConfig *cfg)
{
  double nyquist = cfg->sample_rate / 2.0;

  if (cfg->f_max <= 0.0 || cfg->f_max > nyquist)
    return nyquist;
  return cfg->f_max;
}

int
msx_config_win_length (const MsxConfig *cfg)
{
  return cfg->win_length > 0 ? cfg->win_length : cfg->n_fft;
}

int
msx_config_lanes (const MsxConfig *cfg)
{
  if (cfg->channel_mode == MSX_CHANNELS_MID_SIDE)
    return 2;
  return cfg->channel_mode == MSX_CHANNELS_SEPARATE ? cfg->channels : 1;
}

uint64_t
msx_config_picture_bytes (const MsxConfig *c, int stream)
{
  uint64_t bands =
      (uint64_t)msx_config_lanes (c) * (uint64_t)c->width * (uint64_t)c->n_mels;
  uint64_t pixels = (uint64_t)c->width * (uint64_t)c->height * 4;

  if (stream)
    return bands * sizeof (float) + 2 * pixels;
  return 4 * bands * sizeof (double) + bands * sizeof (float) + pixels;
}

static int
int_out_of (int v, int lo, int hi)
{
  return v < lo || v > hi;
}

/* framing, preemphasis and drop_last. */
static MsxStatus
validate_kaldi_framing (const MsxConfig *c, char *msg, size_t n)
{
  if (int_out_of (c->framing, MSX_FRAMING_STFT, MSX_FRAMING_KALDI))
    return msx_refuse (msg, n,
        "framing is %d but must be stft (0) or kaldi (1)", (int)c->framing);
  if (!(c->preemphasis >= 0.0 && c->preemphasis <= MSX_MAX_PREEMPHASIS))
    return msx_refuse (msg, n, "preemphasis is %g but must be between 0 and %g",
        c->preemphasis, MSX_MAX_PREEMPHASIS);
  if (c->preemphasis != 0.0 && c->framing != MSX_FRAMING_KALDI)
    return msx_refuse (msg, n,
        "preemphasis is %g but pre-emphasis is applied to kaldi frames "
        "only: use framing=kaldi or preemphasis=0",
        c->preemphasis);
  if (c->framing == MSX_FRAMING_KALDI && c->center)
    return msx_refuse (msg, n,
        "framing=kaldi cuts frames from the first sample on (kaldi's "
        "snip-edges): use center=false");
  if (int_out_of (c->drop_last, 0, 1))
    return msx_refuse (
        msg, n, "drop-last is %d but must be 0 or 1", c->drop_last);
  return MSX_OK;
}

/* Input and framing parameters. */
static MsxStatus
validate_framing (const MsxConfig *c, char *msg, size_t n)
{
  if (int_out_of (c->sample_rate, 1, MSX_MAX_SAMPLE_RATE))
    return msx_refuse (msg, n,
        "sample-rate is %d but must be between 1 and %d Hz", c->sample_rate,
        MSX_MAX_SAMPLE_RATE);
  if (int_out_of (c->channels, 1, MSX_MAX_CHANNELS))
    return msx_refuse (msg, n, "channels is %d but must be between 1 and %d",
        c->channels, MSX_MAX_CHANNELS);
  if (int_out_of (c->channel_mode, MSX_CHANNELS_MIX, MSX_CHANNELS_MID_SIDE))
    return msx_refuse (msg, n,
        "channel-mode is %d but must be mix (0), separate (1) or mid-side (2)",
        (int)c->channel_mode);
  if (c->channel_mode == MSX_CHANNELS_MID_SIDE && c->channels != 2)
    return msx_refuse (msg, n,
        "channel-mode=mid-side needs stereo input, but it has %d channel%s "
        "(use mix or separate)",
        c->channels, c->channels == 1 ? "" : "s");
  if (int_out_of (c->n_fft, MSX_MIN_N_FFT, MSX_MAX_N_FFT) || c->n_fft % 2)
    return msx_refuse (msg, n,
        "n-fft is %d but must be an even number between "
        "%d and %d",
        c->n_fft, MSX_MIN_N_FFT, MSX_MAX_N_FFT);
  if (int_out_of (c->win_length, 0, c->n_fft))
    return msx_refuse (msg, n,
        "win-length is %d but must be 0 (= n-fft) or "
        "between 1 and n-fft (%d)",
        c->win_length, c->n_fft);
  if (int_out_of (c->hop_length, 1, MSX_MAX_HOP_LENGTH))
    return msx_refuse (msg, n, "hop-length is %d but must be between 1 and %d",
        c->hop_length, MSX_MAX_HOP_LENGTH);
  if (int_out_of (c->pad_mode, MSX_PAD_REFLECT, MSX_PAD_CONSTANT))
    return msx_refuse (msg, n,
        "pad-mode is %d but must be reflect (0) or "
        "constant (1)",
        (int)c->pad_mode);
  if (int_out_of (c->window, MSX_WINDOW_HANN, MSX_WINDOW_POVEY))
    return msx_refuse (msg, n,
        "window is %d but must be hann (0), hamming (1), "
        "blackman (2), rectangular (3) or povey (4)",
        (int)c->window);
  return validate_kaldi_framing (c, msg, n);
}

/* Spectrum, mel and dB parameters.  Comparisons are written so that NaN
 * fails them. */
static MsxStatus
validate_mel (const MsxConfig *c, char *msg, size_t n)
{
  int n_bins = c->n_fft / 2 + 1;
  int max_mels = n_bins < MSX_MAX_N_MELS ? n_bins : MSX_MAX_N_MELS;
  double f_max = msx_config_f_max (c);

  if (!(c->power == 1.0 || c->power == 2.0))
    return msx_refuse (msg, n,
        "power is %g but must be 1.0 (magnitude) or 2.0 "
        "(power)",
        c->power);
  if (int_out_of (c->n_mels, 1, max_mels))
    return msx_refuse (msg, n,
        "n-mels is %d but must be between 1 and %d "
        "(n-fft/2+1 = %d, at most %d)",
        c->n_mels, max_mels, n_bins, MSX_MAX_N_MELS);
  if (!(c->f_max >= 0.0) || isinf (c->f_max))
    return msx_refuse (msg, n,
        "f-max is %g Hz but must be 0 (Nyquist) or a "
        "positive frequency",
        c->f_max);
  if (!(c->f_min >= 0.0 && c->f_min < f_max))
    return msx_refuse (msg, n,
        "f-min is %g Hz but must be at least 0 and below "
        "f-max (%g Hz)",
        c->f_min, f_max);
  if (int_out_of (c->mel_scale, MSX_MEL_SCALE_SLANEY, MSX_MEL_SCALE_KALDI))
    return msx_refuse (msg, n,
        "mel-scale is %d but must be slaney (0), htk (1) or kaldi (2)",
        (int)c->mel_scale);
  if (int_out_of (c->mel_norm, MSX_MEL_NORM_SLANEY, MSX_MEL_NORM_NONE))
    return msx_refuse (msg, n,
        "mel-norm is %d but must be slaney (0) or none "
        "(1)",
        (int)c->mel_norm);
  if (c->mel_scale == MSX_MEL_SCALE_KALDI && c->mel_norm != MSX_MEL_NORM_NONE)
    return msx_refuse (msg, n,
        "mel-scale=kaldi builds kaldi's filters, which are not normalised: "
        "use mel-norm=none");
  if (int_out_of (c->log_scale, MSX_LOG_DB, MSX_LOG_WHISPER))
    return msx_refuse (msg, n,
        "log-scale is %d but must be db (0), ln (1) or whisper (2)",
        (int)c->log_scale);
  if (int_out_of (c->ref, MSX_REF_MAX, MSX_REF_DBFS))
    return msx_refuse (
        msg, n, "ref is %d but must be max (0) or dbfs (1)", (int)c->ref);
  if (!(c->top_db >= MSX_MIN_TOP_DB && c->top_db <= MSX_MAX_TOP_DB))
    return msx_refuse (msg, n, "top-db is %g but must be between %g and %g dB",
        c->top_db, MSX_MIN_TOP_DB, MSX_MAX_TOP_DB);
  /* In float, amin below FLT_MIN's neighbourhood rounds to 0 (the dB of
   * silence becomes −Inf) and above FLT_MAX to Inf. */
  if (!(c->amin >= FLT_MIN && c->amin <= FLT_MAX))
    return msx_refuse (msg, n, "amin is %g but must be between %g and %g",
        c->amin, FLT_MIN, FLT_MAX);
  if (int_out_of (c->output_db, 0, 1))
    return msx_refuse (
        msg, n, "output_db is %d but must be 0 or 1", c->output_db);
  if (!(c->db_ref > 0.0) || isinf (c->db_ref))
    return msx_refuse (msg, n, "db_ref is %g but must be positive", c->db_ref);
  return MSX_OK;
}

/* Image and execution parameters. */
static MsxStatus
validate_output (const MsxConfig *c, char *msg, size_t n)
{
  if (!msx_colormap_valid (c->colormap))
    return msx_refuse (msg, n, "colormap is %d but must be between 0 and %d",
        (int)c->colormap, MSX_COLORMAP_COUNT - 1);
  if (int_out_of (c->width, 1, MSX_MAX_WIDTH))
    return msx_refuse (msg, n, "width is %d but must be between 1 and %d",
        c->width, MSX_MAX_WIDTH);
  if (int_out_of (c->height, 1, MSX_MAX_HEIGHT))
    return msx_refuse (msg, n, "height is %d but must be between 1 and %d",
        c->height, MSX_MAX_HEIGHT);
  if (int_out_of (c->chunk_size, 1, MSX_MAX_CHUNK_SIZE))
    return msx_refuse (msg, n, "chunk-size is %d but must be between 1 and %d",
        c->chunk_size, MSX_MAX_CHUNK_SIZE);
  if (int_out_of (c->threads, 0, MSX_MAX_THREADS))
    return msx_refuse (msg, n, "threads is %d but must be between 0 and %d",
        c->threads, MSX_MAX_THREADS);
  if (int_out_of (c->backend, MSX_BACKEND_AUTO, MSX_BACKEND_VULKAN))
    return msx_refuse (msg, n,
        "backend is %d but must be auto (0), cpu (1) or "
        "vulkan (2)",
        (int)c->backend);
  if (c->device_index < -1)
    return msx_refuse (msg, n,
        "device-index is %d but must be -1 (choose) or "
        "at least 0",
        c->device_index);
  return MSX_OK;
}

MsxStatus
msx_config_validate (const MsxConfig *cfg, char *msg, size_t msg_size)
{
  MsxStatus st;

  if (msg && msg_size)
    msg[0] = '\0';
  if ((st = validate_framing (cfg, msg, msg_size)))
    return st;
  if ((st = validate_mel (cfg, msg, msg_size)))
    return st;
  return validate_output (cfg, msg, msg_size);
}

/* Appends to a fixed buffer; remembers overflow instead of failing at once. */
typedef struct {
  char *buf;
  size_t size, len;
  int overflow;
} JsonOut;

static void
json_add (JsonOut *j, const char *fmt, ...)
{
  va_list ap;
  int r;

  if (j->overflow)
    return;
  va_start (ap, fmt);
  r = vsnprintf (j->buf + j->len, j->size - j->len, fmt, ap);
  va_end (ap);
  if (r < 0 || (size_t)r >= j->size - j->len)
    j->overflow = 1;
  else
    j->len += (size_t)r;
}

/* JSON has no NaN or Infinity: write null for them. */
static void
json_number (JsonOut *j, const char *key, double v)
{
  if (isfinite (v))
    json_add (j, ",\"%s\":%.10g", key, v);
  else
    json_add (j, ",\"%s\":null", key);
}

static const char *
enum_name (const char *const *names, int n, int v)
{
  return v >= 0 && v < n ? names[v] : "invalid";
}

static void
json_framing (JsonOut *j, const MsxConfig *c, double duration_s)
{
  static const char *const modes[] = { "mix", "separate", "mid-side" };
  static const char *const pads[] = { "reflect", "constant" };

  json_add (j, "{\"version\":\"%s\"", MSX_VERSION);
  json_add (j, ",\"sample_rate\":%d", c->sample_rate);
  json_number (j, "duration", duration_s >= 0 ? duration_s : NAN);
  json_add (j, ",\"channels\":%d", c->channels);
  json_add (
      j, ",\"channel_mode\":\"%s\"", enum_name (modes, 3, c->channel_mode));
  json_add (j, ",\"n_fft\":%d,\"win_length\":%d,\"hop_length\":%d", c->n_fft,
      msx_config_win_length (c), c->hop_length);
  json_add (j, ",\"center\":%s", c->center ? "true" : "false");
  json_add (j, ",\"pad_mode\":\"%s\"", enum_name (pads, 2, c->pad_mode));
  json_add (j, ",\"window\":\"%s\"", enum_name (window_names, 5, c->window));
  json_add (j, ",\"framing\":\"%s\"", enum_name (framing_names, 2, c->framing));
  json_number (j, "preemphasis", c->preemphasis);
  json_add (j, ",\"drop_last\":%s", c->drop_last ? "true" : "false");
}

static void
json_mel (JsonOut *j, const MsxConfig *c)
{
  static const char *const norms[] = { "slaney", "none" };

  json_number (j, "power", c->power);
  json_add (j, ",\"n_mels\":%d", c->n_mels);
  json_number (j, "f_min", c->f_min);
  json_number (j, "f_max", msx_config_f_max (c));
  json_add (
      j, ",\"mel_scale\":\"%s\"", enum_name (mel_scale_names, 3, c->mel_scale));
  json_add (j, ",\"mel_norm\":\"%s\"", enum_name (norms, 2, c->mel_norm));
  json_number (j, "top_db", c->top_db);
  json_number (j, "amin", c->amin);
  json_add (j, ",\"ref\":\"%s\"", c->ref == MSX_REF_DBFS ? "dbfs" : "max");
  json_add (
      j, ",\"log_scale\":\"%s\"", enum_name (log_scale_names, 3, c->log_scale));
  json_add (j, ",\"colormap\":\"%s\"",
      (int)c->colormap < MSX_COLORMAP_COUNT
          ? enum_name (colormap_names, MSX_COLORMAP_COUNT, c->colormap)
          : "custom");
  json_add (j, ",\"invert\":%s", c->invert ? "true" : "false");
  json_add (j, ",\"width\":%d,\"height\":%d", c->width, c->height);
  json_add (j, ",\"chunk_size\":%d}", c->chunk_size);
}

MsxStatus
msx_config_to_json (
    const MsxConfig *cfg, double duration_s, char *out, size_t out_size)
{
  JsonOut j = { out, out_size, 0, 0 };

  if (!out || out_size == 0)
    return MSX_ERROR_NO_MEMORY;
  json_framing (&j, cfg, duration_s);
  json_mel (&j, cfg);
  if (j.overflow) {
    out[0] = '\0';
    return MSX_ERROR_NO_MEMORY;
  }
  return MSX_OK;
}

const char *
msx_window_type_name (MsxWindowType w)
{
  return (int)w >= 0 && w <= MSX_WINDOW_POVEY ? window_names[w] : NULL;
}

const char *
msx_mel_scale_name (MsxMelScale s)
{
  return (int)s >= 0 && s <= MSX_MEL_SCALE_KALDI ? mel_scale_names[s] : NULL;
}

const char *
msx_framing_name (MsxFraming f)
{
  return (int)f >= 0 && f <= MSX_FRAMING_KALDI ? framing_names[f] : NULL;
}

const char *
msx_log_scale_name (MsxLogScale s)
{
  return (int)s >= 0 && s <= MSX_LOG_WHISPER ? log_scale_names[s] : NULL;
}

double
msx_log_scale_slope (MsxLogScale scale, double power)
{
  double k = power == 1.0 ? 20.0 : 10.0;

  switch (scale) {
    case MSX_LOG_LN:
      return M_LN10 / k;
    case MSX_LOG_WHISPER:
      return 1.0 / (4.0 * k);
    default:
      return 1.0;
  }
}

/* ln(v) = dB·ln(10)/k; (log10(v) + 4)/4 = dB/(4k) + 1. */
void
msx_log_scale_apply (MsxLogScale scale, double power, float *db, size_t n)
{
  double slope = msx_log_scale_slope (scale, power);
  double offset = scale == MSX_LOG_WHISPER ? 1.0 : 0.0;
  size_t i;

  if (scale == MSX_LOG_DB)
    return;
  for (i = 0; i < n; i++)
    db[i] = (float)(slope * (double)db[i] + offset);
}

const char *
msx_colormap_name (MsxColormap c)
{
  return (int)c >= 0 && c < MSX_COLORMAP_COUNT ? colormap_names[c] : NULL;
}

int
msx_colormap_from_name (const char *name)
{
  int i;

  if (!name)
    return -1;
  for (i = 0; i < MSX_COLORMAP_COUNT; i++)
    if (strcasecmp (name, colormap_names[i]) == 0)
      return i;
  return -1;
}

MsxStatus
msx_config_check_picture (
    const MsxConfig *c, int stream, char *msg, size_t msg_size)
{
  uint64_t bytes = msx_config_picture_bytes (c, stream);
  int lanes = msx_config_lanes (c);

  if (bytes <= MSX_PICTURE_MEMORY)
    return MSX_OK;
  return msx_refuse (msg, msg_size,
      "width %d x n-mels %d x %d lane%s (height %d) would keep %.0f MiB for "
      "the picture, more than the %.0f MiB allowed: lower width or n-mels%s",
      c->width, c->n_mels, lanes, lanes == 1 ? "" : "s", c->height,
      bytes / 1048576.0, MSX_PICTURE_MEMORY / 1048576.0,
      lanes > 1 ? ", or use channel-mode=mix" : "");
}
