/* melspecx core — PNG encoding with a metadata chunk.
 * SPDX-License-Identifier: MIT
 *
 * libpng writes through png_set_write_fn into a growing malloc'd buffer;
 * libpng errors longjmp back to one cleanup path that frees everything.
 *
 * zlib level 1 and no row filter: measured on real spectrograms
 * (bench/png_levels, docs/performance.md), a colormapped picture deflates
 * best unfiltered (the filters turn repeated colours into varied
 * differences), and level 1 encodes 1024x256 in ~11 ms where libpng's
 * default (adaptive filters, level 6) takes ~90 ms for a file 30 % larger.
 */
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "msx_png.h"

#define MSX_PNG_ZLIB_LEVEL 1

typedef struct {
  uint8_t *data;
  size_t size;
  size_t alloc;
  int failed;   /* an allocation failed: report NO_MEMORY */
  uint8_t *row; /* one converted row, for BGR and x formats */
} PngSink;

static void
sink_write (png_structp png, png_bytep bytes, png_size_t n)
{
  PngSink *sink = png_get_io_ptr (png);

  if (n > SIZE_MAX - sink->size)
    goto fail;
  if (sink->size + n > sink->alloc) {
    size_t want = sink->alloc ? sink->alloc : 4096;
    uint8_t *data;

    while (want < sink->size + n)
      want = want > SIZE_MAX / 2 ? sink->size + n : want * 2;
    data = realloc (sink->data, want);
    if (data == NULL)
      goto fail;
    sink->data = data;
    sink->alloc = want;
  }
  memcpy (sink->data + sink->size, bytes, n);
  sink->size += n;
  return;

fail:
  sink->failed = 1;
  png_error (png, "out of memory");
}

static void
sink_flush (png_structp png)
{
}

/* The core prints nothing: libpng's default handlers write to stderr. */
static void
on_png_error (png_structp png, png_const_charp msg)
{
  png_longjmp (png, 1);
}

static void
on_png_warning (png_structp png, png_const_charp msg)
{
}

/* The PNG colour type for @fmt: the x variants drop their padding byte,
 * BGR orders are swapped to RGB. */
static int
png_color_type (MsxPixelFormat fmt, int *channels)
{
  switch (fmt) {
    case MSX_PIXEL_RGBA:
    case MSX_PIXEL_BGRA:
      *channels = 4;
      return PNG_COLOR_TYPE_RGB_ALPHA;
    case MSX_PIXEL_GRAY8:
      *channels = 1;
      return PNG_COLOR_TYPE_GRAY;
    default:
      *channels = 3;
      return PNG_COLOR_TYPE_RGB;
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

/* Everything between png_create_write_struct and the end of the image;
 * libpng errors longjmp out of here to msx_png_encode(). */
static void
write_image (png_structp png, png_infop info, const uint8_t *pixels,
    MsxPixelFormat fmt, int width, int height, size_t stride,
    const char *text_key, const char *text, uint8_t *row)
{
  int channels, color = png_color_type (fmt, &channels), y;

  png_set_compression_level (png, MSX_PNG_ZLIB_LEVEL);
  png_set_filter (png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
  png_set_IHDR (png, info, width, height, 8, color, PNG_INTERLACE_NONE,
      PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (text_key != NULL) {
    png_text t;

    memset (&t, 0, sizeof (t));
    t.compression = PNG_TEXT_COMPRESSION_NONE;
    t.key = (png_charp)text_key;
    t.text = (png_charp)(text ? text : "");
    t.text_length = strlen (t.text);
    png_set_text (png, info, &t, 1);
  }
  png_write_info (png, info);
  for (y = 0; y < height; y++) {
    const uint8_t *src = pixels + (size_t)y * stride;

    if (row != NULL) {
      convert_row (src, fmt, width, row);
      src = row;
    }
    png_write_row (png, (png_const_bytep)src);
  }
  png_write_end (png, info);
}

MsxStatus
msx_png_encode (const uint8_t *pixels, MsxPixelFormat fmt, int width,
    int height, size_t stride, const char *text_key, const char *text,
    uint8_t **png_out, size_t *png_size)
{
  PngSink *sink = NULL;
  png_structp png = NULL;
  png_infop info = NULL;
  MsxStatus status = MSX_ERROR_PNG;

  *png_out = NULL;
  *png_size = 0;
  if (pixels == NULL || width < 1 || height < 1 || (int)fmt < MSX_PIXEL_RGBA ||
      fmt > MSX_PIXEL_GRAY8 || (size_t)width > PNG_UINT_31_MAX / 4 ||
      (size_t)height > PNG_UINT_31_MAX ||
      stride < (size_t)width * msx_pixel_size (fmt) ||
      (text_key != NULL && (strlen (text_key) < 1 || strlen (text_key) > 79)))
    return MSX_ERROR_INVALID_ARGUMENT;
  sink = calloc (1, sizeof (*sink));
  if (sink != NULL && needs_conversion (fmt))
    sink->row = malloc ((size_t)width * 4);
  if (sink != NULL && (sink->row != NULL || !needs_conversion (fmt)))
    png = png_create_write_struct (
        PNG_LIBPNG_VER_STRING, NULL, on_png_error, on_png_warning);
  if (png != NULL)
    info = png_create_info_struct (png);
  if (png == NULL || info == NULL) {
    status = MSX_ERROR_NO_MEMORY;
    goto done;
  }
  /* No local variable changes between setjmp and a longjmp back here (the
   * buffers live on the heap behind @sink), so none needs to be volatile. */
  if (setjmp (png_jmpbuf (png))) {
    status = sink->failed ? MSX_ERROR_NO_MEMORY : MSX_ERROR_PNG;
    goto done;
  }
  png_set_write_fn (png, sink, sink_write, sink_flush);
  write_image (
      png, info, pixels, fmt, width, height, stride, text_key, text, sink->row);
  *png_out = sink->data;
  *png_size = sink->size;
  sink->data = NULL;
  status = MSX_OK;

done:
  png_destroy_write_struct (&png, &info);
  if (sink != NULL) {
    free (sink->data);
    free (sink->row);
  }
  free (sink);
  return status;
}
