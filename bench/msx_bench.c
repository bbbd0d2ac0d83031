/* msx_bench — throughput and start-up of the analysis backends, core only
 * (no GStreamer).
 * SPDX-License-Identifier: MIT
 *
 * For each backend (cpu, and vulkan when built in and a device opens):
 * frames/s of msx_backend_process() for each n_fft (hop n_fft/4, 128 mels,
 * power 2, one thread on the CPU unless --threads says otherwise, 0 being
 * one per processor) at each chunk size, and what that is in
 * hours of audio analysed per second of wall time at 44.1 kHz; for Vulkan
 * also the split of process() time into upload (host copy into mapped
 * memory), compute (device timestamps) and read-back; then the cost of
 * create(): cold (empty plan cache and empty driver shader cache, in a
 * fresh XDG_CACHE_HOME), from the on-disk plan cache, and with the plan
 * already in memory (another backend of the process holds the device).
 *
 *   msx_bench [--seconds S] [--backend cpu|vulkan] [--device-index I]
 *             [--threads T] [--sizes 512,2048,8192]
 *             [--chunks 1,64,256,1024,4096,16384]
 *
 * Each figure runs for about S seconds (default 1) after one untimed call.
 *
 * With --stft-file, the whole analysis instead (msx_stft: framing with
 * centre padding, window, FFT, power, 128 mels, dB) of a file of mono
 * float32 samples, median of --repeat runs, optionally writing the frames
 * to --out: bench/core_vs_torchaudio.py compares it with torchaudio.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msx_backend.h"
#include "msx_mel.h"
#include "msx_stft.h"
#include "msx_window.h"
#ifdef MSX_HAVE_VULKAN
#include "msx_backend_vulkan.h"
#endif

#define MAX_LIST 16
#define BENCH_RATE 44100 /* for the hours-of-audio figure */

typedef struct {
  int n;
  int v[MAX_LIST];
} IntList;

static IntList bench_sizes = { 3, { 512, 2048, 8192 } };
static IntList bench_chunks = { 6, { 1, 64, 256, 1024, 4096, 16384 } };
static int bench_device_index = -1;
static int bench_threads = 1; /* CPU backend threads (0: one per processor) */

typedef struct {
  MsxConfig cfg;
  float *window;
  MsxMelBank *bank;
  MsxBackend *be;
} Bench;

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void
bench_close (Bench *b)
{
  msx_backend_free (b->be);
  msx_mel_bank_free (b->bank);
  free (b->window);
  memset (b, 0, sizeof *b);
}

/* Returns the create() time in seconds, or a negative value on failure. */
static double
bench_open (Bench *b, MsxBackendKind kind, int n_fft, int chunk)
{
  char msg[256];
  double t0;
  MsxStatus st;

  memset (b, 0, sizeof *b);
  msx_config_init (&b->cfg);
  b->cfg.n_fft = n_fft;
  b->cfg.hop_length = n_fft / 4;
  b->cfg.chunk_size = chunk;
  b->cfg.backend = kind;
  b->cfg.device_index = bench_device_index;
  b->cfg.threads = bench_threads;
  b->window = malloc ((size_t)n_fft * sizeof (float));
  if (!b->window || msx_mel_bank_new (&b->cfg, &b->bank))
    return -1.0;
  msx_window_fill (b->cfg.window, n_fft, n_fft, b->window);
  t0 = now_s ();
  st = msx_backend_new (&b->cfg, b->window, b->bank, &b->be, msg, sizeof msg);
  if (st) {
    fprintf (stderr, "msx_bench: %s: %s\n", msx_status_string (st), msg);
    bench_close (b);
    return -1.0;
  }
  return now_s () - t0;
}

static float *
make_signal (size_t n)
{
  float *x = malloc (n * sizeof *x);
  uint32_t s = 12345;
  size_t i;

  for (i = 0; x && i < n; i++) {
    s = s * 1664525u + 1013904223u;
    x[i] = (float)((double)s / 4294967296.0 - 0.5);
  }
  return x;
}

/* Frames per second of process() calls of chunk_size frames. */
static double
measure (Bench *b, const float *signal, float *mel, double seconds)
{
  size_t chunk = (size_t)b->cfg.chunk_size, frames = 0;
  double t0, t;

  if (msx_backend_process (b->be, signal, chunk, mel))
    return -1.0;
#ifdef MSX_HAVE_VULKAN
  msx_backend_vulkan_timings (NULL, 1);
#endif
  t0 = now_s ();
  do {
    if (msx_backend_process (b->be, signal, chunk, mel))
      return -1.0;
    frames += chunk;
    t = now_s () - t0;
  } while (t < seconds);
  return (double)frames / t;
}

static void
print_split (void)
{
#ifdef MSX_HAVE_VULKAN
  MsxVulkanTimings t;
  double us;

  msx_backend_vulkan_timings (&t, 0);
  if (!t.frames)
    return;
  us = 1e6 / (double)t.frames;
  printf ("  per frame: upload %6.2f us, compute %6.2f us, read-back %5.2f us"
          " (of %6.2f us in process(); B=%d frames/dispatch)",
      t.upload_s * us, t.compute_s * us, t.readback_s * us, t.process_s * us,
      t.batch);
#endif
}

static int
bench_backend (MsxBackendKind kind, const char *name, double seconds)
{
  size_t si, ci;
  int ok = 1;

  for (si = 0; si < (size_t)bench_sizes.n; si++)
    for (ci = 0; ci < (size_t)bench_chunks.n; ci++) {
      int n_fft = bench_sizes.v[si], chunk = bench_chunks.v[ci];
      size_t len = (size_t)(chunk - 1) * (size_t)(n_fft / 4) + (size_t)n_fft;
      float *x = make_signal (len),
            *mel = malloc ((size_t)chunk * 128 * sizeof (float));
      Bench b;
      double fps = -1.0;

      if (x && mel && bench_open (&b, kind, n_fft, chunk) >= 0) {
        if (si == 0 && ci == 0)
          printf ("%s: %s\n", name, msx_backend_describe (b.be));
        fps = measure (&b, x, mel, seconds);
        bench_close (&b);
      }
      /* one frame advances the audio by hop = n_fft/4 samples */
      printf ("%-6s n_fft %4d chunk %5d: %9.0f frames/s %8.2f h audio/s", name,
          n_fft, chunk, fps, fps * (n_fft / 4) / BENCH_RATE / 3600.0);
      if (kind == MSX_BACKEND_VULKAN && fps > 0)
        print_split ();
      printf ("\n");
      fflush (stdout);
      ok = ok && fps > 0;
      free (x);
      free (mel);
    }
  return ok;
}

#ifdef MSX_HAVE_VULKAN
/* create() costs at n_fft 2048, chunk 1024, in a fresh XDG_CACHE_HOME:
 * cold, again from the disk cache, and once more while a first backend
 * keeps the device (and its in-memory plans) open. */
static void
bench_startup (void)
{
  char dir[] = "/tmp/msx-bench-XXXXXX", cmd[64];
  const char *old = getenv ("XDG_CACHE_HOME");
  char *saved = old ? strdup (old) : NULL;
  Bench a, b;
  double cold, disk, mem = -1.0;
  MsxVulkanTimings t;

  if (!mkdtemp (dir))
    return;
  setenv ("XDG_CACHE_HOME", dir, 1);
  cold = bench_open (&a, MSX_BACKEND_VULKAN, 2048, 1024);
  msx_backend_vulkan_timings (&t, 0);
  if (cold >= 0)
    printf ("create cold:            %7.1f ms (plan %.1f ms, warm-up "
            "dispatch %.1f ms)\n",
        1e3 * cold, 1e3 * t.plan_s, 1e3 * t.warmup_s);
  bench_close (&a);
  disk = bench_open (&a, MSX_BACKEND_VULKAN, 2048, 1024);
  msx_backend_vulkan_timings (&t, 0);
  if (disk >= 0) {
    printf ("create, disk cache:     %7.1f ms (plan %.1f ms, %s; warm-up "
            "%.1f ms)\n",
        1e3 * disk, 1e3 * t.plan_s,
        t.plan_source == 2 ? "loaded from disk" : "NOT from disk",
        1e3 * t.warmup_s);
    mem = bench_open (&b, MSX_BACKEND_VULKAN, 2048, 1024);
    msx_backend_vulkan_timings (&t, 0);
    if (mem >= 0)
      printf ("create, plan in memory: %7.1f ms (plan %.1f ms)\n", 1e3 * mem,
          1e3 * t.plan_s);
    bench_close (&b);
  }
  bench_close (&a);
  if (saved)
    setenv ("XDG_CACHE_HOME", saved, 1);
  else
    unsetenv ("XDG_CACHE_HOME");
  free (saved);
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system (cmd) != 0)
    fprintf (stderr, "msx_bench: could not remove %s\n", dir);
}
#endif

/* ---- the whole analysis of a file of samples (--stft-file) ---- */

typedef struct {
  float *mel;
  size_t frames, cap;
  int n_mels;
} Collected;

static void
collect (void *user, int lane, const float *mel, size_t n)
{
  Collected *c = user;

  if (c->frames + n > c->cap)
    n = c->cap - c->frames;
  memcpy (c->mel + c->frames * c->n_mels, mel, n * c->n_mels * sizeof (float));
  c->frames += n;
}

static float *
read_f32 (const char *path, size_t *n)
{
  FILE *f = fopen (path, "rb");
  float *x = NULL;
  long size;

  if (!f)
    return NULL;
  if (fseek (f, 0, SEEK_END) == 0 && (size = ftell (f)) > 0 &&
      fseek (f, 0, SEEK_SET) == 0 && (x = malloc ((size_t)size))) {
    *n = (size_t)size / sizeof (float);
    if (fread (x, sizeof (float), *n, f) != *n) {
      free (x);
      x = NULL;
    }
  }
  fclose (f);
  return x;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

/* STFT + mel + dB (re 1.0, no floor) of the mono float32 samples in @path
 * at @rate, with the element's defaults (n_fft 2048, hop 512, 128 Slaney
 * mels to 8 kHz, centred, reflect): what msx_stft does for every input,
 * timed from the first push to the last frame, median of @repeat runs.
 * With @out, the frames (time-major float32) are written there. */
static int
bench_stft_file (const char *path, int rate, MsxBackendKind kind, int repeat,
    const char *out)
{
  size_t n = 0;
  float *x = read_f32 (path, &n);
  double *t = calloc ((size_t)repeat, sizeof (double));
  Collected got = { NULL, 0, 0, 0 };
  MsxStft *stft = NULL;
  char msg[256] = "";
  MsxConfig cfg;
  int r, ok = 0;

  msx_config_init (&cfg);
  cfg.sample_rate = rate;
  cfg.channels = 1;
  cfg.backend = kind;
  cfg.device_index = bench_device_index;
  cfg.threads = bench_threads;
  cfg.output_db = 1;
  got.n_mels = cfg.n_mels;
  got.cap = n / (size_t)cfg.hop_length + 1;
  got.mel = malloc (got.cap * got.n_mels * sizeof (float));
  if (!x || !t || !got.mel ||
      msx_stft_new (&cfg, collect, &got, &stft, msg, sizeof msg)) {
    fprintf (stderr, "msx_bench: %s: %s\n", path, x ? msg : "unreadable");
    goto done;
  }
  for (r = 0; r < repeat; r++) {
    double t0 = now_s ();
    msx_stft_reset (stft);
    got.frames = 0;
    if (msx_stft_push (stft, x, n) || msx_stft_finish (stft))
      goto done;
    t[r] = now_s () - t0;
  }
  qsort (t, (size_t)repeat, sizeof (double), cmp_double);
  printf ("stft %s, %d threads: %zu samples at %d Hz, %zu frames of "
          "n_fft %d, hop %d, %d mels in dB: median %.4f s of %d, "
          "frames_per_second=%.0f\n",
      msx_stft_backend (stft), bench_threads, n, rate, got.frames, cfg.n_fft,
      cfg.hop_length, cfg.n_mels, t[repeat / 2], repeat,
      (double)got.frames / t[repeat / 2]);
  ok = 1;
  if (out) {
    FILE *f = fopen (out, "wb");
    ok = f && fwrite (got.mel, sizeof (float), got.frames * got.n_mels, f) ==
                  got.frames * got.n_mels;
    if (f)
      fclose (f);
  }

done:
  msx_stft_free (stft);
  free (x);
  free (t);
  free (got.mel);
  return ok;
}

/* "512,2048" -> list; 0 when a value is not a positive integer. */
static int
parse_list (const char *arg, IntList *out)
{
  const char *p = arg;
  char *end;
  long v;

  out->n = 0;
  while (*p && out->n < MAX_LIST) {
    v = strtol (p, &end, 10);
    if (end == p || v <= 0 || v > 1 << 20 || (*end && *end != ','))
      return 0;
    out->v[out->n++] = (int)v;
    p = *end ? end + 1 : end;
  }
  return out->n > 0 && !*p;
}

int
main (int argc, char **argv)
{
  const char *only = NULL, *stft_file = NULL, *out = NULL;
  double seconds = 1.0;
  int i, ok = 1, rate = 22050, repeat = 7;

  for (i = 1; i < argc; i++) {
    if (!strcmp (argv[i], "--seconds") && i + 1 < argc)
      seconds = atof (argv[++i]);
    else if (!strcmp (argv[i], "--backend") && i + 1 < argc)
      only = argv[++i];
    else if (!strcmp (argv[i], "--device-index") && i + 1 < argc)
      bench_device_index = atoi (argv[++i]);
    else if (!strcmp (argv[i], "--threads") && i + 1 < argc)
      bench_threads = atoi (argv[++i]);
    else if (!strcmp (argv[i], "--stft-file") && i + 1 < argc)
      stft_file = argv[++i];
    else if (!strcmp (argv[i], "--rate") && i + 1 < argc)
      rate = atoi (argv[++i]);
    else if (!strcmp (argv[i], "--repeat") && i + 1 < argc)
      repeat = atoi (argv[++i]) > 0 ? atoi (argv[i]) : 1;
    else if (!strcmp (argv[i], "--out") && i + 1 < argc)
      out = argv[++i];
    else if (!strcmp (argv[i], "--sizes") && i + 1 < argc &&
             parse_list (argv[i + 1], &bench_sizes))
      i++;
    else if (!strcmp (argv[i], "--chunks") && i + 1 < argc &&
             parse_list (argv[i + 1], &bench_chunks))
      i++;
    else {
      fprintf (stderr,
          "usage: %s [--seconds S] [--backend cpu|vulkan] [--device-index I]\n"
          "          [--threads T] [--sizes N,N,...] [--chunks C,C,...]\n"
          "       %s --stft-file F32_FILE [--rate HZ] [--repeat N] "
          "[--out F32_FILE]\n"
          "          [--threads T] [--backend cpu|vulkan]\n",
          argv[0], argv[0]);
      return 2;
    }
  }
  if (stft_file)
    return bench_stft_file (stft_file, rate,
               only && !strcmp (only, "vulkan") ? MSX_BACKEND_VULKAN
                                                : MSX_BACKEND_CPU,
               repeat, out)
               ? 0
               : 1;
  if (!only || !strcmp (only, "cpu"))
    ok = bench_backend (MSX_BACKEND_CPU, "cpu", seconds) && ok;
  if (!only || !strcmp (only, "vulkan")) {
#ifdef MSX_HAVE_VULKAN
    bench_startup ();
    ok = bench_backend (MSX_BACKEND_VULKAN, "vulkan", seconds) && ok;
#else
    printf ("vulkan: not built (Meson feature 'vulkan')\n");
#endif
  }
  return ok ? 0 : 1;
}
