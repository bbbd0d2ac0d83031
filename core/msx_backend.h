/* melspecx core — analysis backends: framed signal in, mel power (or its
 * dB) out.
 * SPDX-License-Identifier: MIT
 *
 * A backend turns a contiguous stretch of (padded, mono) signal into mel
 * frames: framing, window, FFT, |X|^power, the mel filterbank and, with
 * cfg->output_db, the conversion to dB (msx_config.h).  The CPU
 * backend (msx_backend_cpu.c) and the Vulkan backend (msx_backend_vulkan.c)
 * implement the same table; callers never know which one runs.
 */
#ifndef MSX_BACKEND_H
#define MSX_BACKEND_H

#include <stddef.h>
#include "msx_config.h"
#include "msx_mel.h"

typedef struct MsxBackend MsxBackend;

/**
 * MsxBackendOps:
 * The table a backend implements.  @create receives the validated config,
 * the window (n_fft floats) and the mel bank, which outlive the state.
 */
typedef struct {
  const char *name;
  MsxStatus (*create) (const MsxConfig *cfg, const float *window,
      const MsxMelBank *bank, void **state, char *msg, size_t msg_size);
  MsxStatus (*process) (
      void *state, const float *signal, size_t n_frames, float *mel_out);
  const char *(*describe) (void *state);
  void (*destroy) (void *state);
  /* optional (NULL: one setting fits all): see msx_backend_set_threads() */
  void (*set_threads) (void *state, int threads);
  /* the most frames worth computing per process() call, 0: no limit (see
   * msx_backend_max_batch()) */
  int max_batch;
} MsxBackendOps;

/**
 * msx_backend_new:
 * @cfg: a validated config; cfg->backend chooses (auto: a discrete,
 *   integrated or virtual GPU through Vulkan if one opens, else the CPU;
 *   never a CPU-type Vulkan device)
 * @window: n_fft window values (msx_window_fill), must outlive the backend
 * @bank: the mel filterbank, must outlive the backend
 * @msg: (out): on failure, why; on success with auto, why the CPU was
 *   chosen if Vulkan was not usable ("" otherwise)
 * @out: (out): the backend
 *
 * Returns: MSX_OK, MSX_ERROR_BACKEND_UNAVAILABLE (Vulkan asked for but not
 * built in or no device), MSX_ERROR_DEVICE, MSX_ERROR_FFT or
 * MSX_ERROR_NO_MEMORY.
 */
MsxStatus msx_backend_new (const MsxConfig *cfg, const float *window,
    const MsxMelBank *bank, MsxBackend **out, char *msg, size_t msg_size);

/**
 * msx_backend_process:
 * @signal: (n_frames-1)*hop_length + n_fft samples (win_length with
 *   framing kaldi), finite and within ±MSX_SAMPLE_LIMIT (msx_stft ensures
 *   both); frame b starts at signal[b*hop_length]
 * @n_frames: 1..cfg->chunk_size
 * @mel_out: (out): n_frames × n_mels values, time-major: frame b, band m
 *   at mel_out[b*n_mels+m]; each the mel-weighted sum S of |X_k|^power,
 *   or with cfg->output_db k·log10(max(amin, S)) − k·log10(max(amin,
 *   db_ref)) (k = 10 for power 2, 20 for power 1; no top_db floor).
 *   Always finite: each |X_k|^power and each S saturate at FLT_MAX
 *   (385 dB re 1) instead of overflowing to Inf.
 *
 * Returns: MSX_OK, or MSX_ERROR_DEVICE when the device failed (the backend
 * is then unusable).
 */
MsxStatus msx_backend_process (
    MsxBackend *be, const float *signal, size_t n_frames, float *mel_out);

/**
 * msx_backend_set_threads:
 * @threads: CPU threads the next process() calls may use: 1 = the calling
 *   thread only, 0 = all that cfg->threads allowed at create
 *
 * Changes speed only, never the values.  A caller that runs beside a busy
 * producer (a decoder) asks for one thread while it keeps up, so that the
 * producer keeps its core, and for all when it falls behind.  Backends
 * that do not compute on CPU threads ignore it.
 */
void msx_backend_set_threads (MsxBackend *be, int threads);

/**
 * msx_backend_max_batch:
 * Returns: the most frames worth handing to one msx_backend_process()
 * call, 0 for no limit beyond cfg->chunk_size.  The CPU computes frame by
 * frame, so a batch needs only be big enough to share among threads;
 * bigger ones only cost memory (the samples they span) and make the work
 * come in longer bursts.  A GPU wants whole chunk_size dispatches.
 */
int msx_backend_max_batch (MsxBackend *be);

/** Returns: e.g. "cpu (fftw)" or "vulkan (NVIDIA H100, discrete)". */
const char *msx_backend_describe (MsxBackend *be);

/** Returns: 1 when Vulkan support was compiled in. */
int msx_backend_vulkan_built (void);

/** msx_backend_free: NULL-safe. */
void msx_backend_free (MsxBackend *be);

/* Implementations (msx_backend_cpu.c, msx_backend_vulkan.c).  The Vulkan
 * table is linked in when MSX_HAVE_VULKAN is defined, and found in the
 * Vulkan module when MSX_VULKAN_MODULE is (msx_backend.c).  Its create() must,
 * for cfg->backend == MSX_BACKEND_AUTO, refuse (MSX_ERROR_BACKEND_UNAVAILABLE,
 * msg saying why) when no discrete/integrated/virtual GPU exists, so that
 * the factory falls back to the CPU.  It refuses framing kaldi the same way
 * (only the CPU computes it): auto then uses the CPU, and backend vulkan is
 * an error with that sentence. */
extern const MsxBackendOps msx_backend_cpu_ops;
extern const MsxBackendOps msx_backend_vulkan_ops;

#endif /* MSX_BACKEND_H */
