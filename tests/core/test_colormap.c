/* Tests of msx_colormap: the generated tables against matplotlib's
 * published endpoint values, luminance order, lookup and invert.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msx_colormap.h"
#include "msx_image.h"
#include "msx_png.h"
#include "msx_test.h"

/* CIE L* of an 8-bit sRGB colour (D65), the lightness a viewer perceives. */
static double
lightness (const uint8_t *rgb)
{
  static const double w[3] = { 0.2126, 0.7152, 0.0722 };
  double y = 0.0;
  int c;

  for (c = 0; c < 3; c++) {
    double v = rgb[c] / 255.0;

    v = v <= 0.04045 ? v / 12.92 : pow ((v + 0.055) / 1.055, 2.4);
    y += w[c] * v;
  }
  return y > 216.0 / 24389.0 ? 116.0 * cbrt (y) - 16.0 : y * 24389.0 / 27.0;
}

static int
same_rgb (const uint8_t *a, int r, int g, int b)
{
  return a[0] == r && a[1] == g && a[2] == b;
}

/* Endpoints from matplotlib's _cm_listed.py / _cm.py data, rounded to 8
 * bits by hand: inferno [0.001462, 0.000466, 0.013866] ..
 * [0.988362, 0.998364, 0.644924]; viridis [0.267004, 0.004874, 0.329415] ..
 * [0.993248, 0.906157, 0.143936]; Blues #f7fbff .. #08306b; Greys white ..
 * black. */
static void
test_endpoints (void)
{
  const uint8_t *inferno = msx_colormap_table (MSX_COLORMAP_INFERNO);
  const uint8_t *viridis = msx_colormap_table (MSX_COLORMAP_VIRIDIS);
  const uint8_t *blues = msx_colormap_table (MSX_COLORMAP_BLUES);
  const uint8_t *greys = msx_colormap_table (MSX_COLORMAP_GREYS);

  msx_check (same_rgb (inferno, 0, 0, 4), "inferno[0] = (0, 0, 4)");
  msx_check (same_rgb (inferno + 765, 252, 255, 164),
      "inferno[255] = (252, 255, 164)");
  msx_check (same_rgb (viridis, 68, 1, 84), "viridis[0] = (68, 1, 84)");
  msx_check (
      same_rgb (viridis + 765, 253, 231, 37), "viridis[255] = (253, 231, 37)");
  msx_check (same_rgb (blues, 247, 251, 255), "blues[0] = #f7fbff (light)");
  msx_check (same_rgb (blues + 765, 8, 48, 107), "blues[255] = #08306b");
  msx_check (same_rgb (greys, 255, 255, 255), "greys[0] is white");
  msx_check (same_rgb (greys + 765, 0, 0, 0), "greys[255] is black");
  msx_check (msx_colormap_table (MSX_COLORMAP_COUNT) == NULL,
      "an out-of-range map has no table");
}

/* Perceptual maps get lighter with the level, single-hue maps darker.  8-bit
 * rounding may wobble L* by up to ~0.1 between neighbours (viridis and
 * cividis dip by 0.03 at two entries), so steps are checked against that
 * tolerance and the whole range against a large span. */
static void
test_lightness_order (void)
{
  char what[128];
  int map;

  for (map = 0; map < MSX_COLORMAP_COUNT; map++) {
    const uint8_t *t = msx_colormap_table (map);
    int perceptual = map <= MSX_COLORMAP_CIVIDIS, i, ok = 1;
    double span = lightness (t + 765) - lightness (t);

    for (i = 0; i < 255; i++) {
      double step = lightness (t + 3 * (i + 1)) - lightness (t + 3 * i);

      if (perceptual ? step < -0.1 : step > 0.1)
        ok = 0;
    }
    snprintf (what, sizeof (what), "%s: L* %s with the level (span %.1f)",
        msx_colormap_name (map), perceptual ? "rises" : "falls", span);
    msx_check (ok && (perceptual ? span > 70.0 : span < -60.0), what);
  }
}

static void
test_lookup (void)
{
  const uint8_t *t = msx_colormap_table (MSX_COLORMAP_MAGMA);
  uint8_t rgb[3];
  int i, ok = 1, inv_ok = 1;

  for (i = 0; i < 256; i++) {
    msx_colormap_lookup (MSX_COLORMAP_MAGMA, 0, i / 255.0f, rgb);
    ok &= memcmp (rgb, t + 3 * i, 3) == 0;
    msx_colormap_lookup (MSX_COLORMAP_MAGMA, 1, i / 255.0f, rgb);
    inv_ok &= memcmp (rgb, t + 3 * (255 - i), 3) == 0;
  }
  msx_check (ok, "lookup of i/255 gives entry i");
  msx_check (inv_ok, "invert gives entry 255 - i");
  msx_colormap_lookup (MSX_COLORMAP_MAGMA, 0, 0.5f, rgb);
  msx_check (memcmp (rgb, t + 3 * 128, 3) == 0, "0.5 rounds to entry 128");
  msx_colormap_lookup (MSX_COLORMAP_MAGMA, 0, 0.501f / 255.0f, rgb);
  msx_check (memcmp (rgb, t + 3, 3) == 0, "0.501/255 rounds to entry 1");
  msx_colormap_lookup (MSX_COLORMAP_MAGMA, 0, NAN, rgb);
  msx_check (memcmp (rgb, t, 3) == 0, "NaN maps to entry 0");
  msx_colormap_lookup (MSX_COLORMAP_MAGMA, 0, -3.0f, rgb);
  msx_check (memcmp (rgb, t, 3) == 0, "below 0 clamps to entry 0");
  msx_colormap_lookup (MSX_COLORMAP_MAGMA, 0, 7.0f, rgb);
  msx_check (memcmp (rgb, t + 765, 3) == 0, "above 1 clamps to entry 255");
  msx_colormap_lookup (MSX_COLORMAP_GREYS, 1, 0.0f, rgb);
  msx_check (same_rgb (rgb, 0, 0, 0), "inverted greys: quiet is black");
}

/* Writes @text to a temporary file; returns its path (static). */
static const char *
temp_file (const char *text, size_t len)
{
  static char path[64];
  int fd;

  snprintf (path, sizeof path, "/tmp/msx-cmap-XXXXXX");
  fd = mkstemp (path);
  if (fd < 0 || write (fd, text, len) != (ssize_t)len)
    printf ("# cannot write %s\n", path);
  close (fd);
  return path;
}

/* 256 lines of "r,g,b": entry i = (i, 255 − i, i / 2), as 0–255 or 0–1. */
static char *
ramp_csv (int unit, int lines, int bad_line)
{
  char *text = malloc (64 * (lines + 2)), *p = text;
  int i;

  if (text == NULL)
    abort ();
  p += sprintf (p, "# a test ramp\n\n");
  for (i = 0; i < lines; i++) {
    if (i + 1 == bad_line)
      p += sprintf (p, "12,x,7\n");
    else if (unit)
      p += sprintf (p, "%.6f, %.6f, %.6f\n", i / 255.0, (255 - i) / 255.0,
          (i / 2) / 255.0);
    else
      p += sprintf (p, "%d,%d,%d\n", i, 255 - i, i / 2);
  }
  return text;
}

/* msx_colormap_load of @len bytes of @data written to a temporary file. */
static MsxStatus
load_bytes (const void *data, size_t len, uint8_t *rgb, char *msg, size_t size)
{
  const char *path = temp_file (data, len);
  MsxStatus st = msx_colormap_load (path, rgb, msg, size);

  unlink (path);
  return st;
}

/* msx_colormap_load of a ramp_csv(). */
static MsxStatus
load_ramp (
    int unit, int lines, int bad_line, uint8_t *rgb, char *msg, size_t size)
{
  char *csv = ramp_csv (unit, lines, bad_line);
  MsxStatus st = load_bytes (csv, strlen (csv), rgb, msg, size);

  free (csv);
  return st;
}

static int
is_ramp (const uint8_t *rgb)
{
  int i, ok = 1;

  for (i = 0; i < 256; i++)
    ok &=
        rgb[3 * i] == i && rgb[3 * i + 1] == 255 - i && rgb[3 * i + 2] == i / 2;
  return ok;
}

/* Custom colormaps: CSV of 0–255 or 0–1, a 256×1 PNG, refusals that name
 * the line, one id per distinct table, gamma. */
static void
test_custom (void)
{
  uint8_t rgb[768], again[768], px[4 * 3];
  char msg[256] = "";
  MsxColormap id, id2, g;
  uint8_t *png = NULL, row[768];
  size_t png_size = 0;
  float db[4] = { -80.0f, -40.0f, -20.0f, 0.0f };
  int i;

  msx_check (
      load_ramp (0, 256, 0, rgb, msg, sizeof msg) == MSX_OK && is_ramp (rgb),
      "CSV of 0-255 with a comment and a blank line");
  msx_check (load_ramp (1, 256, 0, again, msg, sizeof msg) == MSX_OK &&
                 is_ramp (again),
      "CSV of 0-1 values");

  for (i = 0; i < 256; i++) {
    row[3 * i] = (uint8_t)i;
    row[3 * i + 1] = (uint8_t)(255 - i);
    row[3 * i + 2] = (uint8_t)(i / 2);
  }
  msx_png_encode (row, MSX_PIXEL_RGB, 256, 1, 768, NULL, NULL, &png, &png_size);
  msx_check (load_bytes (png, png_size, again, msg, sizeof msg) == MSX_OK &&
                 is_ramp (again),
      "a 256x1 PNG");
  free (png);

  msx_check (load_ramp (0, 256, 7, again, msg, sizeof msg) ==
                     MSX_ERROR_INVALID_ARGUMENT &&
                 strstr (msg, "line 9"),
      "a bad line is refused, naming it (line 9: two header lines)");
  printf ("# %s\n", msg);
  msx_check (load_ramp (0, 255, 0, again, msg, sizeof msg) ==
                     MSX_ERROR_INVALID_ARGUMENT &&
                 strstr (msg, "255 colours"),
      "255 colours are refused");
  msx_check (load_ramp (0, 257, 0, again, msg, sizeof msg) ==
                     MSX_ERROR_INVALID_ARGUMENT &&
                 strstr (msg, "more than 256"),
      "257 colours are refused");
  msx_check (load_bytes ("300,0,0\n", 8, again, msg, sizeof msg) ==
                 MSX_ERROR_INVALID_ARGUMENT,
      "a file of one colour is refused");
  msx_check (msx_colormap_load ("/nonexistent/x.csv", again, msg, sizeof msg) ==
                     MSX_ERROR_INVALID_ARGUMENT &&
                 strstr (msg, "cannot open"),
      "a missing file is refused");

  msx_check (msx_colormap_custom (rgb, &id) == MSX_OK &&
                 id >= MSX_COLORMAP_CUSTOM && msx_colormap_valid (id) &&
                 memcmp (msx_colormap_table (id), rgb, 768) == 0,
      "a custom table is registered");
  msx_check (msx_colormap_custom (rgb, &id2) == MSX_OK && id2 == id,
      "the same table gets the same id");
  msx_check (!msx_colormap_valid ((MsxColormap)(MSX_COLORMAP_CUSTOM + 63)),
      "an id not registered is invalid");
  msx_check (msx_image_render (db, 1, 4, 1, -80.0f, 0.0f, id, 0, MSX_PIXEL_RGB,
                 4, 1, px, 12) == MSX_OK &&
                 px[0] == 0 && px[1] == 255 && px[9] == 255 && px[10] == 0,
      "pictures draw with it");
  msx_check (msx_colormap_gamma (id, 2.0, &g) == MSX_OK &&
                 msx_colormap_table (g)[3 * 128] ==
                     rgb[3 * (int)lround (255.0 * pow (128 / 255.0, 2.0))] &&
                 msx_colormap_table (g)[3 * 255] == 255,
      "gamma 2: entry i is entry 255 (i/255)^2 of the base");
  msx_check (msx_colormap_gamma (MSX_COLORMAP_VIRIDIS, 1.0, &g) == MSX_OK &&
                 g == MSX_COLORMAP_VIRIDIS,
      "gamma 1 is the map itself");
  msx_check (msx_colormap_gamma (id, 0.0, &g) == MSX_ERROR_INVALID_ARGUMENT,
      "gamma 0 is refused");
}

int
main (void)
{
  test_endpoints ();
  test_lightness_order ();
  test_lookup ();
  test_custom ();
  return msx_test_done ();
}
