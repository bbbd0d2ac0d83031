/* melspecx core — colormaps from files: CSV of 256 "r,g,b" lines, or a
 * 256×1 PNG.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msx_colormap.h"

/* Lines longer than this are refused (a colormap line is "255,255,255"). */
#define MAX_LINE 256

/* Three numbers separated by commas (spaces allowed), nothing after. */
static int
parse_line (const char *s, double v[3], int *has_point)
{
  char *end;
  int k;

  for (k = 0; k < 3; k++) {
    while (*s == ' ' || *s == '\t')
      s++;
    if (k > 0) {
      if (*s != ',')
        return 0;
      s++;
    }
    errno = 0;
    v[k] = strtod (s, &end);
    if (end == s || errno || !(v[k] >= 0.0))
      return 0;
    *has_point |= memchr (s, '.', (size_t)(end - s)) != NULL;
    s = end;
  }
  while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
    s++;
  return *s == '\0';
}

static MsxStatus
load_csv (FILE *f, const char *path, uint8_t *rgb, char *msg, size_t size)
{
  char line[MAX_LINE + 2];
  double (*v)[3] = malloc (256 * sizeof *v);
  int n = 0, lineno = 0, has_point = 0, i, k;
  double top = 0.0, scale;

  if (v == NULL)
    return MSX_ERROR_NO_MEMORY;
  while (fgets (line, sizeof line, f)) {
    const char *s = line;
    lineno++;
    if (strlen (line) > MAX_LINE && line[MAX_LINE] != '\n') {
      free (v);
      return msx_refuse (msg, size, "%s, line %d: longer than %d characters",
          path, lineno, MAX_LINE);
    }
    while (*s == ' ' || *s == '\t')
      s++;
    if (*s == '#' || *s == '\n' || *s == '\r' || *s == '\0')
      continue;
    if (n == 256) {
      free (v);
      return msx_refuse (
          msg, size, "%s, line %d: more than 256 colours", path, lineno);
    }
    if (!parse_line (s, v[n], &has_point)) {
      free (v);
      return msx_refuse (msg, size,
          "%s, line %d: not \"r,g,b\" with three numbers of 0 or more", path,
          lineno);
    }
    for (k = 0; k < 3; k++)
      top = v[n][k] > top ? v[n][k] : top;
    n++;
  }
  if (n != 256) {
    free (v);
    return msx_refuse (
        msg, size, "%s: %d colours, a colormap has 256", path, n);
  }
  /* 0–1 when every value is at most 1 and one is written with a point */
  scale = top <= 1.0 && has_point ? 255.0 : 1.0;
  for (i = 0; i < 256; i++)
    for (k = 0; k < 3; k++) {
      double x = v[i][k] * scale;
      if (x > 255.0 + 1e-9) {
        free (v);
        return msx_refuse (msg, size,
            "%s: colour %d has a value above 255 (or above 1 in a file of "
            "0-1 values)",
            path, i + 1);
      }
      rgb[3 * i + k] = (uint8_t)(x + 0.5);
    }
  free (v);
  return MSX_OK;
}

static MsxStatus
load_png (const char *path, uint8_t *rgb, char *msg, size_t size)
{
  png_image image;
  uint8_t *pixels;
  MsxStatus st = MSX_OK;

  memset (&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file (&image, path))
    return msx_refuse (
        msg, size, "%s: not a readable PNG (%s)", path, image.message);
  if (image.width != 256 || image.height != 1) {
    png_image_free (&image);
    return msx_refuse (msg, size,
        "%s: a %ux%u PNG; a colormap picture is 256x1 pixels", path,
        image.width, image.height);
  }
  image.format = PNG_FORMAT_RGB;
  pixels = malloc (PNG_IMAGE_SIZE (image));
  if (pixels == NULL) {
    png_image_free (&image);
    return MSX_ERROR_NO_MEMORY;
  }
  if (!png_image_finish_read (&image, NULL, pixels, 0, NULL))
    st = msx_refuse (msg, size, "%s: %s", path, image.message);
  else
    memcpy (rgb, pixels, 256 * 3);
  free (pixels);
  png_image_free (&image);
  return st;
}

MsxStatus
msx_colormap_load (const char *path, uint8_t *rgb, char *msg, size_t size)
{
  unsigned char head[8];
  FILE *f;
  MsxStatus st;
  size_t n;

  if (path == NULL || path[0] == '\0')
    return msx_refuse (msg, size, "no colormap file given");
  f = fopen (path, "rb");
  if (f == NULL)
    return msx_refuse (
        msg, size, "cannot open colormap file %s: %s", path, strerror (errno));
  n = fread (head, 1, sizeof head, f);
  if (n == sizeof head && png_sig_cmp (head, 0, sizeof head) == 0) {
    fclose (f);
    return load_png (path, rgb, msg, size);
  }
  rewind (f);
  st = load_csv (f, path, rgb, msg, size);
  fclose (f);
  return st;
}
