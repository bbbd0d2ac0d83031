/* Unit tests of msx_mel against librosa.filters.mel written out in double.
 * SPDX-License-Identifier: MIT
 *
 * The reference follows librosa's code literally: fftfreqs = linspace(0,
 * sr/2, 1 + n_fft//2); mel_f = mel_frequencies(n_mels + 2, fmin, fmax);
 * ramps = subtract.outer(mel_f, fftfreqs); lower = -ramps[i] / fdiff[i],
 * upper = ramps[i+2] / fdiff[i+1]; weights = max(0, min(lower, upper)),
 * times 2 / (mel_f[i+2] - mel_f[i]) for norm='slaney'.
 */
#include <stdio.h>
#include <stdlib.h>

#include "melspecx.h"
#include "msx_test.h"

/* librosa.hz_to_mel / mel_to_hz, written from librosa's documentation. */
static double
ref_hz_to_mel (double f, int htk)
{
  double f_sp = 200.0 / 3, min_log_mel = 1000.0 / f_sp;

  if (htk)
    return 2595.0 * log10 (1.0 + f / 700.0);
  if (f < 1000.0)
    return f / f_sp;
  return min_log_mel + log (f / 1000.0) / (log (6.4) / 27.0);
}

static double
ref_mel_to_hz (double m, int htk)
{
  double f_sp = 200.0 / 3, min_log_mel = 1000.0 / f_sp;

  if (htk)
    return 700.0 * (pow (10.0, m / 2595.0) - 1.0);
  if (m < min_log_mel)
    return f_sp * m;
  return 1000.0 * exp (log (6.4) / 27.0 * (m - min_log_mel));
}

/* Dense n_mels × n_bins reference. */
static double *
ref_mel (const MsxConfig *c)
{
  int nb = c->n_fft / 2 + 1, nm = c->n_mels, i, k, htk = c->mel_scale;
  double f_hi = c->f_max > 0 && c->f_max <= c->sample_rate / 2.0
                    ? c->f_max
                    : c->sample_rate / 2.0;
  double lo = ref_hz_to_mel (c->f_min, htk), hi = ref_hz_to_mel (f_hi, htk);
  double *w = calloc ((size_t)nm * nb, sizeof *w);
  double *mel_f = malloc ((nm + 2) * sizeof *mel_f);
  double *fft_f = malloc (nb * sizeof *fft_f);

  for (k = 0; k < nb; k++)
    fft_f[k] = k * (c->sample_rate / 2.0) / (nb - 1);
  for (i = 0; i < nm + 2; i++)
    mel_f[i] = ref_mel_to_hz (lo + i * (hi - lo) / (nm + 1), htk);
  for (i = 0; i < nm; i++) {
    for (k = 0; k < nb; k++) {
      double lower = -(mel_f[i] - fft_f[k]) / (mel_f[i + 1] - mel_f[i]);
      double upper = (mel_f[i + 2] - fft_f[k]) / (mel_f[i + 2] - mel_f[i + 1]);
      double v = fmax (0.0, fmin (lower, upper));
      if (c->mel_norm == MSX_MEL_NORM_SLANEY)
        v *= 2.0 / (mel_f[i + 2] - mel_f[i]);
      w[(size_t)i * nb + k] = v;
    }
  }
  free (mel_f);
  free (fft_f);
  return w;
}

/* The bank as a dense matrix (zeros outside each band). */
static double *
dense (const MsxMelBank *b)
{
  double *w = calloc ((size_t)b->n_mels * b->n_bins, sizeof *w);
  int m, j;

  for (m = 0; m < b->n_mels; m++)
    for (j = 0; j < b->length[m]; j++)
      w[(size_t)m * b->n_bins + b->start[m] + j] = b->weights[b->offset[m] + j];
  return w;
}

static int
ref_empty_rows (const double *w, int nm, int nb)
{
  int i, k, n = 0;

  for (i = 0; i < nm; i++) {
    double mx = 0.0;
    for (k = 0; k < nb; k++)
      mx = fmax (mx, w[(size_t)i * nb + k]);
    n += mx == 0.0;
  }
  return n;
}

/* Applies the bank to a random spectrum and compares with the reference
 * matrix product in double. */
static double
apply_error (const MsxMelBank *b, const double *ref)
{
  float *spec = malloc (b->n_bins * sizeof *spec);
  float *mel = malloc (b->n_mels * sizeof *mel);
  double num = 0.0, den = 0.0;
  int m, k;

  for (k = 0; k < b->n_bins; k++)
    spec[k] = (float)(1.0 + sin (k * 0.37)) * (float)(k % 7 + 1);
  msx_mel_bank_apply (b, spec, mel);
  for (m = 0; m < b->n_mels; m++) {
    double r = 0.0;
    for (k = 0; k < b->n_bins; k++)
      r += ref[(size_t)m * b->n_bins + k] * spec[k];
    num += (mel[m] - r) * (mel[m] - r);
    den += r * r;
  }
  free (spec);
  free (mel);
  return den > 0 ? sqrt (num / den) : sqrt (num);
}

static void
check_bank (const char *name, const MsxConfig *c, int expect_empty)
{
  int nb = c->n_fft / 2 + 1, nm = c->n_mels;
  MsxMelBank *b;
  double *ref, *got, err = 0.0, peak = 0.0;
  char what[200];
  size_t i;

  if (!msx_check (msx_mel_bank_new (c, &b) == MSX_OK, name))
    return;
  ref = ref_mel (c);
  got = dense (b);
  for (i = 0; i < (size_t)nm * nb; i++) {
    err = fmax (err, fabs (got[i] - ref[i]));
    peak = fmax (peak, ref[i]);
  }
  snprintf (what, sizeof what, "%s: weights max error %.2g of peak %.3g", name,
      err, peak);
  msx_check (err <= 1e-7 * peak && b->n_bins == nb && b->n_mels == nm, what);
  snprintf (what, sizeof what, "%s: %d empty bands (reference %d)", name,
      msx_mel_bank_empty_bands (b), ref_empty_rows (ref, nm, nb));
  msx_check (msx_mel_bank_empty_bands (b) == ref_empty_rows (ref, nm, nb) &&
                 (expect_empty ? msx_mel_bank_empty_bands (b) > 0
                               : msx_mel_bank_empty_bands (b) == 0),
      what);
  snprintf (what, sizeof what, "%s: %d sparse weights <= 2 per bin", name,
      b->n_weights);
  msx_check (b->n_weights <= 2 * nb, what);
  snprintf (what, sizeof what, "%s: apply rel L2 error %.2g", name,
      apply_error (b, ref));
  msx_check (apply_error (b, ref) < 1e-6, what);
  free (ref);
  free (got);
  msx_mel_bank_free (b);
}

static void
test_banks (void)
{
  MsxConfig c;

  msx_config_init (&c);
  check_bank ("44.1 kHz defaults", &c, 0);
  c.sample_rate = 16000;
  c.n_fft = 512;
  c.n_mels = 40;
  c.f_min = 20;
  c.f_max = 0;
  c.mel_scale = MSX_MEL_SCALE_HTK;
  c.mel_norm = MSX_MEL_NORM_NONE;
  check_bank ("16 kHz, 512, 40 HTK mels, no norm", &c, 0);
  c.mel_norm = MSX_MEL_NORM_SLANEY;
  check_bank ("16 kHz, 512, 40 HTK mels, slaney norm", &c, 0);
  msx_config_init (&c);
  c.sample_rate = 22050;
  c.f_max = 30000; /* clamped to 11025 */
  check_bank ("22.05 kHz, f_max clamped to Nyquist", &c, 0);
  msx_config_init (&c);
  c.sample_rate = 192000;
  c.f_max = 0;
  check_bank ("192 kHz with the defaults: empty bands counted", &c, 1);
  msx_config_init (&c);
  c.sample_rate = 8000;
  c.n_fft = 16;
  c.n_mels = 9;
  c.f_max = 0;
  check_bank ("8 kHz, n_fft 16, 9 mels", &c, 1);
}

static void
test_scales (void)
{
  double f[] = { 0.0, 1.0, 440.0, 999.9, 1000.0, 1000.1, 8000.0, 96000.0 };
  double err = 0.0;
  int i, s;

  msx_check_close (msx_hz_to_mel (1000.0, MSX_MEL_SCALE_SLANEY), 15.0, 1e-12,
      "slaney: 1 kHz = 15 mel (3 mel per 200 Hz)");
  msx_check_close (msx_hz_to_mel (6400.0, MSX_MEL_SCALE_SLANEY), 42.0, 1e-12,
      "slaney: 27 mel per factor 6.4 above 1 kHz");
  msx_check_close (msx_hz_to_mel (700.0, MSX_MEL_SCALE_HTK),
      2595.0 * log10 (2.0), 1e-12, "htk: 700 Hz = 2595·log10(2)");
  for (s = 0; s < 2; s++)
    for (i = 0; i < 8; i++) {
      err =
          fmax (err, fabs (msx_mel_to_hz (msx_hz_to_mel (f[i], s), s) - f[i]) /
                         fmax (1.0, f[i]));
      err =
          fmax (err, fabs (msx_hz_to_mel (f[i], s) - ref_hz_to_mel (f[i], s)));
    }
  msx_check (err < 1e-12, "hz -> mel -> hz round trip, both scales");
}

/* With Slaney norm every triangle has unit area in Hz, so a flat spectrum
 * of 1 gives about 1 / bin spacing in each (wide) band. */
static void
test_slaney_area (void)
{
  MsxConfig c;
  MsxMelBank *b;
  float *spec, mel[32];
  double df, worst = 0.0;
  int k, m;

  msx_config_init (&c);
  c.n_fft = 8192;
  c.n_mels = 32;
  c.f_max = 0;
  msx_mel_bank_new (&c, &b);
  spec = malloc (b->n_bins * sizeof *spec);
  for (k = 0; k < b->n_bins; k++)
    spec[k] = 1.0f;
  msx_mel_bank_apply (b, spec, mel);
  df = c.sample_rate / (double)c.n_fft;
  for (m = 0; m < 32; m++)
    worst = fmax (worst, fabs (mel[m] * df - 1.0));
  msx_check (worst < 0.02, "slaney norm: unit area per triangle (within 2%)");
  free (spec);
  msx_mel_bank_free (b);
}

/* msx_mel_bank_apply (padded, float) against the plain band sums in
 * double, reading no more than n_bins values (an exact-size array: ASan
 * catches an overread), for banks whose top band ends at Nyquist. */
static void
test_apply (void)
{
  static const int cases[][4] = {
    /* n_fft, rate, n_mels, f_max (0 = Nyquist) */
    { 16, 8000, 4, 0 },
    { 400, 16000, 80, 0 },
    { 2048, 22050, 128, 8000 },
    { 2048, 44100, 128, 0 },
    { 512, 192000, 128, 0 }, /* empty bands */
    { 4096, 48000, 256, 0 },
    { 18, 22000, 1, 0 }, /* one band over bins 1..9 of 10: no whole vectors */
  };
  size_t i;

  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    MsxConfig c;
    MsxMelBank *bank;
    float *spec, *mel;
    double worst = 0.0;
    char what[128];
    int k, m, j;

    msx_config_init (&c);
    c.n_fft = cases[i][0];
    c.sample_rate = cases[i][1];
    c.n_mels = cases[i][2];
    c.f_max = cases[i][3];
    msx_mel_bank_new (&c, &bank);
    spec = malloc ((size_t)bank->n_bins * sizeof *spec);
    mel = malloc ((size_t)c.n_mels * sizeof *mel);
    for (k = 0; k < bank->n_bins; k++)
      spec[k] = (float)(1.0 + (k * 37 % 101)) * (k % 7 ? 1.0f : 1e-6f);
    msx_mel_bank_apply (bank, spec, mel);
    for (m = 0; m < c.n_mels; m++) {
      double want = 0.0;
      if (bank->start4[m] < 0)
        worst = 1.0;
      for (j = 0; j < bank->length[m]; j++)
        want += (double)bank->weights[bank->offset[m] + j] *
                spec[bank->start[m] + j];
      if (want > 0.0 && fabs (mel[m] - want) / want > worst)
        worst = fabs (mel[m] - want) / want;
      else if (want == 0.0 && mel[m] != 0.0f)
        worst = 1.0;
    }
    snprintf (what, sizeof what,
        "apply, n_fft %d at %d Hz, %d mels: plain sums within 1e-6, reads "
        "within 0..n_bins",
        c.n_fft, c.sample_rate, c.n_mels);
    msx_check (
        worst < 1e-6 && msx_mel_bank_bins_used (bank) <= bank->n_bins, what);
    free (spec);
    free (mel);
    msx_mel_bank_free (bank);
  }
}

int
main (void)
{
  test_scales ();
  test_banks ();
  test_slaney_area ();
  test_apply ();
  msx_mel_bank_free (NULL);
  return msx_test_done ();
}
