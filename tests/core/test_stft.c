/* Unit tests of msx_stft, the streaming framer, against a direct
 * double-precision STFT (msx_reference.h): padding, channel mixing, frame
 * counts, and bit-identical output whatever the push sizes and chunk_size.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "melspecx.h"
#include "msx_reference.h"
#include "msx_test.h"

#define MAX_LANES 4

/* Collects the frames the analyser emits, per lane. */
typedef struct {
  int n_mels;
  float *mel[MAX_LANES];
  size_t frames[MAX_LANES];
  size_t max_batch;
  int bad_lane;
} Sink;

static void
sink_frames (void *user, int lane, const float *mel, size_t n)
{
  Sink *s = user;
  size_t have;

  if (lane < 0 || lane >= MAX_LANES || n == 0) {
    s->bad_lane = 1;
    return;
  }
  have = s->frames[lane];
  s->mel[lane] =
      realloc (s->mel[lane], (have + n) * s->n_mels * sizeof (float));
  memcpy (s->mel[lane] + have * s->n_mels, mel, n * s->n_mels * sizeof (float));
  s->frames[lane] += n;
  if (n > s->max_batch)
    s->max_batch = n;
}

static void
sink_clear (Sink *s)
{
  int i;

  for (i = 0; i < MAX_LANES; i++)
    free (s->mel[i]);
  memset (s, 0, sizeof *s);
}

/* Pushes @L samples per channel in pieces: all at once (@piece 0), fixed
 * @piece sizes, or random sizes 0..2·|piece| (@piece < 0); then finishes. */
static MsxStatus
run (const MsxConfig *c, const float *in, size_t L, long piece, int flush,
    Sink *sink)
{
  MsxStft *stft;
  uint64_t seed = 12345;
  size_t done = 0;
  MsxStatus st;

  memset (sink, 0, sizeof *sink);
  sink->n_mels = c->n_mels;
  if ((st = msx_stft_new (c, sink_frames, sink, &stft, NULL, 0)))
    return st;
  while (done < L && !st) {
    size_t n = piece == 0  ? L
               : piece > 0 ? (size_t)piece
                           : (size_t)((ref_noise (&seed) + 1.0) * -piece);
    if (n > L - done)
      n = L - done;
    st = msx_stft_push (stft, in + done * c->channels, n);
    if (!st && flush)
      st = msx_stft_flush (stft);
    done += n;
  }
  if (!st)
    st = msx_stft_finish (stft);
  if (!st && msx_stft_frames (stft) != sink->frames[0])
    st = MSX_ERROR_INVALID_ARGUMENT;
  msx_stft_free (stft);
  return st;
}

/* Test signal: per channel a different sine plus noise, amplitude < 1. */
static float *
signal_new (int channels, size_t L, int rate)
{
  float *x = malloc ((L * channels + 1) * sizeof *x);
  uint64_t seed = 42;
  size_t i;
  int ch;

  for (i = 0; i < L; i++)
    for (ch = 0; ch < channels; ch++)
      x[i * channels + ch] =
          (float)(0.5 * sin (2 * M_PI * (440.0 + 700 * ch) * i / rate) +
                  0.1 * ref_noise (&seed));
  return x;
}

static MsxConfig
small_config (void)
{
  MsxConfig c;

  msx_config_init (&c);
  c.sample_rate = 16000;
  c.n_fft = 256;
  c.hop_length = 64;
  c.n_mels = 40;
  c.f_max = 0;
  c.backend = MSX_BACKEND_CPU;
  c.chunk_size = 16;
  return c;
}

/* Every lane against the double reference, relative L2 < 1e-4. */
static void
check_reference (
    const char *name, const MsxConfig *c, const float *in, size_t L)
{
  Sink sink;
  MsxStatus st = run (c, in, L, -97, 0, &sink);
  int lane, lanes = msx_config_lanes (c);
  char what[200];

  for (lane = 0; lane < lanes; lane++) {
    size_t nf;
    double *ref = ref_stft (c, in, L, lane, &nf);
    double err = nf == sink.frames[lane]
                     ? ref_rel_l2 (sink.mel[lane], ref, nf * c->n_mels)
                     : INFINITY;
    snprintf (what, sizeof what,
        "%s, lane %d: %zu frames (ref %zu), rel L2 "
        "error %.2g",
        name, lane, sink.frames[lane], nf, err);
    msx_check (st == MSX_OK && !sink.bad_lane && err < 1e-4, what);
    free (ref);
  }
  sink_clear (&sink);
}

static void
test_reference (void)
{
  MsxConfig c = small_config ();
  float *x = signal_new (3, 5000, 16000);

  check_reference ("mono, center reflect, hann", &c, x, 5000);
  msx_config_init (&c);
  c.backend = MSX_BACKEND_CPU;
  c.chunk_size = 5;
  check_reference ("44.1 kHz defaults (n_fft 2048, 128 mels)", &c, x, 10000);
  c = small_config ();
  c.channels = 2;
  c.pad_mode = MSX_PAD_CONSTANT;
  c.window = MSX_WINDOW_HAMMING;
  c.win_length = 200;
  c.power = 1.0;
  c.mel_scale = MSX_MEL_SCALE_HTK;
  c.mel_norm = MSX_MEL_NORM_NONE;
  check_reference (
      "stereo mix, constant pad, hamming 200, magnitude, htk", &c, x, 2501);
  c = small_config ();
  c.channels = 3;
  c.channel_mode = MSX_CHANNELS_SEPARATE;
  c.center = 0;
  c.window = MSX_WINDOW_BLACKMAN;
  c.hop_length = 100;
  check_reference ("3 channels separate, no center, blackman", &c, x, 2001);
  c = small_config ();
  c.hop_length = 300; /* hop > n_fft: samples between frames */
  check_reference ("hop 300 > n_fft 256, center", &c, x, 4000);
  c.center = 0;
  check_reference ("hop 300 > n_fft 256, no center", &c, x, 4000);
  c = small_config ();
  c.window = MSX_WINDOW_RECTANGULAR;
  c.n_fft = 64;
  c.hop_length = 16;
  c.n_mels = 20;
  check_reference ("rectangular, n_fft 64", &c, x, 1000);
  free (x);
}

/* Inputs shorter than the n_fft/2 padding: numpy reflects repeatedly;
 * one sample pads with itself. */
static void
test_short_inputs (void)
{
  static const size_t lengths[] = { 1, 2, 3, 5, 31, 32, 33, 64, 65 };
  MsxConfig c = small_config ();
  float *x = signal_new (2, 100, 16000);
  char name[64];
  size_t i;

  c.n_fft = 64;
  c.hop_length = 16;
  c.n_mels = 20;
  for (i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
    c.pad_mode = MSX_PAD_REFLECT;
    snprintf (name, sizeof name, "reflect, L = %zu, n_fft 64", lengths[i]);
    check_reference (name, &c, x, lengths[i]);
    c.pad_mode = MSX_PAD_CONSTANT;
    snprintf (name, sizeof name, "constant, L = %zu, n_fft 64", lengths[i]);
    check_reference (name, &c, x, lengths[i]);
  }
  c.channels = 2;
  check_reference ("stereo mix, L = 3", &c, x, 3);
  free (x);
}

/* NaN and ±Inf become 0 before mixing. */
static void
test_non_finite (void)
{
  MsxConfig c = small_config ();
  float *x = signal_new (2, 3000, 16000);
  Sink sink;
  size_t i;
  int ok = 1;

  for (i = 0; i < 3000; i += 37)
    x[i] = i % 3 ? NAN : (i % 2 ? INFINITY : -INFINITY);
  c.channels = 2;
  check_reference ("NaN/Inf samples, stereo mix", &c, x, 3000);
  run (&c, x, 3000, 0, 0, &sink);
  for (i = 0; i < sink.frames[0] * c.n_mels; i++)
    ok &= isfinite (sink.mel[0][i]);
  msx_check (ok && sink.frames[0] > 0, "NaN/Inf give finite frames");
  sink_clear (&sink);
  for (i = 0; i < 3000; i++)
    x[i] = NAN;
  c.channels = 1;
  run (&c, x, 3000, 0, 0, &sink);
  ok = sink.frames[0] == 1 + 3000 / 64;
  for (i = 0; i < sink.frames[0] * c.n_mels; i++)
    ok &= sink.mel[0][i] == 0.0f;
  msx_check (ok, "all-NaN input gives all-zero frames");
  sink_clear (&sink);
  free (x);
}

/* 5 s of a 0.5 sine at 16 kHz with 100 samples at @spike from sample
 * 40000 on, pushed as F32 or F64, analysed to dB re 1.0.  Frames 623..628
 * touch the spike (n_fft 256, hop 64, centred).  Every value is finite,
 * the loudest frame is a spike frame, and the sine's frames stay far
 * below it: the spike does not flatten the picture. */
static void
check_overflow (MsxSampleFormat fmt, double spike)
{
  enum { L = 80000, FIRST = 40000, N_SPIKE = 100 };
  MsxConfig c = small_config ();
  double *x64 = malloc (L * sizeof *x64);
  float *x32 = malloc (L * sizeof *x32);
  MsxStft *stft = NULL;
  Sink sink = { 0 };
  size_t i, t, loudest = 0;
  float quiet_max = -INFINITY, max = -INFINITY;
  char what[160];
  int finite = 1;

  for (i = 0; i < L; i++) {
    x64[i] = i >= FIRST && i < FIRST + N_SPIKE
                 ? (i % 2 ? spike : -spike)
                 : 0.5 * sin (2 * M_PI * 1000.0 * i / 16000);
    x32[i] = (float)x64[i];
  }
  c.output_db = 1;
  sink.n_mels = c.n_mels;
  msx_stft_new (&c, sink_frames, &sink, &stft, NULL, 0);
  msx_stft_push_samples (
      stft, fmt == MSX_SAMPLE_F64 ? (void *)x64 : x32, fmt, L);
  msx_stft_finish (stft);
  for (t = 0; t < sink.frames[0]; t++)
    for (i = 0; i < (size_t)c.n_mels; i++) {
      float v = sink.mel[0][t * c.n_mels + i];
      finite &= isfinite (v);
      if (v > max) {
        max = v;
        loudest = t;
      }
      if ((t < 620 || t > 631) && v > quiet_max)
        quiet_max = v;
    }
  snprintf (what, sizeof what,
      "%s spike of %g: %zu frames, %s, loudest frame %zu (623..628), "
      "%.0f dB above the sine",
      fmt == MSX_SAMPLE_F64 ? "F64" : "F32", spike, sink.frames[0],
      finite ? "all finite" : "NOT all finite", loudest, max - quiet_max);
  msx_check (finite && sink.frames[0] == 1 + L / 64 && loudest >= 623 &&
                 loudest <= 628 && max - quiet_max > 100.0,
      what);
  msx_stft_free (stft);
  sink_clear (&sink);
  free (x64);
  free (x32);
}

static void
test_overflow (void)
{
  check_overflow (MSX_SAMPLE_F32, 1e20);
  check_overflow (MSX_SAMPLE_F32, 3e38);
  check_overflow (MSX_SAMPLE_F64, 1e30);
  check_overflow (MSX_SAMPLE_F64, 1e300); /* beyond float */
}

/* librosa's count: center 1 + L//hop; else 1 + (L-n_fft)//hop or 0. */
static void
test_frame_counts (void)
{
  MsxConfig c = small_config ();
  size_t lengths[] = { 0, 1, 63, 64, 65, 127, 255, 256, 257, 1001, 4095 };
  float *x = signal_new (1, 4096, 16000);
  int center, ok;
  size_t i;
  Sink sink;
  char what[128];

  for (center = 0; center <= 1; center++) {
    c.center = center;
    ok = 1;
    for (i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
      size_t L = lengths[i], want = L == 0    ? 0
                                    : center  ? 1 + L / 64
                                    : L < 256 ? 0
                                              : 1 + (L - 256) / 64;
      MsxStatus st = run (&c, x, L, 50, 0, &sink);
      if (st || sink.frames[0] != want) {
        printf ("# L %zu: %zu frames, want %zu (status %d)\n", L,
            sink.frames[0], want, st);
        ok = 0;
      }
      sink_clear (&sink);
    }
    snprintf (what, sizeof what,
        "frame counts for L = 0, 1, hop-1, hop, "
        "n_fft, odd lengths (center %d)",
        center);
    msx_check (ok, what);
  }
  free (x);
}

static int
same_frames (const Sink *a, const Sink *b, int lanes)
{
  int lane;

  for (lane = 0; lane < lanes; lane++)
    if (a->frames[lane] != b->frames[lane] ||
        memcmp (a->mel[lane], b->mel[lane],
            a->frames[lane] * a->n_mels * sizeof (float)))
      return 0;
  return 1;
}

/* chunk_size and push sizes change batching only: frames are bit-equal. */
static void
test_bit_identical (void)
{
  static const int chunks[] = { 1, 7, 4096 };
  static const long pieces[] = { 1, 13, 64, 1000, -50, -3000 };
  MsxConfig c = small_config ();
  size_t L = 20011;
  float *x = signal_new (2, L, 16000);
  Sink ref, got;
  char what[128];
  size_t i, j;

  c.channels = 2;
  c.channel_mode = MSX_CHANNELS_SEPARATE;
  c.chunk_size = 1;
  run (&c, x, L, 0, 0, &ref);
  for (i = 0; i < 3; i++)
    for (j = 0; j < sizeof pieces / sizeof pieces[0]; j++) {
      c.chunk_size = chunks[i];
      run (&c, x, L, pieces[j], j % 2, &got);
      snprintf (what, sizeof what,
          "chunk %d, pushes of %s%ld%s: %zu frames "
          "bit-identical",
          chunks[i], pieces[j] < 0 ? "random 0..2x" : "", labs (pieces[j]),
          j % 2 ? " with flush" : "", got.frames[0]);
      msx_check (same_frames (&ref, &got, 2) && got.frames[0] == 1 + L / 64 &&
                     got.max_batch <= (size_t)chunks[i],
          what);
      sink_clear (&got);
    }
  sink_clear (&ref);
  free (x);
}

/* Without flush, push hands exactly chunk_size frames per batch; flush
 * emits everything ready. */
static void
test_batching (void)
{
  MsxConfig c = small_config ();
  float *x = signal_new (1, 4000, 16000);
  MsxStft *stft;
  Sink sink = { 0 };

  sink.n_mels = c.n_mels;
  c.chunk_size = 10;
  msx_stft_new (&c, sink_frames, &sink, &stft, NULL, 0);
  msx_stft_push (stft, x, 1000);
  /* y has 128 + 1000 samples: frames 0..13 complete, one batch of 10 */
  msx_check (sink.frames[0] == 10, "push emits full chunks only");
  msx_stft_flush (stft);
  msx_check (sink.frames[0] == 14 && msx_stft_frames (stft) == 14,
      "flush emits every complete frame");
  msx_stft_finish (stft);
  msx_check (sink.frames[0] == 1 + 1000 / 64 && msx_stft_samples (stft) == 1000,
      "finish emits the rest: 1 + L/hop");
  msx_check (msx_stft_push (stft, x, 10) == MSX_ERROR_INVALID_ARGUMENT,
      "push after finish refused");
  msx_stft_free (stft);
  sink_clear (&sink);
  free (x);
}

/* Pushes @L samples per channel of @in in @fmt, in pieces of 333. */
static MsxStatus
run_format (const MsxConfig *c, const void *in, MsxSampleFormat fmt,
    size_t size, size_t L, Sink *sink)
{
  MsxStft *stft;
  size_t done;
  MsxStatus st;

  memset (sink, 0, sizeof *sink);
  sink->n_mels = c->n_mels;
  if ((st = msx_stft_new (c, sink_frames, sink, &stft, NULL, 0)))
    return st;
  for (done = 0; done < L && !st; done += 333)
    st = msx_stft_push_samples (stft,
        (const char *)in + done * c->channels * size, fmt,
        L - done < 333 ? L - done : 333);
  if (!st)
    st = msx_stft_finish (stft);
  msx_stft_free (stft);
  return st;
}

/* S16, S32 and F64 read directly give the frames of their float values
 * pushed as F32, bit for bit (mixing and separate lanes alike), for @CH
 * channels (2: the mixing shortcut, 3: the general sum). */
static void
test_sample_formats (int CH)
{
  enum { L = 5000 };
  MsxConfig c = small_config ();
  int16_t *s16 = malloc (L * CH * sizeof *s16);
  int32_t *s32 = malloc (L * CH * sizeof *s32);
  double *f64 = malloc (L * CH * sizeof *f64);
  float *f16 = malloc (L * CH * sizeof (float)),
        *f32 = malloc (L * CH * sizeof (float)),
        *fd = malloc (L * CH * sizeof (float));
  uint64_t seed = 7;
  Sink ref = { 0 }, got = { 0 };
  int mode, i;

  for (i = 0; i < L * CH; i++) {
    double v = ref_noise (&seed);
    s16[i] = (int16_t)(v * 32767);
    s32[i] = (int32_t)(v * 2147483647.0);
    f64[i] = v * 0.9;
    f16[i] = (float)(s16[i] / 32768.0);
    f32[i] = (float)(s32[i] / 2147483648.0);
    fd[i] = (float)f64[i];
  }
  c.channels = CH;
  for (mode = 0; mode < 2; mode++) {
    c.channel_mode = mode ? MSX_CHANNELS_SEPARATE : MSX_CHANNELS_MIX;
    run_format (&c, f16, MSX_SAMPLE_F32, 4, L, &ref);
    run_format (&c, s16, MSX_SAMPLE_S16, 2, L, &got);
    msx_check (ref.frames[0] > 0 && same_frames (&ref, &got, mode ? CH : 1),
        mode ? "S16 read directly, separate lanes: the frames of its floats"
        : CH == 2 ? "S16 read directly, 2 channels mixed: the frames of "
                    "its floats"
                  : "S16 read directly, 3 channels mixed: the frames of "
                    "its floats");
    sink_clear (&ref);
    sink_clear (&got);
    run_format (&c, f32, MSX_SAMPLE_F32, 4, L, &ref);
    run_format (&c, s32, MSX_SAMPLE_S32, 4, L, &got);
    msx_check (ref.frames[0] > 0 && same_frames (&ref, &got, mode ? CH : 1),
        "  S32: the frames of its floats");
    sink_clear (&ref);
    sink_clear (&got);
    run_format (&c, fd, MSX_SAMPLE_F32, 4, L, &ref);
    run_format (&c, f64, MSX_SAMPLE_F64, 8, L, &got);
    msx_check (ref.frames[0] > 0 && same_frames (&ref, &got, mode ? CH : 1),
        "  F64: the frames of its floats");
    sink_clear (&ref);
    sink_clear (&got);
  }
  msx_check (run_format (&c, f32, (MsxSampleFormat)99, 4, L, &got) ==
                 MSX_ERROR_INVALID_ARGUMENT,
      "an unknown sample format is refused");
  sink_clear (&got);
  free (s16);
  free (s32);
  free (f64);
  free (f16);
  free (f32);
  free (fd);
}

/* reset forgets everything: the same input gives the same frames again. */
static void
test_reset (void)
{
  MsxConfig c = small_config ();
  float *x = signal_new (1, 3000, 16000);
  MsxStft *stft;
  Sink a = { 0 }, b = { 0 };

  a.n_mels = b.n_mels = c.n_mels;
  msx_stft_new (&c, sink_frames, &a, &stft, NULL, 0);
  msx_stft_push (stft, x + 500, 700); /* interrupted stream */
  msx_stft_reset (stft);
  msx_stft_push (stft, x, 3000);
  msx_stft_finish (stft);
  msx_stft_reset (stft);
  msx_check (msx_stft_frames (stft) == 0 && msx_stft_samples (stft) == 0,
      "reset zeroes the counters");
  msx_stft_free (stft);
  run (&c, x, 3000, 0, 0, &b);
  /* a holds the frames of the interrupted push first */
  msx_check (a.frames[0] >= b.frames[0] &&
                 memcmp (a.mel[0] + (a.frames[0] - b.frames[0]) * c.n_mels,
                     b.mel[0], b.frames[0] * c.n_mels * sizeof (float)) == 0,
      "after reset, frames equal a fresh run");
  sink_clear (&a);
  sink_clear (&b);
  free (x);
}

static void
test_empty_and_errors (void)
{
  MsxConfig c = small_config ();
  MsxStft *stft = (MsxStft *)1;
  Sink sink = { 0 };
  char msg[256];

  sink.n_mels = c.n_mels;
  msx_check (msx_stft_new (&c, sink_frames, &sink, &stft, NULL, 0) == MSX_OK &&
                 msx_stft_finish (stft) == MSX_OK && sink.frames[0] == 0 &&
                 msx_stft_frames (stft) == 0,
      "finish without input: 0 frames");
  msx_check (msx_stft_finish (stft) == MSX_OK, "finish twice is harmless");
  msx_stft_free (stft);
  msx_stft_free (NULL);
  c.hop_length = 0;
  msx_check (msx_stft_new (&c, sink_frames, &sink, &stft, msg, sizeof msg) ==
                     MSX_ERROR_INVALID_ARGUMENT &&
                 stft == NULL && strstr (msg, "hop-length") != NULL,
      "invalid config refused by new");
  c = small_config ();
  c.backend = MSX_BACKEND_VULKAN;
  if (!msx_backend_vulkan_built ())
    msx_check (msx_stft_new (&c, sink_frames, &sink, &stft, msg, sizeof msg) ==
                       MSX_ERROR_BACKEND_UNAVAILABLE &&
                   strstr (msg, "vulkan"),
        "vulkan asked for but not built: refused with a reason");
}

/* 192 kHz with the default n_fft 2048 and 128 mels up to Nyquist: some
 * bands catch no bin; counted, not an error, and they stay at 0. */
static void
test_empty_bands (void)
{
  MsxConfig c;
  MsxStft *stft;
  Sink sink = { 0 };
  float *x = signal_new (1, 20000, 192000);
  MsxMelBank *bank;
  int m, ok = 1;
  size_t t;

  msx_config_init (&c);
  c.sample_rate = 192000;
  c.f_max = 0;
  c.backend = MSX_BACKEND_CPU;
  sink.n_mels = c.n_mels;
  msx_check (msx_stft_new (&c, sink_frames, &sink, &stft, NULL, 0) == MSX_OK &&
                 msx_stft_empty_bands (stft) > 0,
      "192 kHz defaults: empty bands "
      "counted, analyser created");
  msx_stft_push (stft, x, 20000);
  msx_stft_finish (stft);
  msx_mel_bank_new (&c, &bank);
  for (t = 0; t < sink.frames[0]; t++)
    for (m = 0; m < c.n_mels; m++)
      if (bank->length[m] == 0)
        ok &= sink.mel[0][t * c.n_mels + m] == 0.0f;
  msx_check (ok && sink.frames[0] == 1 + 20000 / 512,
      "empty bands stay at 0 in every frame");
  msx_mel_bank_free (bank);
  msx_stft_free (stft);
  sink_clear (&sink);
  free (x);
}

/* A long input in small pushes: the frame count stays exact. */
static void
test_long_input (void)
{
  MsxConfig c = small_config ();
  float *x = signal_new (1, 4096, 16000);
  MsxStft *stft;
  Sink sink = { 0 };
  size_t i, L = 0;

  c.n_mels = 8;
  c.chunk_size = 100;
  sink.n_mels = c.n_mels;
  msx_stft_new (&c, sink_frames, &sink, &stft, NULL, 0);
  for (i = 0; i < 250; i++) {
    msx_stft_push (stft, x, 4096 - i);
    L += 4096 - i;
  }
  msx_stft_finish (stft);
  msx_check (sink.frames[0] == 1 + L / 64 && msx_stft_samples (stft) == L,
      "a million samples in 250 pushes: exact frame count");
  msx_stft_free (stft);
  sink_clear (&sink);
  free (x);
}

static void
test_backend_name (void)
{
  MsxConfig c = small_config ();
  MsxStft *stft;
  char msg[256], want[32];
  Sink sink = { 0 };

  msx_stft_new (&c, sink_frames, &sink, &stft, msg, sizeof msg);
  snprintf (want, sizeof want, "cpu (%s)", msx_fft_library ());
  msx_check (strcmp (msx_stft_backend (stft), want) == 0 && msg[0] == '\0',
      msx_stft_backend (stft));
  msx_stft_free (stft);
}

/* The batch is cut to the memory budget (never below one frame), and the
 * frames of a cut batch equal those of chunk-size 1. */
static void
test_batch_budget (void)
{
  static const struct {
    int n_fft, hop, channels, chunk;
    size_t batch;
  } cases[] = {
    { 2048, 512, 1, 1024, 256 },  /* default: the CPU's own cap */
    { 2048, 65536, 6, 16384, 8 }, /* 6 × 1.5 × 4 × 65536 B per frame */
    { 2048, 65536, 64, 16384, 1 },
    { 65536, 65536, 64, 16384, 1 }, /* one frame, 25 MB: accepted */
    { 256, 20000, 4, 16384, 35 },
  };
  MsxConfig c = small_config ();
  float *x = signal_new (4, 300000, 16000);
  char what[160];
  Sink ref, got;
  size_t i;

  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    MsxStft *stft = NULL;
    size_t batch, mem;
    msx_config_init (&c);
    c.n_fft = cases[i].n_fft;
    c.hop_length = cases[i].hop;
    c.channels = cases[i].channels;
    c.channel_mode = MSX_CHANNELS_SEPARATE;
    c.chunk_size = cases[i].chunk;
    c.backend = MSX_BACKEND_CPU;
    c.threads = 1;
    msx_stft_new (&c, sink_frames, NULL, &stft, NULL, 0);
    batch = stft ? msx_stft_batch (stft) : 0;
    mem = stft ? msx_stft_memory (stft) : 0;
    snprintf (what, sizeof what,
        "n-fft %d, hop %d, %d lanes, chunk %d: batch %zu (expected %zu), "
        "%.1f MB",
        cases[i].n_fft, cases[i].hop, cases[i].channels, cases[i].chunk, batch,
        cases[i].batch, mem / 1e6);
    msx_check (batch == cases[i].batch &&
                   (mem <= MSX_BATCH_MEMORY + batch * c.n_mels * 4 ||
                       (batch == 1 && mem < 30e6)),
        what);
    msx_stft_free (stft);
  }
  /* the last case, cut to 35 frames, against one frame per batch */
  c = small_config ();
  c.n_fft = 256;
  c.hop_length = 20000;
  c.channels = 4;
  c.channel_mode = MSX_CHANNELS_SEPARATE;
  c.chunk_size = 1;
  run (&c, x, 300000, -5000, 0, &ref);
  c.chunk_size = 16384;
  run (&c, x, 300000, -5000, 0, &got);
  msx_check (got.frames[0] == 1 + 300000 / 20000 && got.max_batch <= 35 &&
                 same_frames (&ref, &got, 4),
      "a batch cut to the budget: frames bit-identical to chunk-size 1");
  sink_clear (&ref);
  sink_clear (&got);
  free (x);
}

/* Peak resident memory of the process, in bytes. */
static size_t
peak_rss (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (size_t)ru.ru_maxrss * 1024;
}

static void
drop_frames (void *user, int lane, const float *mel, size_t n)
{
  (void)lane;
  (void)mel;
  *(size_t *)user += n;
}

/* Pushes @seconds of noise (rounded down to whole blocks) through @c, and
 * returns how much the process's peak memory grew meanwhile; @frames: of
 * every lane. */
static size_t
rss_growth (const MsxConfig *c, int seconds, size_t *frames)
{
  size_t block = 8192, done, total = (size_t)seconds * c->sample_rate, i;

  total -= total % block;
  float *x = malloc (block * c->channels * sizeof *x);
  uint64_t seed = 7;
  size_t before = peak_rss ();
  MsxStft *stft = NULL;
  MsxStatus st;

  for (i = 0; i < block * c->channels; i++)
    x[i] = (float)(0.1 * ref_noise (&seed));
  *frames = 0;
  st = msx_stft_new (c, drop_frames, frames, &stft, NULL, 0);
  for (done = 0; !st && done < total; done += block)
    st = msx_stft_push (stft, x, block);
  if (!st)
    st = msx_stft_finish (stft);
  msx_stft_free (stft);
  free (x);
  return st ? SIZE_MAX : peak_rss () - before;
}

/* Memory does not scale with chunk-size × hop × lanes: a huge hop with
 * every channel drawn separately and the largest chunk-size stays within
 * the batch memory budget (plus slack for the allocator). */
static void
test_memory_bound (void)
{
  static const int hops[] = { 16384, 65536 };
  MsxConfig c;
  char what[160];
  size_t growth, frames, i;

  for (i = 0; i < sizeof hops / sizeof hops[0]; i++) {
    msx_config_init (&c);
    c.sample_rate = 44100;
    c.channels = 6;
    c.channel_mode = MSX_CHANNELS_SEPARATE;
    c.hop_length = hops[i];
    c.chunk_size = MSX_MAX_CHUNK_SIZE;
    c.backend = MSX_BACKEND_CPU;
    c.threads = 1;
    growth = rss_growth (&c, 600, &frames);
    /* 600 s in blocks of 8192 samples: 3229 blocks */
    snprintf (what, sizeof what,
        "hop %d, 6 lanes, chunk %d: %zu frames, peak memory grew %.1f MB "
        "(< 40 MB)",
        hops[i], c.chunk_size, frames, growth / 1e6);
    msx_check (
        frames == 6 * (1 + 3229 * 8192 / (size_t)hops[i]) && growth < 40e6,
        what);
  }
}

/* Frames of one lane of @x (mono), for comparisons. */
typedef struct {
  float *mel[2];
  size_t n[2];
  int n_mels;
} TwoLanes;

static void
collect_two (void *user, int lane, const float *mel, size_t n)
{
  TwoLanes *t = user;

  t->mel[lane] =
      realloc (t->mel[lane], (t->n[lane] + n) * t->n_mels * sizeof (float));
  memcpy (t->mel[lane] + t->n[lane] * t->n_mels, mel,
      n * t->n_mels * sizeof (float));
  t->n[lane] += n;
}

static void
run_lanes (MsxConfig c, const float *x, size_t n, TwoLanes *t)
{
  MsxStft *s = NULL;

  t->n_mels = c.n_mels;
  if (msx_stft_new (&c, collect_two, t, &s, NULL, 0) == MSX_OK) {
    msx_stft_push (s, x, n);
    msx_stft_finish (s);
  }
  msx_stft_free (s);
}

/* mid-side: lane 0 is the analysis of (L+R)/2, lane 1 of (L−R)/2,
 * bit for bit; mono and three channels are refused, naming the mode. */
static void
test_mid_side (void)
{
  size_t n = 22050, i;
  float *lr = malloc (2 * n * sizeof *lr), *mid = malloc (n * sizeof *mid);
  float *side = malloc (n * sizeof *side);
  TwoLanes ms = { { NULL, NULL }, { 0, 0 }, 0 };
  TwoLanes a = { { NULL, NULL }, { 0, 0 }, 0 };
  TwoLanes b = { { NULL, NULL }, { 0, 0 }, 0 };
  MsxConfig c;
  char msg[200] = "";
  uint64_t seed = 7;

  for (i = 0; i < n; i++) {
    lr[2 * i] = (float)(0.4 * sin (0.05 * i) + 0.1 * ref_noise (&seed));
    lr[2 * i + 1] = (float)(0.4 * sin (0.05 * i) - 0.2 * sin (0.3 * i));
    mid[i] = (lr[2 * i] + lr[2 * i + 1]) * 0.5f;
    side[i] = (lr[2 * i] - lr[2 * i + 1]) * 0.5f;
  }
  msx_config_init (&c);
  c.sample_rate = 22050;
  c.channels = 2;
  c.channel_mode = MSX_CHANNELS_MID_SIDE;
  msx_check (msx_config_lanes (&c) == 2, "mid-side draws two lanes");
  run_lanes (c, lr, n, &ms);
  c.channels = 1;
  c.channel_mode = MSX_CHANNELS_MIX;
  run_lanes (c, mid, n, &a);
  run_lanes (c, side, n, &b);
  msx_check (ms.n[0] > 0 && ms.n[0] == a.n[0] && ms.n[1] == b.n[0] &&
                 memcmp (ms.mel[0], a.mel[0], ms.n[0] * c.n_mels * 4) == 0 &&
                 memcmp (ms.mel[1], b.mel[0], ms.n[1] * c.n_mels * 4) == 0,
      "mid-side lanes equal the analyses of (L+R)/2 and (L-R)/2");
  c.channel_mode = MSX_CHANNELS_MID_SIDE;
  msx_check (
      msx_config_validate (&c, msg, sizeof msg) == MSX_ERROR_INVALID_ARGUMENT &&
          strstr (msg, "mid-side") && strstr (msg, "1 channel"),
      "mid-side of mono is refused, naming the mode");
  c.channels = 3;
  msx_check (
      msx_config_validate (&c, msg, sizeof msg) == MSX_ERROR_INVALID_ARGUMENT,
      "mid-side of three channels is refused");
  free (ms.mel[0]);
  free (ms.mel[1]);
  free (a.mel[0]);
  free (b.mel[0]);
  free (lr);
  free (mid);
  free (side);
}

int
main (void)
{
  test_reference ();
  test_short_inputs ();
  test_non_finite ();
  test_overflow ();
  test_frame_counts ();
  test_bit_identical ();
  test_batching ();
  test_sample_formats (2);
  test_sample_formats (3);
  test_reset ();
  test_empty_and_errors ();
  test_empty_bands ();
  test_long_input ();
  test_backend_name ();
  test_batch_budget ();
  test_memory_bound ();
  test_mid_side ();
  return msx_test_done ();
}
