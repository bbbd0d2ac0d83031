/* melspecx core — one picture of a whole input (image mode).
 * SPDX-License-Identifier: MIT
 *
 * Frames go from msx_stft's callback straight into one MsxColumns per lane,
 * so nothing but the bounded column sums is kept.  At render time every
 * lane is put on the same dB scale: ref is the loudest single frame value
 * of the whole input (all lanes), as librosa's ref=np.max.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msx_bigmem.h"
#include "msx_colormap.h"
#include "msx_columns.h"
#include "msx_png.h"
#include "msx_dbfs.h"
#include "msx_spectrogram.h"
#include "msx_stft.h"

#define MSX_PNG_TEXT_KEY "melspecx"
#define MSX_JSON_MAX (64 * 1024)

struct MsxSpectrogram {
  MsxConfig cfg;
  int lanes;
  MsxStft *stft;
  MsxColumns **cols; /* one per lane */
  double *dbfs;      /* per band, once cfg.ref is MSX_REF_DBFS (msx_dbfs.h) */
  /* What a render writes before the pixels, kept from one render to the
   * next: the dB columns and the RGB frame of render_png (msx_bigmem.h). */
  float *db;
  size_t db_size;
  uint8_t *rgb;
  size_t rgb_size;
};

/* *@buf grown to at least @size bytes; its old contents are not kept.
 * Returns: FALSE when out of memory (*@buf is then NULL). */
static int
scratch (void **buf, size_t *have, size_t size)
{
  if (*buf != NULL && *have >= size)
    return 1;
  msx_big_free (*buf, *have);
  *buf = msx_big_alloc (size);
  *have = *buf != NULL ? size : 0;
  return *buf != NULL;
}

static void
on_frames (void *user, int lane, const float *mel, size_t n_frames)
{
  MsxSpectrogram *sg = user;

  msx_columns_add (sg->cols[lane], mel, n_frames);
}

MsxStatus
msx_spectrogram_new (
    const MsxConfig *cfg, MsxSpectrogram **out, char *msg, size_t msg_size)
{
  MsxSpectrogram *sg;
  MsxStatus st;
  int l;

  *out = NULL;
  st = msx_config_check_picture (cfg, 0, msg, msg_size);
  if (st != MSX_OK)
    return st;
  sg = calloc (1, sizeof (*sg));
  if (sg == NULL)
    return MSX_ERROR_NO_MEMORY;
  sg->cfg = *cfg;
  /* columns are box-averaged in the power domain, dB comes at render */
  sg->cfg.output_db = 0;
  /* msx_stft_new validates the config; lanes and width are safe after. */
  st = msx_stft_new (&sg->cfg, on_frames, sg, &sg->stft, msg, msg_size);
  if (st != MSX_OK)
    goto fail;
  sg->lanes = msx_config_lanes (&sg->cfg);
  sg->cols = calloc (sg->lanes, sizeof (*sg->cols));
  st = MSX_ERROR_NO_MEMORY;
  if (sg->cols == NULL)
    goto fail;
  for (l = 0; l < sg->lanes; l++) {
    st = msx_columns_new (sg->cfg.n_mels, sg->cfg.width, &sg->cols[l]);
    if (st != MSX_OK)
      goto fail;
  }
  *out = sg;
  return MSX_OK;

fail:
  msx_spectrogram_free (sg);
  return st;
}

MsxStatus
msx_spectrogram_push (
    MsxSpectrogram *sg, const float *samples, size_t n_samples)
{
  return msx_stft_push (sg->stft, samples, n_samples);
}

MsxStatus
msx_spectrogram_push_samples (MsxSpectrogram *sg, const void *samples,
    MsxSampleFormat fmt, size_t n_samples)
{
  return msx_stft_push_samples (sg->stft, samples, fmt, n_samples);
}

MsxStatus
msx_spectrogram_finish (MsxSpectrogram *sg)
{
  return msx_stft_finish (sg->stft);
}

uint64_t
msx_spectrogram_frames (const MsxSpectrogram *sg)
{
  return msx_stft_frames (sg->stft);
}

double
msx_spectrogram_duration (const MsxSpectrogram *sg)
{
  return (double)msx_stft_samples (sg->stft) / sg->cfg.sample_rate;
}

/* The loudest single frame value over all lanes: the dB reference. */
static double
global_ref (const MsxSpectrogram *sg)
{
  double ref = 0.0;
  int l;

  for (l = 0; l < sg->lanes; l++) {
    double m = msx_columns_max (sg->cols[l]);

    if (m > ref)
      ref = m;
  }
  return ref;
}

/* ref=dbfs: each band re its full-scale sine, floored at −top_db. */
static MsxStatus
lanes_dbfs (MsxSpectrogram *sg, int width, float *db)
{
  const MsxConfig *c = &sg->cfg;
  size_t lane_n = (size_t)width * c->n_mels, i;
  MsxStatus st;
  int l;

  if (sg->dbfs == NULL) {
    sg->dbfs = malloc ((size_t)c->n_mels * sizeof *sg->dbfs);
    if (sg->dbfs == NULL)
      return MSX_ERROR_NO_MEMORY;
    if ((st = msx_dbfs_reference (c, sg->dbfs))) {
      free (sg->dbfs);
      sg->dbfs = NULL;
      return st;
    }
  }
  for (l = 0; l < sg->lanes; l++) {
    /* dB re 1.0 without a floor; the floor comes after the shift */
    st = msx_columns_render_db (
        sg->cols[l], width, c->power, 1.0, c->amin, INFINITY, db + l * lane_n);
    if (st != MSX_OK)
      return st;
  }
  for (i = 0; i < lane_n * sg->lanes; i++) {
    double v = db[i] - sg->dbfs[i % c->n_mels];
    db[i] = (float)(v > -c->top_db ? v : -c->top_db);
  }
  return MSX_OK;
}

/* Fills @db (lanes × width × n_mels) with dB relative to the global ref.
 * No frame at all (input shorter than one frame) or nothing above amin
 * (silence) leaves everything at the floor −top_db, i.e. level 0: there is
 * nothing to show, and a uniform dark picture says so without an error. */
static MsxStatus
lanes_db (MsxSpectrogram *sg, int width, float *db)
{
  const MsxConfig *c = &sg->cfg;
  size_t lane_n = (size_t)width * c->n_mels, i;
  double ref = global_ref (sg);
  int l;

  if (c->ref == MSX_REF_DBFS && msx_columns_frames (sg->cols[0]) > 0)
    return lanes_dbfs (sg, width, db);
  if (msx_columns_frames (sg->cols[0]) == 0 || !(ref > c->amin)) {
    for (i = 0; i < lane_n * sg->lanes; i++)
      db[i] = (float)-c->top_db;
    return MSX_OK;
  }
  for (l = 0; l < sg->lanes; l++) {
    MsxStatus st = msx_columns_render_db (
        sg->cols[l], width, c->power, ref, c->amin, c->top_db, db + l * lane_n);

    if (st != MSX_OK)
      return st;
  }
  return MSX_OK;
}

MsxStatus
msx_spectrogram_render (MsxSpectrogram *sg, MsxPixelFormat fmt, int width,
    int height, uint8_t *pixels, size_t stride)
{
  const MsxConfig *c = &sg->cfg;
  float *db;
  MsxStatus st;

  if (width < 1 || height < 1 || width > MSX_MAX_WIDTH ||
      height > MSX_MAX_HEIGHT || pixels == NULL)
    return MSX_ERROR_INVALID_ARGUMENT;
  if (!scratch ((void **)&sg->db, &sg->db_size,
          (size_t)sg->lanes * width * c->n_mels * sizeof (float)))
    return MSX_ERROR_NO_MEMORY;
  db = sg->db;
  st = lanes_db (sg, width, db);
  if (st == MSX_OK)
    st = msx_image_render (db, sg->lanes, width, c->n_mels, (float)-c->top_db,
        0.0f, c->colormap, c->invert, fmt, width, height, pixels, stride);
  return st;
}

/* msx_config_to_json into a buffer grown until it fits; the size recorded
 * is the one rendered, which downstream caps may have chosen. */
static char *
config_json (const MsxSpectrogram *sg, int width, int height)
{
  MsxConfig cfg = sg->cfg;
  size_t size;

  cfg.width = width;
  cfg.height = height;
  for (size = 1024; size <= MSX_JSON_MAX; size *= 2) {
    char *json = malloc (size);

    if (json == NULL)
      return NULL;
    if (msx_config_to_json (&cfg, msx_spectrogram_duration (sg), json, size) ==
        MSX_OK)
      return json;
    free (json);
  }
  return NULL;
}

MsxStatus
msx_spectrogram_render_png (
    MsxSpectrogram *sg, int width, int height, uint8_t **png, size_t *png_size)
{
  /* RGB: the picture is opaque, and an alpha byte per pixel would only
   * add a quarter to what zlib has to read. */
  size_t stride = (size_t)width * 3;
  uint8_t *pixels = NULL;
  char *json = NULL;
  MsxStatus st;

  *png = NULL;
  *png_size = 0;
  if (width < 1 || height < 1 || width > MSX_MAX_WIDTH ||
      height > MSX_MAX_HEIGHT)
    return MSX_ERROR_INVALID_ARGUMENT;
  json = config_json (sg, width, height);
  st = MSX_ERROR_NO_MEMORY;
  if (json == NULL ||
      !scratch ((void **)&sg->rgb, &sg->rgb_size, stride * height))
    goto done;
  pixels = sg->rgb;
  st =
      msx_spectrogram_render (sg, MSX_PIXEL_RGB, width, height, pixels, stride);
  if (st == MSX_OK)
    st = msx_png_encode (pixels, MSX_PIXEL_RGB, width, height, stride,
        MSX_PNG_TEXT_KEY, json, png, png_size);

done:
  free (json);
  return st;
}

/* Appends @s to @j as a JSON string: quotes, backslashes, control and
 * non-ASCII characters escaped (\uXXXX, surrogate pairs past U+FFFF), so
 * that the tEXt chunk stays ASCII; a byte that is not UTF-8 is U+FFFD. */
static size_t
json_string (char *j, size_t at, size_t size, const char *s)
{
  const unsigned char *p = (const unsigned char *)s;

#define PUT(...)                                                               \
  do {                                                                         \
    int n_ = snprintf (j + at, at < size ? size - at : 0, __VA_ARGS__);        \
    at += n_ > 0 ? (size_t)n_ : 0;                                             \
  } while (0)
  PUT ("\"");
  while (*p) {
    unsigned cp = *p, len = 1, i;
    if (cp >= 0x80) {
      len = cp >= 0xF0 && cp < 0xF5 ? 4 : cp >= 0xE0 ? 3 : cp >= 0xC2 ? 2 : 0;
      cp = len == 4 ? cp & 7 : len == 3 ? cp & 15 : cp & 31;
      for (i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) {
          len = 0;
          break;
        }
        cp = cp << 6 | (p[i] & 63);
      }
      if (len == 0 || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
          cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) {
        cp = 0xFFFD;
        len = 1;
      }
    }
    if (cp == '"' || cp == '\\')
      PUT ("\\%c", (char)cp);
    else if (cp < 0x20 || (cp >= 0x7F && cp < 0x10000))
      PUT ("\\u%04x", cp);
    else if (cp >= 0x10000)
      PUT ("\\u%04x\\u%04x", 0xD800 + ((cp - 0x10000) >> 10),
          0xDC00 + ((cp - 0x10000) & 0x3FF));
    else
      PUT ("%c", (char)cp);
    p += len;
  }
  PUT ("\"");
#undef PUT
  return at;
}

MsxStatus
msx_spectrogram_encode_png (MsxSpectrogram *sg, const uint8_t *pixels,
    int frame_width, int frame_height, size_t stride, int plot_width,
    int plot_height, const char *title, uint8_t **png, size_t *png_size)
{
  char *json, *all = NULL;
  size_t len, size, at;
  MsxStatus st;

  *png = NULL;
  *png_size = 0;
  if (pixels == NULL || plot_width < 1 || plot_height < 1 ||
      plot_width > MSX_MAX_WIDTH || plot_height > MSX_MAX_HEIGHT)
    return MSX_ERROR_INVALID_ARGUMENT;
  json = config_json (sg, plot_width, plot_height);
  if (json == NULL)
    return MSX_ERROR_NO_MEMORY;
  len = strlen (json);
  if (title != NULL && len > 0 && json[len - 1] == '}') {
    size = len + 32 + 12 * strlen (title);
    all = malloc (size);
    if (all == NULL) {
      free (json);
      return MSX_ERROR_NO_MEMORY;
    }
    memcpy (all, json, len - 1);
    at = len - 1;
    at += snprintf (all + at, size - at, ",\"annotate\":true");
    if (title[0]) {
      at += snprintf (all + at, size - at, ",\"title\":");
      at = json_string (all, at, size, title);
    }
    snprintf (all + at, size - at, "}");
    free (json);
    json = all;
  }
  st = msx_png_encode (pixels, MSX_PIXEL_RGB, frame_width, frame_height, stride,
      MSX_PNG_TEXT_KEY, json, png, png_size);
  free (json);
  return st;
}

MsxStatus
msx_spectrogram_set_look (
    MsxSpectrogram *sg, MsxColormap map, int invert, double top_db)
{
  if (!msx_colormap_valid (map) ||
      !(top_db >= MSX_MIN_TOP_DB && top_db <= MSX_MAX_TOP_DB))
    return MSX_ERROR_INVALID_ARGUMENT;
  sg->cfg.colormap = map;
  sg->cfg.invert = invert ? 1 : 0;
  sg->cfg.top_db = top_db;
  return MSX_OK;
}

void
msx_spectrogram_set_threads (MsxSpectrogram *sg, int threads)
{
  msx_stft_set_threads (sg->stft, threads);
}

void
msx_spectrogram_reset (MsxSpectrogram *sg)
{
  int l;

  msx_stft_reset (sg->stft);
  for (l = 0; l < sg->lanes; l++)
    msx_columns_reset (sg->cols[l]);
}

const char *
msx_spectrogram_backend (MsxSpectrogram *sg)
{
  return msx_stft_backend (sg->stft);
}

int
msx_spectrogram_empty_bands (const MsxSpectrogram *sg)
{
  return msx_stft_empty_bands (sg->stft);
}

void
msx_spectrogram_free (MsxSpectrogram *sg)
{
  int l;

  if (sg == NULL)
    return;
  msx_stft_free (sg->stft);
  if (sg->cols != NULL)
    for (l = 0; l < sg->lanes; l++)
      msx_columns_free (sg->cols[l]);
  free (sg->cols);
  free (sg->dbfs);
  msx_big_free (sg->db, sg->db_size);
  msx_big_free (sg->rgb, sg->rgb_size);
  free (sg);
}

MsxStatus
msx_spectrogram_set_ref (MsxSpectrogram *sg, MsxRef ref)
{
  if (ref != MSX_REF_MAX && ref != MSX_REF_DBFS)
    return MSX_ERROR_INVALID_ARGUMENT;
  sg->cfg.ref = ref;
  return MSX_OK;
}
