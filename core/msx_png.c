/* melspecx core — PNG encoding with a metadata chunk.
 * SPDX-License-Identifier: MIT
 *
 * The chunks are written here and libdeflate compresses the image in one
 * call: the rows, each behind its filter byte, are laid out whole first.
 * Measured on real spectrograms (bench/png_levels, docs/performance.md),
 * a colormapped picture deflates best unfiltered (the filters turn
 * repeated colours into varied differences), and libdeflate's level 1
 * encodes 1024x256 RGB in ~4 ms where zlib's level 1 (through libpng) took
 * ~11 ms, for a file ~12 % larger.
 */
#include <libdeflate.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "msx_bigmem.h"
#include "msx_png.h"

#define MSX_PNG_DEFLATE_LEVEL 1
/* A chunk's length field holds at most 2^31 - 1. */
#define PNG_MAX_CHUNK 0x7fffffffu

/* Compressors kept between pictures: making one allocates its hash
 * tables, ~2 ms of fresh pages on the development VM, half the encoding.
 * One per picture encoded at the same time (a batch's threads), up to
 * KEEP_COMPRESSORS; a picture beyond them makes its own. */
#define KEEP_COMPRESSORS 8

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct libdeflate_compressor *cached[KEEP_COMPRESSORS];
static int n_cached;

static struct libdeflate_compressor *
compressor_take (void)
{
  struct libdeflate_compressor *c = NULL;

  pthread_mutex_lock (&cache_lock);
  if (n_cached > 0)
    c = cached[--n_cached];
  pthread_mutex_unlock (&cache_lock);
  return c ? c : libdeflate_alloc_compressor (MSX_PNG_DEFLATE_LEVEL);
}

static void
compressor_give (struct libdeflate_compressor *c)
{
  pthread_mutex_lock (&cache_lock);
  if (n_cached < KEEP_COMPRESSORS) {
    cached[n_cached++] = c;
    c = NULL;
  }
  pthread_mutex_unlock (&cache_lock);
  libdeflate_free_compressor (c);
}

__attribute__ ((destructor)) static void
compressor_cache_free (void)
{
  while (n_cached > 0)
    libdeflate_free_compressor (cached[--n_cached]);
}

static uint8_t *
put32 (uint8_t *p, uint32_t v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
  return p + 4;
}

/* Writes a chunk's length and type at @p; its data follows. */
static uint8_t *
chunk_begin (uint8_t *p, const char *type, size_t length)
{
  p = put32 (p, (uint32_t)length);
  memcpy (p, type, 4);
  return p + 4;
}

/* Ends the chunk whose data ends at @end: the CRC of its type and data. */
static uint8_t *
chunk_end (uint8_t *start, uint8_t *end)
{
  return put32 (end, libdeflate_crc32 (0, start + 4, end - (start + 4)));
}

/* The PNG colour type and channels for @fmt: the x variants drop their
 * padding byte, BGR orders are swapped to RGB. */
static int
png_color_type (MsxPixelFormat fmt, int *channels)
{
  switch (fmt) {
    case MSX_PIXEL_RGBA:
    case MSX_PIXEL_BGRA:
      *channels = 4;
      return 6; /* truecolour with alpha */
    case MSX_PIXEL_GRAY8:
      *channels = 1;
      return 0; /* greyscale */
    default:
      *channels = 3;
      return 2; /* truecolour */
  }
}

/* Converts one row of @fmt to the PNG layout (RGBA or RGB). */
static void
convert_row (const uint8_t *src, MsxPixelFormat fmt, int width, uint8_t *dst)
{
  int bgr = fmt == MSX_PIXEL_BGRA || fmt == MSX_PIXEL_BGRX;
  int alpha = fmt == MSX_PIXEL_BGRA;
  int x;

  for (x = 0; x < width; x++, src += 4) {
    *dst++ = bgr ? src[2] : src[0];
    *dst++ = src[1];
    *dst++ = bgr ? src[0] : src[2];
    if (alpha)
      *dst++ = src[3];
  }
}

static int
needs_conversion (MsxPixelFormat fmt)
{
  return fmt == MSX_PIXEL_RGBX || fmt == MSX_PIXEL_BGRA ||
         fmt == MSX_PIXEL_BGRX;
}

/* The image data before compression: each row behind filter byte 0. */
static void
lay_out_rows (const uint8_t *pixels, MsxPixelFormat fmt, int width, int height,
    size_t stride, size_t row_bytes, uint8_t *raw)
{
  int y;

  for (y = 0; y < height; y++, raw += 1 + row_bytes) {
    const uint8_t *src = pixels + (size_t)y * stride;

    raw[0] = 0;
    if (needs_conversion (fmt))
      convert_row (src, fmt, width, raw + 1);
    else
      memcpy (raw + 1, src, row_bytes);
  }
}

MsxStatus
msx_png_encode (const uint8_t *pixels, MsxPixelFormat fmt, int width,
    int height, size_t stride, const char *text_key, const char *text,
    uint8_t **png_out, size_t *png_size)
{
  static const uint8_t signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
    '\n' };
  struct libdeflate_compressor *c;
  size_t key_len = text_key ? strlen (text_key) : 0;
  size_t text_len = text_key && text ? strlen (text) : 0;
  size_t row_bytes, raw_size, bound, total, work_size, idat_len;
  uint8_t *raw, *png, *p, *chunk;
  int channels, color;

  *png_out = NULL;
  *png_size = 0;
  if (pixels == NULL || width < 1 || height < 1 || (int)fmt < MSX_PIXEL_RGBA ||
      fmt > MSX_PIXEL_GRAY8 || (size_t)width > PNG_MAX_CHUNK / 4 ||
      (size_t)height > PNG_MAX_CHUNK ||
      stride < (size_t)width * msx_pixel_size (fmt) ||
      (text_key != NULL && (key_len < 1 || key_len > 79)) ||
      text_len > PNG_MAX_CHUNK - 80)
    return MSX_ERROR_INVALID_ARGUMENT;
  color = png_color_type (fmt, &channels);
  row_bytes = (size_t)width * channels;
  if ((size_t)height > SIZE_MAX / 2 / (1 + row_bytes))
    return MSX_ERROR_NO_MEMORY;
  raw_size = (1 + row_bytes) * (size_t)height;

  c = compressor_take ();
  if (c == NULL)
    return MSX_ERROR_NO_MEMORY;
  bound = libdeflate_zlib_compress_bound (c, raw_size);
  total = sizeof signature + 25 + (text_key ? 12 + key_len + 1 + text_len : 0) +
          12 + bound + 12;
  /* The rows and then the file are laid out in one big buffer (1.6 MB for
   * 1024x256 RGB, one huge page), and the file is copied out at its size:
   * a malloc() of the bound each time (~790 KiB) came fresh from the
   * kernel, since glibc's threshold for mapping an allocation of its own
   * follows the sizes freed, here the smaller file. */
  if (total > SIZE_MAX - raw_size) {
    compressor_give (c);
    return MSX_ERROR_NO_MEMORY;
  }
  work_size = raw_size + total;
  raw = msx_big_alloc (work_size);
  if (raw == NULL) {
    compressor_give (c);
    return MSX_ERROR_NO_MEMORY;
  }
  png = raw + raw_size;
  lay_out_rows (pixels, fmt, width, height, stride, row_bytes, raw);

  p = png;
  memcpy (p, signature, sizeof signature);
  p += sizeof signature;
  chunk = p;
  p = chunk_begin (p, "IHDR", 13);
  p = put32 (p, (uint32_t)width);
  p = put32 (p, (uint32_t)height);
  *p++ = 8;     /* bits per channel */
  *p++ = color; /* colour type */
  *p++ = 0;     /* deflate */
  *p++ = 0;     /* adaptive filtering, each row saying its filter */
  *p++ = 0;     /* not interlaced */
  p = chunk_end (chunk, p);
  if (text_key != NULL) {
    chunk = p;
    p = chunk_begin (p, "tEXt", key_len + 1 + text_len);
    memcpy (p, text_key, key_len + 1);
    memcpy (p + key_len + 1, text ? text : "", text_len);
    p = chunk_end (chunk, p + key_len + 1 + text_len);
  }
  chunk = p;
  idat_len = libdeflate_zlib_compress (c, raw, raw_size, p + 8, bound);
  compressor_give (c);
  if (idat_len == 0 || idat_len > PNG_MAX_CHUNK) {
    msx_big_free (raw, work_size);
    return MSX_ERROR_PNG;
  }
  p = chunk_begin (p, "IDAT", idat_len);
  p = chunk_end (chunk, p + idat_len);
  chunk = p;
  p = chunk_begin (p, "IEND", 0);
  p = chunk_end (chunk, p);

  *png_size = p - png;
  *png_out = malloc (*png_size);
  if (*png_out != NULL)
    memcpy (*png_out, png, *png_size);
  msx_big_free (raw, work_size);
  if (*png_out == NULL) {
    *png_size = 0;
    return MSX_ERROR_NO_MEMORY;
  }
  return MSX_OK;
}
