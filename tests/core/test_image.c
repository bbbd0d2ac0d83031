/* Tests of msx_image: orientation, lanes, vertical resize, levels and the
 * byte order of every pixel format.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "msx_colormap.h"
#include "msx_image.h"
#include "msx_test.h"

/* The level → GRAY8 definition, written independently: round(l·255). */
static int
gray_of (double db, double lo, double hi)
{
  double l = fmin (fmax ((db - lo) / (hi - lo), 0.0), 1.0);

  return (int)floor (l * 255.0 + 0.5);
}

/* n_cols × n_mels dB, -80 everywhere but band @loud at 0 dB. */
static float *
one_band (int n_cols, int n_mels, int loud)
{
  float *db = malloc ((size_t)n_cols * n_mels * sizeof (float));
  int i;

  for (i = 0; i < n_cols * n_mels; i++)
    db[i] = i % n_mels == loud ? 0.0f : -80.0f;
  return db;
}

static void
test_orientation (void)
{
  float *db = one_band (4, 8, 0);
  uint8_t px[4 * 32];
  int r, ok = 1;

  msx_image_render (db, 1, 4, 8, -80, 0, MSX_COLORMAP_INFERNO, 0,
      MSX_PIXEL_GRAY8, 4, 8, px, 4);
  for (r = 0; r < 8; r++)
    ok &= px[r * 4] == (r == 7 ? 255 : 0) && px[r * 4 + 3] == px[r * 4];
  msx_check (ok, "band 0 lands in the bottom row, nothing else lit");

  /* Upscaled ×4 (linear in dB): bottom rows bright, top rows dark. */
  msx_image_render (db, 1, 4, 8, -80, 0, MSX_COLORMAP_INFERNO, 0,
      MSX_PIXEL_GRAY8, 4, 32, px, 4);
  msx_check (px[31 * 4] == 255 && px[0] == 0, "upscaled: bottom lit, top dark");
  /* Row 29 from the bottom-up index 2: x = 2.5·8/32 − 0.5 = 0.125, between
   * band 0 (0 dB) and band 1 (−80 dB): −10 dB. */
  msx_check (px[29 * 4] == gray_of (-10.0, -80, 0), "upscaled: linear in dB");

  /* Shrunk to 4 rows (area in dB): the bottom row averages bands 0 and 1. */
  msx_image_render (db, 1, 4, 8, -80, 0, MSX_COLORMAP_INFERNO, 0,
      MSX_PIXEL_GRAY8, 4, 4, px, 4);
  msx_check (px[3 * 4] == gray_of (-40.0, -80, 0) && px[2 * 4] == 0,
      "shrunk: bottom row is the mean of bands 0 and 1");
  free (db);
}

/* Two lanes in 17 rows: lane 0 takes rows 0..7, lane 1 rows 8..16. */
static void
test_lanes (void)
{
  float *db = malloc (2 * 3 * 8 * sizeof (float));
  float *lane0 = one_band (3, 8, 0), *lane1 = one_band (3, 8, 7);
  uint8_t px[3 * 17];
  int r, lit = 0;

  memcpy (db, lane0, 3 * 8 * sizeof (float));
  memcpy (db + 24, lane1, 3 * 8 * sizeof (float));
  msx_image_render (db, 2, 3, 8, -80, 0, MSX_COLORMAP_INFERNO, 0,
      MSX_PIXEL_GRAY8, 3, 17, px, 3);
  for (r = 0; r < 17; r++)
    lit += px[r * 3] != 0;
  msx_check (px[7 * 3] == 255, "lane 0's band 0 at row 7 (its bottom)");
  msx_check (px[8 * 3] == 255, "lane 1's top band at row 8 (its top)");
  /* Lane 1 has 9 rows for 8 bands: linear upscaling spreads the top band
   * a little into row 9. */
  msx_check (lit <= 3 && px[0] == 0 && px[16 * 3] == 0, "lanes do not bleed");
  free (db);
  free (lane0);
  free (lane1);
}

static void
test_formats (void)
{
  /* One column, one band, level 0.6 → table entry round(0.6·255) = 153. */
  float db = -32.0f;
  const uint8_t *t = msx_colormap_table (MSX_COLORMAP_VIRIDIS) + 3 * 153;
  uint8_t px[8];

  memset (px, 7, sizeof (px));
  msx_image_render (&db, 1, 1, 1, -80, 0, MSX_COLORMAP_VIRIDIS, 0,
      MSX_PIXEL_RGBA, 1, 1, px, 4);
  msx_check (px[0] == t[0] && px[1] == t[1] && px[2] == t[2] && px[3] == 255,
      "RGBA: r, g, b, 255");
  msx_image_render (&db, 1, 1, 1, -80, 0, MSX_COLORMAP_VIRIDIS, 0,
      MSX_PIXEL_RGBX, 1, 1, px, 4);
  msx_check (
      px[0] == t[0] && px[2] == t[2] && px[3] == 255, "RGBx: r, g, b, 255");
  msx_image_render (&db, 1, 1, 1, -80, 0, MSX_COLORMAP_VIRIDIS, 0,
      MSX_PIXEL_BGRA, 1, 1, px, 4);
  msx_check (px[0] == t[2] && px[1] == t[1] && px[2] == t[0] && px[3] == 255,
      "BGRA: b, g, r, 255");
  msx_image_render (&db, 1, 1, 1, -80, 0, MSX_COLORMAP_VIRIDIS, 0,
      MSX_PIXEL_BGRX, 1, 1, px, 4);
  msx_check (
      px[0] == t[2] && px[2] == t[0] && px[3] == 255, "BGRx: b, g, r, 255");
  memset (px, 7, sizeof (px));
  msx_image_render (&db, 1, 1, 1, -80, 0, MSX_COLORMAP_VIRIDIS, 0,
      MSX_PIXEL_RGB, 1, 1, px, 8);
  msx_check (px[0] == t[0] && px[1] == t[1] && px[2] == t[2] && px[3] == 7,
      "RGB: 3 bytes, stride padding untouched");
  msx_image_render (&db, 1, 1, 1, -80, 0, MSX_COLORMAP_VIRIDIS, 0,
      MSX_PIXEL_GRAY8, 1, 1, px, 1);
  msx_check (px[0] == 153 && px[1] == t[1], "GRAY8: round(level·255)");
  msx_image_render (&db, 1, 1, 1, -80, 0, MSX_COLORMAP_VIRIDIS, 1,
      MSX_PIXEL_RGB, 1, 1, px, 3);
  t = msx_colormap_table (MSX_COLORMAP_VIRIDIS) + 3 * (255 - 153);
  msx_check (px[0] == t[0] && px[1] == t[1] && px[2] == t[2],
      "invert picks entry 255 - i");
  msx_check (msx_pixel_size (MSX_PIXEL_BGRX) == 4 &&
                 msx_pixel_size (MSX_PIXEL_RGB) == 3 &&
                 msx_pixel_size (MSX_PIXEL_GRAY8) == 1,
      "pixel sizes");
}

/* A time ramp from -100 to +20 dB over 121 columns, drawn in [-80, 0]:
 * every column's gray is the clamped level, and a degenerate range gives 0. */
static void
test_levels (void)
{
  enum { N = 121 };
  float db[N];
  uint8_t px[N];
  int c, ok = 1, zero = 1;

  for (c = 0; c < N; c++)
    db[c] = -100.0f + c;
  msx_image_render (db, 1, N, 1, -80, 0, MSX_COLORMAP_INFERNO, 0,
      MSX_PIXEL_GRAY8, N, 1, px, N);
  for (c = 0; c < N; c++)
    ok &= px[c] == gray_of (-100.0 + c, -80, 0);
  msx_check (ok, "levels: (db - min)/(max - min) clamped to [0, 1]");
  msx_image_render (
      db, 1, N, 1, 0, 0, MSX_COLORMAP_INFERNO, 0, MSX_PIXEL_GRAY8, N, 1, px, N);
  for (c = 0; c < N; c++)
    zero &= px[c] == 0;
  msx_check (zero, "db_max <= db_min: all level 0");
  db[0] = NAN;
  msx_image_render (db, 1, N, 1, -80, 0, MSX_COLORMAP_INFERNO, 0,
      MSX_PIXEL_GRAY8, N, 1, px, N);
  msx_check (px[0] == 0, "NaN dB draws at level 0");
}

static void
test_invalid (void)
{
  float db[4] = { 0 };
  uint8_t px[64];

  msx_check (msx_image_render (db, 1, 2, 2, -80, 0, MSX_COLORMAP_INFERNO, 0,
                 MSX_PIXEL_RGBA, 3, 2, px, 12) == MSX_ERROR_INVALID_ARGUMENT,
      "width != n_cols refused");
  msx_check (msx_image_render (db, 2, 1, 2, -80, 0, MSX_COLORMAP_INFERNO, 0,
                 MSX_PIXEL_RGBA, 1, 1, px, 4) == MSX_ERROR_INVALID_ARGUMENT,
      "fewer rows than lanes refused");
  msx_check (msx_image_render (db, 1, 2, 2, -80, 0, MSX_COLORMAP_INFERNO, 0,
                 MSX_PIXEL_RGBA, 2, 2, px, 7) == MSX_ERROR_INVALID_ARGUMENT,
      "stride too small refused");
  msx_check (msx_image_render (db, 1, 2, 2, -80, 0, MSX_COLORMAP_COUNT, 0,
                 MSX_PIXEL_RGBA, 2, 2, px, 8) == MSX_ERROR_INVALID_ARGUMENT,
      "unknown colormap refused");
}

/* Lanes of a colour picture are parted by a one-row grey line; GRAY8
 * (levels) and lanes under 4 rows have none. */
static void
test_separators (void)
{
  enum { W = 5, H = 24, NM = 4 };
  float db[3 * W * NM];
  uint8_t rgb[W * H * 3], gray[W * H];
  int i, top, rows, ok = 1;

  for (i = 0; i < 3 * W * NM; i++)
    db[i] = 0.0f; /* loudest: never the grey */
  msx_check (msx_image_render (db, 3, W, NM, -80.0f, 0.0f, MSX_COLORMAP_INFERNO,
                 0, MSX_PIXEL_RGB, W, H, rgb, W * 3) == MSX_OK,
      "three lanes, RGB");
  for (i = 0; i < W * 3; i++)
    ok &= rgb[8 * W * 3 + i] == MSX_SEPARATOR_GREY &&
          rgb[16 * W * 3 + i] == MSX_SEPARATOR_GREY &&
          rgb[7 * W * 3 + i] != MSX_SEPARATOR_GREY &&
          rgb[9 * W * 3 + i] != MSX_SEPARATOR_GREY &&
          rgb[0 * W * 3 + i] != MSX_SEPARATOR_GREY;
  msx_check (ok, "grey lines on rows 8 and 16, lanes around them");
  msx_check (msx_image_lane (H, 3, MSX_PIXEL_RGB, 1, &top, &rows) && top == 9 &&
                 rows == 7,
      "the second lane starts after its line");
  msx_image_render (db, 3, W, NM, -80.0f, 0.0f, MSX_COLORMAP_INFERNO, 0,
      MSX_PIXEL_GRAY8, W, H, gray, W);
  for (i = 0, ok = 1; i < W * H; i++)
    ok &= gray[i] == 255;
  msx_check (ok, "GRAY8 holds levels only: no line");
  msx_check (!msx_image_lane (9, 3, MSX_PIXEL_RGB, 1, &top, &rows) &&
                 top == 3 && rows == 3,
      "lanes of 3 rows have no line");
}

int
main (void)
{
  test_orientation ();
  test_lanes ();
  test_formats ();
  test_levels ();
  test_invalid ();
  test_separators ();
  return msx_test_done ();
}
