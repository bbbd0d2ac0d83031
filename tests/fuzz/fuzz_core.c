/* libFuzzer target: the core with random configurations and random samples.
 * SPDX-License-Identifier: MIT
 *
 * The first bytes become an MsxConfig: each field is either drawn from its
 * useful range or, when a selector byte says so, set to an edge value (0,
 * −1, the limit, one past it, NaN, ±Inf...).  A config that
 * msx_config_validate() refuses must be refused by every constructor too.
 * For a valid one, the rest of the input is a script: each step pushes a
 * block of samples in one MsxSampleFormat (to an msx_stft that emits dB
 * into an MsxPace and an MsxScroll, as stream mode does, and to an
 * MsxSpectrogram, as image mode does), or flushes, finishes, resets,
 * renders, or changes the scroll's look, reference and size.  Every call
 * must succeed (or fail the documented way); every dB value must be finite.
 *
 * Sizes are kept small (n_fft up to 4096, pictures up to 64 × 96, a bounded
 * amount of work per input) so that an iteration takes milliseconds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_bytes.h"
#include "melspecx.h"

#define FUZZ_CHECK(cond)                                                       \
  do {                                                                         \
    if (!(cond))                                                               \
      __builtin_trap ();                                                       \
  } while (0)

/* Traps unless @expr returns @want, printing what it returned instead. */
#define FUZZ_EXPECT(expr, want)                                                \
  do {                                                                         \
    MsxStatus st_ = (expr);                                                    \
    if (st_ != (want)) {                                                       \
      fprintf (stderr, "%s:%d: %s returned %d (%s), expected %d\n", __FILE__,  \
          __LINE__, #expr, (int)st_, msx_status_string (st_), (int)(want));    \
      __builtin_trap ();                                                       \
    }                                                                          \
  } while (0)

/* FFT samples (n_fft × frames × lanes, both analysers) one input may cost. */
#define WORK_BUDGET (1u << 24)
#define MAX_FINISHES 4
#define MAX_SILENCE_FRAMES 4096

static const int edge_ints[] = { 0, -1, 1, 2, 15, 17, 4097, 65536, 65537,
  1000001, 16385, 2147483647, -2147483647 - 1 };

static int
edge_int (Bytes *b)
{
  return edge_ints[take (b, 1) % (sizeof (edge_ints) / sizeof (int))];
}

static double
edge_double (Bytes *b)
{
  const double e[] = { 0.0, -0.0, -1.0, 1e-300, 5e-324, 1e300, 1.5, NAN,
    INFINITY, -INFINITY, 1e-45, 3e38 };

  return e[take (b, 1) % (sizeof (e) / sizeof (double))];
}

/* Each field: an edge value when its bit of @wild is set, else a useful
 * one.  A quarter of the inputs get no edge values at all. */
static void
make_config (Bytes *b, MsxConfig *c)
{
  uint32_t wild = take (b, 4);
  int bins;

  if ((wild & 3) != 0)
    wild = 0;
  msx_config_init (c);
  c->backend = MSX_BACKEND_CPU;
  c->threads = 1;
  c->sample_rate = pick (b, 1, 768000);
  c->channels = take (b, 1) < 200 ? pick (b, 1, 4) : pick (b, 1, 64);
  c->channel_mode = pick (b, 0, 2);
  c->n_fft = 2 * pick (b, MSX_MIN_N_FFT / 2, take (b, 1) < 240 ? 512 : 2048);
  c->win_length = pick (b, 0, c->n_fft);
  c->hop_length = pick (b, 1, 2 * c->n_fft);
  c->center = pick (b, 0, 1);
  c->pad_mode = pick (b, 0, 1);
  c->window = pick (b, 0, 3);
  c->power = pick (b, 1, 2);
  bins = c->n_fft / 2 + 1;
  c->n_mels = pick (b, 1, bins < 160 ? bins : 160);
  c->f_max = take (b, 1) < 64 ? 0.0 : pick_double (b, 0.0, c->sample_rate);
  c->f_min = pick_double (b, 0.0, msx_config_f_max (c));
  c->mel_scale = pick (b, 0, 1);
  c->mel_norm = pick (b, 0, 1);
  c->top_db = pick_double (b, 0.001, 1000.0);
  c->colormap = pick (b, 0, MSX_COLORMAP_COUNT - 1);
  c->invert = pick (b, 0, 1);
  c->width = pick (b, 1, 64);
  c->height = pick (b, 1, 96);
  c->chunk_size = pick (b, 1, 300);

  if (wild & (1u << 2))
    c->sample_rate = edge_int (b);
  if (wild & (1u << 3))
    c->channels = edge_int (b);
  if (wild & (1u << 4))
    c->channel_mode = edge_int (b);
  if (wild & (1u << 5))
    c->n_fft = edge_int (b);
  if (wild & (1u << 6))
    c->win_length = edge_int (b);
  if (wild & (1u << 7))
    c->hop_length = edge_int (b);
  if (wild & (1u << 8))
    c->pad_mode = edge_int (b);
  if (wild & (1u << 9))
    c->window = edge_int (b);
  if (wild & (1u << 10))
    c->power = edge_double (b);
  if (wild & (1u << 11))
    c->n_mels = edge_int (b);
  if (wild & (1u << 12))
    c->f_min = edge_double (b);
  if (wild & (1u << 13))
    c->f_max = edge_double (b);
  if (wild & (1u << 14))
    c->mel_scale = edge_int (b);
  if (wild & (1u << 15))
    c->mel_norm = edge_int (b);
  if (wild & (1u << 16))
    c->top_db = edge_double (b);
  if (wild & (1u << 17))
    c->amin = edge_double (b);
  if (wild & (1u << 18))
    c->db_ref = edge_double (b);
  if (wild & (1u << 19))
    c->colormap = edge_int (b);
  if (wild & (1u << 20))
    c->width = edge_int (b);
  if (wild & (1u << 21))
    c->height = edge_int (b);
  if (wild & (1u << 22))
    c->chunk_size = edge_int (b);
  if (wild & (1u << 23))
    c->threads = edge_int (b) & 3;
}

/* A refused config is refused by every constructor, which leaves *out
 * NULL. */
static void
check_refused (const MsxConfig *cfg)
{
  MsxStft *stft = (MsxStft *)cfg;
  MsxSpectrogram *sg = (MsxSpectrogram *)cfg;
  MsxScroll *scroll = (MsxScroll *)cfg;
  char msg[256];

  FUZZ_EXPECT (msx_stft_new (cfg, NULL, NULL, &stft, msg, sizeof (msg)),
      MSX_ERROR_INVALID_ARGUMENT);
  FUZZ_CHECK (stft == NULL && msg[0] != '\0');
  FUZZ_EXPECT (msx_spectrogram_new (cfg, &sg, msg, sizeof (msg)),
      MSX_ERROR_INVALID_ARGUMENT);
  FUZZ_CHECK (sg == NULL);
  FUZZ_EXPECT (msx_scroll_new (cfg, &scroll), MSX_ERROR_INVALID_ARGUMENT);
  FUZZ_CHECK (scroll == NULL);
}

/* The stream-mode chain: msx_stft (dB) → MsxPace (optional) → MsxScroll. */
typedef struct {
  MsxStft *stft;
  MsxPace *pace;
  MsxScroll *scroll;
  int n_mels;
  int stft_finished;
} Stream;

static void
check_finite (const float *v, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    FUZZ_CHECK (isfinite (v[i]));
}

static void
on_columns (void *user, int lane, const float *mel_db, size_t n_frames)
{
  Stream *s = user;

  check_finite (mel_db, n_frames * s->n_mels);
  FUZZ_EXPECT (
      msx_scroll_push_frames (s->scroll, lane, mel_db, n_frames), MSX_OK);
}

static void
on_frames (void *user, int lane, const float *mel_db, size_t n_frames)
{
  Stream *s = user;

  FUZZ_CHECK (n_frames >= 1);
  check_finite (mel_db, n_frames * s->n_mels);
  if (s->pace != NULL)
    FUZZ_EXPECT (msx_pace_push (s->pace, lane, mel_db, n_frames), MSX_OK);
  else
    on_columns (user, lane, mel_db, n_frames);
}

static MsxPixelFormat
pick_format (Bytes *b)
{
  return (MsxPixelFormat)pick (b, MSX_PIXEL_RGBA, MSX_PIXEL_GRAY8);
}

/* Renders the scroll with a random format and row padding; its levels must
 * be finite. */
static void
render_scroll (Stream *s, Bytes *b)
{
  MsxPixelFormat fmt = pick_format (b);
  int w = msx_scroll_width (s->scroll), h = msx_scroll_height (s->scroll);
  size_t stride = (size_t)w * msx_pixel_size (fmt) + pick (b, 0, 7);
  size_t n = (size_t)msx_scroll_lanes (s->scroll) * w * s->n_mels;
  uint8_t *pixels = malloc (stride * h);
  float *levels = malloc (n * sizeof (float));

  FUZZ_CHECK (pixels && levels);
  FUZZ_EXPECT (msx_scroll_render (s->scroll, fmt, pixels, stride), MSX_OK);
  msx_scroll_levels (s->scroll, levels);
  check_finite (levels, n);
  FUZZ_CHECK (isfinite (msx_scroll_ref_db (s->scroll)));
  free (levels);
  free (pixels);
}

/* Look, reference, size or a stretch of silence. */
static void
change_scroll (Stream *s, const MsxConfig *cfg, Bytes *b, uint64_t *silence)
{
  int w, h;
  uint64_t n;

  switch (take (b, 1) % 4) {
    case 0:
      FUZZ_EXPECT (
          msx_scroll_set_look (s->scroll, pick (b, 0, MSX_COLORMAP_COUNT - 1),
              pick (b, 0, 1), pick_double (b, 0.001, 1000.0)),
          MSX_OK);
      FUZZ_EXPECT (msx_scroll_set_look (s->scroll, MSX_COLORMAP_COUNT, 0, 80.0),
          MSX_ERROR_INVALID_ARGUMENT);
      break;
    case 1:
      FUZZ_EXPECT (msx_scroll_set_reference (s->scroll, pick (b, 0, 1),
                       pick_double (b, -300.0, 300.0)),
          MSX_OK);
      break;
    case 2:
      w = pick (b, 1, 64);
      h = pick (b, 1, 96);
      FUZZ_EXPECT (msx_scroll_set_size (s->scroll, w, h),
          (h < msx_config_lanes (cfg) ? MSX_ERROR_INVALID_ARGUMENT : MSX_OK));
      break;
    default:
      n = pick (b, 0, 300);
      if (*silence + n <= MAX_SILENCE_FRAMES) {
        *silence += n;
        FUZZ_EXPECT (msx_scroll_push_silence (s->scroll, n), MSX_OK);
      }
      break;
  }
}

/* Pictures need a row per lane at least. */
static MsxStatus
expected_render (const MsxConfig *cfg, int height)
{
  return height < msx_config_lanes (cfg) ? MSX_ERROR_INVALID_ARGUMENT : MSX_OK;
}

static void
render_picture (MsxSpectrogram *sg, const MsxConfig *cfg, Bytes *b)
{
  MsxPixelFormat fmt = pick_format (b);
  int w = pick (b, 1, 64), h = pick (b, 1, 96);
  size_t stride = (size_t)w * msx_pixel_size (fmt) + pick (b, 0, 7);
  uint8_t *pixels = malloc (stride * h);

  FUZZ_CHECK (pixels != NULL);
  FUZZ_EXPECT (msx_spectrogram_render (sg, fmt, w, h, pixels, stride),
      expected_render (cfg, h));
  free (pixels);
}

/* The PNG renders, and its metadata reads back as one JSON object. */
static void
render_png (MsxSpectrogram *sg, const MsxConfig *cfg, Bytes *b)
{
  int w = pick (b, 1, 64), h = pick (b, 1, 96);
  uint8_t *png = NULL;
  size_t size = 0, len = 0;
  char *text = NULL;

  FUZZ_EXPECT (msx_spectrogram_render_png (sg, w, h, &png, &size),
      expected_render (cfg, h));
  if (png == NULL)
    return;
  FUZZ_EXPECT (msx_png_info_read (png, size, &text, &len), MSX_OK);
  FUZZ_CHECK (len > 2 && text[0] == '{');
  free (text);
  free (png);
}

static size_t
sample_bytes (MsxSampleFormat fmt)
{
  return fmt == MSX_SAMPLE_F64 ? 8 : fmt == MSX_SAMPLE_S16 ? 2 : 4;
}

/* Pushes the next block of the input (copied, so that it is aligned and
 * ASan sees its exact end) to both analysers. */
static void
push_block (Stream *s, MsxSpectrogram *sg, int *sg_finished,
    const MsxConfig *cfg, MsxSampleFormat fmt, Bytes *b)
{
  size_t frame = sample_bytes (fmt) * cfg->channels;
  size_t n = pick (b, 0, 2048);
  void *block;
  MsxStatus want;

  if (n > b->n / frame)
    n = b->n / frame;
  block = malloc (n * frame + 1);
  FUZZ_CHECK (block != NULL);
  memcpy (block, b->p, n * frame);
  b->p += n * frame;
  b->n -= n * frame;
  want = s->stft_finished ? MSX_ERROR_INVALID_ARGUMENT : MSX_OK;
  FUZZ_EXPECT (msx_stft_push_samples (s->stft, block, fmt, n), want);
  want = *sg_finished ? MSX_ERROR_INVALID_ARGUMENT : MSX_OK;
  FUZZ_EXPECT (msx_spectrogram_push_samples (sg, block, fmt, n), want);
  free (block);
}

static void
reset_stream (Stream *s)
{
  msx_stft_reset (s->stft);
  if (s->pace)
    msx_pace_reset (s->pace);
  msx_scroll_reset (s->scroll);
  s->stft_finished = 0;
}

/* One step of the script. */
static void
step (Stream *s, MsxSpectrogram *sg, int *sg_finished, const MsxConfig *cfg,
    MsxSampleFormat fmt, Bytes *b, int *finishes, uint64_t *silence)
{
  switch (take (b, 1) % 12) {
    case 0:
      FUZZ_EXPECT (msx_stft_flush (s->stft), MSX_OK);
      break;
    case 1:
      if (*finishes < MAX_FINISHES && !s->stft_finished) {
        ++*finishes;
        FUZZ_EXPECT (msx_stft_finish (s->stft), MSX_OK);
        s->stft_finished = 1;
      }
      break;
    case 2:
      reset_stream (s);
      break;
    case 3:
      render_scroll (s, b);
      break;
    case 4:
      change_scroll (s, cfg, b, silence);
      break;
    case 5:
      render_picture (sg, cfg, b);
      break;
    case 6:
      FUZZ_EXPECT (
          msx_spectrogram_set_look (sg, pick (b, 0, MSX_COLORMAP_COUNT - 1),
              pick (b, 0, 1), pick_double (b, 0.001, 1000.0)),
          MSX_OK);
      break;
    case 7:
      if (*finishes < MAX_FINISHES && !*sg_finished) {
        ++*finishes;
        FUZZ_EXPECT (msx_spectrogram_finish (sg), MSX_OK);
        *sg_finished = 1;
      } else {
        msx_spectrogram_reset (sg);
        *sg_finished = 0;
      }
      break;
    default:
      push_block (s, sg, sg_finished, cfg, fmt, b);
      break;
  }
}

/* Whether the input can cost more than WORK_BUDGET: every sample left
 * could be pushed, and each finish adds the padding's frames. */
static int
too_costly (const MsxConfig *cfg, size_t bytes_left)
{
  double samples = (double)bytes_left / (2.0 * cfg->channels) +
                   MAX_FINISHES * (double)cfg->n_fft + MAX_SILENCE_FRAMES;
  double frames = samples / cfg->hop_length + 2.0 * MAX_FINISHES;

  return 2.0 * frames * cfg->n_fft * msx_config_lanes (cfg) > WORK_BUDGET;
}

static MsxStatus
stream_new (Stream *s, const MsxConfig *cfg, double frames_per_column)
{
  MsxConfig db = *cfg;
  char msg[256];
  MsxStatus st;

  memset (s, 0, sizeof (*s));
  s->n_mels = cfg->n_mels;
  db.output_db = 1;
  if ((st = msx_scroll_new (&db, &s->scroll)))
    return st;
  if (frames_per_column > 0.0 &&
      (st = msx_pace_new (msx_config_lanes (cfg), cfg->n_mels,
           frames_per_column, msx_db_multiplier (cfg->power), on_columns, s,
           &s->pace)))
    return st;
  return msx_stft_new (&db, on_frames, s, &s->stft, msg, sizeof (msg));
}

static void
stream_free (Stream *s)
{
  msx_stft_free (s->stft);
  msx_pace_free (s->pace);
  msx_scroll_free (s->scroll);
}

static void
run (const MsxConfig *cfg, Bytes *b)
{
  MsxSampleFormat fmt = (MsxSampleFormat)pick (b, 0, 3);
  double r = take (b, 1) < 128 ? 0.0 : pick_double (b, 0.05, 8.0);
  MsxSpectrogram *sg = NULL;
  Stream s;
  int sg_finished = 0, finishes = 0;
  uint64_t silence = 0;
  char msg[256];
  MsxStatus st;

  st = stream_new (&s, cfg, r);
  /* msx_scroll_new refuses fewer rows than lanes; nothing else may fail. */
  FUZZ_CHECK (st == MSX_OK || (st == MSX_ERROR_INVALID_ARGUMENT &&
                                  cfg->height < msx_config_lanes (cfg)));
  if (st == MSX_OK) {
    FUZZ_EXPECT (msx_spectrogram_new (cfg, &sg, msg, sizeof (msg)), MSX_OK);
    while (b->n > 0)
      step (&s, sg, &sg_finished, cfg, fmt, b, &finishes, &silence);
    if (!s.stft_finished)
      FUZZ_EXPECT (msx_stft_finish (s.stft), MSX_OK);
    render_scroll (&s, b);
    if (!sg_finished)
      FUZZ_EXPECT (msx_spectrogram_finish (sg), MSX_OK);
    render_picture (sg, cfg, b);
    render_png (sg, cfg, b);
  }
  msx_spectrogram_free (sg);
  stream_free (&s);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  Bytes b = { data, size };
  MsxConfig cfg;
  char msg[256];

  make_config (&b, &cfg);
  if (msx_config_validate (&cfg, msg, sizeof (msg)) != MSX_OK) {
    check_refused (&cfg);
    return 0;
  }
  if (too_costly (&cfg, b.n))
    return 0;
  run (&cfg, &b);
  return 0;
}
