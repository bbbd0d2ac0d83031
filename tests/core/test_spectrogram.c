/* Tests of msx_spectrogram: whole-input pictures from real signals.
 * SPDX-License-Identifier: MIT
 *
 * Set MSX_TEST_PNG_DIR to keep the chirp picture (chirp.png) for a look.
 */
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "msx_colormap.h"
#include "msx_png.h"
#include "msx_spectrogram.h"
#include "msx_test.h"

#define RATE 22050

/* Slaney mel scale (librosa's default), written out here as the reference. */
static double
hz_to_mel (double f)
{
  return f < 1000.0 ? 3.0 * f / 200.0
                    : 15.0 + 27.0 * log (f / 1000.0) / log (6.4);
}

static double
mel_to_hz (double m)
{
  return m < 15.0 ? 200.0 * m / 3.0
                  : 1000.0 * exp ((m - 15.0) * log (6.4) / 27.0);
}

/* Centre frequency of band @b of @n bands between 0 and @fmax Hz. */
static double
band_centre (int b, int n, double fmax)
{
  return mel_to_hz ((b + 1) * hz_to_mel (fmax) / (n + 1));
}

static MsxSpectrogram *
make (int channels, int mode, int chunk, int width, int height)
{
  MsxConfig c;
  MsxSpectrogram *sg = NULL;
  char msg[256] = "";

  msx_config_init (&c);
  c.sample_rate = RATE;
  c.channels = channels;
  c.channel_mode = mode;
  c.chunk_size = chunk;
  c.width = width;
  c.height = height;
  c.backend = MSX_BACKEND_CPU;
  if (msx_spectrogram_new (&c, &sg, msg, sizeof (msg)) != MSX_OK)
    printf ("# msx_spectrogram_new: %s\n", msg);
  return sg;
}

/* Pushes @n samples (per channel, interleaved) in pieces of @piece. */
static void
feed (MsxSpectrogram *sg, const float *x, size_t n, int channels, size_t piece)
{
  size_t i;

  for (i = 0; i < n; i += piece)
    msx_spectrogram_push (sg, x + i * channels, n - i < piece ? n - i : piece);
  msx_spectrogram_finish (sg);
}

static float *
sine (double hz, size_t n, double amp)
{
  float *x = malloc (n * sizeof (float));
  size_t i;

  for (i = 0; i < n; i++)
    x[i] = (float)(amp * sin (2 * M_PI * hz * i / RATE));
  return x;
}

/* The row (0 = top) of rows [r0, r1) whose mean gray over all columns is
 * highest. */
static int
brightest_row (const uint8_t *g, int w, int r0, int r1)
{
  double best = -1.0;
  int r, c, best_r = -1;

  for (r = r0; r < r1; r++) {
    double s = 0.0;

    for (c = 0; c < w; c++)
      s += g[(size_t)r * w + c];
    if (s > best) {
      best = s;
      best_r = r;
    }
  }
  return best_r;
}

/* A sine at the centre of mel band 40 (of 128, 0..8000 Hz): with one pixel
 * row per band, the brightest row is 127 − 40. */
static void
test_sine_row (void)
{
  enum { W = 64, H = 128, N = RATE * 2 };
  double hz = band_centre (40, 128, 8000.0);
  MsxSpectrogram *sg = make (1, MSX_CHANNELS_MIX, 1024, W, H);
  float *x = sine (hz, N, 0.5);
  uint8_t *g = malloc (W * H);
  char what[96];

  feed (sg, x, N, 1, 4096);
  msx_check (msx_spectrogram_render (sg, MSX_PIXEL_GRAY8, W, H, g, W) == MSX_OK,
      "sine renders");
  snprintf (what, sizeof (what), "%.1f Hz: brightest row %d = 127 - band 40",
      hz, brightest_row (g, W, 0, H));
  msx_check (brightest_row (g, W, 0, H) == H - 1 - 40, what);
  msx_check (
      msx_spectrogram_frames (sg) == 1 + N / 512, "frames: 1 + L/hop (center)");
  msx_check_close (msx_spectrogram_duration (sg), 2.0, 1e-12, "duration 2 s");
  msx_spectrogram_free (sg);
  free (x);
  free (g);
}

/* Channel 0 at band 20, channel 1 at band 90, separate lanes of 128 rows:
 * each lane's brightest row is its own band, lane 0 on top. */
static void
test_lanes (void)
{
  enum { W = 32, H = 256, N = RATE };
  float *a = sine (band_centre (20, 128, 8000.0), N, 0.5);
  float *b = sine (band_centre (90, 128, 8000.0), N, 0.05);
  float *x = malloc (2 * N * sizeof (float));
  uint8_t *g = malloc (W * H);
  MsxSpectrogram *sg = make (2, MSX_CHANNELS_SEPARATE, 1024, W, H);
  int i;

  for (i = 0; i < N; i++) {
    x[2 * i] = a[i];
    x[2 * i + 1] = b[i];
  }
  feed (sg, x, N, 2, 1000);
  msx_spectrogram_render (sg, MSX_PIXEL_GRAY8, W, H, g, W);
  msx_check (brightest_row (g, W, 0, 128) == 127 - 20, "lane 0 (top): band 20");
  msx_check (
      brightest_row (g, W, 128, 256) == 255 - 90, "lane 1 (bottom): band 90");
  /* One ref for all lanes: lane 1 is 20 dB quieter, so its peak is dimmer. */
  msx_check (g[(255 - 90) * W + W / 2] < g[(127 - 20) * W + W / 2],
      "lanes share one dB reference");
  msx_spectrogram_free (sg);
  free (a);
  free (b);
  free (x);
  free (g);
}

/* Exponential chirp 60 Hz → 7 kHz.  Returns the RGBA picture. */
static uint8_t *
chirp_rgba (int chunk, size_t piece, int w, int h)
{
  size_t n = RATE * 4, i;
  float *x = malloc (n * sizeof (float));
  uint8_t *px = malloc ((size_t)w * h * 4);
  double k = log (7000.0 / 60.0) / n;
  MsxSpectrogram *sg = make (1, MSX_CHANNELS_MIX, chunk, w, h);

  for (i = 0; i < n; i++) /* phase = ∫ 2π·60·e^(k·t) */
    x[i] = (float)(0.5 * sin (2 * M_PI * 60.0 / RATE * (exp (k * i) - 1) / k));
  feed (sg, x, n, 1, piece);
  msx_spectrogram_render (sg, MSX_PIXEL_RGBA, w, h, px, (size_t)w * 4);
  msx_spectrogram_free (sg);
  free (x);
  return px;
}

static void
test_chunk_invariance (void)
{
  enum { W = 300, H = 200 };
  uint8_t *a = chirp_rgba (1, 333, W, H), *b = chirp_rgba (7, 4096, W, H);
  uint8_t *c = chirp_rgba (4096, 1, W, H);

  msx_check (memcmp (a, b, W * H * 4) == 0, "chunk 1 and 7: same pixels");
  msx_check (memcmp (a, c, W * H * 4) == 0, "chunk 1 and 4096: same pixels");
  free (a);
  free (b);
  free (c);
}

/* Rows from the green channel of the colormapped chirp (inferno's green
 * rises with the level): the peak climbs from the bottom to the top. */
static void
test_chirp_rises (void)
{
  enum { W = 256, H = 128 };
  uint8_t *px = chirp_rgba (1024, 4096, W, H);
  const char *dir = getenv ("MSX_TEST_PNG_DIR");
  int c, prev = H, rising = 1, first = -1, last = -1;

  for (c = 8; c < W - 8; c += 8) {
    int r, best = 0, best_r = 0;

    for (r = 0; r < H; r++)
      if (px[((size_t)r * W + c) * 4 + 1] > best) {
        best = px[((size_t)r * W + c) * 4 + 1];
        best_r = r;
      }
    rising &= best_r <= prev + 1;
    prev = best_r;
    first = first < 0 ? best_r : first;
    last = best_r;
  }
  msx_check (rising && first > H * 3 / 4 && last < H / 4,
      "chirp: the peak row climbs from the bottom to the top");
  if (dir) {
    char path[4096];
    uint8_t *png;
    size_t size;
    FILE *f;

    snprintf (path, sizeof (path), "%s/chirp.png", dir);
    msx_png_encode (px, MSX_PIXEL_RGBA, W, H, W * 4, NULL, NULL, &png, &size);
    f = fopen (path, "wb");
    if (f) {
      fwrite (png, 1, size, f);
      fclose (f);
      printf ("# wrote %s\n", path);
    }
    free (png);
  }
  free (px);
}

typedef struct {
  const uint8_t *data;
  size_t size, pos;
} Source;

static void
source_read (png_structp png, png_bytep out, png_size_t n)
{
  Source *s = png_get_io_ptr (png);

  if (n > s->size - s->pos)
    png_error (png, "truncated");
  memcpy (out, s->data + s->pos, n);
  s->pos += n;
}

/* Decodes the size and the "melspecx" tEXt chunk of a PNG. */
static int
read_png_text (const uint8_t *data, size_t size, int *w, int *h, char *text,
    size_t text_size)
{
  Source src = { data, size, 0 };
  png_structp png =
      png_create_read_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct (png);
  png_textp t;
  int n, i;

  if (setjmp (png_jmpbuf (png))) {
    png_destroy_read_struct (&png, &info, NULL);
    return -1;
  }
  png_set_read_fn (png, &src, source_read);
  png_read_info (png, info);
  *w = png_get_image_width (png, info);
  *h = png_get_image_height (png, info);
  text[0] = '\0';
  n = png_get_text (png, info, &t, NULL);
  for (i = 0; i < n; i++)
    if (strcmp (t[i].key, "melspecx") == 0)
      snprintf (text, text_size, "%s", t[i].text);
  png_destroy_read_struct (&png, &info, NULL);
  return 0;
}

static void
test_png_chunk (void)
{
  MsxSpectrogram *sg = make (1, MSX_CHANNELS_MIX, 1024, 100, 50);
  float *x = sine (440.0, RATE / 2, 0.5);
  uint8_t *png = NULL;
  size_t size = 0;
  char text[4096];
  int w = 0, h = 0;

  feed (sg, x, RATE / 2, 1, 4096);
  msx_check (msx_spectrogram_render_png (sg, 100, 50, &png, &size) == MSX_OK,
      "render_png");
  msx_check (read_png_text (png, size, &w, &h, text, sizeof (text)) == 0 &&
                 w == 100 && h == 50,
      "PNG decodes at 100x50");
  printf ("# %s\n", text);
  msx_check (strstr (text, "\"n_fft\":2048") &&
                 strstr (text, "\"hop_length\":512") &&
                 strstr (text, "\"n_mels\":128") &&
                 strstr (text, "\"colormap\":\"inferno\"") &&
                 strstr (text, "\"sample_rate\":22050") &&
                 strstr (text, "\"duration\":0.5"),
      "melspecx tEXt holds the parameters and the duration");
  free (png);
  free (x);
  msx_spectrogram_free (sg);
}

/* Every pixel of @px (RGBA) equals inferno's entry 0. */
static int
uniform_level0 (const uint8_t *px, size_t n)
{
  const uint8_t *t = msx_colormap_table (MSX_COLORMAP_INFERNO);
  size_t i;

  for (i = 0; i < n; i++)
    if (px[4 * i] != t[0] || px[4 * i + 1] != t[1] || px[4 * i + 2] != t[2] ||
        px[4 * i + 3] != 255)
      return 0;
  return 1;
}

static void
test_empty_and_silence (void)
{
  enum { W = 40, H = 30 };
  MsxSpectrogram *sg = make (1, MSX_CHANNELS_MIX, 1024, W, H);
  uint8_t px[W * H * 4], *png = NULL;
  float *zeros = calloc (RATE, sizeof (float));
  size_t size = 0;

  msx_spectrogram_finish (sg);
  msx_check (msx_spectrogram_frames (sg) == 0, "empty input: no frames");
  msx_check (
      msx_spectrogram_render (sg, MSX_PIXEL_RGBA, W, H, px, W * 4) == MSX_OK &&
          uniform_level0 (px, W * H),
      "empty input: uniform level 0");
  msx_check (
      msx_spectrogram_render_png (sg, W, H, &png, &size) == MSX_OK && size > 0,
      "empty input: a PNG");
  free (png);
  msx_spectrogram_reset (sg);
  feed (sg, zeros, RATE, 1, 1000);
  memset (px, 0x55, sizeof (px));
  msx_check (msx_spectrogram_frames (sg) > 0 &&
                 msx_spectrogram_render (sg, MSX_PIXEL_RGBA, W, H, px, W * 4) ==
                     MSX_OK &&
                 uniform_level0 (px, W * H),
      "silence: uniform level 0");
  msx_check (msx_spectrogram_render (sg, MSX_PIXEL_RGBA, 0, H, px, W * 4) ==
                 MSX_ERROR_INVALID_ARGUMENT,
      "width 0 refused");
  msx_spectrogram_free (sg);
  free (zeros);
}

/* 100 samples of 1e20 in the middle of 5 s of sine: their power overflows
 * float.  The picture is not uniform: the spike's column is bright, the
 * others dark (the sine is ~360 dB below it, under the floor). */
static void
test_overflow_spike (void)
{
  enum { W = 50, H = 64, N = RATE * 5 };
  MsxSpectrogram *sg = make (1, MSX_CHANNELS_MIX, 1024, W, H);
  float *x = sine (1000.0, N, 0.5);
  uint8_t px[W * H];
  int r, c, spike_max = 0, other_max = 0;

  for (r = 0; r < 100; r++)
    x[N / 2 + r] = r % 2 ? 1e20f : -1e20f;
  feed (sg, x, N, 1, 4096);
  msx_spectrogram_render (sg, MSX_PIXEL_GRAY8, W, H, px, W);
  for (r = 0; r < H; r++)
    for (c = 0; c < W; c++) {
      int v = px[r * W + c];
      if (c == W / 2 && v > spike_max)
        spike_max = v;
      if ((c < W / 2 - 1 || c > W / 2 + 1) && v > other_max)
        other_max = v;
    }
  printf (
      "# spike column up to %d, the others up to %d\n", spike_max, other_max);
  msx_check (spike_max > 200 && other_max < 16,
      "a spike whose power overflows float: its column bright, the rest "
      "dark");
  msx_spectrogram_free (sg);
  free (x);
}

int
main (void)
{
  test_sine_row ();
  test_lanes ();
  test_chunk_invariance ();
  test_chirp_rises ();
  test_png_chunk ();
  test_empty_and_silence ();
  test_overflow_spike ();
  return msx_test_done ();
}
