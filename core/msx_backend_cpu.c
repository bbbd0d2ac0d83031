/* melspecx core — the CPU analysis backend, the reference implementation.
 * SPDX-License-Identifier: MIT
 *
 * Frame by frame: window (or kaldi's framing), real FFT (msx_fft: FFTW or
 * kissfft), |X|^power, mel filterbank, and with cfg->output_db the dB
 * conversion (msx_db).  Working one frame at a time keeps the buffers in cache
 * and the memory independent of chunk_size; a CPU FFT gains nothing from
 * batching (measured with FFTW here). Every frame goes through exactly the same
 * arithmetic whatever the batch, so chunk_size never changes the numbers.
 *
 * The window is applied straight into the FFT's own aligned input and the
 * power read straight from its output: no copy per frame.  Only the bins
 * that some mel band uses are turned into power (at 44.1 kHz with f_max
 * 8 kHz, 372 of 1025).
 *
 * Threads (cfg->threads): a batch of at least PARALLEL_MIN frames per
 * thread is shared: every thread, the calling one included, takes blocks
 * of BLOCK consecutive frames from a shared counter until none is left,
 * and the caller then waits for the blocks still being computed.  Taking
 * blocks rather than fixed halves keeps a thread that the system
 * schedules less (a busy machine) from holding the batch up.  Each thread
 * has its own FFT plan and power buffer; the plans are made alike (same
 * size, aligned buffers), so which thread computes a frame never changes
 * its value.  The helper threads start with the first batch big enough to
 * share, so a live stream computing a frame or two at a time never starts
 * them; they meet the caller once per batch, never per frame.
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "msx_backend.h"
#include "msx_db.h"
#include "msx_fft.h"
#include "msx_simd.h"

/* Fewer frames per thread than this are not worth a hand-over. */
#define PARALLEL_MIN 64
/* Frames taken at a time from a shared batch. */
#define BLOCK 16
/* The most frames per process() call worth having (msx_backend_max_batch):
 * enough to share among a few threads; 256 frames are ~1 ms of work on
 * one thread and ~0.5 MB of samples at hop 512. */
#define CPU_MAX_BATCH 256
/* threads 0 (one per processor) uses at most this many. */
#define AUTO_MAX_THREADS 8

typedef struct CpuState CpuState;

/* What one thread needs of its own. */
typedef struct {
  CpuState *owner;
  MsxFft *fft;
  float *power; /* n_fft/2+1 values, the first n_used computed */
  pthread_t thread;
  int running;
} CpuWorker;

struct CpuState {
  int n_fft, hop, n_mels;
  int magnitude;                  /* power 1.0: |X| instead of |X|^2 */
  int output_db;                  /* emit dB re db_ref instead of mel power */
  double power_exp, db_ref, amin; /* cfg->power, db_ref, amin */
  const float *window;            /* n_fft, owned by the caller */
  int kaldi;                      /* framing kaldi (cpu_kaldi_frame) */
  int win_length, win_offset;     /* where the window sits in n_fft */
  double preemphasis;
  const MsxMelBank *bank; /* owned by the caller */
  int n_used;             /* bins below the end of the highest mel band */
  int n_workers;          /* allocated; workers[0] is the calling thread */
  CpuWorker *workers;
  int started;          /* helpers_start() called */
  int n_running;        /* the caller and the helpers that run */
  int limit;            /* msx_backend_set_threads(): 0 = all */
  pthread_mutex_t lock; /* guards the fields below and workers' ranges */
  pthread_cond_t go, done;
  unsigned generation; /* bumped per batch handed over */
  int pending;         /* helpers still computing the batch */
  int quit;
  /* the batch being shared: set under the lock before it is handed over */
  const float *signal;
  float *mel_out;
  size_t n_frames;
  size_t next; /* first frame not yet taken (atomic) */
  char description[32];
};

/* ---- per frame ---- */

/* |X_k|^2 (power) or |X_k| (magnitude) of the first @n bins of the
 * interleaved spectrum @x.  In float: re² + im² is correct to an ulp
 * (~6e-8 relative), far inside the 1e-4 the analysis promises, and the loop
 * vectorises.  Above ~1.8e19 (samples far beyond full scale) the square
 * overflows: it saturates at FLT_MAX instead of becoming Inf, which the
 * mel sum and dB would carry to the whole picture. */
MSX_SIMD_INLINE void
cpu_power (const float *restrict x, float *restrict p, int n, int magnitude)
{
  int k;

  for (k = 0; k < n; k++) {
    float v = x[2 * k] * x[2 * k] + x[2 * k + 1] * x[2 * k + 1];
    p[k] = v < FLT_MAX ? v : FLT_MAX;
  }
  if (magnitude)
    for (k = 0; k < n; k++)
      p[k] = sqrtf (p[k]);
}

/* frame = x · window; restrict lets the compiler vectorise it. */
MSX_SIMD_INLINE void
cpu_window (const float *restrict x, const float *restrict w,
    float *restrict frame, int n)
{
  int i;

  for (i = 0; i < n; i++)
    frame[i] = x[i] * w[i];
}

/* A kaldi frame (MSX_FRAMING_KALDI): the win_length samples @x minus their
 * mean, pre-emphasised (y[i] = x[i] − c·x[i−1], y[0] = x[0] − c·x[0]),
 * times the window, at the window's place in the n_fft zeros (|X| does
 * not depend on where the frame sits).  In double, rounded once. */
static void
cpu_kaldi_frame (const CpuState *s, const float *x, float *frame)
{
  const float *w = s->window + s->win_offset;
  double mean = 0.0, c = s->preemphasis;
  int i, n = s->win_length;

  for (i = 0; i < n; i++)
    mean += x[i];
  mean /= n;
  for (i = 0; i < s->n_fft; i++)
    frame[i] = 0.0f;
  for (i = 0; i < n; i++) {
    double prev = x[i > 0 ? i - 1 : 0] - mean;
    frame[s->win_offset + i] = (float)(((x[i] - mean) - c * prev) * w[i]);
  }
}

/* @n_frames consecutive frames with @w's plan and buffers. */
MSX_SIMD_CLONES static void
cpu_frames (const CpuState *s, CpuWorker *w, const float *signal,
    size_t n_frames, float *mel_out)
{
  size_t b;

  for (b = 0; b < n_frames; b++) {
    float *mel = mel_out + b * (size_t)s->n_mels;
    if (s->kaldi)
      cpu_kaldi_frame (s, signal + b * (size_t)s->hop, msx_fft_input (w->fft));
    else
      cpu_window (signal + b * (size_t)s->hop, s->window,
          msx_fft_input (w->fft), s->n_fft);
    cpu_power (msx_fft_execute_bins (w->fft, s->n_used), w->power, s->n_used,
        s->magnitude);
    msx_mel_bank_apply (s->bank, w->power, mel);
    if (s->output_db)
      msx_db_from_power (
          mel, (size_t)s->n_mels, s->power_exp, s->db_ref, s->amin, mel);
  }
}

/* ---- helper threads ---- */

/* Takes blocks of the shared batch until none is left. */
static void
cpu_share (CpuState *s, CpuWorker *w)
{
  size_t first;

  while ((first = __atomic_fetch_add (&s->next, BLOCK, __ATOMIC_RELAXED)) <
         s->n_frames) {
    size_t n = s->n_frames - first < BLOCK ? s->n_frames - first : BLOCK;
    cpu_frames (s, w, s->signal + first * (size_t)s->hop, n,
        s->mel_out + first * (size_t)s->n_mels);
  }
}

static void *
helper_loop (void *data)
{
  CpuWorker *w = data;
  CpuState *s = w->owner;
  int index = (int)(w - s->workers);
  unsigned seen = 0;

  pthread_mutex_lock (&s->lock);
  for (;;) {
    while (!s->quit && s->generation == seen)
      pthread_cond_wait (&s->go, &s->lock);
    if (s->quit)
      break;
    seen = s->generation;
    pthread_mutex_unlock (&s->lock);
    /* beyond the limit a helper has nothing to do this batch */
    if (s->limit == 0 || index < s->limit)
      cpu_share (s, w);
    pthread_mutex_lock (&s->lock);
    if (--s->pending == 0)
      pthread_cond_signal (&s->done);
  }
  pthread_mutex_unlock (&s->lock);
  return NULL;
}

/* Starts the helpers; with fewer than asked (the system refused a thread),
 * the batch is shared among those that run. */
static void
helpers_start (CpuState *s)
{
  int i;

  s->started = 1;
  for (i = 1; i < s->n_workers; i++) {
    CpuWorker *w = &s->workers[i];
    if (pthread_create (&w->thread, NULL, helper_loop, w) != 0)
      break;
    w->running = 1;
  }
  s->n_running = i;
}

static void
helpers_stop (CpuState *s)
{
  int i;

  pthread_mutex_lock (&s->lock);
  s->quit = 1;
  pthread_cond_broadcast (&s->go);
  pthread_mutex_unlock (&s->lock);
  for (i = 1; i < s->n_workers; i++)
    if (s->workers[i].running)
      pthread_join (s->workers[i].thread, NULL);
}

/* Shares @n_frames among the caller and the helpers; returns once all
 * are computed. */
static void
cpu_parallel (CpuState *s, const float *signal, size_t n_frames, float *mel_out)
{
  pthread_mutex_lock (&s->lock);
  s->signal = signal;
  s->mel_out = mel_out;
  s->n_frames = n_frames;
  s->next = 0;
  s->pending = s->n_running - 1;
  s->generation++;
  pthread_cond_broadcast (&s->go);
  pthread_mutex_unlock (&s->lock);

  cpu_share (s, &s->workers[0]);

  pthread_mutex_lock (&s->lock);
  while (s->pending > 0)
    pthread_cond_wait (&s->done, &s->lock);
  pthread_mutex_unlock (&s->lock);
}

/* ---- the table ---- */

static MsxStatus
cpu_process (void *state, const float *signal, size_t n_frames, float *mel_out)
{
  CpuState *s = state;

  if (s->n_workers > 1 && s->limit != 1 && n_frames >= 2 * PARALLEL_MIN) {
    if (!s->started)
      helpers_start (s);
    if (s->n_running > 1) {
      cpu_parallel (s, signal, n_frames, mel_out);
      return MSX_OK;
    }
  }
  cpu_frames (s, &s->workers[0], signal, n_frames, mel_out);
  return MSX_OK;
}

static void
cpu_destroy (void *state)
{
  CpuState *s = state;
  int i;

  if (!s)
    return;
  if (s->started)
    helpers_stop (s);
  for (i = 0; s->workers && i < s->n_workers; i++) {
    msx_fft_free (s->workers[i].fft);
    free (s->workers[i].power);
  }
  free (s->workers);
  pthread_mutex_destroy (&s->lock);
  pthread_cond_destroy (&s->go);
  pthread_cond_destroy (&s->done);
  free (s);
}

/* cfg->threads, or for 0 the processors this thread may run on. */
static int
thread_count (const MsxConfig *cfg)
{
  cpu_set_t set;
  int n = 1;

  if (cfg->threads > 0)
    return cfg->threads;
  if (sched_getaffinity (0, sizeof set, &set) == 0)
    n = CPU_COUNT (&set);
  else
    n = (int)sysconf (_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > AUTO_MAX_THREADS ? AUTO_MAX_THREADS : n;
}

static MsxStatus
workers_new (CpuState *s, int n)
{
  size_t bins = (size_t)s->n_fft / 2 + 1;
  int i;

  s->workers = calloc ((size_t)n, sizeof *s->workers);
  if (!s->workers)
    return MSX_ERROR_NO_MEMORY;
  s->n_workers = n;
  for (i = 0; i < n; i++) {
    CpuWorker *w = &s->workers[i];
    MsxStatus st;
    w->owner = s;
    w->power = calloc (bins, sizeof (float));
    if (!w->power)
      return MSX_ERROR_NO_MEMORY;
    if ((st = msx_fft_new (s->n_fft, &w->fft)))
      return st;
  }
  return MSX_OK;
}

static MsxStatus
cpu_create (const MsxConfig *cfg, const float *window, const MsxMelBank *bank,
    void **state, char *msg, size_t msg_size)
{
  CpuState *s = calloc (1, sizeof *s);
  MsxStatus st;

  *state = NULL;
  if (!s)
    return MSX_ERROR_NO_MEMORY;
  pthread_mutex_init (&s->lock, NULL);
  pthread_cond_init (&s->go, NULL);
  pthread_cond_init (&s->done, NULL);
  s->n_fft = cfg->n_fft;
  s->hop = cfg->hop_length;
  s->n_mels = cfg->n_mels;
  s->magnitude = cfg->power == 1.0;
  s->output_db = cfg->output_db;
  s->power_exp = cfg->power;
  s->db_ref = cfg->db_ref;
  s->amin = cfg->amin;
  s->window = window;
  s->kaldi = cfg->framing == MSX_FRAMING_KALDI;
  s->win_length = msx_config_win_length (cfg);
  s->win_offset = (cfg->n_fft - s->win_length) / 2; /* msx_window_fill */
  s->preemphasis = cfg->preemphasis;
  s->bank = bank;
  s->n_used = msx_mel_bank_bins_used (bank);
  st = workers_new (s, thread_count (cfg));
  if (st) {
    if (msg && st != MSX_ERROR_NO_MEMORY)
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

/* Called between batches only, by the thread that calls process(): the
 * helpers read the limit after the hand-over under the lock. */
static void
cpu_set_threads (void *state, int threads)
{
  ((CpuState *)state)->limit = threads < 0 ? 0 : threads;
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
  cpu_set_threads,
  CPU_MAX_BATCH,
};
