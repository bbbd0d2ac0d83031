/* Unit tests of msx_config: defaults, validation messages, JSON, names.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "melspecx.h"
#include "msx_test.h"

typedef struct {
  const char *what;     /* the change, for the test name */
  const char *property; /* hyphenated name the message must hold */
  const char *value;    /* the refused value as the message prints it */
  void (*change) (MsxConfig *c);
} Invalid;

#define CASE(name, stmt)                                                       \
  static void name (MsxConfig *c)                                              \
  {                                                                            \
    stmt;                                                                      \
  }
CASE (nfft_0, c->n_fft = 0)
CASE (nfft_odd, c->n_fft = 15)
CASE (nfft_odd_big, c->n_fft = 2047)
CASE (nfft_small, c->n_fft = 8)
CASE (nfft_big, c->n_fft = 131072)
CASE (win_neg, c->win_length = -1)
CASE (win_big, c->win_length = 2049)
CASE (hop_0, c->hop_length = 0)
CASE (hop_big, c->hop_length = 65537)
CASE (fmin_neg, c->f_min = -1)
CASE (fmin_eq, c->f_min = 8000)
CASE (fmin_nyq, (c->f_min = 30000, c->f_max = 0))
CASE (fmin_nan, c->f_min = NAN)
CASE (fmax_neg, c->f_max = -5)
CASE (mels_0, c->n_mels = 0)
CASE (mels_bins, (c->n_fft = 256, c->n_mels = 200))
CASE (mels_max, c->n_mels = 1025)
CASE (topdb_0, c->top_db = 0)
CASE (topdb_neg, c->top_db = -10)
CASE (topdb_nan, c->top_db = NAN)
CASE (topdb_tiny, c->top_db = 5e-324)
CASE (topdb_huge, c->top_db = 1e300)
CASE (amin_tiny, c->amin = 1e-45)
CASE (amin_huge, c->amin = 1e39)
CASE (width_0, c->width = 0)
CASE (width_big, c->width = 16385)
CASE (height_0, c->height = 0)
CASE (power_3, c->power = 3.0)
CASE (power_0, c->power = 0.0)
CASE (amin_0, c->amin = 0.0)
CASE (outdb_bad, c->output_db = 2)
CASE (dbref_0, c->db_ref = 0.0)
CASE (dbref_nan, c->db_ref = NAN)
CASE (chunk_0, c->chunk_size = 0)
CASE (chunk_big, c->chunk_size = 16385)
CASE (threads_neg, c->threads = -1)
CASE (threads_big, c->threads = 65)
CASE (chan_0, c->channels = 0)
CASE (chan_big, c->channels = 65)
CASE (rate_0, c->sample_rate = 0)
CASE (mode_bad, c->channel_mode = 3)
CASE (pad_bad, c->pad_mode = 5)
CASE (window_bad, c->window = 5)
CASE (scale_bad, c->mel_scale = 3)
CASE (norm_bad, c->mel_norm = -1)
CASE (cmap_bad, c->colormap = MSX_COLORMAP_COUNT)
CASE (backend_bad, c->backend = 3)
CASE (device_bad, c->device_index = -2)
#undef CASE

static const Invalid invalid[] = {
  { "n_fft 0", "n-fft", "0", nfft_0 },
  { "n_fft odd", "n-fft", "15", nfft_odd },
  { "n_fft 2047", "n-fft", "2047", nfft_odd_big },
  { "n_fft 8", "n-fft", "8", nfft_small },
  { "n_fft 131072", "n-fft", "131072", nfft_big },
  { "win_length -1", "win-length", "-1", win_neg },
  { "win_length > n_fft", "win-length", "2049", win_big },
  { "hop 0", "hop-length", "0", hop_0 },
  { "hop too big", "hop-length", "65537", hop_big },
  { "f_min < 0", "f-min", "-1", fmin_neg },
  { "f_min = f_max", "f-min", "8000", fmin_eq },
  { "f_min above Nyquist", "f-min", "30000", fmin_nyq },
  { "f_min NaN", "f-min", "nan", fmin_nan },
  { "f_max < 0", "f-max", "-5", fmax_neg },
  { "n_mels 0", "n-mels", "0", mels_0 },
  { "n_mels > n_fft/2+1", "n-mels", "200", mels_bins },
  { "n_mels > max", "n-mels", "1025", mels_max },
  { "top_db 0", "top-db", "0", topdb_0 },
  { "top_db < 0", "top-db", "-10", topdb_neg },
  { "top_db NaN", "top-db", "nan", topdb_nan },
  { "top_db denormal", "top-db", "4.94066e-324", topdb_tiny },
  { "top_db 1e300", "top-db", "1e+300", topdb_huge },
  { "width 0", "width", "0", width_0 },
  { "width too big", "width", "16385", width_big },
  { "height 0", "height", "0", height_0 },
  { "power 3", "power", "3", power_3 },
  { "power 0", "power", "0", power_0 },
  { "amin 0", "amin", "0", amin_0 },
  { "amin below float", "amin", "1e-45", amin_tiny },
  { "amin above float", "amin", "1e+39", amin_huge },
  { "output_db 2", "output_db", "2", outdb_bad },
  { "db_ref 0", "db_ref", "0", dbref_0 },
  { "db_ref NaN", "db_ref", "nan", dbref_nan },
  { "chunk_size 0", "chunk-size", "0", chunk_0 },
  { "chunk_size too big", "chunk-size", "16385", chunk_big },
  { "threads -1", "threads", "-1", threads_neg },
  { "threads 65", "threads", "65", threads_big },
  { "channels 0", "channels", "0", chan_0 },
  { "channels 65", "channels", "65", chan_big },
  { "sample_rate 0", "sample-rate", "0", rate_0 },
  { "channel_mode 3", "channel-mode", "3", mode_bad },
  { "pad_mode 5", "pad-mode", "5", pad_bad },
  { "window 5", "window", "5", window_bad },
  { "mel_scale 3", "mel-scale", "3", scale_bad },
  { "mel_norm -1", "mel-norm", "-1", norm_bad },
  { "colormap 11", "colormap", "11", cmap_bad },
  { "backend 3", "backend", "3", backend_bad },
  { "device_index -2", "device-index", "-2", device_bad },
};

/* The message starts with "<property> is <value>" and gives a range. */
static void
test_invalid (const Invalid *t)
{
  MsxConfig c;
  char msg[256], head[128], what[320];
  MsxStatus st;

  msx_config_init (&c);
  t->change (&c);
  st = msx_config_validate (&c, msg, sizeof msg);
  snprintf (head, sizeof head, "%s is %s", t->property, t->value);
  snprintf (what, sizeof what, "%s refused: \"%s\"", t->what, msg);
  msx_check (st == MSX_ERROR_INVALID_ARGUMENT &&
                 strncmp (msg, head, strlen (head)) == 0 &&
                 strstr (msg, " must ") != NULL,
      what);
}

static void
test_defaults (void)
{
  MsxConfig c;
  char msg[256] = "x";

  msx_config_init (&c);
  msx_check (
      msx_config_validate (&c, msg, sizeof msg) == MSX_OK && msg[0] == '\0',
      "defaults are valid, message empty");
  msx_check (c.sample_rate == 44100 && c.channels == 1 && c.n_fft == 2048 &&
                 c.hop_length == 512 && c.win_length == 0 && c.center &&
                 c.pad_mode == MSX_PAD_REFLECT && c.window == MSX_WINDOW_HANN,
      "framing defaults (librosa's)");
  msx_check (c.power == 2.0 && c.n_mels == 128 && c.f_min == 0.0 &&
                 c.f_max == 8000.0 && c.mel_scale == MSX_MEL_SCALE_SLANEY &&
                 c.mel_norm == MSX_MEL_NORM_SLANEY && c.top_db == 80.0 &&
                 c.amin == 1e-10,
      "spectral defaults (librosa's, f_max 8000)");
  msx_check (c.output_db == 0 && c.db_ref == 1.0,
      "backends emit mel power by default, dB reference 1.0");
  msx_check (c.colormap == MSX_COLORMAP_INFERNO && c.width == 1024 &&
                 c.height == 256 && c.chunk_size == 1024 &&
                 c.backend == MSX_BACKEND_AUTO && c.device_index == -1,
      "image and execution defaults");
  msx_check (msx_config_validate (&c, NULL, 0) == MSX_OK, "NULL msg is ok");
}

static void
test_valid_edges (void)
{
  MsxConfig c;

  msx_config_init (&c);
  c.n_fft = 16;
  c.n_mels = 9;
  c.win_length = 1;
  c.hop_length = 1;
  c.f_max = 0;
  c.power = 1.0;
  c.chunk_size = MSX_MAX_CHUNK_SIZE;
  c.channels = 64;
  c.channel_mode = MSX_CHANNELS_SEPARATE;
  msx_check (msx_config_validate (&c, NULL, 0) == MSX_OK,
      "smallest n_fft with n_mels = n_fft/2+1, win 1, hop 1 is valid");
  msx_config_init (&c);
  c.f_max = 96000;
  msx_check (msx_config_validate (&c, NULL, 0) == MSX_OK,
      "f_max above Nyquist is valid (clamped)");
  msx_config_init (&c);
  c.n_fft = 65536;
  c.n_mels = 1024;
  c.sample_rate = 1;
  c.f_max = 0;
  msx_check (msx_config_validate (&c, NULL, 0) == MSX_OK,
      "largest n_fft, 1024 mels, 1 Hz sample rate are valid");
}

static void
test_helpers (void)
{
  MsxConfig c;

  msx_config_init (&c);
  msx_check_close (msx_config_f_max (&c), 8000.0, 0, "f_max 8000 kept");
  c.f_max = 0;
  msx_check_close (msx_config_f_max (&c), 22050.0, 0, "f_max 0 = Nyquist");
  c.f_max = 30000;
  msx_check_close (msx_config_f_max (&c), 22050.0, 0, "f_max clamped");
  msx_check (msx_config_win_length (&c) == 2048, "win_length 0 = n_fft");
  c.win_length = 400;
  msx_check (msx_config_win_length (&c) == 400, "win_length kept");
  c.channels = 6;
  msx_check (msx_config_lanes (&c) == 1, "mix: one lane");
  c.channel_mode = MSX_CHANNELS_SEPARATE;
  msx_check (msx_config_lanes (&c) == 6, "separate: one lane per channel");
}

static void
test_json (void)
{
  MsxConfig c;
  char json[2048], small[40], key[64];
  static const char *const keys[] = {
    "\"sample_rate\":48000",
    "\"duration\":2.5",
    "\"channels\":2",
    "\"channel_mode\":\"separate\"",
    "\"n_fft\":1024",
    "\"win_length\":1024",
    "\"hop_length\":256",
    "\"center\":true",
    "\"pad_mode\":\"reflect\"",
    "\"window\":\"hamming\"",
    "\"power\":2",
    "\"n_mels\":64",
    "\"f_min\":20",
    "\"f_max\":24000",
    "\"mel_scale\":\"htk\"",
    "\"mel_norm\":\"none\"",
    "\"top_db\":60",
    "\"amin\":1e-10",
    "\"colormap\":\"magma\"",
    "\"invert\":false",
    "\"width\":800",
    "\"height\":200",
    "\"chunk_size\":1024",
  };
  size_t i;
  int ok = 1;

  msx_config_init (&c);
  c.sample_rate = 48000;
  c.channels = 2;
  c.channel_mode = MSX_CHANNELS_SEPARATE;
  c.n_fft = 1024;
  c.hop_length = 256;
  c.window = MSX_WINDOW_HAMMING;
  c.n_mels = 64;
  c.f_min = 20;
  c.f_max = 0;
  c.mel_scale = MSX_MEL_SCALE_HTK;
  c.mel_norm = MSX_MEL_NORM_NONE;
  c.top_db = 60;
  c.colormap = MSX_COLORMAP_MAGMA;
  c.width = 800;
  c.height = 200;
  msx_check (msx_config_to_json (&c, 2.5, json, sizeof json) == MSX_OK,
      "to_json fits 2 KiB");
  printf ("# %s\n", json);
  for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    if (!strstr (json, keys[i])) {
      printf ("# missing %s\n", keys[i]);
      ok = 0;
    }
  }
  msx_check (ok, "JSON holds every parameter with its effective value");
  snprintf (key, sizeof key, "{\"version\":\"%s\"", msx_version ());
  msx_check (strncmp (json, key, strlen (key)) == 0 &&
                 json[strlen (json) - 1] == '}' && !strchr (json, '\n'),
      "JSON is one line starting with the version");
  msx_check (strcmp (msx_version (), "0.1.0") == 0, "version 0.1.0");
  msx_config_to_json (&c, -1, json, sizeof json);
  msx_check (
      strstr (json, "\"duration\":null") != NULL, "unknown duration is null");
  msx_check (
      msx_config_to_json (&c, 1, small, sizeof small) == MSX_ERROR_NO_MEMORY &&
          small[0] == '\0',
      "too small buffer refused");
}

static void
test_names (void)
{
  static const char *const maps[] = { "inferno", "viridis", "magma", "plasma",
    "cividis", "greys", "blues", "greens", "reds", "purples", "oranges" };
  int i, ok = 1;

  for (i = 0; i < MSX_COLORMAP_COUNT; i++)
    ok &= strcmp (msx_colormap_name (i), maps[i]) == 0 &&
          msx_colormap_from_name (maps[i]) == i;
  msx_check (ok, "colormap names round-trip in the enum's order");
  msx_check (msx_colormap_from_name ("Magma") == MSX_COLORMAP_MAGMA,
      "colormap names are case-insensitive");
  msx_check (msx_colormap_from_name ("jet") == -1 &&
                 msx_colormap_from_name (NULL) == -1 &&
                 msx_colormap_name (MSX_COLORMAP_COUNT) == NULL,
      "unknown colormap refused");
  msx_check (!strcmp (msx_window_type_name (MSX_WINDOW_HANN), "hann") &&
                 !strcmp (msx_window_type_name (MSX_WINDOW_RECTANGULAR),
                     "rectangular") &&
                 !strcmp (msx_window_type_name (MSX_WINDOW_POVEY), "povey") &&
                 msx_window_type_name (5) == NULL,
      "window names");
}

/* What a picture keeps whatever the input length is bounded: the
 * defaults take a few MiB per lane; a 16384-wide picture of 1024 bands in
 * 8 lanes is refused, naming width, n-mels and the memory. */
static void
test_picture_memory (void)
{
  MsxConfig c;
  char msg[256] = "";

  msx_config_init (&c);
  msx_check (msx_config_picture_bytes (&c, 0) ==
                 4ull * 1024 * 128 * 8 + 1024ull * 128 * 4 + 1024ull * 256 * 4,
      "image mode: 4 x width float64 sums, their dB and the pixels");
  msx_check (msx_config_picture_bytes (&c, 1) ==
                 1024ull * 128 * 4 + 2ull * 1024 * 256 * 4,
      "stream mode: width dB columns and two copies of the pixels");
  msx_check (msx_config_check_picture (&c, 0, msg, sizeof msg) == MSX_OK,
      "the defaults fit");
  c.channels = 16;
  c.channel_mode = MSX_CHANNELS_SEPARATE;
  msx_check (msx_config_check_picture (&c, 0, msg, sizeof msg) == MSX_OK,
      "16 lanes at the defaults fit");
  c.channels = 64;
  msx_check (msx_config_check_picture (&c, 0, msg, sizeof msg) ==
                 MSX_ERROR_INVALID_ARGUMENT,
      "64 lanes at the defaults are refused (289 MiB)");
  c.n_mels = 32;
  msx_check (msx_config_check_picture (&c, 0, msg, sizeof msg) == MSX_OK,
      "64 lanes of 32 bands fit");
  c.n_mels = 128;
  c.channels = 8;
  c.width = 16384;
  c.n_mels = 1024;
  c.n_fft = 4096;
  msx_check (msx_config_check_picture (&c, 0, msg, sizeof msg) ==
                 MSX_ERROR_INVALID_ARGUMENT,
      "16384 x 1024 bands x 8 lanes is refused");
  printf ("# %s\n", msg);
  msx_check (strstr (msg, "width 16384") && strstr (msg, "n-mels 1024") &&
                 strstr (msg, "MiB") && strstr (msg, "channel-mode=mix"),
      "the refusal names width, n-mels, the memory and channel-mode");
}

int
main (void)
{
  size_t i;

  test_defaults ();
  test_valid_edges ();
  for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
    test_invalid (&invalid[i]);
  test_helpers ();
  test_json ();
  test_names ();
  test_picture_memory ();
  return msx_test_done ();
}
