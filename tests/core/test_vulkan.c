/* The Vulkan backend against the CPU backend and a float64 reference, on
 * the Vulkan device of the machine (Mesa's lavapipe in CI), plus device
 * selection, injected faults (MSX_VULKAN_FAULT) and the plan cache.
 * SPDX-License-Identifier: MIT
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vulkan/vulkan.h>

#include "msx_backend.h"
#include "msx_backend_vulkan.h"
#include "msx_mel.h"
#include "msx_stft.h"
#include "msx_test.h"
#include "msx_window.h"
#include "msx_reference.h"

/* The tolerances of every numeric test. */
#define MAX_REL_L2 1e-4
#define MAX_DB_DIFF 0.01
#define TOP_DB 80.0

static VkInstance keep_driver_loaded; /* see main() */

static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void
make_config (
    MsxConfig *c, int n_fft, int chunk, double power, MsxBackendKind kind)
{
  msx_config_init (c);
  c->sample_rate = 22050;
  c->n_fft = n_fft;
  c->hop_length = n_fft / 4 + 1; /* odd hop: frames not aligned */
  c->n_mels = n_fft <= 256 ? 64 : n_fft <= 512 ? 96 : 128;
  c->chunk_size = chunk;
  c->power = power;
  c->backend = kind;
}

/* Chirp + two tones + noise, deterministic. */
static float *
make_signal (size_t n, uint64_t seed)
{
  float *x = malloc (n * sizeof *x);
  size_t i;

  for (i = 0; i < n; i++) {
    double t = i / 22050.0;
    x[i] = (float)(0.5 * sin (2 * M_PI * (100 + 2000 * t) * t) +
                   0.2 * sin (2 * M_PI * 3000 * t) +
                   0.01 * sin (2 * M_PI * 440 * t) + 0.05 * ref_noise (&seed));
  }
  return x;
}

/* Runs @n_frames frames through a backend in process() calls of at most
 * chunk_size frames, as msx_stft does.  Returns NULL on failure. */
static float *
run_backend (const MsxConfig *c, const float *x, size_t n_frames, char *desc,
    size_t desc_size)
{
  float *win = malloc (c->n_fft * sizeof *win), *mel;
  MsxMelBank *bank = NULL;
  MsxBackend *be = NULL;
  char msg[256];
  size_t f, n;
  MsxStatus st;

  mel = calloc (n_frames * c->n_mels, sizeof *mel);
  msx_window_fill (c->window, c->n_fft, c->n_fft, win);
  st = msx_mel_bank_new (c, &bank);
  if (!st)
    st = msx_backend_new (c, win, bank, &be, msg, sizeof msg);
  if (st)
    printf ("# backend: %s (%s)\n", msx_status_string (st), msg);
  for (f = 0; !st && f < n_frames; f += n) {
    n = n_frames - f < (size_t)c->chunk_size ? n_frames - f
                                             : (size_t)c->chunk_size;
    st =
        msx_backend_process (be, x + f * c->hop_length, n, mel + f * c->n_mels);
  }
  if (be && desc)
    snprintf (desc, desc_size, "%s", msx_backend_describe (be));
  msx_backend_free (be);
  msx_mel_bank_free (bank);
  free (win);
  if (st) {
    free (mel);
    return NULL;
  }
  return mel;
}

/* Max |dB(got) - dB(ref)| where ref is above max(ref) - top_db. */
static double
max_db_diff (const float *got, const float *ref, size_t n, double power)
{
  double mx = 0, floor_db, worst = 0, k = power == 1.0 ? 20 : 10;
  size_t i;

  for (i = 0; i < n; i++)
    mx = fmax (mx, ref[i]);
  floor_db = k * log10 (fmax (1e-10, mx)) - TOP_DB;
  for (i = 0; i < n; i++) {
    double r = k * log10 (fmax (1e-10, ref[i]));
    double g = k * log10 (fmax (1e-10, got[i]));
    if (r > floor_db)
      worst = fmax (worst, fabs (g - r));
  }
  return worst;
}

static double
rel_l2 (const float *got, const float *ref, size_t n)
{
  double num = 0, den = 0;
  size_t i;

  for (i = 0; i < n; i++) {
    num += ((double)got[i] - ref[i]) * ((double)got[i] - ref[i]);
    den += (double)ref[i] * ref[i];
  }
  return sqrt (num / den);
}

static void
test_against_cpu (int n_fft, int chunk, double power)
{
  MsxConfig c;
  size_t n_frames = chunk == 1 ? 40 : 300, len;
  float *x, *cpu, *vk;
  char what[160], desc[160] = "";

  make_config (&c, n_fft, chunk, power, MSX_BACKEND_CPU);
  len = (n_frames - 1) * c.hop_length + n_fft;
  x = make_signal (len, 42 + n_fft);
  cpu = run_backend (&c, x, n_frames, NULL, 0);
  c.backend = MSX_BACKEND_VULKAN;
  vk = run_backend (&c, x, n_frames, desc, sizeof desc);
  snprintf (what, sizeof what, "n_fft %d chunk %d power %g: %s", n_fft, chunk,
      power, desc);
  if (msx_check (cpu && vk && !strncmp (desc, "vulkan (", 8), what)) {
    double e = rel_l2 (vk, cpu, n_frames * c.n_mels);
    double d = max_db_diff (vk, cpu, n_frames * c.n_mels, power);
    printf ("# rel L2 %.3g, max dB diff %.3g\n", e, d);
    msx_check (e < MAX_REL_L2, "  relative L2 error vs cpu < 1e-4");
    msx_check (d <= MAX_DB_DIFF, "  max dB difference vs cpu <= 0.01");
  }
  free (x);
  free (cpu);
  free (vk);
}

/* Both backends against a direct float64 DFT and librosa's dense mel
 * matrix (tests/core/msx_reference.h), independent of the core's code. */
static void
test_against_float64 (int n_fft)
{
  MsxConfig c;
  size_t n_frames = 24, len, b, m;
  double *win, *melw, *cs, *ref;
  float *x, *vk;
  double y[8192];
  char what[96];
  int i;

  make_config (&c, n_fft, 7, 2.0, MSX_BACKEND_VULKAN);
  len = (n_frames - 1) * c.hop_length + n_fft;
  x = make_signal (len, 7);
  vk = run_backend (&c, x, n_frames, NULL, 0);
  win = ref_window (&c);
  melw = ref_mel_matrix (&c);
  cs = malloc (2 * n_fft * sizeof *cs);
  ref = malloc (n_frames * c.n_mels * sizeof *ref);
  for (i = 0; i < n_fft; i++) {
    cs[2 * i] = cos (2 * M_PI * i / n_fft);
    cs[2 * i + 1] = sin (2 * M_PI * i / n_fft);
  }
  for (b = 0; b < n_frames; b++) {
    for (i = 0; i < n_fft; i++)
      y[i] = x[b * c.hop_length + i];
    ref_frame (&c, win, melw, cs, y, ref + b * c.n_mels);
  }
  snprintf (what, sizeof what,
      "n_fft %d: vulkan vs float64 DFT reference, "
      "relative L2 < 1e-4",
      n_fft);
  if (msx_check (vk != NULL, "vulkan backend ran")) {
    double e = ref_rel_l2 (vk, ref, n_frames * c.n_mels);
    printf ("# rel L2 vs float64 %.3g\n", e);
    msx_check (e < MAX_REL_L2, what);
    for (m = 0; m < (size_t)c.n_mels && vk[m] >= 0; m++)
      ;
    msx_check (m == (size_t)c.n_mels, "  mel power is non-negative");
  }
  free (win);
  free (melw);
  free (cs);
  free (ref);
  free (x);
  free (vk);
}

/* output_db: msx_mel.comp's float dB against the CPU backend's (double
 * log10 of the same float power) and against float64 power_to_db of a
 * direct DFT; 0.01 dB wherever the reference is above its
 * maximum − top_db. */
static void
test_db (int n_fft, int chunk, double power, double db_ref)
{
  MsxConfig c;
  size_t n_frames = 40, len, n, i;
  float *x, *cpu, *vk, *vk_pow;
  double *ref, d_cpu, d_vk, d_vc = 0, d_log = 0, mx = -HUGE_VAL;
  char what[200], desc[160] = "";

  make_config (&c, n_fft, chunk, power, MSX_BACKEND_CPU);
  c.output_db = 1;
  c.db_ref = db_ref;
  len = (n_frames - 1) * c.hop_length + n_fft;
  n = n_frames * c.n_mels;
  x = make_signal (len, 99 + n_fft);
  cpu = run_backend (&c, x, n_frames, NULL, 0);
  c.backend = MSX_BACKEND_VULKAN;
  vk = run_backend (&c, x, n_frames, desc, sizeof desc);
  c.output_db = 0;
  vk_pow = run_backend (&c, x, n_frames, NULL, 0);
  c.output_db = 1;
  snprintf (what, sizeof what, "dB: n_fft %d chunk %d power %g re %g: %s",
      n_fft, chunk, power, db_ref, desc);
  if (msx_check (cpu && vk && vk_pow && !strncmp (desc, "vulkan (", 8), what)) {
    /* the shader's float log alone: its dB of the power it computed vs
     * the same formula in double, over every value (floor included) */
    double k = power == 1.0 ? 20.0 : 10.0;
    double off = k * log10 (fmax (c.amin, db_ref));
    for (i = 0; i < n; i++)
      d_log = fmax (
          d_log, fabs (vk[i] - (k * log10 (fmax (c.amin, vk_pow[i])) - off)));
    printf ("# vulkan float dB vs double dB of its own power: %.3g\n", d_log);
    msx_check (d_log <= 1e-3, "  vulkan's float log10 within 1e-3 dB");
    ref = ref_frames (&c, x, n_frames);
    d_cpu = ref_db_max_diff (&c, cpu, ref, n, TOP_DB);
    d_vk = ref_db_max_diff (&c, vk, ref, n, TOP_DB);
    for (i = 0; i < n; i++)
      mx = fmax (mx, cpu[i]);
    for (i = 0; i < n; i++)
      if (cpu[i] > mx - TOP_DB)
        d_vc = fmax (d_vc, fabs ((double)vk[i] - cpu[i]));
    printf ("# max dB diff: cpu vs float64 %.3g, vulkan vs float64 %.3g, "
            "vulkan vs cpu %.3g\n",
        d_cpu, d_vk, d_vc);
    msx_check (d_cpu <= MAX_DB_DIFF, "  cpu dB vs float64 <= 0.01");
    msx_check (d_vk <= MAX_DB_DIFF, "  vulkan dB vs float64 <= 0.01");
    msx_check (d_vc <= MAX_DB_DIFF, "  vulkan dB vs cpu dB <= 0.01");
    free (ref);
  }
  free (x);
  free (cpu);
  free (vk);
  free (vk_pow);
}

/* ---- through msx_stft: mono mix and channel_mode separate ---- */

typedef struct {
  int n_mels;
  size_t n[4];
  float *mel[4];
} Collect;

static void
collect (void *user, int lane, const float *mel, size_t n_frames)
{
  Collect *c = user;
  size_t bytes = n_frames * c->n_mels * sizeof (float);

  c->mel[lane] =
      realloc (c->mel[lane], c->n[lane] * c->n_mels * sizeof (float) + bytes);
  memcpy (c->mel[lane] + c->n[lane] * c->n_mels, mel, bytes);
  c->n[lane] += n_frames;
}

static int
run_stft (const MsxConfig *cfg, const float *x, size_t n, Collect *out)
{
  MsxStft *stft = NULL;
  char msg[256];
  size_t done, step = 3001; /* odd pushes */
  MsxStatus st;

  memset (out, 0, sizeof *out);
  out->n_mels = cfg->n_mels;
  st = msx_stft_new (cfg, collect, out, &stft, msg, sizeof msg);
  for (done = 0; !st && done < n; done += step)
    st = msx_stft_push (
        stft, x + done * cfg->channels, n - done < step ? n - done : step);
  if (!st)
    st = msx_stft_finish (stft);
  msx_stft_free (stft);
  return st == MSX_OK;
}

static void
test_stft (int channels, MsxChannelMode mode)
{
  MsxConfig c;
  size_t n = 40000, lane;
  float *x = make_signal (n * channels, 3);
  Collect cpu, vk;
  char what[128];
  int ok;

  /* channel c at a different gain, so that lanes differ */
  for (lane = 0; lane < n * channels; lane++)
    x[lane] *= 1.0f + (float)(lane % channels);
  make_config (&c, 2048, 64, 2.0, MSX_BACKEND_CPU);
  c.hop_length = 512;
  c.channels = channels;
  c.channel_mode = mode;
  ok = run_stft (&c, x, n, &cpu);
  c.backend = MSX_BACKEND_VULKAN;
  ok = run_stft (&c, x, n, &vk) && ok;
  snprintf (what, sizeof what, "msx_stft, %d channel(s), %s: both ran",
      channels, mode == MSX_CHANNELS_MIX ? "mix" : "separate");
  msx_check (ok, what);
  for (lane = 0; ok && lane < (size_t)msx_config_lanes (&c); lane++) {
    size_t total = cpu.n[lane] * c.n_mels;
    snprintf (what, sizeof what,
        "  lane %zu: %zu frames, rel L2 < 1e-4, "
        "dB diff <= 0.01",
        lane, cpu.n[lane]);
    msx_check (cpu.n[lane] == 1 + n / 512 && vk.n[lane] == cpu.n[lane] &&
                   rel_l2 (vk.mel[lane], cpu.mel[lane], total) < MAX_REL_L2 &&
                   max_db_diff (vk.mel[lane], cpu.mel[lane], total, 2.0) <=
                       MAX_DB_DIFF,
        what);
  }
  for (lane = 0; lane < 4; lane++) {
    free (cpu.mel[lane]);
    free (vk.mel[lane]);
  }
  free (x);
}

/* chunk-size never changes the numbers: bit-identical frames for
 * odd and even batches (VkFFT pairs real frames of even batches unless told
 * not to). */
static void
test_chunk_invariance (void)
{
  static const int chunks[] = { 7, 64, 1024, 4096 };
  size_t n = 60000, i;
  float *x = make_signal (n, 5);
  Collect one, other;
  MsxConfig c;
  char what[96];
  int ok;

  make_config (&c, 2048, 1, 2.0, MSX_BACKEND_VULKAN);
  c.hop_length = 512;
  ok = run_stft (&c, x, n, &one);
  for (i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
    c.chunk_size = chunks[i];
    snprintf (what, sizeof what,
        "vulkan chunk-size %d: frames bit-identical to chunk-size 1",
        chunks[i]);
    msx_check (ok && run_stft (&c, x, n, &other) && other.n[0] == one.n[0] &&
                   memcmp (other.mel[0], one.mel[0],
                       one.n[0] * c.n_mels * sizeof (float)) == 0,
        what);
    free (other.mel[0]);
  }
  free (one.mel[0]);
  free (x);
}

/* The device buffers of a dispatch stay within the batch memory budget for
 * the largest chunk-size, a huge hop and many lanes (lavapipe's "device
 * memory" is the host's), and the frames do not change. */
static void
test_memory_budget (void)
{
  static const struct {
    int n_fft, hop, channels;
  } cases[] = { { 2048, 512, 1 }, { 2048, 65536, 6 }, { 4096, 16384, 64 },
    { 65536, 65536, 2 } };
  MsxVulkanTimings t;
  MsxConfig c;
  char what[160];
  size_t i, n = 20000;
  float *x = make_signal (n, 11);
  Collect one, cut;

  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    MsxStft *stft = NULL;
    uint64_t b, bytes;
    make_config (
        &c, cases[i].n_fft, MSX_MAX_CHUNK_SIZE, 2.0, MSX_BACKEND_VULKAN);
    c.hop_length = cases[i].hop;
    c.channels = cases[i].channels;
    c.channel_mode = MSX_CHANNELS_SEPARATE;
    msx_stft_new (&c, collect, NULL, &stft, NULL, 0);
    msx_backend_vulkan_timings (&t, 0);
    b = (uint64_t)t.batch;
    bytes = (b * c.n_fft + b * (c.n_fft / 2 + 1) * 2 +
                2 * ((b - 1) * c.hop_length + c.n_fft + b * c.n_mels)) *
            4;
    snprintf (what, sizeof what,
        "vulkan n-fft %d, hop %d, chunk %d: %d frames a dispatch, %.1f MB "
        "of buffers (<= 16.8 MB)",
        c.n_fft, c.hop_length, c.chunk_size, t.batch, bytes / 1e6);
    msx_check (stft && b >= 1 &&
                   (bytes <= MSX_BATCH_MEMORY || (b == 1 && bytes < 30e6)),
        what);
    msx_stft_free (stft);
  }
  /* a batch cut by the budget (n-fft 16384: ~170 frames) against one
   * frame per batch */
  make_config (&c, 16384, 1, 2.0, MSX_BACKEND_VULKAN);
  c.hop_length = 64;
  run_stft (&c, x, n, &one);
  c.chunk_size = MSX_MAX_CHUNK_SIZE;
  run_stft (&c, x, n, &cut);
  msx_backend_vulkan_timings (&t, 0);
  msx_check (t.batch < 1024 && cut.n[0] == one.n[0] &&
                 memcmp (cut.mel[0], one.mel[0],
                     one.n[0] * c.n_mels * sizeof (float)) == 0,
      "vulkan: a dispatch cut to the budget gives bit-identical frames");
  free (one.mel[0]);
  free (cut.mel[0]);
  free (x);
}

/* 100 samples of @spike (F32 or F64) in 5 s of sine, in dB re 1.0: every
 * value finite, the loudest frame one that touches the spike, the sine far
 * below it, and the CPU's numbers wherever neither saturates. */
static void
check_overflow (MsxSampleFormat fmt, double spike)
{
  enum { L = 5 * 22050, FIRST = L / 2, N_SPIKE = 100 };
  double *x64 = malloc (L * sizeof *x64);
  float *x32 = malloc (L * sizeof *x32);
  size_t i, t, loudest = 0, n_fr = 0, first_fr = (FIRST + 256) / 512 - 3;
  float max = -INFINITY, quiet = -INFINITY;
  float *mel[2] = { NULL, NULL };
  MsxConfig c;
  char what[200];
  int k, finite = 1, same = 1;

  for (i = 0; i < L; i++) {
    x64[i] = i >= FIRST && i < FIRST + N_SPIKE
                 ? (i % 2 ? spike : -spike)
                 : 0.5 * sin (2 * M_PI * 1000.0 * i / 22050);
    x32[i] = (float)x64[i];
  }
  make_config (&c, 2048, 64, 2.0, MSX_BACKEND_CPU);
  c.hop_length = 512;
  c.output_db = 1;
  for (k = 0; k < 2; k++) {
    Collect out = { .n_mels = c.n_mels };
    MsxStft *stft = NULL;
    c.backend = k ? MSX_BACKEND_VULKAN : MSX_BACKEND_CPU;
    msx_stft_new (&c, collect, &out, &stft, NULL, 0);
    if (stft) {
      msx_stft_push_samples (
          stft, fmt == MSX_SAMPLE_F64 ? (void *)x64 : x32, fmt, L);
      msx_stft_finish (stft);
    }
    msx_stft_free (stft);
    mel[k] = out.mel[0];
    n_fr = out.n[0];
  }
  for (t = 0; mel[0] && mel[1] && t < n_fr; t++)
    for (i = 0; i < (size_t)c.n_mels; i++) {
      float v = mel[1][t * c.n_mels + i], w = mel[0][t * c.n_mels + i];
      finite &= isfinite (v);
      if (v > max) {
        max = v;
        loudest = t;
      }
      if ((t < first_fr || t > first_fr + 6) && v > quiet)
        quiet = v;
      /* away from the spike (and from the floor) both backends agree */
      if ((t < first_fr || t > first_fr + 6) && w > -60.0f)
        same &= fabsf (v - w) <= MAX_DB_DIFF;
    }
  snprintf (what, sizeof what,
      "vulkan, %s spike of %g: %s, loudest frame %zu (%zu..%zu), %.0f dB "
      "above the sine, the CPU's dB elsewhere",
      fmt == MSX_SAMPLE_F64 ? "F64" : "F32", spike,
      finite ? "all finite" : "NOT all finite", loudest, first_fr + 1,
      first_fr + 5, max - quiet);
  msx_check (mel[1] && n_fr == 1 + L / 512 && finite && loudest > first_fr &&
                 loudest < first_fr + 6 && max - quiet > 100.0 && same,
      what);
  free (mel[0]);
  free (mel[1]);
  free (x64);
  free (x32);
}

static void
test_overflow (void)
{
  check_overflow (MSX_SAMPLE_F32, 1e20);
  check_overflow (MSX_SAMPLE_F32, 3e38);
  check_overflow (MSX_SAMPLE_F64, 1e30);
  check_overflow (MSX_SAMPLE_F64, 1e300);
}

/* ---- selection and errors ---- */

static MsxStatus
try_create (MsxConfig *c, MsxBackend **be, char *msg, size_t msg_size)
{
  static float win[4096];
  static MsxMelBank *bank;
  MsxStatus st;

  msx_window_fill (c->window, c->n_fft, c->n_fft, win);
  msx_mel_bank_free (bank);
  bank = NULL;
  st = msx_mel_bank_new (c, &bank);
  if (st)
    return st;
  return msx_backend_new (c, win, bank, be, msg, msg_size);
}

/* Median wall time of @reps process() calls of @n frames. */
static double
process_time (MsxBackend *be, const float *x, size_t n, float *mel, int reps)
{
  double t[15], tmp;
  int i, j;

  if (reps > 15)
    reps = 15;
  for (i = 0; i < reps; i++) {
    double t0 = now_s ();
    msx_backend_process (be, x, n, mel);
    t[i] = now_s () - t0;
  }
  for (i = 1; i < reps; i++)
    for (j = i; j > 0 && t[j] < t[j - 1]; j--) {
      tmp = t[j];
      t[j] = t[j - 1];
      t[j - 1] = tmp;
    }
  return t[reps / 2];
}

/* A live stream: 441-sample pushes, each followed by a flush, hand the
 * backend a frame or none at a time.  The frames equal the CPU's, and a
 * one-frame flush costs a fraction of a whole batch's dispatch (before,
 * every flush ran the whole batch: the same cost). */
static void
test_stream_flush (void)
{
  size_t n = 22050 * 3, done, i;
  float *x = make_signal (22050 * 12, 17), *mel; /* 512 frames fit */
  Collect cpu, vk, whole;
  MsxStft *stft = NULL;
  MsxBackend *be = NULL;
  MsxConfig c;
  char msg[256];
  double one, full;
  int ok = 1;

  make_config (&c, 2048, 1024, 2.0, MSX_BACKEND_CPU);
  c.hop_length = 512;
  for (i = 0; i < 2; i++) {
    Collect *out = i ? &vk : &cpu;
    memset (out, 0, sizeof *out);
    out->n_mels = c.n_mels;
    c.backend = i ? MSX_BACKEND_VULKAN : MSX_BACKEND_CPU;
    ok &= msx_stft_new (&c, collect, out, &stft, msg, sizeof msg) == MSX_OK;
    for (done = 0; ok && done < n; done += 441) {
      ok &= msx_stft_push (stft, x + done, n - done < 441 ? n - done : 441) ==
            MSX_OK;
      ok &= msx_stft_flush (stft) == MSX_OK;
    }
    ok &= ok && msx_stft_finish (stft) == MSX_OK;
    msx_stft_free (stft);
  }
  msx_check (
      ok && vk.n[0] == cpu.n[0] && vk.n[0] == 1 + n / 512 &&
          rel_l2 (vk.mel[0], cpu.mel[0], cpu.n[0] * c.n_mels) < MAX_REL_L2,
      "vulkan, 441-sample pushes with a flush after each: the CPU's frames");
  c.backend = MSX_BACKEND_VULKAN;
  msx_check (run_stft (&c, x, n, &whole) && whole.n[0] == vk.n[0] &&
                 memcmp (whole.mel[0], vk.mel[0],
                     vk.n[0] * c.n_mels * sizeof (float)) == 0,
      "  and bit-identical to whole batches on vulkan");
  free (cpu.mel[0]);
  free (vk.mel[0]);
  free (whole.mel[0]);

  /* one frame against the whole batch (512 frames), plans made and run */
  c.backend = MSX_BACKEND_VULKAN;
  mel = malloc (512 * c.n_mels * sizeof *mel);
  if (try_create (&c, &be, msg, sizeof msg) == MSX_OK) {
    process_time (be, x, 1, mel, 3);
    full = process_time (be, x, 512, mel, 5);
    one = process_time (be, x, 1, mel, 15);
    printf ("# one frame %.2f ms, 512 frames %.2f ms\n", one * 1e3, full * 1e3);
    msx_check (one < full / 4, "vulkan: a one-frame flush costs less than a "
                               "quarter of a whole batch");
  } else {
    msx_check (0, msg);
  }
  msx_backend_free (be);
  free (mel);
  free (x);
}

static void
test_auto (void)
{
  MsxConfig c;
  MsxBackend *be = NULL;
  char msg[256] = "";
  const char *desc;

  make_config (&c, 1024, 64, 2.0, MSX_BACKEND_AUTO);
  msx_check (
      try_create (&c, &be, msg, sizeof msg) == MSX_OK, "auto: a backend opens");
  desc = be ? msx_backend_describe (be) : "";
  printf ("# auto: %s; %s\n", desc, msg);
  if (!strncmp (desc, "vulkan", 6))
    msx_check (strstr (desc, ", cpu)") == NULL,
        "auto chose a Vulkan GPU, not a CPU-type device");
  else
    msx_check (!strncmp (desc, "cpu", 3) && strstr (msg, "using the CPU") &&
                   strstr (msg, "Vulkan"),
        "auto fell back to the CPU, with a "
        "message saying why (no Vulkan GPU)");
  msx_backend_free (be);
}

static void
test_device_index (void)
{
  MsxConfig c;
  MsxBackend *be = NULL;
  char msg[256] = "";
  MsxStatus st;

  make_config (&c, 1024, 64, 2.0, MSX_BACKEND_VULKAN);
  c.device_index = 99;
  st = try_create (&c, &be, msg, sizeof msg);
  printf ("# %s\n", msg);
  msx_check (st == MSX_ERROR_BACKEND_UNAVAILABLE && be == NULL &&
                 strstr (msg, "device-index is 99"),
      "device_index out of range: a clean error naming device-index");
  msx_check (msx_backend_vulkan_live_objects () == 0,
      "  no Vulkan object left behind");
  c.device_index = 0;
  st = try_create (&c, &be, msg, sizeof msg);
  msx_check (st == MSX_OK, "device_index 0 opens");
  msx_backend_free (be);
}

static void
test_bluestein_refused (void)
{
  MsxConfig c;
  MsxBackend *be = NULL;
  char msg[256] = "";
  MsxStatus st;

  make_config (&c, 34 * 16, 64, 2.0, MSX_BACKEND_VULKAN); /* 2^5·17 */
  st = try_create (&c, &be, msg, sizeof msg);
  printf ("# %s\n", msg);
  msx_check (st == MSX_ERROR_BACKEND_UNAVAILABLE && strstr (msg, "n-fft 544"),
      "n_fft with a prime factor 17: refused with a message");
  c.backend = MSX_BACKEND_AUTO;
  st = try_create (&c, &be, msg, sizeof msg);
  msx_check (st == MSX_OK && !strncmp (msx_backend_describe (be), "cpu", 3),
      "  auto: the CPU computes it");
  msx_backend_free (be);
}

/* ---- faults ---- */

static void
test_fault (
    const char *fault, MsxStatus expect_create, MsxStatus expect_process)
{
  MsxConfig c;
  MsxBackend *be = NULL;
  char msg[256] = "", what[160];
  /* 64 frames = two sub-batches of 32: submit:3 fails while one is pending */
  float *x = calloc (64 * 257 + 1024, sizeof (float));
  float *mel = calloc (64 * 128, sizeof (float));
  MsxStatus st;

  make_config (&c, 1024, 64, 2.0, MSX_BACKEND_VULKAN);
  setenv ("MSX_VULKAN_FAULT", fault, 1);
  st = try_create (&c, &be, msg, sizeof msg);
  unsetenv ("MSX_VULKAN_FAULT");
  printf ("# %s: %s (%s)\n", fault, msx_status_string (st), msg);
  snprintf (what, sizeof what, "MSX_VULKAN_FAULT=%s: create returns %s", fault,
      msx_status_string (expect_create));
  msx_check (st == expect_create, what);
  if (st == MSX_OK) {
    st = msx_backend_process (be, x, 64, mel);
    snprintf (what, sizeof what, "  process returns %s",
        msx_status_string (expect_process));
    msx_check (st == expect_process, what);
    msx_check (msx_backend_process (be, x, 64, mel) == expect_process,
        "  and again on the next call (the backend stays unusable)");
  }
  msx_check (
      msx_backend_vulkan_live_objects () == 0, "  every Vulkan object freed");
  msx_backend_free (be);
  free (x);
  free (mel);
}

/* ---- on-disk plan cache ---- */

static int
count_cache_files (const char *dir)
{
  char path[512];
  struct dirent *e;
  DIR *d;
  int n = 0;

  snprintf (path, sizeof path, "%s/melspecx", dir);
  d = opendir (path);
  if (!d)
    return 0;
  while ((e = readdir (d)))
    n += !strncmp (e->d_name, "vkfft-", 6) && strstr (e->d_name, ".bin") &&
         !strstr (e->d_name, ".tmp");
  closedir (d);
  return n;
}

/* Creates and frees one backend (so that the shared device closes and its
 * in-memory plans go); returns the plan source and the create() time. */
static int
create_once (double *seconds)
{
  MsxConfig c;
  MsxBackend *be = NULL;
  MsxVulkanTimings t;
  char msg[256];
  double t0 = now_s ();
  MsxStatus st;

  make_config (&c, 2048, 100, 2.0, MSX_BACKEND_VULKAN);
  st = try_create (&c, &be, msg, sizeof msg);
  *seconds = now_s () - t0;
  msx_backend_free (be);
  if (st)
    return -1;
  msx_backend_vulkan_timings (&t, 0);
  printf ("# create %.1f ms (plan %.1f ms, warm-up %.1f ms)\n", 1e3 * *seconds,
      1e3 * t.plan_s, 1e3 * t.warmup_s);
  return t.plan_source;
}

static void
corrupt_cache (const char *dir)
{
  char path[1024];
  struct dirent *e;
  DIR *d;
  FILE *f;

  snprintf (path, sizeof path, "%s/melspecx", dir);
  d = opendir (path);
  while (d && (e = readdir (d)))
    if (!strncmp (e->d_name, "vkfft-", 6)) {
      snprintf (path, sizeof path, "%s/melspecx/%s", dir, e->d_name);
      f = fopen (path, "r+b");
      if (f) {
        fseek (f, 200, SEEK_SET);
        fputs ("garbage garbage garbage", f);
        fclose (f);
      }
    }
  if (d)
    closedir (d);
}

static void
test_cache (void)
{
  char dir[] = "/tmp/msx-vkcache-XXXXXX", cmd[128];
  double cold, warm;
  int src;

  if (!msx_check (mkdtemp (dir) != NULL, "temporary XDG_CACHE_HOME"))
    return;
  setenv ("XDG_CACHE_HOME", dir, 1);
  src = create_once (&cold);
  msx_check (src == 0, "first create compiles the VkFFT plan");
  msx_check (count_cache_files (dir) == 1,
      "  and saves it under $XDG_CACHE_HOME/melspecx");
  src = create_once (&warm);
  msx_check (src == 2, "second create loads the plan from disk");
  printf ("# create: cold %.1f ms, from the disk cache %.1f ms%s\n", 1e3 * cold,
      1e3 * warm, warm < cold ? " (faster)" : " (NOT faster)");
  corrupt_cache (dir);
  src = create_once (&warm);
  msx_check (src == 0, "a corrupt cache file is ignored: compiled again");
  setenv ("XDG_CACHE_HOME", "/proc/melspecx-unwritable", 1);
  src = create_once (&warm);
  msx_check (src == 0, "an unwritable cache directory is ignored");
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system (cmd) != 0)
    printf ("# could not remove %s\n", dir);
}

int
main (void)
{
  static const int sizes[] = { 256, 400, 512, 1024, 2048, 4096 };
  static const int chunks[] = { 1, 7, 1024 };
  char dir[] = "/tmp/msx-vktest-XXXXXX", cmd[128];
  size_t i, j;

  /* a private plan cache: the test neither reads nor fills the user's */
  if (mkdtemp (dir))
    setenv ("XDG_CACHE_HOME", dir, 1);
  /* An instance of the test's own keeps the Vulkan driver loaded while
   * melspecx opens and closes its shared instance many times: otherwise
   * the loader unloads the driver each time and ASan/valgrind cannot name
   * the driver's own one-time allocations (lsan.supp: libvulkan_lvp).
   * It is never destroyed, for the same reason at exit. */
  {
    VkInstanceCreateInfo info = { .sType =
                                      VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO };
    if (vkCreateInstance (&info, NULL, &keep_driver_loaded) != VK_SUCCESS)
      keep_driver_loaded = VK_NULL_HANDLE;
  }

  /* create() makes 9 allocations (window, bands, weights, frames,
   * spectrum, 2 × (signal, mel)): fail each in turn */
  for (i = 1; i <= 9; i++) {
    char fault[16];
    snprintf (fault, sizeof fault, "alloc:%zu", i);
    test_fault (fault, MSX_ERROR_NO_MEMORY, MSX_OK);
  }
  test_fault ("plan", MSX_ERROR_DEVICE, MSX_OK);
  test_fault ("submit:1", MSX_ERROR_DEVICE, MSX_OK); /* the warm-up */
  test_fault ("submit:2", MSX_OK, MSX_ERROR_DEVICE);
  test_fault ("submit:3", MSX_OK, MSX_ERROR_DEVICE);

  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    for (j = 0; j < sizeof chunks / sizeof chunks[0]; j++) {
      test_against_cpu (sizes[i], chunks[j], 2.0);
      test_against_cpu (sizes[i], chunks[j], 1.0);
    }
  test_chunk_invariance ();
  test_memory_budget ();
  test_overflow ();
  test_stream_flush ();
  /* four-step sizes (VkFFT splits the transform), and a 3·5·7 size */
  test_against_cpu (16384, 7, 2.0);
  test_against_cpu (65536, 7, 2.0);
  test_against_cpu (2 * 3 * 5 * 7 * 8, 7, 2.0);
  test_against_float64 (400);
  test_db (512, 7, 2.0, 1.0);
  test_db (512, 1024, 1.0, 1.0);
  test_db (2048, 7, 2.0, 2.5e-3);
  test_db (2048, 1024, 1.0, 30.0);
  test_db (400, 1, 2.0, 1e-12); /* db_ref below amin: clamped */
  test_against_float64 (512);
  test_stft (1, MSX_CHANNELS_MIX);
  test_stft (3, MSX_CHANNELS_MIX);
  test_stft (3, MSX_CHANNELS_SEPARATE);
  test_auto ();
  test_device_index ();
  test_bluestein_refused ();
  msx_check (msx_backend_vulkan_live_objects () == 0,
      "every backend freed: no Vulkan object left");
  test_cache ();

  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system (cmd) != 0)
    printf ("# could not remove %s\n", dir);
  return msx_test_done ();
}
