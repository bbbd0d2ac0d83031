/* melspecx core — the CPU analysis backend, the reference implementation.
 * SPDX-License-Identifier: MIT
 *
 * Frame by frame: window, real FFT (msx_fft: FFTW or kissfft), |X|^power,
 * mel filterbank, and with cfg->output_db the dB conversion (msx_db).  Working
 * one frame at a time keeps the buffers in cache and the memory independent of
 * chunk_size; a CPU FFT gains nothing from batching (VULKAN-NOTES).  Every
 * frame goes through exactly the same arithmetic whatever the batch, so
 * chunk_size never changes the numbers.
 *
 * The window is applied straight into the FFT's own aligned input and the
 * power read straight from its output: no copy per frame.  Only the bins
 * that some mel band uses are turned into power (at 44.1 kHz with f_max
 * 8 kHz, 372 of 1025).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "msx_backend.h"
#include "msx_db.h"
#include "msx_fft.h"

typedef struct {
  int n_fft, hop, n_mels;
  int magnitude;                  /* power 1.0: |X| instead of |X|^2 */
  int output_db;                  /* emit dB re db_ref instead of mel power */
  double power_exp, db_ref, amin; /* cfg->power, db_ref, amin */
  const float *window;            /* n_fft, owned by the caller */
  const MsxMelBank *bank;         /* owned by the caller */
  int n_used; /* bins below the end of the highest mel band */
  MsxFft *fft;
  float *power; /* n_fft/2+1 values, the first n_used computed */
  char description[32];
} CpuState;

static void
cpu_destroy (void *state)
{
  CpuState *s = state;

  if (!s)
    return;
  msx_fft_free (s->fft);
  free (s->power);
  free (s);
}

static MsxStatus
cpu_create (const MsxConfig *cfg, const float *window, const MsxMelBank *bank,
    void **state, char *msg, size_t msg_size)
{
  CpuState *s = calloc (1, sizeof *s);
  size_t n;
  MsxStatus st;

  *state = NULL;
  if (!s)
    return MSX_ERROR_NO_MEMORY;
  s->n_fft = cfg->n_fft;
  s->hop = cfg->hop_length;
  s->n_mels = cfg->n_mels;
  s->magnitude = cfg->power == 1.0;
  s->output_db = cfg->output_db;
  s->power_exp = cfg->power;
  s->db_ref = cfg->db_ref;
  s->amin = cfg->amin;
  s->window = window;
  s->bank = bank;
  n = (size_t)cfg->n_fft;
  s->n_used = msx_mel_bank_bins_used (bank);
  s->power = calloc (n / 2 + 1, sizeof (float));
  if (!s->power) {
    cpu_destroy (s);
    return MSX_ERROR_NO_MEMORY;
  }
  st = msx_fft_new (cfg->n_fft, &s->fft);
  if (st) {
    if (msg)
      snprintf (msg, msg_size, "%s could not plan a real FFT of %d points",
          msx_fft_library (), cfg->n_fft);
    cpu_destroy (s);
    return st;
  }
  snprintf (
      s->description, sizeof s->description, "cpu (%s)", msx_fft_library ());
  *state = s;
  return MSX_OK;
}

/* |X_k|^2 (power) or |X_k| (magnitude) of the first @n bins of the
 * interleaved spectrum @x.  In float: re² + im² is correct to an ulp
 * (~6e-8 relative), far inside the 1e-4 the analysis promises, and the loop
 * vectorises. */
static void
cpu_power (const float *restrict x, float *restrict p, int n, int magnitude)
{
  int k;

  for (k = 0; k < n; k++)
    p[k] = x[2 * k] * x[2 * k] + x[2 * k + 1] * x[2 * k + 1];
  if (magnitude)
    for (k = 0; k < n; k++)
      p[k] = sqrtf (p[k]);
}

/* frame = x · window; restrict lets the compiler vectorise it. */
static void
cpu_window (const float *restrict x, const float *restrict w,
    float *restrict frame, int n)
{
  int i;

  for (i = 0; i < n; i++)
    frame[i] = x[i] * w[i];
}

static MsxStatus
cpu_process (void *state, const float *signal, size_t n_frames, float *mel_out)
{
  CpuState *s = state;
  size_t b;

  for (b = 0; b < n_frames; b++) {
    float *mel = mel_out + b * (size_t)s->n_mels;
    cpu_window (signal + b * (size_t)s->hop, s->window, msx_fft_input (s->fft),
        s->n_fft);
    cpu_power (msx_fft_execute (s->fft), s->power, s->n_used, s->magnitude);
    msx_mel_bank_apply (s->bank, s->power, mel);
    if (s->output_db)
      msx_db_from_power (
          mel, (size_t)s->n_mels, s->power_exp, s->db_ref, s->amin, mel);
  }
  return MSX_OK;
}

static const char *
cpu_describe (void *state)
{
  return ((CpuState *)state)->description;
}

const MsxBackendOps msx_backend_cpu_ops = {
  "cpu",
  cpu_create,
  cpu_process,
  cpu_describe,
  cpu_destroy,
};
