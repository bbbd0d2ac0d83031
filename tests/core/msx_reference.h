/* Float64 references for the core tests, written from the published
 * formulas and independent of the code under test: scipy's periodic
 * windows, a direct O(N²) DFT, librosa's mel filterbank, numpy.pad's
 * 'reflect' algorithm (its iterative form) and librosa's framing.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSX_REFERENCE_H
#define MSX_REFERENCE_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "melspecx.h"

/* scipy.signal.get_window(name, N, fftbins=True) through
 * librosa.util.pad_center: symmetric N+1 points, last dropped. */
static inline double *
ref_window (const MsxConfig *c)
{
  int N = c->win_length ? c->win_length : c->n_fft, n;
  int lpad = (c->n_fft - N) / 2;
  double a0 = 1, a1 = 0, a2 = 0, *w = calloc (c->n_fft, sizeof *w);

  if (c->window == MSX_WINDOW_HANN)
    a0 = 0.5, a1 = 0.5;
  else if (c->window == MSX_WINDOW_HAMMING)
    a0 = 0.54, a1 = 0.46;
  else if (c->window == MSX_WINDOW_BLACKMAN)
    a0 = 0.42, a1 = 0.5, a2 = 0.08;
  for (n = 0; n < N; n++) {
    double x = 2.0 * M_PI * n / N;
    w[lpad + n] = N == 1 ? 1.0 : a0 - a1 * cos (x) + a2 * cos (2 * x);
  }
  return w;
}

static inline double
ref_hz_to_mel (double f, int htk)
{
  if (htk)
    return 2595.0 * log10 (1.0 + f / 700.0);
  return f < 1000.0 ? f * 3.0 / 200.0
                    : 15.0 + log (f / 1000.0) / (log (6.4) / 27.0);
}

static inline double
ref_mel_to_hz (double m, int htk)
{
  if (htk)
    return 700.0 * (pow (10.0, m / 2595.0) - 1.0);
  return m < 15.0 ? m * 200.0 / 3.0
                  : 1000.0 * exp (log (6.4) / 27.0 * (m - 15.0));
}

/* librosa.filters.mel as a dense n_mels × (n_fft/2+1) matrix. */
static inline double *
ref_mel_matrix (const MsxConfig *c)
{
  int nb = c->n_fft / 2 + 1, nm = c->n_mels, i, k, htk = c->mel_scale;
  double nyq = c->sample_rate / 2.0;
  double f_hi = c->f_max > 0 && c->f_max < nyq ? c->f_max : nyq;
  double lo = ref_hz_to_mel (c->f_min, htk), hi = ref_hz_to_mel (f_hi, htk);
  double *w = calloc ((size_t)nm * nb, sizeof *w);
  double *f = malloc ((nm + 2) * sizeof *f);

  for (i = 0; i < nm + 2; i++)
    f[i] = ref_mel_to_hz (lo + i * (hi - lo) / (nm + 1), htk);
  for (i = 0; i < nm; i++)
    for (k = 0; k < nb; k++) {
      double fk = k * nyq / (nb - 1);
      double v = fmax (0.0, fmin ((fk - f[i]) / (f[i + 1] - f[i]),
                                (f[i + 2] - fk) / (f[i + 2] - f[i + 1])));
      if (c->mel_norm == MSX_MEL_NORM_SLANEY)
        v *= 2.0 / (f[i + 2] - f[i]);
      w[(size_t)i * nb + k] = v;
    }
  free (f);
  return w;
}

/* One frame: window, direct DFT, |X|^power, mel.  @cs holds cos/sin of
 * 2πm/N for m = 0..N-1 (cs[2m], cs[2m+1]). */
static inline void
ref_frame (const MsxConfig *c, const double *win, const double *melw,
    const double *cs, const double *y, double *mel)
{
  int N = c->n_fft, nb = N / 2 + 1, k, n, m;
  double *p = malloc (nb * sizeof *p);

  for (k = 0; k < nb; k++) {
    double re = 0.0, im = 0.0;
    for (n = 0; n < N; n++) {
      int t = (int)(((int64_t)k * n) % N);
      re += y[n] * win[n] * cs[2 * t];
      im -= y[n] * win[n] * cs[2 * t + 1];
    }
    p[k] = re * re + im * im;
    if (c->power == 1.0)
      p[k] = sqrt (p[k]);
  }
  for (m = 0; m < c->n_mels; m++) {
    double acc = 0.0;
    for (k = 0; k < nb; k++)
      acc += melw[(size_t)m * nb + k] * p[k];
    mel[m] = acc;
  }
  free (p);
}

/* One lane of interleaved input in double: NaN/Inf as 0, then the channel
 * average (mix) or channel @lane (separate). */
static inline double *
ref_lane (const MsxConfig *c, const float *in, size_t L, int lane)
{
  double *x = malloc ((L + 1) * sizeof *x);
  size_t i;
  int ch;

  for (i = 0; i < L; i++) {
    double s = 0.0;
    for (ch = 0; ch < c->channels; ch++) {
      double v = in[i * c->channels + ch];
      if (!isfinite (v))
        v = 0.0;
      if (c->channel_mode == MSX_CHANNELS_MIX)
        s += v / c->channels;
      else if (ch == lane)
        s = v;
    }
    x[i] = s;
  }
  return x;
}

/* numpy.pad(x, P, mode): 'constant' zeros, or 'reflect' done the way
 * numpy's _set_reflect_both does it, chunk by chunk (which handles P >
 * L-1), and edge repetition for a single sample. */
static inline double *
ref_pad (const double *x, size_t L, size_t P, int reflect)
{
  double *y = calloc (L + 2 * P, sizeof *y);
  size_t first = P, end = P + L, left = P, right = P, j;

  memcpy (y + P, x, L * sizeof *x);
  if (!reflect || L == 0)
    return y;
  if (L == 1) {
    for (j = 0; j < L + 2 * P; j++)
      y[j] = x[0];
    return y;
  }
  while (left > 0 || right > 0) {
    size_t old = end - first - 1, chunk;
    if (left > 0) {
      chunk = old < left ? old : left;
      for (j = 1; j <= chunk; j++)
        y[first - j] = y[first + j];
      first -= chunk;
      left -= chunk;
    }
    if (right > 0) {
      chunk = old < right ? old : right;
      for (j = 1; j <= chunk; j++)
        y[end - 1 + j] = y[end - 1 - j];
      end += chunk;
      right -= chunk;
    }
  }
  return y;
}

/* librosa.feature.melspectrogram of one lane, time-major:
 * *n_frames × n_mels.  No frame for an empty input. */
static inline double *
ref_stft (
    const MsxConfig *c, const float *in, size_t L, int lane, size_t *n_frames)
{
  size_t P = c->center ? c->n_fft / 2 : 0, Ly = L + 2 * P, t, m;
  double *x = ref_lane (c, in, L, lane);
  double *y = ref_pad (x, L, P, c->pad_mode == MSX_PAD_REFLECT);
  double *win = ref_window (c), *melw = ref_mel_matrix (c), *out;
  double *cs = malloc (2 * c->n_fft * sizeof *cs);

  for (m = 0; m < (size_t)c->n_fft; m++) {
    cs[2 * m] = cos (2.0 * M_PI * m / c->n_fft);
    cs[2 * m + 1] = sin (2.0 * M_PI * m / c->n_fft);
  }
  *n_frames =
      L == 0 || Ly < (size_t)c->n_fft ? 0 : 1 + (Ly - c->n_fft) / c->hop_length;
  out = malloc ((*n_frames * c->n_mels + 1) * sizeof *out);
  for (t = 0; t < *n_frames; t++)
    ref_frame (c, win, melw, cs, y + t * c->hop_length, out + t * c->n_mels);
  free (x);
  free (y);
  free (win);
  free (melw);
  free (cs);
  return out;
}

/* The mel values of @n_frames frames of a contiguous signal, frame t at
 * x[t*hop], as a backend sees them (no padding): n_frames × n_mels. */
static inline double *
ref_frames (const MsxConfig *c, const float *x, size_t n_frames)
{
  size_t len = (n_frames - 1) * c->hop_length + c->n_fft, i, t;
  double *y = malloc (len * sizeof *y), *out;
  double *win = ref_window (c), *melw = ref_mel_matrix (c);
  double *cs = malloc (2 * c->n_fft * sizeof *cs);

  for (i = 0; i < len; i++)
    y[i] = x[i];
  for (i = 0; i < (size_t)c->n_fft; i++) {
    cs[2 * i] = cos (2.0 * M_PI * i / c->n_fft);
    cs[2 * i + 1] = sin (2.0 * M_PI * i / c->n_fft);
  }
  out = malloc (n_frames * c->n_mels * sizeof *out);
  for (t = 0; t < n_frames; t++)
    ref_frame (c, win, melw, cs, y + t * c->hop_length, out + t * c->n_mels);
  free (y);
  free (win);
  free (melw);
  free (cs);
  return out;
}

/* max |got − ref_dB| over the values whose float64 dB is above its maximum
 * − @top_db, where ref_dB = k·log10(max(amin, S)) − k·log10(max(amin,
 * db_ref)) of the reference mel values @S (k = 10 power, 20 magnitude):
 * how far a backend's output_db values are from librosa's power_to_db. */
static inline double
ref_db_max_diff (const MsxConfig *c, const float *got, const double *S,
    size_t n, double top_db)
{
  double k = c->power == 1.0 ? 20.0 : 10.0, mx = -HUGE_VAL, worst = 0.0;
  double off = k * log10 (fmax (c->amin, c->db_ref));
  size_t i;

  for (i = 0; i < n; i++)
    mx = fmax (mx, k * log10 (fmax (c->amin, S[i])) - off);
  for (i = 0; i < n; i++) {
    double r = k * log10 (fmax (c->amin, S[i])) - off;
    if (r > mx - top_db)
      worst = fmax (worst, fabs (got[i] - r));
  }
  return worst;
}

/* ||got − ref||₂ / ||ref||₂ (absolute when ref is 0). */
static inline double
ref_rel_l2 (const float *got, const double *ref, size_t n)
{
  double num = 0.0, den = 0.0;
  size_t i;

  for (i = 0; i < n; i++) {
    num += (got[i] - ref[i]) * (got[i] - ref[i]);
    den += ref[i] * ref[i];
  }
  return den > 0 ? sqrt (num / den) : sqrt (num);
}

/* Deterministic uniform noise in [-1, 1) (xorshift64). */
static inline double
ref_noise (uint64_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return (double)(*s >> 11) / 4503599627370496.0 - 1.0;
}

#endif /* MSX_REFERENCE_H */
