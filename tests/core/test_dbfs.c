/* Absolute levels: a −6 dBFS sine at a band's centre reads −6.02 dB in
 * that band once its full-scale reference is taken off, for every window,
 * power, scale and norm; the picture of the whole input draws it there.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "melspecx.h"
#include "msx_test.h"

#define RATE 22050
#define SECONDS 1

typedef struct {
  int n_mels;
  int band;
  double sum;
  int count;
  size_t frame;
} Probe;

/* Averages band @band over the frames of the middle half (no padding). */
static void
probe_frames (void *user, int lane, const float *mel, size_t n)
{
  Probe *p = user;
  size_t total = (size_t)SECONDS * RATE / 512 + 1, f;

  (void)lane;
  for (f = 0; f < n; f++, p->frame++)
    if (p->frame > total / 4 && p->frame < 3 * total / 4) {
      p->sum += mel[f * p->n_mels + p->band];
      p->count++;
    }
}

/* The centre frequency of band @m, from the mel points. */
static double
centre_hz (const MsxConfig *c, int m)
{
  double lo = msx_hz_to_mel (c->f_min, c->mel_scale);
  double hi = msx_hz_to_mel (msx_config_f_max (c), c->mel_scale);

  return msx_mel_to_hz (
      lo + (m + 1) * (hi - lo) / (c->n_mels + 1), c->mel_scale);
}

static void
check_band (MsxConfig c, int band, double amplitude, const char *what)
{
  size_t n = (size_t)SECONDS * RATE, i;
  float *x = malloc (n * sizeof *x);
  double *ref = malloc ((size_t)c.n_mels * sizeof *ref),
         hz = centre_hz (&c, band);
  double want = 20.0 * log10 (amplitude), got;
  Probe p = { c.n_mels, band, 0.0, 0, 0 };
  MsxStft *s = NULL;
  char text[200];

  for (i = 0; i < n; i++)
    x[i] = (float)(amplitude * sin (2 * M_PI * hz * i / RATE + 0.3));
  c.output_db = 1;
  c.db_ref = 1.0;
  msx_check (msx_dbfs_reference (&c, ref) == MSX_OK &&
                 msx_stft_new (&c, probe_frames, &p, &s, NULL, 0) == MSX_OK &&
                 msx_stft_push (s, x, n) == MSX_OK &&
                 msx_stft_finish (s) == MSX_OK && p.count > 0,
      "reference and analysis");
  got = p.sum / p.count - ref[band];
  snprintf (text, sizeof text, "%s: band %d (%.0f Hz) reads %.3f dBFS (%.3f)",
      what, band, hz, got, want);
  msx_check_close (got, want, 0.05, text);
  msx_stft_free (s);
  free (ref);
  free (x);
}

/* Image mode: a GRAY8 picture one column per frame; the tone's band row
 * is at level (−6.02 + top_db) / top_db. */
static void
check_picture (void)
{
  MsxConfig c;
  MsxSpectrogram *sg = NULL;
  size_t n = (size_t)SECONDS * RATE, i;
  float *x = malloc (n * sizeof *x);
  uint8_t *pixels;
  int band = 40, row, level, want;
  double hz;

  msx_config_init (&c);
  c.sample_rate = RATE;
  c.width = 8;
  c.height = c.n_mels;
  c.ref = MSX_REF_DBFS;
  hz = centre_hz (&c, band);
  for (i = 0; i < n; i++)
    x[i] = (float)(0.5 * sin (2 * M_PI * hz * i / RATE));
  pixels = malloc ((size_t)c.width * c.height);
  msx_check (msx_spectrogram_new (&c, &sg, NULL, 0) == MSX_OK &&
                 msx_spectrogram_push (sg, x, n) == MSX_OK &&
                 msx_spectrogram_finish (sg) == MSX_OK &&
                 msx_spectrogram_render (sg, MSX_PIXEL_GRAY8, c.width, c.height,
                     pixels, c.width) == MSX_OK,
      "picture of the whole input, ref dbfs");
  row = c.height - 1 - band; /* low frequencies at the bottom */
  level = pixels[row * c.width + c.width / 2];
  want = (int)lround ((c.top_db - 6.0206) / c.top_db * 255.0);
  printf ("# band %d row level %d, expected %d\n", band, level, want);
  msx_check (abs (level - want) <= 2, "the tone's row is drawn at -6 dBFS");
  msx_spectrogram_free (sg);
  free (pixels);
  free (x);
}

int
main (void)
{
  MsxConfig c;

  msx_config_init (&c);
  c.sample_rate = RATE;
  check_band (c, 30, 0.5, "hann, power, slaney");
  check_band (c, 100, 0.5, "hann, power, slaney");
  check_band (c, 60, 1.0, "hann, power, slaney, full scale");
  c.power = 1.0;
  check_band (c, 60, 0.5, "hann, magnitude");
  c.power = 2.0;
  c.window = MSX_WINDOW_BLACKMAN;
  c.mel_scale = MSX_MEL_SCALE_HTK;
  c.mel_norm = MSX_MEL_NORM_NONE;
  c.n_fft = 4096;
  c.win_length = 3000;
  check_band (c, 70, 0.5, "blackman 3000 in 4096, htk, no norm");
  msx_config_init (&c);
  c.sample_rate = RATE;
  c.n_fft = 512;
  c.n_mels = 40;
  c.window = MSX_WINDOW_HAMMING;
  check_band (c, 20, 0.25, "hamming 512, 40 mels, -12 dBFS");
  check_picture ();
  return msx_test_done ();
}
