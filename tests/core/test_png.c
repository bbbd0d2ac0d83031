/* Tests of msx_png: encode, decode with libpng here, compare.
 * SPDX-License-Identifier: MIT
 */
#include <png.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "msx_png.h"
#include "msx_test.h"

typedef struct {
  const uint8_t *data;
  size_t size, pos;
} Source;

typedef struct {
  int width, height, color, channels;
  uint8_t *pixels; /* height × width × channels */
  char key[80], text[4096];
  int n_text;
} Decoded;

static void
source_read (png_structp png, png_bytep out, png_size_t n)
{
  Source *src = png_get_io_ptr (png);

  if (n > src->size - src->pos)
    png_error (png, "truncated");
  memcpy (out, src->data + src->pos, n);
  src->pos += n;
}

/* Returns 0 on success; everything libpng reports is a failure. */
static int
decode (const uint8_t *data, size_t size, Decoded *d)
{
  Source src = { data, size, 0 };
  png_structp png =
      png_create_read_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct (png);
  png_textp text;
  int y;

  memset (d, 0, sizeof (*d));
  if (setjmp (png_jmpbuf (png))) {
    png_destroy_read_struct (&png, &info, NULL);
    return -1;
  }
  png_set_read_fn (png, &src, source_read);
  png_read_info (png, info);
  d->width = png_get_image_width (png, info);
  d->height = png_get_image_height (png, info);
  d->color = png_get_color_type (png, info);
  d->channels = png_get_channels (png, info);
  d->pixels = malloc ((size_t)d->width * d->height * d->channels);
  for (y = 0; y < d->height; y++)
    png_read_row (png, d->pixels + (size_t)y * d->width * d->channels, NULL);
  png_read_end (png, info);
  d->n_text = png_get_text (png, info, &text, NULL);
  if (d->n_text > 0) {
    snprintf (d->key, sizeof (d->key), "%s", text[0].key);
    snprintf (d->text, sizeof (d->text), "%s", text[0].text);
  }
  png_destroy_read_struct (&png, &info, NULL);
  return 0;
}

/* What the PNG must hold for pixel (x, y) of @fmt: BGR swapped to RGB, the
 * x byte dropped, alpha kept. */
static int
same_pixels (const uint8_t *px, MsxPixelFormat fmt, int w, int h, size_t stride,
    const Decoded *d)
{
  int bpp = msx_pixel_size (fmt), x, y, c;
  int bgr = fmt == MSX_PIXEL_BGRA || fmt == MSX_PIXEL_BGRX;
  static const int rgb_of[4] = { 0, 1, 2, 3 }, bgr_of[4] = { 2, 1, 0, 3 };

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      for (c = 0; c < d->channels; c++) {
        int sc = bgr ? bgr_of[c] : rgb_of[c];

        if (d->pixels[((size_t)y * w + x) * d->channels + c] !=
            px[y * stride + (size_t)x * bpp + sc])
          return 0;
      }
  return 1;
}

static void
round_trip (
    MsxPixelFormat fmt, const char *name, int want_color, int want_channels)
{
  enum { W = 37, H = 11 };
  size_t stride = W * msx_pixel_size (fmt) + 5; /* padded rows */
  uint8_t *px = malloc (stride * H), *png = NULL;
  size_t png_size = 0, i;
  const char *json = "{\"n_fft\":2048,\"colormap\":\"inferno\"}";
  Decoded d;
  char what[96];

  srand (fmt + 1);
  for (i = 0; i < stride * H; i++)
    px[i] = rand () & 255;
  snprintf (what, sizeof (what), "%s: encodes", name);
  msx_check (msx_png_encode (px, fmt, W, H, stride, "melspecx", json, &png,
                 &png_size) == MSX_OK &&
                 png_size > 8,
      what);
  snprintf (what, sizeof (what), "%s: decodes as %dx%d, %d channels", name, W,
      H, want_channels);
  msx_check (decode (png, png_size, &d) == 0 && d.width == W && d.height == H &&
                 d.color == want_color && d.channels == want_channels,
      what);
  snprintf (what, sizeof (what), "%s: pixels round-trip", name);
  msx_check (d.pixels && same_pixels (px, fmt, W, H, stride, &d), what);
  snprintf (what, sizeof (what), "%s: tEXt melspecx equals the input", name);
  msx_check (d.n_text == 1 && strcmp (d.key, "melspecx") == 0 &&
                 strcmp (d.text, json) == 0,
      what);
  free (d.pixels);
  free (px);
  free (png);
}

static void
test_no_text_and_errors (void)
{
  uint8_t px[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, *png = NULL;
  size_t size = 0;
  Decoded d;

  msx_png_encode (px, MSX_PIXEL_GRAY8, 4, 3, 4, NULL, NULL, &png, &size);
  msx_check (png && memcmp (png, "\x89PNG\r\n\x1a\n", 8) == 0, "PNG signature");
  msx_check (decode (png, size, &d) == 0 && d.n_text == 0 && d.pixels[11] == 12,
      "no key: no tEXt chunk, pixels intact");
  free (d.pixels);
  free (png);
  msx_check (msx_png_encode (px, MSX_PIXEL_RGBA, 0, 3, 4, NULL, NULL, &png,
                 &size) == MSX_ERROR_INVALID_ARGUMENT &&
                 png == NULL,
      "width 0 refused");
  msx_check (msx_png_encode (px, MSX_PIXEL_RGBA, 4, 3, 4, NULL, NULL, &png,
                 &size) == MSX_ERROR_INVALID_ARGUMENT,
      "stride too small refused");
  msx_check (msx_png_encode (px, MSX_PIXEL_GRAY8, 4, 3, 4, "", "x", &png,
                 &size) == MSX_ERROR_INVALID_ARGUMENT,
      "empty key refused");
}

/* Pictures encoded on several threads at once (the batch command renders
 * files in parallel; the writer keeps compressors and big buffers between
 * pictures): each is the bytes a lone encoding gives. */
enum { MT_W = 300, MT_H = 40, MT_THREADS = 4, MT_ROUNDS = 25 };

typedef struct {
  const uint8_t *px;
  const uint8_t *want;
  size_t want_size;
  int same; /* every encoding equal to @want */
} EncodeJob;

static void *
encode_repeatedly (void *data)
{
  EncodeJob *job = data;
  int i;

  job->same = 1;
  for (i = 0; i < MT_ROUNDS; i++) {
    uint8_t *png = NULL;
    size_t size = 0;

    if (msx_png_encode (job->px, MSX_PIXEL_RGB, MT_W, MT_H, MT_W * 3,
            "melspecx", "{}", &png, &size) != MSX_OK ||
        size != job->want_size || memcmp (png, job->want, size) != 0)
      job->same = 0;
    free (png);
  }
  return NULL;
}

static void
test_threads (void)
{
  uint8_t *px = malloc ((size_t)MT_W * MT_H * 3), *want = NULL;
  size_t want_size = 0, i;
  pthread_t threads[MT_THREADS];
  EncodeJob jobs[MT_THREADS];
  int t, all_same = 1;
  Decoded d;

  for (i = 0; i < (size_t)MT_W * MT_H * 3; i++)
    px[i] = (uint8_t)((i / 3) % 97 < 50 ? i % 7 : (i * 31) >> 4);
  msx_check (msx_png_encode (px, MSX_PIXEL_RGB, MT_W, MT_H, MT_W * 3,
                 "melspecx", "{}", &want, &want_size) == MSX_OK &&
                 decode (want, want_size, &d) == 0 &&
                 same_pixels (px, MSX_PIXEL_RGB, MT_W, MT_H, MT_W * 3, &d),
      "threads: the lone encoding round-trips");
  free (d.pixels);
  for (t = 0; t < MT_THREADS; t++) {
    jobs[t] = (EncodeJob){ px, want, want_size, 0 };
    pthread_create (&threads[t], NULL, encode_repeatedly, &jobs[t]);
  }
  for (t = 0; t < MT_THREADS; t++) {
    pthread_join (threads[t], NULL);
    all_same &= jobs[t].same;
  }
  msx_check (all_same, "threads: 4 x 25 concurrent encodings, the same bytes");
  free (want);
  free (px);
}

int
main (void)
{
  round_trip (MSX_PIXEL_RGBA, "RGBA", PNG_COLOR_TYPE_RGB_ALPHA, 4);
  round_trip (MSX_PIXEL_BGRA, "BGRA", PNG_COLOR_TYPE_RGB_ALPHA, 4);
  round_trip (MSX_PIXEL_RGBX, "RGBx", PNG_COLOR_TYPE_RGB, 3);
  round_trip (MSX_PIXEL_BGRX, "BGRx", PNG_COLOR_TYPE_RGB, 3);
  round_trip (MSX_PIXEL_RGB, "RGB", PNG_COLOR_TYPE_RGB, 3);
  round_trip (MSX_PIXEL_GRAY8, "GRAY8", PNG_COLOR_TYPE_GRAY, 1);
  test_no_text_and_errors ();
  test_threads ();
  return msx_test_done ();
}
