/* Tests of msx_scroll: stream mode's columns, peak tracker and scrolling
 * picture, against float64 references and against full renders.
 * SPDX-License-Identifier: MIT
 *
 * The last test prints the render time per frame at 1024 × 256 (a full
 * redraw, as stream mode did it, and the scrolling one); it asserts none.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msx_reference.h"
#include "msx_test.h"

#define RATE 48000
#define HOP 512

static MsxConfig
config (int channels, int n_mels, int width, int height)
{
  MsxConfig c;

  msx_config_init (&c);
  c.sample_rate = RATE;
  c.hop_length = HOP;
  c.channels = channels;
  c.channel_mode = MSX_CHANNELS_SEPARATE;
  c.n_mels = n_mels;
  c.width = width;
  c.height = height;
  c.output_db = 1;
  c.chunk_size = 64;
  c.backend = MSX_BACKEND_CPU;
  return c;
}

static MsxScroll *
make (int channels, int n_mels, int width, int height)
{
  MsxConfig c = config (channels, n_mels, width, height);
  MsxScroll *s = NULL;

  if (msx_scroll_new (&c, &s) != MSX_OK)
    printf ("# msx_scroll_new failed\n");
  return s;
}

static void
on_frames (void *user, int lane, const float *mel, size_t n_frames)
{
  msx_scroll_push_frames (user, lane, mel, n_frames);
}

/* Interleaved audio through msx_stft into @s: flushed as a live stream
 * is, or finished (the right padding's frames too) as a file is. */
static void
analyse (MsxScroll *s, const MsxConfig *c, const float *x, size_t n, int finish)
{
  MsxStft *stft = NULL;
  char msg[256] = "";

  if (msx_stft_new (c, on_frames, s, &stft, msg, sizeof (msg)) != MSX_OK) {
    printf ("# msx_stft_new: %s\n", msg);
    return;
  }
  msx_stft_push (stft, x, n);
  if (finish)
    msx_stft_finish (stft);
  else
    msx_stft_flush (stft);
  msx_stft_free (stft);
}

/* Band @b's centre in Hz on the Slaney scale between 0 and @fmax. */
static double
band_centre (int b, int n_mels, double fmax)
{
  double hi = ref_hz_to_mel (fmax, 0);

  return ref_mel_to_hz ((b + 1) * hi / (n_mels + 1), 0);
}

static int
argmax (const float *v, int n)
{
  int i, best = 0;

  for (i = 1; i < n; i++)
    best = v[i] > v[best] ? i : best;
  return best;
}

/* Two lanes, a tone at a band centre in each: the newest column's loudest
 * band is that band, and so is its brightest pixel row (2 rows a band,
 * lowest band at the lane's bottom). */
static void
test_tone_rows (void)
{
  enum { W = 16, NM = 128, H = 2 * 2 * NM, L = RATE / 2 };
  const int band[2] = { 90, 100 };
  MsxConfig c = config (2, NM, W, H);
  MsxScroll *s = make (2, NM, W, H);
  float *x = malloc (2 * L * sizeof (float)), *lv = malloc (2 * W * NM * 4);
  uint8_t *px = malloc (W * H);
  int l, i;

  for (i = 0; i < L; i++)
    for (l = 0; l < 2; l++)
      x[2 * i + l] =
          (float)(0.5 * sin (2 * M_PI * band_centre (band[l], NM, c.f_max) * i /
                             RATE));
  analyse (s, &c, x, L, 0);
  msx_scroll_levels (s, lv);
  msx_scroll_render (s, MSX_PIXEL_GRAY8, px, W);
  for (l = 0; l < 2; l++) {
    int rows = H / 2, top = l * rows, best = top, r;
    for (r = top; r < top + rows; r++)
      best = px[r * W + W - 1] > px[best * W + W - 1] ? r : best;
    msx_check (argmax (lv + ((size_t)l * W + W - 1) * NM, NM) == band[l],
        "tone: loudest band of the newest column is the tone's band");
    msx_check (best - top == rows - 1 - 2 * band[l] ||
                   best - top == rows - 2 - 2 * band[l],
        "tone: brightest row is the band's row in its lane");
  }
  free (x);
  free (lv);
  free (px);
  msx_scroll_free (s);
}

/* Pushes one frame per lane of @n_mels bands: @db in band 3 of lane
 * @loud, the floor everywhere else. */
static void
push_one (MsxScroll *s, int lanes, int n_mels, int loud, float db)
{
  float v[MSX_MAX_N_MELS];
  int l, m;

  for (l = 0; l < lanes; l++) {
    for (m = 0; m < n_mels; m++)
      v[m] = l == loud && m == 3 ? db : (float)msx_scroll_floor_db (s);
    msx_scroll_push_frames (s, l, v, 1);
  }
}

/* A +3 dB frame in lane 1 among −60 dB frames, then silence: the tracker
 * jumps at once and falls by exactly release per hop down to the floor,
 * as float64 max(frame, peak − release) does. */
static void
test_tracker (void)
{
  MsxScroll *s = make (2, 8, 32, 8);
  double release = MSX_SCROLL_RELEASE_DB_PER_S * HOP / RATE;
  double fl = msx_scroll_floor_db (s), ref = fl, err = 0.0, prev;
  int k, exact = 0;

  msx_check_close (fl, -100.0, 1e-12, "floor is 10·log10(amin)");
  for (k = 0; k < 10; k++) {
    push_one (s, 2, 8, 0, -60.0f);
    ref = fmax (-60.0, ref - release);
  }
  msx_check_close (msx_scroll_peak_db (s), -60.0, 0.0, "tracker at −60 dB");
  push_one (s, 2, 8, 1, 3.0f);
  msx_check_close (msx_scroll_peak_db (s), 3.0, 0.0, "instant attack");
  ref = 3.0;
  for (k = 0; k < 2000; k++) {
    prev = msx_scroll_peak_db (s);
    if (k < 1000)
      push_one (s, 2, 8, 0, (float)fl);
    else
      msx_scroll_push_silence (s, 1);
    ref = fmax (fl, ref - release);
    err = fmax (err, fabs (msx_scroll_peak_db (s) - ref));
    exact += ref > fl && fabs (prev - msx_scroll_peak_db (s) - release) < 1e-9;
  }
  msx_check_close (err, 0.0, 1e-9, "release equals float64 arithmetic");
  msx_check (exact == (int)floor (103.0 / release),
      "falls by release per hop until the floor");
  msx_check_close (msx_scroll_peak_db (s), fl, 0.0, "rests at the floor");
  msx_scroll_free (s);
}

/* The drawn reference: fixed is exact; auto stays within [target, target +
 * 1.5 steps] and, rendering at 30 fps while the target falls from +3 dB
 * to floor + top_db, redraws the whole picture once a step, not every
 * frame. */
static void
test_reference (void)
{
  MsxScroll *s = make (1, 8, 32, 8);
  double step = 80.0 / MSX_SCROLL_REF_STEPS, fl = msx_scroll_floor_db (s);
  uint8_t px[32 * 8];
  int k, ok = 1, full = 0, frames = 0;

  msx_scroll_set_reference (s, MSX_SCROLL_REF_FIXED, -12.5);
  msx_check (msx_scroll_ref_db (s) == -12.5, "fixed reference is exact");
  msx_scroll_set_reference (s, MSX_SCROLL_REF_AUTO, 0.0);
  push_one (s, 1, 8, 0, 3.0f);
  for (k = 0; k < 2000; k++) {
    double target = fmax (msx_scroll_peak_db (s), fl + 80.0);
    double r = msx_scroll_ref_db (s);
    ok &= r >= target - 1e-9 && r <= target + 1.5 * step + 1e-9;
    if (k % 3 == 0) {
      msx_scroll_render (s, MSX_PIXEL_GRAY8, px, 32);
      full += msx_scroll_last_drawn (s) == 32;
      frames++;
    }
    msx_scroll_push_silence (s, 1);
  }
  msx_check (ok, "auto reference within 1.5 steps above its target");
  printf ("# release of %.0f dB: %d full redraws in %d frames\n",
      3.0 - (fl + 80.0), full, frames);
  msx_check (full <= 2 + (int)ceil ((3.0 - (fl + 80.0)) / step),
      "release redraws once a step");
  msx_scroll_free (s);
}

/* Random levels: a smooth profile per frame plus noise, −110..+10 dB. */
static void
random_frames (float *v, size_t n, int n_mels, uint64_t *seed)
{
  size_t i;

  for (i = 0; i < n * n_mels; i++)
    v[i] = (float)(-50.0 + 40.0 * sin (0.3 * (i % n_mels) + 0.01 * i) +
                   20.0 * ref_noise (seed));
}

static void
push_random (MsxScroll *s, int lanes, int n_mels, size_t n, uint64_t *seed)
{
  float *v = malloc ((n ? n : 1) * n_mels * sizeof (float));
  int l;

  for (l = 0; l < lanes; l++) {
    random_frames (v, n, n_mels, seed);
    msx_scroll_push_frames (s, l, v, n);
  }
  free (v);
}

/* msx_image_render of the levels floored at the drawn reference − top_db,
 * with the same padded stride: the full render the scrolling one must
 * equal. */
static int
equals_full (MsxScroll *s, MsxPixelFormat fmt, double top_db, MsxColormap map,
    int invert, uint8_t *got, uint8_t *want, size_t stride)
{
  int w = msx_scroll_width (s), h = msx_scroll_height (s), nm = 24;
  float *lv = malloc ((size_t)msx_scroll_lanes (s) * w * nm * sizeof (float));
  double ref = msx_scroll_ref_db (s);
  float lo = (float)(ref - top_db);
  int eq, i;

  memset (got, 0xab, stride * h);
  memset (want, 0xab, stride * h);
  msx_scroll_levels (s, lv);
  for (i = 0; i < msx_scroll_lanes (s) * w * nm; i++)
    lv[i] = fmaxf (lv[i], lo);
  msx_image_render (lv, msx_scroll_lanes (s), w, nm, lo, (float)ref, map,
      invert, fmt, w, h, want, stride);
  msx_scroll_render (s, fmt, got, stride);
  eq = memcmp (got, want, stride * h) == 0;
  free (lv);
  return eq;
}

/* One run of pushes of varying sizes (0 to 2.4 × width), silences, look
 * and reference changes; every render compared with the full one. */
static void
scroll_run (MsxPixelFormat fmt, int height, int *scrolled, int *bad)
{
  static const size_t sizes[] = { 1, 3, 7, 2, 0, 121, 3, 5, 50, 49, 1, 4 };
  MsxScroll *s = make (3, 24, 50, height);
  size_t stride = 50 * 4 + 7;
  uint8_t *got = malloc (stride * height), *want = malloc (stride * height);
  uint64_t seed = 0x5eed + fmt;
  double top_db = 80.0;
  MsxColormap map = MSX_COLORMAP_INFERNO;
  int k, invert = 0;

  for (k = 0; k < 120; k++) {
    if (k % 17 == 16)
      msx_scroll_push_silence (s, 1 + k % 60);
    else
      push_random (s, 3, 24, sizes[k % 12], &seed);
    if (k % 23 == 22) {
      top_db = top_db == 80.0 ? 45.0 : 80.0;
      map = (map + 3) % MSX_COLORMAP_COUNT;
      invert = !invert;
      msx_scroll_set_look (s, map, invert, top_db);
    }
    if (k % 31 == 30)
      msx_scroll_set_reference (
          s, k % 2 ? MSX_SCROLL_REF_FIXED : MSX_SCROLL_REF_AUTO, -20.0);
    *bad += !equals_full (s, fmt, top_db, map, invert, got, want, stride);
    *scrolled += msx_scroll_last_drawn (s) < 50;
  }
  free (got);
  free (want);
  msx_scroll_free (s);
}

static void
test_scroll_equals_full (void)
{
  static const char *names[] = { "RGBA", "RGBx", "BGRA", "BGRx", "RGB",
    "GRAY8" };
  char what[128];
  int fmt;

  for (fmt = MSX_PIXEL_RGBA; fmt <= MSX_PIXEL_GRAY8; fmt++) {
    int scrolled = 0, bad = 0;
    scroll_run (fmt, 101, &scrolled, &bad); /* 33 rows a lane: linear */
    scroll_run (fmt, 40, &scrolled, &bad);  /* 13 rows, 24 bands: area */
    snprintf (what, sizeof (what),
        "%s, 3 lanes: scrolling render equals a full render (%d scrolled)",
        names[fmt], scrolled);
    msx_check (bad == 0 && scrolled > 100, what);
  }
}

/* Image mode with one column per frame and stream mode with a fixed
 * reference at the loudest frame draw the same audio within one level. */
static void
test_image_mode_columns (void)
{
  enum { N = 101, L = (N - 1) * HOP, H = 200, NM = 128 };
  MsxConfig c = config (1, NM, N, H);
  MsxScroll *s = make (1, NM, N, H);
  MsxSpectrogram *sg = NULL;
  float *x = malloc (L * sizeof (float)), *lv = malloc (N * NM * 4);
  uint8_t *a = malloc (N * H), *b = malloc (N * H);
  uint64_t seed = 7;
  int i, worst = 0, same = 0;
  char msg[256];

  for (i = 0; i < L; i++)
    x[i] = (float)(0.3 * sin (2 * M_PI * (200.0 + 6000.0 * i / L) * i / RATE) +
                   0.01 * ref_noise (&seed));
  analyse (s, &c, x, L, 1);
  c.output_db = 0;
  msx_spectrogram_new (&c, &sg, msg, sizeof (msg));
  msx_spectrogram_push (sg, x, L);
  msx_spectrogram_finish (sg);
  msx_scroll_levels (s, lv);
  msx_scroll_set_reference (s, MSX_SCROLL_REF_FIXED, lv[argmax (lv, N * NM)]);
  msx_spectrogram_render (sg, MSX_PIXEL_GRAY8, N, H, a, N);
  msx_scroll_render (s, MSX_PIXEL_GRAY8, b, N);
  for (i = 0; i < N * H; i++) {
    worst = abs (a[i] - b[i]) > worst ? abs (a[i] - b[i]) : worst;
    same += a[i] == b[i];
  }
  printf ("# %d of %d pixels identical, worst %d levels, %d frames\n", same,
      N * H, worst, (int)msx_spectrogram_frames (sg));
  msx_check (msx_spectrogram_frames (sg) == N && worst <= 1 &&
                 same >= N * H * 99 / 100,
      "stream columns equal image-mode columns within one level");
  free (x);
  free (lv);
  free (a);
  free (b);
  msx_spectrogram_free (sg);
  msx_scroll_free (s);
}

/* Every pixel of @px is colour @idx of inferno (RGB). */
static int
all_colour (const uint8_t *px, int n, int idx)
{
  const uint8_t *t = msx_colormap_table (MSX_COLORMAP_INFERNO) + 3 * idx;
  int i, ok = 1;

  for (i = 0; i < n; i++)
    ok &= px[3 * i] == t[0] && px[3 * i + 1] == t[1] && px[3 * i + 2] == t[2];
  return ok;
}

/* Every row of a two-lane RGB picture @w × @h is colour @idx, except the
 * grey line that separates the lanes (row h/2). */
static int
lanes_colour (const uint8_t *px, int w, int h, int idx)
{
  int y, x, ok = 1;

  for (y = 0; y < h; y++)
    if (y == h / 2)
      for (x = 0; x < 3 * w; x++)
        ok &= px[y * w * 3 + x] == MSX_SEPARATOR_GREY;
    else
      ok &= all_colour (px + y * w * 3, w, idx);
  return ok;
}

/* Silence columns and a reset draw the floor colour (entry 0, or 255
 * inverted); the columns around them keep the audio; the lanes' separator
 * line stays. */
static void
test_silence_and_reset (void)
{
  enum { W = 20, H = 16, NM = 8 };
  MsxScroll *s = make (2, NM, W, H);
  uint8_t px[W * H * 3], newest[5 * H * 3];
  float lv[2 * W * NM];
  uint64_t seed = 3;
  int y, ok = 1;

  push_random (s, 2, NM, W, &seed);
  msx_scroll_render (s, MSX_PIXEL_RGB, px, W * 3);
  msx_scroll_push_silence (s, 5);
  msx_scroll_render (s, MSX_PIXEL_RGB, px, W * 3);
  for (y = 0; y < H; y++)
    memcpy (newest + 15 * y, px + y * W * 3 + (W - 5) * 3, 15);
  msx_scroll_levels (s, lv);
  for (y = 0; y < NM * 5; y++)
    ok &=
        lv[(W - 5) * NM + y] == -100.0f && lv[(2 * W - 5) * NM + y] == -100.0f;
  msx_check (ok && msx_scroll_last_drawn (s) == 5,
      "silence: 5 floor columns, drawn alone");
  msx_check (lanes_colour (newest, 5, H, 0) && !lanes_colour (px, W, H, 0),
      "silence draws the floor colour, older columns keep the audio");
  msx_scroll_reset (s);
  msx_scroll_render (s, MSX_PIXEL_RGB, px, W * 3);
  msx_check (lanes_colour (px, W, H, 0) && msx_scroll_peak_db (s) == -100.0,
      "reset: the whole picture is the floor colour");
  msx_scroll_set_look (s, MSX_COLORMAP_INFERNO, 1, 80.0);
  msx_scroll_render (s, MSX_PIXEL_RGB, px, W * 3);
  msx_check (lanes_colour (px, W, H, 255), "inverted floor is entry 255");
  msx_scroll_free (s);
}

/* A new width keeps the newest columns; a new height redraws all. */
static void
test_set_size (void)
{
  MsxScroll *s = make (2, 4, 10, 8);
  float before[2 * 10 * 4], after[2 * 16 * 4];
  uint8_t px[16 * 12];
  uint64_t seed = 11;
  int ok;

  push_random (s, 2, 4, 13, &seed);
  msx_scroll_levels (s, before);
  msx_check (msx_scroll_set_size (s, 6, 8) == MSX_OK, "shrink to 6 columns");
  msx_scroll_levels (s, after);
  ok = memcmp (after, before + 4 * 4, 6 * 4 * 4) == 0 &&
       memcmp (after + 24, before + 40 + 16, 6 * 4 * 4) == 0;
  msx_scroll_set_size (s, 16, 12);
  msx_scroll_levels (s, after);
  ok &= after[0] == -100.0f && after[9 * 4] == -100.0f &&
        memcmp (after + 10 * 4, before + 4 * 4, 6 * 4 * 4) == 0 &&
        memcmp (after + 64 + 40, before + 40 + 16, 6 * 4 * 4) == 0;
  msx_check (ok, "width changes keep the newest columns of each lane");
  msx_scroll_render (s, MSX_PIXEL_GRAY8, px, 16);
  msx_check (msx_scroll_last_drawn (s) == 16, "new size: full redraw");
  msx_check (msx_scroll_set_size (s, 16, 1) == MSX_ERROR_INVALID_ARGUMENT &&
                 msx_scroll_width (s) == 16 && msx_scroll_height (s) == 12,
      "height below the lanes refused, size kept");
  msx_scroll_free (s);
}

static void
test_errors (void)
{
  MsxScroll *s = make (2, 4, 10, 8);
  MsxConfig c = config (2, 4, 10, 1);
  MsxScroll *bad = NULL;
  float v[4 * 3] = { 0 };
  uint8_t px[10 * 8];

  msx_check (
      msx_scroll_new (&c, &bad) == MSX_ERROR_INVALID_ARGUMENT && bad == NULL,
      "height below the lanes: invalid");
  msx_check (msx_scroll_push_frames (s, 1, v, 1) == MSX_ERROR_INVALID_ARGUMENT,
      "lane 1 before lane 0 refused");
  msx_scroll_push_frames (s, 0, v, 3);
  msx_check (msx_scroll_push_frames (s, 1, v, 2) == MSX_ERROR_INVALID_ARGUMENT,
      "a count other than lane 0's refused");
  msx_check (msx_scroll_push_silence (s, 1) == MSX_ERROR_INVALID_ARGUMENT,
      "silence in the middle of a batch refused");
  msx_check (msx_scroll_pending (s) == 0, "half a batch is not a column");
  msx_check (
      msx_scroll_set_look (s, MSX_COLORMAP_COUNT, 0, 80) ==
              MSX_ERROR_INVALID_ARGUMENT &&
          msx_scroll_set_look (s, 0, 0, 0.0) == MSX_ERROR_INVALID_ARGUMENT &&
          msx_scroll_set_look (s, 0, 0, 5e-324) == MSX_ERROR_INVALID_ARGUMENT &&
          isfinite (msx_scroll_ref_db (s)),
      "unknown colormap, top_db 0 or denormal refused");
  msx_check (msx_scroll_set_reference (s, MSX_SCROLL_REF_FIXED, NAN) ==
                 MSX_ERROR_INVALID_ARGUMENT,
      "NaN reference refused");
  msx_check (msx_scroll_render (s, MSX_PIXEL_RGB, px, 29) ==
                 MSX_ERROR_INVALID_ARGUMENT,
      "stride below a row refused");
  msx_scroll_free (s);
  msx_scroll_free (NULL);
}

static double
now_s (void)
{
  struct timespec t;

  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* 1024 × 256 RGBA, 128 mels, 30 fps at 48 kHz hop 512 (3 new columns a
 * frame): stream mode's old render (unroll the ring, msx_image_render of
 * everything) against msx_scroll_render with a fixed reference and with
 * the auto reference through a release. */
static void
test_bench (void)
{
  enum { W = 1024, H = 256, NM = 128, FRAMES = 60 };
  MsxScroll *s = make (1, NM, W, H);
  uint8_t *px = malloc ((size_t)W * H * 4);
  float *lv = malloc ((size_t)W * NM * sizeof (float));
  uint64_t seed = 5;
  double t0, full, fixed, autoref;
  int k;

  push_random (s, 1, NM, W, &seed);
  t0 = now_s ();
  for (k = 0; k < FRAMES; k++) {
    push_random (s, 1, NM, 3, &seed);
    msx_scroll_levels (s, lv);
    msx_image_render (lv, 1, W, NM, -80.0f, 0.0f, MSX_COLORMAP_INFERNO, 0,
        MSX_PIXEL_RGBA, W, H, px, (size_t)W * 4);
  }
  full = (now_s () - t0) / FRAMES;
  msx_scroll_set_reference (s, MSX_SCROLL_REF_FIXED, 0.0);
  msx_scroll_render (s, MSX_PIXEL_RGBA, px, (size_t)W * 4);
  t0 = now_s ();
  for (k = 0; k < FRAMES; k++) {
    push_random (s, 1, NM, 3, &seed);
    msx_scroll_render (s, MSX_PIXEL_RGBA, px, (size_t)W * 4);
  }
  fixed = (now_s () - t0) / FRAMES;
  /* auto: a +10 dB frame, then 60 frames of silence releasing from it */
  msx_scroll_set_reference (s, MSX_SCROLL_REF_AUTO, 0.0);
  push_one (s, 1, NM, 0, 10.0f);
  msx_scroll_render (s, MSX_PIXEL_RGBA, px, (size_t)W * 4);
  t0 = now_s ();
  for (k = 0; k < FRAMES; k++) {
    msx_scroll_push_silence (s, 3);
    msx_scroll_render (s, MSX_PIXEL_RGBA, px, (size_t)W * 4);
  }
  autoref = (now_s () - t0) / FRAMES;
  printf ("# render per frame, 1024x256 RGBA, 3 new columns: full %.3f ms, "
          "scrolling %.3f ms (fixed ref), %.3f ms (auto ref, releasing)\n",
      full * 1e3, fixed * 1e3, autoref * 1e3);
  msx_check (1, "render timing printed");
  free (px);
  free (lv);
  msx_scroll_free (s);
}

int
main (void)
{
  test_tone_rows ();
  test_tracker ();
  test_reference ();
  test_scroll_equals_full ();
  test_image_mode_columns ();
  test_silence_and_reset ();
  test_set_size ();
  test_errors ();
  test_bench ();
  return msx_test_done ();
}
