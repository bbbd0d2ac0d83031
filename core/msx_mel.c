/* melspecx core — the mel filterbank, as librosa.filters.mel builds it.
 * SPDX-License-Identifier: MIT
 *
 * Everything is computed in double and rounded to float once, as librosa
 * computes in float64 and returns float32 weights.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "msx_mel.h"
#include "msx_simd.h"

/* Slaney's Auditory Toolbox scale: linear (200/3 Hz per mel) below 1 kHz,
 * logarithmic above, with 27 mels per factor 6.4 (librosa's constants). */
#define SLANEY_F_SP (200.0 / 3.0)
#define SLANEY_MIN_LOG_HZ 1000.0
#define SLANEY_MIN_LOG_MEL (SLANEY_MIN_LOG_HZ / SLANEY_F_SP)
#define SLANEY_LOGSTEP (log (6.4) / 27.0)

/* kaldi's MelScale: 1127·ln(1 + f/700), HTK's scale with kaldi's rounded
 * constant. */
#define KALDI_MEL 1127.0

double
msx_hz_to_mel (double hz, MsxMelScale scale)
{
  if (scale == MSX_MEL_SCALE_KALDI)
    return KALDI_MEL * log (1.0 + hz / 700.0);
  if (scale == MSX_MEL_SCALE_HTK)
    return 2595.0 * log10 (1.0 + hz / 700.0);
  if (hz >= SLANEY_MIN_LOG_HZ)
    return SLANEY_MIN_LOG_MEL + log (hz / SLANEY_MIN_LOG_HZ) / SLANEY_LOGSTEP;
  return hz / SLANEY_F_SP;
}

double
msx_mel_to_hz (double mel, MsxMelScale scale)
{
  if (scale == MSX_MEL_SCALE_KALDI)
    return 700.0 * (exp (mel / KALDI_MEL) - 1.0);
  if (scale == MSX_MEL_SCALE_HTK)
    return 700.0 * (pow (10.0, mel / 2595.0) - 1.0);
  if (mel >= SLANEY_MIN_LOG_MEL)
    return SLANEY_MIN_LOG_HZ *
           exp (SLANEY_LOGSTEP * (mel - SLANEY_MIN_LOG_MEL));
  return SLANEY_F_SP * mel;
}

/* numpy.linspace(lo, hi, n)[i]: lo + i*step, the last point exactly hi. */
static double
linspace_at (double lo, double hi, int n, int i)
{
  if (i == n - 1)
    return hi;
  return lo + i * ((hi - lo) / (n - 1));
}

/* librosa.mel_frequencies(n_mels + 2, fmin, fmax): the band edges in Hz. */
static void
mel_edges (const MsxConfig *cfg, double f_max, double *edges)
{
  double lo = msx_hz_to_mel (cfg->f_min, cfg->mel_scale);
  double hi = msx_hz_to_mel (f_max, cfg->mel_scale);
  int n = cfg->n_mels + 2, i;

  for (i = 0; i < n; i++)
    edges[i] = msx_mel_to_hz (linspace_at (lo, hi, n, i), cfg->mel_scale);
}

/* kaldi's MelBanks (torchaudio.compliance.kaldi.get_mel_banks): the
 * edges mel_lo + i·delta, delta = (mel_hi − mel_lo)/(n_mels + 1), and the
 * bins k·sr/n_fft, k = 0..n_fft/2 − 1, both in mel: the triangles are
 * linear in mel. */
static void
kaldi_positions (const MsxConfig *cfg, double *edges, double *mels)
{
  double lo = msx_hz_to_mel (cfg->f_min, MSX_MEL_SCALE_KALDI);
  double hi = msx_hz_to_mel (msx_config_f_max (cfg), MSX_MEL_SCALE_KALDI);
  double delta = (hi - lo) / (cfg->n_mels + 1), bin_hz;
  int i;

  for (i = 0; i < cfg->n_mels + 2; i++)
    edges[i] = lo + i * delta;
  bin_hz = (double)cfg->sample_rate / cfg->n_fft;
  for (i = 0; i < cfg->n_fft / 2; i++)
    mels[i] = msx_hz_to_mel (bin_hz * i, MSX_MEL_SCALE_KALDI);
  mels[cfg->n_fft / 2] = hi; /* never searched: the Nyquist bin */
}

/* Weight of band m at frequency f: the triangle
 * max(0, min((f - e[m]) / (e[m+1] - e[m]), (e[m+2] - f) / (e[m+2] - e[m+1]))),
 * times 2/(e[m+2] - e[m]) with Slaney norm (constant area). */
static double
tri_weight (const double *e, int m, double f, MsxMelNorm norm)
{
  double lower = (f - e[m]) / (e[m + 1] - e[m]);
  double upper = (e[m + 2] - f) / (e[m + 2] - e[m + 1]);
  double w = fmax (0.0, fmin (lower, upper));

  if (norm == MSX_MEL_NORM_SLANEY)
    w *= 2.0 / (e[m + 2] - e[m]);
  return w;
}

/* The first of the @n ascending @freqs at or above @f (@n if none). */
static int
first_at_or_above (const double *freqs, int n, double f)
{
  int lo = 0, hi = n;

  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (freqs[mid] < f)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Finds the bins with a positive weight (a triangle: one run) for every
 * band; returns the total.  A weight can be positive only within
 * [e[m], e[m+2]] (at an end only where two edges coincide and a ratio is
 * 0/0), so only the bins there are tried: a search per band instead of
 * every bin, with the same result. */
static int
band_extents (MsxMelBank *bank, const double *e, const double *freqs,
    MsxMelNorm norm, int n_search)
{
  int m, k, total = 0;

  for (m = 0; m < bank->n_mels; m++) {
    int first = -1, last = -2;
    for (k = first_at_or_above (freqs, n_search, e[m]);
         k < n_search && freqs[k] <= e[m + 2]; k++) {
      if (tri_weight (e, m, freqs[k], norm) > 0.0) {
        if (first < 0)
          first = k;
        last = k;
      }
    }
    bank->start[m] = first < 0 ? 0 : first;
    bank->length[m] = last - first + 1 > 0 ? last - first + 1 : 0;
    bank->offset[m] = total;
    total += bank->length[m];
  }
  return total;
}

static void
fill_weights (
    MsxMelBank *bank, const double *e, const double *freqs, MsxMelNorm norm)
{
  int m, j;

  for (m = 0; m < bank->n_mels; m++)
    for (j = 0; j < bank->length[m]; j++)
      bank->weights[bank->offset[m] + j] =
          (float)tri_weight (e, m, freqs[bank->start[m] + j], norm);
}

/* Where band @m's padded copy starts and how long it is (see MsxMelBank):
 * padded at the end, or at the front where the end would pass n_bins.  A
 * band that starts in the first bins and reaches the last one may not fit
 * whole vectors either way (n_fft 18: 10 bins, a band over bins 1..9 would
 * need 12): it starts at 0 and keeps n_bins values, and band_sum4() adds
 * the last ones one by one.  Either way the copy lies within the n_bins
 * values of the spectrum. */
static void
padded_extent (const MsxMelBank *bank, int m, int *start4, int *len4)
{
  int len = bank->length[m], end = bank->start[m] + len;

  *len4 = (len + 3) & ~3;
  *start4 = bank->start[m];
  if (*start4 + *len4 > bank->n_bins)
    *start4 = end - *len4 > 0 ? end - *len4 : 0;
  if (*start4 + *len4 > bank->n_bins)
    *len4 = bank->n_bins - *start4;
}

/* The padded copy msx_mel_bank_apply() reads. */
static MsxStatus
fill_padded (MsxMelBank *bank)
{
  int m, total = 0;

  if (bank->n_mels < 1)
    return MSX_ERROR_INVALID_ARGUMENT;
  bank->start4 = calloc ((size_t)bank->n_mels, sizeof (int));
  bank->length4 = calloc ((size_t)bank->n_mels, sizeof (int));
  bank->offset4 = calloc ((size_t)bank->n_mels, sizeof (int));
  if (!bank->start4 || !bank->length4 || !bank->offset4)
    return MSX_ERROR_NO_MEMORY;
  for (m = 0; m < bank->n_mels; m++) {
    padded_extent (bank, m, &bank->start4[m], &bank->length4[m]);
    bank->offset4[m] = total;
    total += bank->length4[m];
  }
  bank->weights4 = calloc ((size_t)total + 1, sizeof (float));
  if (!bank->weights4)
    return MSX_ERROR_NO_MEMORY;
  for (m = 0; m < bank->n_mels; m++) {
    int lead = bank->start[m] - bank->start4[m];
    memcpy (bank->weights4 + bank->offset4[m] + lead,
        bank->weights + bank->offset[m],
        (size_t)bank->length[m] * sizeof (float));
  }
  return MSX_OK;
}

static MsxStatus
bank_alloc (int n_mels, int n_bins, MsxMelBank **out)
{
  MsxMelBank *bank = calloc (1, sizeof *bank);

  *out = bank;
  if (!bank)
    return MSX_ERROR_NO_MEMORY;
  bank->n_mels = n_mels;
  bank->n_bins = n_bins;
  bank->start = calloc ((size_t)n_mels, sizeof (int));
  bank->length = calloc ((size_t)n_mels, sizeof (int));
  bank->offset = calloc ((size_t)n_mels, sizeof (int));
  if (!bank->start || !bank->length || !bank->offset)
    return MSX_ERROR_NO_MEMORY;
  return MSX_OK;
}

MsxStatus
msx_mel_bank_new (const MsxConfig *cfg, MsxMelBank **out)
{
  int n_bins = cfg->n_fft / 2 + 1, n_search = n_bins, k;
  double *edges = NULL, *freqs = NULL;
  MsxMelBank *bank = NULL;
  MsxStatus st;

  *out = NULL;
  if (cfg->n_fft < 2 || cfg->n_mels < 1 || cfg->sample_rate < 1)
    return MSX_ERROR_INVALID_ARGUMENT;
  st = bank_alloc (cfg->n_mels, n_bins, &bank);
  edges = malloc ((size_t)(cfg->n_mels + 2) * sizeof *edges);
  freqs = malloc ((size_t)n_bins * sizeof *freqs);
  if (st || !edges || !freqs)
    goto fail;

  if (cfg->mel_scale == MSX_MEL_SCALE_KALDI) {
    /* kaldi: bin and edge positions in mel, the Nyquist bin left out */
    kaldi_positions (cfg, edges, freqs);
    n_search = n_bins - 1;
  } else {
    /* librosa.fft_frequencies: linspace(0, sr/2, n_fft/2 + 1) */
    for (k = 0; k < n_bins; k++)
      freqs[k] = linspace_at (0.0, cfg->sample_rate / 2.0, n_bins, k);
    mel_edges (cfg, msx_config_f_max (cfg), edges);
  }

  bank->n_weights = band_extents (bank, edges, freqs, cfg->mel_norm, n_search);
  /* Each bin lies in at most two triangles: n_weights <= 2 * n_bins. */
  bank->weights = malloc ((size_t)(bank->n_weights + 1) * sizeof (float));
  if (!bank->weights)
    goto fail;
  fill_weights (bank, edges, freqs, cfg->mel_norm);
  if (fill_padded (bank))
    goto fail;

  free (edges);
  free (freqs);
  *out = bank;
  return MSX_OK;

fail:
  free (edges);
  free (freqs);
  msx_mel_bank_free (bank);
  return MSX_ERROR_NO_MEMORY;
}

/* Four floats, one SSE register (a GCC and clang extension). */
typedef float MsxFloat4 __attribute__ ((vector_size (16)));

/* One band of the padded layout: four partial float sums kept in one
 * vector register, then the values past the last multiple of 4 one by one
 * (only a band as wide as the spectrum has any).  Weights and spectrum are
 * never negative, so a float sum of n terms is within about (n/4 + 2) ulp
 * of the exact one whatever the magnitudes (below 1e-6 relative for the
 * widest bands), far inside the 1e-4 the analysis promises. */
MSX_SIMD_INLINE float
band_sum4 (const float *restrict w, const float *restrict s, int n)
{
  MsxFloat4 acc = { 0.0f, 0.0f, 0.0f, 0.0f };
  int j, k;

  for (j = 0; j + 4 <= n; j += 4) {
    MsxFloat4 a, b;
    memcpy (&a, w + j, sizeof a);
    memcpy (&b, s + j, sizeof b);
    acc += a * b;
  }
  if (j < n) {
    float t[4] = { 0.0f, 0.0f, 0.0f, 0.0f };
    MsxFloat4 tail;
    for (k = 0; j + k < n; k++)
      t[k] = w[j + k] * s[j + k];
    memcpy (&tail, t, sizeof tail);
    acc += tail;
  }
  return (acc[0] + acc[2]) + (acc[1] + acc[3]);
}

/* A sum of saturated (FLT_MAX) powers may overflow to Inf: it saturates
 * too, so that the dB of the loudest frames is large but finite. */
MSX_SIMD_CLONES void
msx_mel_bank_apply (const MsxMelBank *bank, const float *spectrum, float *mel)
{
  int m;

  for (m = 0; m < bank->n_mels; m++) {
    float v = band_sum4 (bank->weights4 + bank->offset4[m],
        spectrum + bank->start4[m], bank->length4[m]);
    mel[m] = v < FLT_MAX ? v : FLT_MAX;
  }
}

int
msx_mel_bank_bins_used (const MsxMelBank *bank)
{
  int m, end = 0;

  for (m = 0; m < bank->n_mels; m++)
    if (bank->length4[m] > 0 && bank->start4[m] + bank->length4[m] > end)
      end = bank->start4[m] + bank->length4[m];
  return end;
}

int
msx_mel_bank_empty_bands (const MsxMelBank *bank)
{
  int m, n = 0;

  for (m = 0; m < bank->n_mels; m++)
    if (bank->length[m] == 0)
      n++;
  return n;
}

void
msx_mel_bank_free (MsxMelBank *bank)
{
  if (!bank)
    return;
  free (bank->start);
  free (bank->length);
  free (bank->offset);
  free (bank->weights);
  free (bank->start4);
  free (bank->length4);
  free (bank->offset4);
  free (bank->weights4);
  free (bank);
}
