/* Unit tests of the analysis backends (msx_backend.h) against a direct
 * double-precision window + DFT + mel computation (msx_reference.h).
 * The CPU backend always; the Vulkan one too when it is built in (a
 * missing device is then a failure: lavapipe is part of the set-up).
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "melspecx.h"
#include "msx_reference.h"
#include "msx_test.h"

/* Loud tones over noise 60 dB down, so that the dB check below covers a
 * wide range. */
static float *
signal_new (size_t n, int rate)
{
  float *x = malloc (n * sizeof *x);
  uint64_t seed = 7;
  size_t i;

  for (i = 0; i < n; i++)
    x[i] = (float)(0.8 * sin (2 * M_PI * 1000.0 * i / rate) +
                   0.1 * sin (2 * M_PI * 3150.0 * i / rate) +
                   1e-3 * ref_noise (&seed));
  return x;
}

/* Runs @frames frames through a backend of @kind and compares with the
 * reference: relative L2 of the mel values < 1e-4 and, in dB re the
 * maximum, within 0.01 dB wherever the reference is above max − top_db
 * (the tolerance of every numeric test). */
static void
check_backend (
    MsxBackendKind kind, const MsxConfig *base, size_t frames, const char *name)
{
  MsxConfig c = *base;
  size_t n = (frames - 1) * c.hop_length + c.n_fft, nm = c.n_mels, i, t;
  float *x = signal_new (n, c.sample_rate), *win = malloc (c.n_fft * 4);
  float *got = malloc (frames * nm * sizeof *got);
  double *want = malloc (frames * nm * sizeof *want), *y, *rw, *mw, *cs;
  double err, mx = 0.0, db_err = 0.0, k = c.power == 2.0 ? 10.0 : 20.0;
  MsxMelBank *bank;
  MsxBackend *be;
  char msg[256], what[300];

  c.backend = kind;
  c.chunk_size = (int)frames;
  msx_window_fill (c.window, msx_config_win_length (&c), c.n_fft, win);
  msx_mel_bank_new (&c, &bank);
  if (!msx_check (
          msx_backend_new (&c, win, bank, &be, msg, sizeof msg) == MSX_OK,
          kind == MSX_BACKEND_CPU ? "cpu backend opens" : msg))
    goto out;
  snprintf (what, sizeof what, "process %s", name);
  msx_check (msx_backend_process (be, x, frames, got) == MSX_OK, what);

  y = malloc (n * sizeof *y);
  cs = malloc (2 * c.n_fft * sizeof *cs);
  for (i = 0; i < n; i++)
    y[i] = x[i];
  for (i = 0; i < (size_t)c.n_fft; i++) {
    cs[2 * i] = cos (2 * M_PI * i / c.n_fft);
    cs[2 * i + 1] = sin (2 * M_PI * i / c.n_fft);
  }
  rw = ref_window (&c);
  mw = ref_mel_matrix (&c);
  for (t = 0; t < frames; t++)
    ref_frame (&c, rw, mw, cs, y + t * c.hop_length, want + t * nm);
  for (i = 0; i < frames * nm; i++)
    mx = fmax (mx, want[i]);
  for (i = 0; i < frames * nm; i++)
    if (k * log10 (want[i] / mx) > -c.top_db)
      db_err = fmax (db_err, fabs (k * log10 (fmax (got[i], 1e-30) / want[i])));
  err = ref_rel_l2 (got, want, frames * nm);
  snprintf (what, sizeof what,
      "%s %s: rel L2 %.2g, max dB error %.2g above "
      "-%g dB",
      msx_backend_describe (be), name, err, db_err, c.top_db);
  msx_check (err < 1e-4 && db_err < 0.01, what);
  free (y);
  free (cs);
  free (rw);
  free (mw);
  msx_backend_free (be);
out:
  msx_mel_bank_free (bank);
  free (x);
  free (win);
  free (got);
  free (want);
}

/* output_db: the backend's own dB against float64 power_to_db of the
 * reference (within 0.01 dB above max − top_db), then silence,
 * which must sit exactly at the amin clamp. */
static void
check_db (MsxBackendKind kind, const MsxConfig *base, size_t frames,
    double db_ref, const char *name)
{
  MsxConfig c = *base;
  size_t n = (frames - 1) * c.hop_length + c.n_fft, nm = c.n_mels, i;
  float *x = signal_new (n, c.sample_rate), *win = malloc (c.n_fft * 4);
  float *got = malloc (frames * nm * sizeof *got);
  double *want, err, k = c.power == 2.0 ? 10.0 : 20.0, floor_db;
  MsxMelBank *bank;
  MsxBackend *be;
  char msg[256], what[300];
  int ok = 1;

  c.backend = kind;
  c.chunk_size = (int)frames;
  c.output_db = 1;
  c.db_ref = db_ref;
  msx_window_fill (c.window, msx_config_win_length (&c), c.n_fft, win);
  msx_mel_bank_new (&c, &bank);
  if (!msx_check (
          msx_backend_new (&c, win, bank, &be, msg, sizeof msg) == MSX_OK,
          kind == MSX_BACKEND_CPU ? "cpu backend opens (dB)" : msg))
    goto out;
  msx_backend_process (be, x, frames, got);
  want = ref_frames (&c, x, frames);
  err = ref_db_max_diff (&c, got, want, frames * nm, c.top_db);
  snprintf (what, sizeof what,
      "%s %s, dB re %g: max |dB − float64 dB| %.2g above -%g dB",
      msx_backend_describe (be), name, db_ref, err, c.top_db);
  msx_check (err <= 0.01, what);
  free (want);

  memset (x, 0, n * sizeof *x);
  msx_backend_process (be, x, frames, got);
  floor_db = k * log10 (c.amin) - k * log10 (fmax (c.amin, db_ref));
  for (i = 0; i < frames * nm; i++)
    ok &= fabs (got[i] - floor_db) <= 1e-3;
  snprintf (what, sizeof what, "%s %s: silence is %g dB (the amin clamp)",
      msx_backend_describe (be), name, floor_db);
  msx_check (ok, what);
  msx_backend_free (be);
out:
  msx_mel_bank_free (bank);
  free (x);
  free (win);
  free (got);
}

static void
check_kind (MsxBackendKind kind)
{
  MsxConfig c;

  msx_config_init (&c);
  check_backend (kind, &c, 12, "44.1 kHz defaults, 12 frames");
  check_db (kind, &c, 12, 1.0, "power");
  check_db (kind, &c, 12, 3.5e-3, "power");
  c.power = 1.0;
  c.window = MSX_WINDOW_BLACKMAN;
  c.win_length = 1500;
  c.mel_scale = MSX_MEL_SCALE_HTK;
  check_backend (kind, &c, 5, "magnitude, blackman 1500, htk");
  check_db (kind, &c, 5, 1.0, "magnitude");
  check_db (kind, &c, 5, 42.0, "magnitude");
  msx_config_init (&c);
  c.sample_rate = 16000;
  c.n_fft = 400; /* not a power of two (Whisper's) */
  c.hop_length = 160;
  c.n_mels = 80;
  c.f_max = 0;
  check_backend (kind, &c, 40, "16 kHz, n_fft 400, 80 mels, 40 frames");
  c.n_fft = 16;
  c.hop_length = 3;
  c.n_mels = 4;
  check_backend (kind, &c, 100, "n_fft 16, hop 3, 100 frames");
}

/* Frame b of a batch is frame b alone: batching never changes numbers. */
static void
test_batch_equals_single (void)
{
  MsxConfig c;
  float win[512], *x, *all, one[64];
  MsxMelBank *bank;
  MsxBackend *be;
  int b, ok = 1;

  msx_config_init (&c);
  c.n_fft = 512;
  c.hop_length = 100;
  c.n_mels = 64;
  c.backend = MSX_BACKEND_CPU;
  c.chunk_size = 30;
  x = signal_new (29 * 100 + 512, c.sample_rate);
  all = malloc (30 * 64 * sizeof *all);
  msx_window_fill (c.window, 512, 512, win);
  msx_mel_bank_new (&c, &bank);
  msx_backend_new (&c, win, bank, &be, NULL, 0);
  msx_backend_process (be, x, 30, all);
  for (b = 0; b < 30; b++) {
    msx_backend_process (be, x + b * 100, 1, one);
    ok &= memcmp (one, all + b * 64, sizeof one) == 0;
  }
  msx_check (ok, "cpu: frame b of a batch of 30 is bit-equal to it alone");
  msx_backend_free (be);
  msx_mel_bank_free (bank);
  free (x);
  free (all);
}

/* 1000 frames through a CPU backend of @threads threads into @out. */
static void
run_threads (int threads, int limit, int output_db, const float *x, float *out)
{
  MsxConfig c;
  float win[512];
  MsxMelBank *bank;
  MsxBackend *be;

  msx_config_init (&c);
  c.n_fft = 512;
  c.hop_length = 100;
  c.n_mels = 64;
  c.backend = MSX_BACKEND_CPU;
  c.chunk_size = 1000;
  c.threads = threads;
  c.output_db = output_db;
  msx_window_fill (c.window, 512, 512, win);
  msx_mel_bank_new (&c, &bank);
  msx_backend_new (&c, win, bank, &be, NULL, 0);
  msx_backend_set_threads (be, limit);
  msx_backend_process (be, x, 1000, out);
  msx_backend_set_threads (be, 0);
  msx_backend_process (be, x, 130, out + 1000 * 64); /* shared */
  msx_backend_process (be, x, 7, out + 1130 * 64);   /* one thread */
  msx_backend_free (be);
  msx_mel_bank_free (bank);
}

/* Threads split a batch into ranges: every frame keeps its value. */
static void
test_threads (void)
{
  /* threads, and the limit of the first batch (set_threads) */
  static const int counts[][2] = { { 2, 0 }, { 3, 0 }, { 0, 0 }, { 3, 2 },
    { 2, 1 } };
  size_t n = 1137 * 64;
  float *x = signal_new (999 * 100 + 512, 44100);
  float *one = malloc (n * sizeof *one), *many = malloc (n * sizeof *many);
  char what[100];
  size_t i;
  int db;

  for (db = 0; db < 2; db++) {
    run_threads (1, 0, db, x, one);
    for (i = 0; i < sizeof counts / sizeof counts[0]; i++) {
      memset (many, 0, n * sizeof *many);
      run_threads (counts[i][0], counts[i][1], db, x, many);
      snprintf (what, sizeof what,
          "cpu, threads %d, first batch limit %d (0: none)%s: every frame "
          "bit-equal to one thread",
          counts[i][0], counts[i][1], db ? ", dB" : "");
      msx_check (memcmp (one, many, n * sizeof *one) == 0, what);
    }
  }
  free (x);
  free (one);
  free (many);
}

/* The factory's choices when Vulkan is not compiled in. */
static void
test_factory (void)
{
  MsxConfig c;
  float win[2048];
  MsxMelBank *bank;
  MsxBackend *be = NULL;
  char msg[256], want[32];

  msx_config_init (&c);
  msx_window_fill (c.window, 2048, 2048, win);
  msx_mel_bank_new (&c, &bank);
  snprintf (want, sizeof want, "cpu (%s)", msx_fft_library ());
  c.backend = MSX_BACKEND_CPU;
  msx_backend_new (&c, win, bank, &be, msg, sizeof msg);
  msx_check (be && !strcmp (msx_backend_describe (be), want) && !msg[0],
      "backend cpu: describe says which FFT, no message");
  msx_backend_free (be);
  if (!msx_backend_vulkan_built ()) {
    c.backend = MSX_BACKEND_AUTO;
    msx_backend_new (&c, win, bank, &be, msg, sizeof msg);
    msx_check (be && !strcmp (msx_backend_describe (be), want) &&
                   strstr (msg, "using the CPU"),
        "auto without Vulkan: CPU, says why");
    msx_backend_free (be);
    c.backend = MSX_BACKEND_VULKAN;
    msx_check (msx_backend_new (&c, win, bank, &be, msg, sizeof msg) ==
                       MSX_ERROR_BACKEND_UNAVAILABLE &&
                   be == NULL,
        "vulkan without Vulkan support: unavailable");
  }
  msx_backend_free (NULL);
  msx_mel_bank_free (bank);
}

int
main (void)
{
  check_kind (MSX_BACKEND_CPU);
  if (msx_backend_vulkan_built ())
    check_kind (MSX_BACKEND_VULKAN);
  else
    printf ("# Vulkan not built in: CPU backend only\n");
  test_batch_equals_single ();
  test_threads ();
  test_factory ();
  return msx_test_done ();
}
