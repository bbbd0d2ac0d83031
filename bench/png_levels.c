/* melspecx bench — PNG encoding cost: zlib level × row filter × format.
 * SPDX-License-Identifier: MIT
 *
 * Reads spectrogram PNGs (any PNG libpng reads) and encodes each again with
 * every zlib level (0..9), each row-filter choice (none, sub, up, paeth and
 * libpng's adaptive choice among all five) and as RGBA and RGB, timing the
 * whole libpng write into memory; then, unfiltered, with libdeflate's
 * levels 0..12 (the rows laid out behind their filter bytes and compressed
 * in one call, as melspecx's own writer does).  Prints one markdown table
 * per input: the median time of --runs encodings and the size.
 * GStreamer's pngenc always writes filter none at its compression-level
 * (default 6), so its rows are the "none" ones.
 *
 *   BUILD/bench/png_levels [--runs N] a.png [b.png ...]
 */
#include <libdeflate.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
  const char *name;
  int filters; /* png_set_filter mask */
} Filter;

static const Filter filters[] = {
  { "none", PNG_FILTER_NONE },
  { "sub", PNG_FILTER_SUB },
  { "up", PNG_FILTER_UP },
  { "paeth", PNG_FILTER_PAETH },
  { "all", PNG_ALL_FILTERS },
};

typedef struct {
  unsigned char *data;
  size_t size, alloc;
} Sink;

static void
sink_write (png_structp png, png_bytep bytes, png_size_t n)
{
  Sink *s = png_get_io_ptr (png);

  if (s->size + n > s->alloc) {
    size_t want = s->alloc ? s->alloc : 65536;
    unsigned char *data;
    while (want < s->size + n)
      want *= 2;
    data = realloc (s->data, want);
    if (data == NULL)
      png_error (png, "out of memory");
    s->data = data;
    s->alloc = want;
  }
  memcpy (s->data + s->size, bytes, n);
  s->size += n;
}

static void
sink_flush (png_structp png)
{
}

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* One encoding; returns its size in bytes, 0 on failure. */
static size_t
encode (const unsigned char *pixels, int width, int height, int channels,
    int level, int filter_mask)
{
  png_structp png =
      png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct (png);
  Sink sink = { NULL, 0, 0 };
  size_t size = 0;
  int y;

  if (setjmp (png_jmpbuf (png)))
    goto done;
  png_set_write_fn (png, &sink, sink_write, sink_flush);
  png_set_filter (png, PNG_FILTER_TYPE_BASE, filter_mask);
  png_set_compression_level (png, level);
  png_set_IHDR (png, info, width, height, 8,
      channels == 4 ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB,
      PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
      PNG_FILTER_TYPE_DEFAULT);
  png_write_info (png, info);
  for (y = 0; y < height; y++)
    png_write_row (png, pixels + (size_t)y * width * channels);
  png_write_end (png, info);
  size = sink.size;

done:
  png_destroy_write_struct (&png, &info);
  free (sink.data);
  return size;
}

/* One libdeflate encoding of the unfiltered rows, with a compressor made
 * for it; returns the zlib stream's size, 0 on failure. */
static size_t
encode_deflate (const unsigned char *pixels, int width, int height,
    int channels, int level, int unused)
{
  size_t row = (size_t)width * channels, raw_size = (1 + row) * height, bound,
         size;
  struct libdeflate_compressor *c = libdeflate_alloc_compressor (level);
  unsigned char *raw = malloc (raw_size), *out;
  int y;

  if (c == NULL || raw == NULL) {
    libdeflate_free_compressor (c);
    free (raw);
    return 0;
  }
  for (y = 0; y < height; y++) {
    raw[y * (1 + row)] = 0;
    memcpy (raw + y * (1 + row) + 1, pixels + y * row, row);
  }
  bound = libdeflate_zlib_compress_bound (c, raw_size);
  out = malloc (bound);
  size = out ? libdeflate_zlib_compress (c, raw, raw_size, out, bound) : 0;
  libdeflate_free_compressor (c);
  free (raw);
  free (out);
  return size;
}

typedef size_t (*Encoder) (const unsigned char *pixels, int width, int height,
    int channels, int level, int filter_mask);

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

static double
median_ms (Encoder enc, const unsigned char *pixels, int w, int h, int channels,
    int level, int mask, int runs, size_t *size)
{
  double *t = malloc (runs * sizeof (double)), m;
  int i;

  for (i = 0; i < runs; i++) {
    double t0 = now_s ();
    *size = enc (pixels, w, h, channels, level, mask);
    t[i] = (now_s () - t0) * 1e3;
  }
  qsort (t, runs, sizeof (double), cmp_double);
  m = t[runs / 2];
  free (t);
  return m;
}

/* RGBA → RGB, dropping the alpha byte. */
static unsigned char *
to_rgb (const unsigned char *rgba, size_t n_pixels)
{
  unsigned char *rgb = malloc (n_pixels * 3);
  size_t i;

  for (i = 0; rgb && i < n_pixels; i++)
    memcpy (rgb + 3 * i, rgba + 4 * i, 3);
  return rgb;
}

static int
bench_file (const char *path, int runs)
{
  png_image img;
  unsigned char *rgba, *rgb;
  int f, level, fmt;

  memset (&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file (&img, path)) {
    fprintf (stderr, "%s: %s\n", path, img.message);
    return 1;
  }
  img.format = PNG_FORMAT_RGBA;
  rgba = malloc (PNG_IMAGE_SIZE (img));
  if (!rgba || !png_image_finish_read (&img, NULL, rgba, 0, NULL)) {
    fprintf (stderr, "%s: %s\n", path, img.message);
    free (rgba);
    return 1;
  }
  rgb = to_rgb (rgba, (size_t)img.width * img.height);
  printf ("\n%s (%ux%u), median of %d encodings\n\n", path, img.width,
      img.height, runs);
  printf ("| format | filter | level | ms | KiB |\n|---|---|---|---|---|\n");
  for (fmt = 0; fmt < 2; fmt++)
    for (f = 0; f < (int)(sizeof filters / sizeof filters[0]); f++)
      for (level = 0; level <= 9; level++) {
        size_t size = 0;
        double ms = median_ms (encode, fmt ? rgb : rgba, img.width, img.height,
            fmt ? 3 : 4, level, filters[f].filters, runs, &size);
        printf ("| %s | %s | zlib %d | %.1f | %.0f |\n", fmt ? "RGB" : "RGBA",
            filters[f].name, level, ms, size / 1024.0);
      }
  for (fmt = 0; fmt < 2; fmt++)
    for (level = 0; level <= 12; level++) {
      size_t size = 0;
      double ms = median_ms (encode_deflate, fmt ? rgb : rgba, img.width,
          img.height, fmt ? 3 : 4, level, 0, runs, &size);
      printf ("| %s | none | libdeflate %d | %.1f | %.0f |\n",
          fmt ? "RGB" : "RGBA", level, ms, size / 1024.0);
    }
  free (rgba);
  free (rgb);
  return 0;
}

int
main (int argc, char **argv)
{
  int runs = 5, i, ret = 0;

  for (i = 1; i < argc; i++) {
    if (!strcmp (argv[i], "--runs") && i + 1 < argc) {
      runs = atoi (argv[++i]);
      if (runs < 1)
        runs = 1;
    } else {
      ret |= bench_file (argv[i], runs);
    }
  }
  if (argc < 2) {
    fprintf (stderr, "usage: %s [--runs N] FILE.png ...\n", argv[0]);
    return 2;
  }
  return ret;
}
