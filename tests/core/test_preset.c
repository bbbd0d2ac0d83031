/* Unit tests of the parameters the presets need, each against float64:
 * the povey window, kaldi's mel bank, kaldi framing (mean removal,
 * pre-emphasis, zero-padding), whisper's dropped last frame, the ln and
 * whisper log units, the presets themselves, their checks and JSON.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "melspecx.h"
#include "msx_reference.h"
#include "msx_test.h"

typedef struct {
  int n_mels;
  float *mel;
  size_t frames;
} Sink;

static void
sink_frames (void *user, int lane, const float *mel, size_t n)
{
  Sink *s = user;

  (void)lane;
  s->mel = realloc (s->mel, (s->frames + n) * s->n_mels * sizeof (float));
  memcpy (s->mel + s->frames * s->n_mels, mel, n * s->n_mels * sizeof (float));
  s->frames += n;
}

/* Runs @c over @x pushed in pieces of @piece samples (flushing after each
 * when @flush); returns the frames in @out. */
static MsxStatus
run (const MsxConfig *c, const float *x, size_t L, size_t piece, int flush,
    Sink *out)
{
  MsxStft *stft;
  char msg[256];
  size_t i;
  MsxStatus st;

  memset (out, 0, sizeof *out);
  out->n_mels = c->n_mels;
  st = msx_stft_new (c, sink_frames, out, &stft, msg, sizeof msg);
  if (st) {
    printf ("# %s\n", msg);
    return st;
  }
  for (i = 0; i < L && !st; i += piece) {
    st = msx_stft_push (stft, x + i, L - i < piece ? L - i : piece);
    if (!st && flush)
      st = msx_stft_flush (stft);
  }
  if (!st)
    st = msx_stft_finish (stft);
  msx_stft_free (stft);
  return st;
}

/* Speech-like test input at @rate: two gliding harmonic tones, noise and
 * a DC offset (which kaldi's mean removal must take out), silence at the
 * start. */
static float *
make_signal (size_t L, int rate)
{
  float *x = malloc (L * sizeof *x);
  uint64_t seed = 0x5eed;
  size_t i;

  for (i = 0; i < L; i++) {
    double t = (double)i / rate, v = 0.0;
    int h;
    if (i > L / 10) {
      for (h = 1; h <= 5; h++)
        v += 0.3 / h * sin (2 * M_PI * h * (140 + 60 * t) * t);
      v += 0.2 * sin (2 * M_PI * 3100 * t) + 0.01 * ref_noise (&seed);
    }
    x[i] = (float)(v + 0.05);
  }
  return x;
}

/* kaldi's mel bank as torchaudio.compliance.kaldi.get_mel_banks writes it,
 * n_mels × (n_fft/2 + 1), the last column (Nyquist) 0. */
static double *
kaldi_mel_matrix (const MsxConfig *c)
{
  int nb = c->n_fft / 2 + 1, m, k;
  double nyq = c->sample_rate / 2.0;
  double hi_hz = c->f_max > 0 && c->f_max < nyq ? c->f_max : nyq;
  double lo = 1127.0 * log (1.0 + c->f_min / 700.0);
  double hi = 1127.0 * log (1.0 + hi_hz / 700.0);
  double delta = (hi - lo) / (c->n_mels + 1);
  double *w = calloc ((size_t)c->n_mels * nb, sizeof *w);

  for (m = 0; m < c->n_mels; m++) {
    double l = lo + m * delta, ce = lo + (m + 1) * delta,
           r = lo + (m + 2) * delta;
    for (k = 0; k < nb - 1; k++) {
      double mel =
          1127.0 * log (1.0 + k * (double)c->sample_rate / c->n_fft / 700.0);
      double up = (mel - l) / (ce - l), down = (r - mel) / (r - ce);
      w[(size_t)m * nb + k] = fmax (0.0, fmin (up, down));
    }
  }
  return w;
}

/* kaldi fbank (dither 0, snip_edges, remove_dc_offset, the frame at the
 * start of the n_fft buffer) in float64: ln(max(S, FLT_EPSILON)), frames
 * × n_mels. */
static double *
kaldi_reference (const MsxConfig *c, const float *x, size_t L, size_t *n_out)
{
  int W = c->win_length, N = c->n_fft, nb = N / 2 + 1, i, k, m;
  size_t T = L < (size_t)W ? 0 : 1 + (L - W) / c->hop_length, t;
  double *melw = kaldi_mel_matrix (c), *out = malloc ((T + 1) * c->n_mels * 8);
  double *fr = malloc (N * sizeof *fr), *p = malloc (nb * sizeof *p);

  for (t = 0; t < T; t++) {
    const float *s = x + t * c->hop_length;
    double mean = 0.0;
    for (i = 0; i < W; i++)
      mean += s[i];
    mean /= W;
    for (i = 0; i < N; i++)
      fr[i] = 0.0;
    for (i = 0; i < W; i++) {
      double cur = s[i] - mean, prev = s[i ? i - 1 : 0] - mean;
      double win = pow (0.5 - 0.5 * cos (2 * M_PI * i / (W - 1)), 0.85);
      fr[i] = (cur - c->preemphasis * prev) * win;
    }
    for (k = 0; k < nb; k++) {
      double re = 0.0, im = 0.0;
      for (i = 0; i < N; i++) {
        re += fr[i] * cos (2 * M_PI * (double)((int64_t)k * i % N) / N);
        im -= fr[i] * sin (2 * M_PI * (double)((int64_t)k * i % N) / N);
      }
      p[k] = re * re + im * im;
    }
    for (m = 0; m < c->n_mels; m++) {
      double acc = 0.0;
      for (k = 0; k < nb; k++)
        acc += melw[(size_t)m * nb + k] * p[k];
      out[t * c->n_mels + m] = log (fmax (acc, FLT_EPSILON));
    }
  }
  free (melw);
  free (fr);
  free (p);
  *n_out = T;
  return out;
}

static void
test_povey (void)
{
  MsxConfig c;
  float w[512];
  double worst = 0.0;
  int i, lpad;

  msx_config_init (&c);
  msx_window_fill (MSX_WINDOW_POVEY, 400, 512, w);
  lpad = (512 - 400) / 2;
  for (i = 0; i < 512; i++) {
    double ref =
        i < lpad || i >= lpad + 400
            ? 0.0
            : pow (0.5 - 0.5 * cos (2 * M_PI * (i - lpad) / 399.0), 0.85);
    worst = fmax (worst, fabs (w[i] - ref));
  }
  msx_check_close (worst, 0.0, 1e-7, "povey window = (symmetric Hann)^0.85");
  msx_check (w[lpad] == 0.0f && w[lpad + 399] == 0.0f &&
                 fabsf (w[lpad + 200] - 1.0f) < 1e-4f,
      "povey window: zero at both ends (symmetric), 1 in the middle");
  msx_check (strcmp (msx_window_type_name (MSX_WINDOW_POVEY), "povey") == 0,
      "the povey window is named povey");
  (void)c;
}

static void
test_kaldi_bank (void)
{
  MsxConfig c;
  MsxMelBank *bank;
  double *ref, worst = 0.0;
  int m, k, nb, nyquist_zero = 1;

  msx_config_init (&c);
  msx_preset_apply (MSX_PRESET_KALDI, &c);
  c.sample_rate = 16000;
  msx_check (msx_mel_bank_new (&c, &bank) == MSX_OK, "kaldi mel bank builds");
  ref = kaldi_mel_matrix (&c);
  nb = bank->n_bins;
  for (m = 0; m < c.n_mels; m++) {
    for (k = 0; k < nb; k++) {
      double got = 0.0;
      if (k >= bank->start[m] && k < bank->start[m] + bank->length[m])
        got = bank->weights[bank->offset[m] + k - bank->start[m]];
      if (k == nb - 1 && got != 0.0)
        nyquist_zero = 0;
      worst = fmax (worst, fabs (got - ref[(size_t)m * nb + k]));
    }
  }
  msx_check_close (worst, 0.0, 1e-6,
      "kaldi mel bank: mel-domain triangles equal get_mel_banks' (float64)");
  msx_check (nyquist_zero, "kaldi mel bank: the Nyquist bin weighs 0");
  msx_check_close (msx_mel_to_hz (msx_hz_to_mel (3000.0, MSX_MEL_SCALE_KALDI),
                       MSX_MEL_SCALE_KALDI),
      3000.0, 1e-9, "kaldi mel scale: mel_to_hz inverts hz_to_mel");
  msx_check_close (msx_hz_to_mel (700.0, MSX_MEL_SCALE_KALDI),
      1127.0 * log (2.0), 1e-12, "kaldi mel scale is 1127 ln(1 + f/700)");
  free (ref);
  msx_mel_bank_free (bank);
}

static void
test_kaldi_framing (void)
{
  MsxConfig c;
  size_t L = 16000 + 237, T, i;
  float *x = make_signal (L, 16000);
  double *ref, worst = 0.0;
  Sink a, b;
  int same = 1;

  msx_config_init (&c);
  msx_preset_apply (MSX_PRESET_KALDI, &c);
  c.sample_rate = 16000;
  c.backend = MSX_BACKEND_CPU;
  c.output_db = 1;
  ref = kaldi_reference (&c, x, L, &T);
  msx_check (run (&c, x, L, L, 0, &a) == MSX_OK, "kaldi framing runs");
  msx_check (a.frames == T && T == 1 + (L - 400) / 160,
      "kaldi framing: 1 + (L - win_length) / hop frames, no centring");
  msx_log_scale_apply (MSX_LOG_LN, c.power, a.mel, a.frames * c.n_mels);
  for (i = 0; i < T * c.n_mels && a.frames == T; i++)
    worst = fmax (worst, fabs (a.mel[i] - ref[i]));
  printf ("# kaldi vs float64: max |ln| difference %.3g\n", worst);
  /* float32 FFT and sums against float64: ~1e-6 relative in S, so ~1e-6
   * in ln S; 1e-4 leaves room for the quietest bands */
  msx_check_close (worst, 0.0, 1e-4,
      "kaldi framing + povey + bank + ln equal float64 fbank within 1e-4");

  msx_check (run (&c, x, L, 97, 1, &b) == MSX_OK && b.frames == a.frames,
      "kaldi framing: pushed 97 samples at a time, same frame count");
  msx_log_scale_apply (MSX_LOG_LN, c.power, b.mel, b.frames * c.n_mels);
  for (i = 0; i < a.frames * c.n_mels && b.frames == a.frames; i++)
    same &= a.mel[i] == b.mel[i];
  msx_check (same, "kaldi framing: bit-identical whatever the push sizes");
  free (a.mel);
  free (b.mel);

  msx_check (run (&c, x, 399, 399, 0, &a) == MSX_OK && a.frames == 0,
      "kaldi framing: fewer than win_length samples give no frame");
  free (a.mel);
  msx_check (run (&c, x, 400, 400, 0, &a) == MSX_OK && a.frames == 1,
      "kaldi framing: win_length samples give one frame");
  free (a.mel);
  free (ref);
  free (x);
}

static void
test_whisper (void)
{
  MsxConfig c;
  size_t L = 16000 * 2 + 77, T, i;
  float *x = make_signal (L, 16000);
  double *S, worst = 0.0;
  Sink a, b, d;
  int same = 1;

  msx_config_init (&c);
  msx_preset_apply (MSX_PRESET_WHISPER, &c);
  c.sample_rate = 16000;
  c.backend = MSX_BACKEND_CPU;
  c.output_db = 1;
  S = ref_stft (&c, x, L, 0, &T);
  msx_check (run (&c, x, L, L, 0, &a) == MSX_OK && a.frames == T - 1 &&
                 T - 1 == L / 160,
      "drop_last: whisper's L/hop frames (the last of 1 + L/hop dropped)");
  msx_log_scale_apply (MSX_LOG_WHISPER, c.power, a.mel, a.frames * c.n_mels);
  for (i = 0; i < a.frames * c.n_mels; i++) {
    double r = (log10 (fmax (S[i], 1e-10)) + 4.0) / 4.0;
    worst = fmax (worst, fabs (a.mel[i] - r));
  }
  printf ("# whisper vs float64: max difference %.3g\n", worst);
  msx_check_close (worst, 0.0, 1e-4,
      "whisper: (log10(max(S, 1e-10)) + 4) / 4 equals float64 within 1e-4");

  c.drop_last = 0;
  msx_check (run (&c, x, L, L, 0, &d) == MSX_OK && d.frames == T,
      "without drop_last the same input gives 1 + L/hop frames");
  msx_log_scale_apply (MSX_LOG_WHISPER, c.power, d.mel, d.frames * c.n_mels);
  c.drop_last = 1;
  for (i = 0; i < a.frames * c.n_mels; i++)
    same &= a.mel[i] == d.mel[i];
  msx_check (same, "drop_last: the frames kept are those without it");
  msx_check (run (&c, x, L, 1, 1, &b) == MSX_OK && b.frames == a.frames,
      "drop_last: one sample per push, flushed each time, same count");
  free (a.mel);
  free (b.mel);
  free (d.mel);
  free (S);
  free (x);
}

static void
test_log_scale (void)
{
  float v[3] = { 0.0f, -30.0f, 25.0f }, m[3];
  int i;

  memcpy (m, v, sizeof v);
  msx_log_scale_apply (MSX_LOG_LN, 2.0, m, 3);
  for (i = 0; i < 3; i++)
    msx_check_close (m[i], log (pow (10.0, v[i] / 10.0)), 1e-5,
        "ln: ln(S) from 10 log10(S)");
  memcpy (m, v, sizeof v);
  msx_log_scale_apply (MSX_LOG_WHISPER, 2.0, m, 3);
  for (i = 0; i < 3; i++)
    msx_check_close (
        m[i], (v[i] / 10.0 + 4.0) / 4.0, 1e-6, "whisper: (log10 S + 4)/4");
  memcpy (m, v, sizeof v);
  msx_log_scale_apply (MSX_LOG_LN, 1.0, m, 3);
  msx_check_close (m[2], log (pow (10.0, 25.0 / 20.0)), 1e-5,
      "ln of a magnitude: from 20 log10(|S|)");
  memcpy (m, v, sizeof v);
  msx_log_scale_apply (MSX_LOG_DB, 2.0, m, 3);
  msx_check (memcmp (m, v, sizeof v) == 0, "db leaves dB as they are");
  msx_check_close (msx_log_scale_slope (MSX_LOG_WHISPER, 2.0) * 80.0, 2.0,
      1e-12, "whisper: 80 dB are 2 units (8 in log10, divided by 4)");
}

static void
test_presets (void)
{
  MsxConfig c, d;
  char msg[256];

  msx_config_init (&c);
  c.width = 77;
  c.sample_rate = 22050;
  msx_check (msx_preset_apply (MSX_PRESET_LIBROSA, &c) == MSX_OK &&
                 c.n_fft == 2048 && c.hop_length == 512 &&
                 c.pad_mode == MSX_PAD_CONSTANT && c.f_max == 0.0 &&
                 c.mel_scale == MSX_MEL_SCALE_SLANEY &&
                 c.mel_norm == MSX_MEL_NORM_SLANEY && c.n_mels == 128 &&
                 c.width == 77 && c.sample_rate == 22050,
      "librosa: 2048/512, constant padding, slaney 0..sr/2; the picture and "
      "rate kept");
  msx_check (msx_preset_apply (MSX_PRESET_TORCHAUDIO, &c) == MSX_OK &&
                 c.n_fft == 400 && c.win_length == 0 && c.hop_length == 200 &&
                 c.pad_mode == MSX_PAD_REFLECT &&
                 c.mel_scale == MSX_MEL_SCALE_HTK &&
                 c.mel_norm == MSX_MEL_NORM_NONE && c.f_max == 0.0,
      "torchaudio: 400/200, reflect, htk without norm, 0..sr/2");
  msx_check (msx_preset_apply (MSX_PRESET_WHISPER, &c) == MSX_OK &&
                 c.n_fft == 400 && c.hop_length == 160 && c.drop_last &&
                 c.n_mels == 80 && c.f_max == 8000.0 &&
                 c.log_scale == MSX_LOG_WHISPER && c.top_db == 80.0 &&
                 c.mel_scale == MSX_MEL_SCALE_SLANEY,
      "whisper: 400/160, last frame dropped, 80 slaney mels, whisper log");
  msx_check (msx_preset_apply (MSX_PRESET_KALDI, &c) == MSX_OK &&
                 c.n_fft == 512 && c.win_length == 400 && c.hop_length == 160 &&
                 !c.center && c.framing == MSX_FRAMING_KALDI &&
                 c.preemphasis == 0.97 && c.window == MSX_WINDOW_POVEY &&
                 c.n_mels == 23 && c.f_min == 20.0 &&
                 c.mel_scale == MSX_MEL_SCALE_KALDI && c.amin == FLT_EPSILON &&
                 c.log_scale == MSX_LOG_LN && !c.drop_last,
      "kaldi: 400 in 512, hop 160, snip-edges, 0.97, povey, 23 bins from 20 "
      "Hz, ln with FLT_EPSILON");
  c.sample_rate = 16000;
  msx_check (msx_config_validate (&c, msg, sizeof msg) == MSX_OK,
      "the kaldi preset validates");
  msx_check (msx_preset_apply (MSX_PRESET_NONE, &c) == MSX_OK, "none applies");
  msx_config_init (&d);
  d.width = 77;
  d.sample_rate = 16000;
  msx_check (
      memcmp (&c, &d, sizeof c) == 0, "none restores every analysis default");
  msx_check (
      msx_preset_apply ((MsxPreset)9, &c) == MSX_ERROR_INVALID_ARGUMENT &&
          memcmp (&c, &d, sizeof c) == 0,
      "an unknown preset is refused and changes nothing");
  msx_check (msx_preset_check_rate (MSX_PRESET_WHISPER, 44100, msg,
                 sizeof msg) == MSX_ERROR_INVALID_ARGUMENT &&
                 strstr (msg, "audioresample") && strstr (msg, "16000 Hz"),
      "whisper at 44.1 kHz is refused naming audioresample");
  printf ("# %s\n", msg);
  msx_check (msx_preset_check_rate (MSX_PRESET_KALDI, 8000, msg, sizeof msg) ==
                 MSX_ERROR_INVALID_ARGUMENT,
      "kaldi at 8 kHz is refused");
  msx_check (msx_preset_check_rate (
                 MSX_PRESET_WHISPER, 16000, msg, sizeof msg) == MSX_OK &&
                 msx_preset_check_rate (
                     MSX_PRESET_LIBROSA, 44100, msg, sizeof msg) == MSX_OK &&
                 msx_preset_check_rate (
                     MSX_PRESET_TORCHAUDIO, 8000, msg, sizeof msg) == MSX_OK,
      "whisper at 16 kHz, librosa and torchaudio at any rate are accepted");
  msx_check (
      strcmp (msx_preset_name (MSX_PRESET_TORCHAUDIO), "torchaudio") == 0 &&
          msx_preset_name ((MsxPreset)7) == NULL,
      "preset names");
}

/* A refusal whose message contains @needle. */
static void
refused (const MsxConfig *c, const char *needle, const char *what)
{
  char msg[256];
  int ok =
      msx_config_validate (c, msg, sizeof msg) == MSX_ERROR_INVALID_ARGUMENT &&
      strstr (msg, needle) != NULL;

  if (!ok)
    printf ("# message: %s\n", msg);
  msx_check (ok, what);
}

static void
test_validation (void)
{
  MsxConfig c;

  msx_config_init (&c);
  c.preemphasis = 0.97;
  refused (&c, "framing=kaldi", "preemphasis without framing kaldi");
  msx_preset_apply (MSX_PRESET_KALDI, &c);
  c.preemphasis = 1.5;
  refused (&c, "preemphasis is 1.5", "preemphasis above 1");
  c.preemphasis = NAN;
  refused (&c, "preemphasis", "preemphasis NaN");
  msx_preset_apply (MSX_PRESET_KALDI, &c);
  c.center = 1;
  refused (&c, "center=false", "framing kaldi with center");
  msx_preset_apply (MSX_PRESET_KALDI, &c);
  c.mel_norm = MSX_MEL_NORM_SLANEY;
  refused (&c, "mel-norm=none", "mel-scale kaldi with slaney norm");
  msx_preset_apply (MSX_PRESET_KALDI, &c);
  c.framing = 2;
  refused (&c, "framing is 2", "framing out of range");
  msx_config_init (&c);
  c.log_scale = 3;
  refused (&c, "log-scale is 3", "log-scale out of range");
  msx_config_init (&c);
  c.window = 5;
  refused (&c, "povey (4)", "window out of range names povey");
  msx_config_init (&c);
  c.mel_scale = 3;
  refused (&c, "kaldi (2)", "mel-scale out of range names kaldi");
  msx_config_init (&c);
  c.drop_last = 2;
  refused (&c, "drop-last is 2", "drop_last out of range");
}

static void
test_json (void)
{
  MsxConfig c;
  char json[2048];

  msx_config_init (&c);
  msx_preset_apply (MSX_PRESET_KALDI, &c);
  c.sample_rate = 16000;
  msx_check (msx_config_to_json (&c, 1.0, json, sizeof json) == MSX_OK &&
                 strstr (json, "\"framing\":\"kaldi\"") &&
                 strstr (json, "\"preemphasis\":0.97") &&
                 strstr (json, "\"drop_last\":false") &&
                 strstr (json, "\"window\":\"povey\"") &&
                 strstr (json, "\"mel_scale\":\"kaldi\"") &&
                 strstr (json, "\"log_scale\":\"ln\""),
      "JSON carries framing, preemphasis, drop_last, povey, kaldi, ln");
  msx_preset_apply (MSX_PRESET_WHISPER, &c);
  msx_check (msx_config_to_json (&c, 1.0, json, sizeof json) == MSX_OK &&
                 strstr (json, "\"drop_last\":true") &&
                 strstr (json, "\"log_scale\":\"whisper\"") &&
                 strstr (json, "\"framing\":\"stft\""),
      "JSON of whisper: drop_last true, log_scale whisper");
  printf ("# %s\n", json);
}

static void
test_backend_choice (void)
{
  MsxConfig c;
  MsxStft *stft = NULL;
  Sink s = { 0 };
  char msg[256];
  MsxStatus st;

  msx_config_init (&c);
  msx_preset_apply (MSX_PRESET_KALDI, &c);
  c.sample_rate = 16000;
  s.n_mels = c.n_mels;
  c.backend = MSX_BACKEND_AUTO;
  st = msx_stft_new (&c, sink_frames, &s, &stft, msg, sizeof msg);
  msx_check (st == MSX_OK && strncmp (msx_stft_backend (stft), "cpu", 3) == 0,
      "framing kaldi with backend auto runs on the CPU");
  msx_stft_free (stft);
  if (!msx_backend_vulkan_built ())
    return;
  c.backend = MSX_BACKEND_VULKAN;
  st = msx_stft_new (&c, sink_frames, &s, &stft, msg, sizeof msg);
  printf ("# %s\n", msg);
  msx_check (st == MSX_ERROR_BACKEND_UNAVAILABLE && stft == NULL &&
                 strstr (msg, "framing=kaldi") && strstr (msg, "backend cpu"),
      "framing kaldi with backend vulkan is refused in one sentence");
}

int
main (void)
{
  test_povey ();
  test_kaldi_bank ();
  test_kaldi_framing ();
  test_whisper ();
  test_log_scale ();
  test_presets ();
  test_validation ();
  test_json ();
  test_backend_choice ();
  return msx_test_done ();
}
