/* GStreamer melspecx — the image-mode analysis thread
 * SPDX-License-Identifier: MIT
 *
 * The streaming thread copies each input buffer's samples into a ring the
 * worker owns and lets the buffer go at once; one worker thread feeds the
 * analysis from the ring, so that decoding upstream and everything
 * melspecx does overlap on two cores.  The samples are copied as the core
 * reads them (interleaved S16, S32, F32 or F64, gstmelspecxinput.c): for
 * what decoders emit, a memcpy of memory the decoder has just written.
 *
 * Why a copy: the decoder's buffers are then freed by the thread that
 * allocated them, right after it wrote them, as in a pipeline without
 * melspecx, and the next one reuses the same memory, still in cache.
 * Holding references to them for the worker cost the decoder's thread
 * more than the copy does: the mini-object atomics on buffers the other
 * core had mapped, malloc growing the decoder's heap while its buffers
 * waited (a page fault each fresh page), and the decoder writing memory
 * that was cold.  The 7-minute MP3 took 0.96 x the wall time and 0.95 x
 * the CPU with the copy.
 *
 * The analysis may share its batches among several threads, which pays
 * only when it is what holds the pipeline back and a core is free for
 * them.  So the worker starts with one thread and measures how much of the
 * time it is busy, over windows of 20 ms: below 50 % it keeps (or goes
 * back to) one thread (a decoder slower than the analysis).  After 100 ms
 * busy above 80 % it tries: one thread and all of them
 * (msx_spectrogram_set_threads) take turns three times, 100 ms each, and
 * all are kept only if they analysed 5 % more samples per second of wall
 * time.  5 s after a trial, if the worker is still that busy, it tries
 * again (a machine's load changes, and one trial may be unlucky).  Whether
 * they pay cannot be told beforehand: a helper that takes turns with the
 * decoder on its core costs more than it gives.  On 2 cores, a source that
 * costs nothing (F32 in 16384-sample buffers) took 0.80 x the wall time
 * with two analysis threads than with one, while a 10-hour WAV (the
 * streaming thread reading 4 KiB buffers keeps 0.6 of a core busy) took
 * 1.16 x, for 1.22 x the CPU.  The work itself comes in bursts (a batch of
 * chunk-size frames every few seconds of audio), so a busy fraction over a
 * window says more than whether the queue was ever full.
 *
 * The ring is allocated when the worker starts, twice the element's limit
 * on waiting samples (four seconds of audio or 2 MiB, whichever is more,
 * at most 8 MiB: four seconds of 64 channels of F64 at 192 kHz would be
 * 393 MB), so that memory stays small and a slow analysis throttles
 * upstream instead of piling up samples.  A push waits once the limit is
 * queued; the other half is what the worker is reading meanwhile.  The
 * worker is woken once half the limit has gathered and then takes
 * everything queued in one go, so the two threads meet about once per
 * half a queue (two seconds of audio or more), not once per buffer:
 * waking a thread on the other core is the costliest thing a push does
 * (~20 us on the development VM), and the 7-minute MP3 took 1.7 % less
 * wall time than with a wake-up per second.  While the analysis is what
 * holds the pipeline back, the queue is full and each take wakes the
 * waiting streaming thread: the 2 MiB keep those wake-ups few for narrow
 * formats (four seconds of mono S16 at 44.1 kHz are only 345 KiB; a
 * 10-hour WAV took 0.94 x the wall time with a queue of 16 seconds, for
 * 2.5 MB more peak memory).
 *
 * While the input comes fast (a decoder reading a file), not even that
 * wake-up is paid: the worker measures how fast the queue fills and sleeps
 * with a timeout until a quarter of it will have gathered; its own core's
 * timer wakes it, and the pushes do not signal it.  A queue that fills
 * anyway wakes it; a nap that finds nothing (the input stopped or is
 * live) puts it back to waiting for a push's signal.
 */

#include "gstmelspecx.h"
#include "msx_bigmem.h"

GST_DEBUG_CATEGORY_EXTERN (gst_melspecx_debug);
#define GST_CAT_DEFAULT gst_melspecx_debug

/* At most this many bytes of samples wait, whatever the format. */
#define WORKER_MAX_BYTES (8u << 20)
/* How the worker decides between one analysis thread and all of them. */
#define WORKER_PACE_WINDOW_US 20000
#define WORKER_BUSY_PARALLEL 0.8
#define WORKER_BUSY_SINGLE 0.5
/* Windows a rate is measured over, and turns of each in a trial. */
#define WORKER_TRIAL_WINDOWS 5
#define WORKER_TRIAL_TURNS 3
/* What the helpers must gain to be kept, and when a refusal is retried. */
#define WORKER_TRIAL_GAIN 1.05
#define WORKER_TRIAL_RETRY_US 5000000
/* Input that takes longer than this to fill a quarter of the queue (live
 * audio) wakes the worker with a signal instead of its timer. */
#define WORKER_MAX_NAP_US 100000

struct _GstMelspecxWorker {
  GMutex lock;
  GCond work_cond;  /* the worker waits for samples */
  GCond space_cond; /* push and drain wait for the worker */
  GThread *thread;
  MsxSpectrogram *sg;
  GstMelspecxInput *input; /* read by the pushing thread only */
  MsxSampleFormat format;  /* of the samples in the ring */
  gsize frame_bytes;       /* one frame of them */
  /* The ring: `taken` bytes the thread analyses, then `queued` bytes from
   * `read` on, then free space up to `taken`'s start; whole frames. */
  guint8 *ring;
  gsize ring_size;
  gsize read;
  gsize queued;
  gsize taken;
  gsize max_queued;    /* bytes that may wait before a push does */
  guint waiters;       /* threads waiting on space_cond */
  gboolean busy;       /* the thread works on a batch */
  gboolean idle;       /* the thread waits on work_cond for a signal */
  gboolean napping;    /* the thread waits on work_cond until a timeout */
  gint64 last_take_us; /* when the thread last took the queue */
  gboolean blocked;    /* a push waits on space_cond */
  gboolean quit;
  gboolean flushing;
  MsxStatus status;    /* first error, MSX_OK if none */
  gboolean unreadable; /* that error: a buffer could not be read */
  /* the thread's own (discard resets them while the thread is idle) */
  gboolean parallel;        /* the analysis may use every thread */
  gint64 window_us;         /* start of the current pace window */
  gint64 busy_us;           /* time spent analysing in it */
  gsize window_samples;     /* samples analysed in it */
  guint n_windows;          /* windows in the rate being measured */
  gint64 rate_us;           /* their wall time */
  gsize rate_samples;       /* and samples analysed */
  guint trial_turns;        /* turns of the trial so far, 0: none under way */
  gdouble trial_us[2];      /* wall time of the trial, one thread and all */
  gdouble trial_samples[2]; /* samples analysed in it */
  gint64 retry_us;          /* no trial before this time */
};

/* How full the queue is: 1.0 once the limit is queued.  Lock held. */
static gdouble
worker_fullness (GstMelspecxWorker *w)
{
  return (gdouble)w->queued / w->max_queued;
}

/* Where the next bytes go and how many fit there, 0 when a push must wait
 * for the worker.  Lock held. */
static gsize
worker_room (GstMelspecxWorker *w, gsize *at)
{
  gsize used = w->taken + w->queued;

  *at = (w->read + w->queued) % w->ring_size;
  if (w->queued >= w->max_queued || used >= w->ring_size)
    return 0;
  /* never more than the limit queued: a buffer larger than that goes in
   * by pieces the worker can take while the rest is copied */
  return MIN (
      MIN (w->ring_size - used, w->ring_size - *at), w->max_queued - w->queued);
}

/* An idle worker is woken only once a batch has gathered (drain wakes it
 * for the rest).  Lock held. */
static gboolean
worker_batch_ready (GstMelspecxWorker *w)
{
  return worker_fullness (w) >= 0.5;
}

/* When the queue will be a quarter full if the input keeps coming as it
 * did: it reached @fullness in @gather_us before the take at @take_us.  A
 * quarter leaves room for a decoder that speeds up fourfold before the
 * queue is full and a push has to wake the worker and wait.  Returns 0
 * when that is too far off to wait for with a timer. */
static gint64
worker_next_take (gdouble fullness, gint64 gather_us, gint64 take_us)
{
  gdouble period = fullness > 0.0 ? gather_us * 0.25 / fullness : G_MAXDOUBLE;

  return period <= WORKER_MAX_NAP_US ? take_us + (gint64)period : 0;
}

/* Forgets every queued sample.  Lock held. */
static void
worker_clear_queue (GstMelspecxWorker *w)
{
  w->queued = 0;
}

/* Analyses (or, after an error, skips) @len bytes of the ring from @at,
 * which may wrap around its end; no lock held. */
static MsxStatus
worker_process (GstMelspecxWorker *w, gsize at, gsize len)
{
  gsize first = MIN (len, w->ring_size - at);
  MsxStatus st = msx_spectrogram_push_samples (
      w->sg, w->ring + at, w->format, first / w->frame_bytes);

  if (st == MSX_OK && len > first)
    st = msx_spectrogram_push_samples (
        w->sg, w->ring, w->format, (len - first) / w->frame_bytes);
  return st;
}

/* Waits on space_cond, counted so that the thread signals only when
 * someone waits.  Lock held. */
static void
worker_wait_space (GstMelspecxWorker *w)
{
  w->waiters++;
  g_cond_wait (&w->space_cond, &w->lock);
  w->waiters--;
}

static void
worker_set_parallel (GstMelspecxWorker *w, gboolean parallel)
{
  msx_spectrogram_set_threads (w->sg, parallel ? 0 : 1);
  w->parallel = parallel;
}

/* One analysis thread, and the pace measured afresh from @now_us: a new
 * input, or the same after a flush.  The thread is not analysing. */
static void
worker_pace_reset (GstMelspecxWorker *w, gint64 now_us)
{
  worker_set_parallel (w, FALSE);
  w->window_us = now_us;
  w->busy_us = 0;
  w->window_samples = 0;
  w->n_windows = 0;
  w->rate_us = 0;
  w->rate_samples = 0;
  w->trial_turns = 0;
  w->retry_us = 0;
}

/* A measurement of WORKER_TRIAL_WINDOWS windows ended: the trial starts,
 * goes on with the other number of threads, or decides. */
static void
worker_trial_step (GstMelspecxWorker *w, gint64 now_us)
{
  gdouble gain;

  if (w->trial_turns == 0) { /* busy: a trial starts, with one thread */
    GST_DEBUG ("the analysis is busy: trying one thread against all");
    w->trial_turns = 1;
    w->trial_us[0] = w->trial_us[1] = 0.0;
    w->trial_samples[0] = w->trial_samples[1] = 0.0;
    if (w->parallel) { /* what was measured is not part of it */
      worker_set_parallel (w, FALSE);
      return;
    }
  }
  w->trial_us[w->parallel] += w->rate_us;
  w->trial_samples[w->parallel] += w->rate_samples;
  if (!w->parallel) {
    worker_set_parallel (w, TRUE);
    return;
  }
  if (w->trial_turns < WORKER_TRIAL_TURNS) {
    w->trial_turns++;
    worker_set_parallel (w, FALSE);
    return;
  }
  gain = (w->trial_samples[1] / w->trial_us[1]) /
         (MAX (w->trial_samples[0], 1.0) / w->trial_us[0]);
  GST_DEBUG ("every thread analyses %.2f x the samples per second of one: %s",
      gain, gain >= WORKER_TRIAL_GAIN ? "kept" : "back to one");
  if (gain < WORKER_TRIAL_GAIN)
    worker_set_parallel (w, FALSE);
  w->retry_us = now_us + WORKER_TRIAL_RETRY_US;
  w->trial_turns = 0;
}

/* Counts @busy_us of analysis and the @samples it took; at the end of a
 * window, one thread or all of them (see the top of the file).  Worker
 * thread, no lock: the analysis is its own between batches. */
static void
worker_pace (GstMelspecxWorker *w, gint64 busy_us, gsize samples, gint64 now_us)
{
  gint64 span = now_us - w->window_us;
  gdouble busy;

  w->busy_us += busy_us;
  w->window_samples += samples;
  if (span < WORKER_PACE_WINDOW_US)
    return;
  busy = (gdouble)w->busy_us / span;
  w->window_us = now_us;
  w->busy_us = 0;
  w->rate_us += span;
  w->rate_samples += w->window_samples;
  w->window_samples = 0;

  if (busy < WORKER_BUSY_SINGLE) {
    /* the input holds the analysis back */
    if (w->parallel) {
      GST_DEBUG (
          "the analysis is busy %.0f %% of the time: one thread", 100.0 * busy);
      worker_set_parallel (w, FALSE);
    }
    w->trial_turns = 0;
    w->n_windows = 0;
  } else if (w->trial_turns == 0 &&
             (busy <= WORKER_BUSY_PARALLEL || now_us < w->retry_us)) {
    w->n_windows = 0; /* nothing to measure */
  } else if (++w->n_windows < WORKER_TRIAL_WINDOWS) {
    return;
  } else {
    w->n_windows = 0;
    worker_trial_step (w, now_us);
  }
  w->rate_us = 0;
  w->rate_samples = 0;
}

static gpointer
worker_loop (gpointer data)
{
  GstMelspecxWorker *w = data;
  gint64 nap_end = 0; /* the next take's time, 0: wait for a signal */

  g_mutex_lock (&w->lock);
  while (!w->quit) {
    gint64 t0, t1;
    gdouble fullness;
    gsize at, len;
    MsxStatus st;

    if (w->queued == 0 || w->status != MSX_OK) {
      if (w->waiters > 0)
        g_cond_broadcast (&w->space_cond); /* drained */
      if (nap_end > 0 && w->status == MSX_OK) {
        /* One nap: if it ends with nothing queued, the next wait is for a
         * signal. */
        w->napping = TRUE;
        g_cond_wait_until (&w->work_cond, &w->lock, nap_end);
        w->napping = FALSE;
        nap_end = 0;
        continue;
      }
      w->idle = TRUE;
      g_cond_wait (&w->work_cond, &w->lock);
      w->idle = FALSE;
      continue;
    }
    t0 = g_get_monotonic_time ();
    fullness = worker_fullness (w);
    nap_end = worker_next_take (fullness, t0 - w->last_take_us, t0);
    w->last_take_us = t0;
    /* take the whole queue */
    at = w->read;
    len = w->queued;
    w->read = (w->read + len) % w->ring_size;
    w->queued = 0;
    w->taken = len;
    w->busy = TRUE;
    if (w->blocked)
      g_cond_broadcast (&w->space_cond);
    g_mutex_unlock (&w->lock);

    st = worker_process (w, at, len);
    t1 = g_get_monotonic_time ();
    worker_pace (w, t1 - t0, len / w->frame_bytes, t1);

    g_mutex_lock (&w->lock);
    w->taken = 0;
    w->busy = FALSE;
    if (w->blocked)
      g_cond_broadcast (&w->space_cond);
    if (st != MSX_OK && w->status == MSX_OK) {
      w->status = st;
      g_cond_broadcast (&w->space_cond);
    }
  }
  g_mutex_unlock (&w->lock);
  return NULL;
}

GstMelspecxWorker *
gst_melspecx_worker_new (void)
{
  GstMelspecxWorker *w = g_new0 (GstMelspecxWorker, 1);

  g_mutex_init (&w->lock);
  g_cond_init (&w->work_cond);
  g_cond_init (&w->space_cond);
  return w;
}

void
gst_melspecx_worker_free (GstMelspecxWorker *w)
{
  if (w == NULL)
    return;
  gst_melspecx_worker_stop (w);
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->work_cond);
  g_cond_clear (&w->space_cond);
  g_free (w);
}

/**
 * gst_melspecx_worker_start:
 * @sg: the analysis the thread feeds
 * @input: how to read the buffers; used by gst_melspecx_worker_push()
 *   alone until gst_melspecx_worker_stop()
 * @max_samples: samples per channel allowed to wait (back-pressure)
 *
 * @sg and @input must stay alive until gst_melspecx_worker_stop().
 *
 * Returns: FALSE if the ring or the thread could not be created.
 */
gboolean
gst_melspecx_worker_start (GstMelspecxWorker *w, MsxSpectrogram *sg,
    GstMelspecxInput *input, gsize max_samples)
{
  GError *err = NULL;

  g_return_val_if_fail (w->thread == NULL, FALSE);
  w->format = gst_melspecx_input_format (input, &w->frame_bytes);
  w->max_queued =
      MIN (MAX (max_samples, 1), MAX (WORKER_MAX_BYTES / w->frame_bytes, 1)) *
      w->frame_bytes;
  w->ring_size = 2 * w->max_queued;
  w->ring = msx_big_alloc (w->ring_size);
  if (w->ring == NULL) {
    GST_ERROR ("could not allocate %" G_GSIZE_FORMAT " bytes for the "
               "analysis queue",
        w->ring_size);
    return FALSE;
  }
  w->read = w->queued = w->taken = 0;
  w->sg = sg;
  w->input = input;
  w->quit = FALSE;
  w->status = MSX_OK;
  w->unreadable = FALSE;
  w->last_take_us = g_get_monotonic_time ();
  worker_pace_reset (w, w->last_take_us);
  w->thread = g_thread_try_new ("melspecx-worker", worker_loop, w, &err);
  if (w->thread == NULL) {
    GST_ERROR ("could not start the analysis thread: %s", err->message);
    g_clear_error (&err);
    msx_big_free (w->ring, w->ring_size);
    w->ring = NULL;
    return FALSE;
  }
  return TRUE;
}

/* Ends the thread after its current batch; drops whatever still waits. */
void
gst_melspecx_worker_stop (GstMelspecxWorker *w)
{
  if (w->thread == NULL)
    return;
  g_mutex_lock (&w->lock);
  w->quit = TRUE;
  g_cond_broadcast (&w->work_cond);
  g_mutex_unlock (&w->lock);
  g_thread_join (w->thread);
  w->thread = NULL;
  worker_clear_queue (w);
  msx_big_free (w->ring, w->ring_size);
  w->ring = NULL;
  w->sg = NULL;
  w->input = NULL;
}

/* Waits for room in the ring; returns how many bytes fit at *@at, 0 when
 * the push must stop (flushing, an error).  Lock held. */
static gsize
worker_wait_room (GstMelspecxWorker *w, gsize *at)
{
  gsize room;

  while ((room = worker_room (w, at)) == 0 && !w->flushing &&
         w->status == MSX_OK) {
    w->blocked = TRUE;
    if (w->idle || w->napping)
      g_cond_signal (&w->work_cond); /* the nap was too long */
    worker_wait_space (w);
  }
  w->blocked = FALSE;
  return w->flushing || w->status != MSX_OK ? 0 : room;
}

/* Copies @n frames of @data into the ring, in as many pieces as the room
 * there allows.  Returns FALSE when the push must stop. */
static gboolean
worker_copy (GstMelspecxWorker *w, const guint8 *data, gsize n)
{
  gsize bytes = n * w->frame_bytes;

  while (bytes > 0) {
    gsize at, room, len;
    gboolean wake;

    g_mutex_lock (&w->lock);
    room = worker_wait_room (w, &at);
    g_mutex_unlock (&w->lock);
    if (room == 0)
      return FALSE;
    /* Only this thread writes, and only where the worker does not read:
     * the copy needs no lock. */
    len = MIN (bytes, room);
    memcpy (w->ring + at, data, len);
    data += len;
    bytes -= len;
    g_mutex_lock (&w->lock);
    w->queued += len;
    /* An idle worker is waiting on work_cond already: it cannot miss a
     * signal sent after the unlock, which keeps the wake-up out of the
     * locked section. */
    wake = w->idle && worker_batch_ready (w);
    g_mutex_unlock (&w->lock);
    if (wake)
      g_cond_signal (&w->work_cond);
  }
  return TRUE;
}

/**
 * gst_melspecx_worker_push:
 * @buf: (transfer full): an input buffer
 *
 * Copies @buf's samples into the queue, blocking while it is full.
 *
 * Returns: GST_FLOW_OK, GST_FLOW_FLUSHING, or GST_FLOW_ERROR when this or
 * an earlier buffer failed (see gst_melspecx_worker_status()).
 */
GstFlowReturn
gst_melspecx_worker_push (GstMelspecxWorker *w, GstBuffer *buf)
{
  GstFlowReturn ret = GST_FLOW_OK;
  const void *data;
  MsxSampleFormat fmt;
  gsize n;

  if (w->thread == NULL) {
    gst_buffer_unref (buf);
    return GST_FLOW_FLUSHING;
  }
  if (!gst_melspecx_input_map (w->input, buf, &data, &fmt, &n)) {
    g_mutex_lock (&w->lock);
    if (w->status == MSX_OK) {
      w->status = MSX_ERROR_INVALID_ARGUMENT;
      w->unreadable = TRUE;
    }
    g_mutex_unlock (&w->lock);
    gst_buffer_unref (buf);
    return GST_FLOW_ERROR;
  }
  if (!worker_copy (w, data, n)) {
    g_mutex_lock (&w->lock);
    ret = w->status != MSX_OK ? GST_FLOW_ERROR : GST_FLOW_FLUSHING;
    g_mutex_unlock (&w->lock);
  }
  gst_melspecx_input_unmap (w->input);
  gst_buffer_unref (buf);
  return ret;
}

/**
 * gst_melspecx_worker_drain:
 * Waits until every queued sample has been analysed; afterwards the
 * spectrogram may be used from the calling thread until the next push.
 *
 * Returns: GST_FLOW_OK, GST_FLOW_FLUSHING or GST_FLOW_ERROR.
 */
GstFlowReturn
gst_melspecx_worker_drain (GstMelspecxWorker *w)
{
  GstFlowReturn ret = GST_FLOW_OK;

  g_mutex_lock (&w->lock);
  g_cond_signal (&w->work_cond);
  while ((w->busy || w->queued > 0) && !w->flushing && w->status == MSX_OK)
    worker_wait_space (w);
  if (w->status != MSX_OK)
    ret = GST_FLOW_ERROR;
  else if (w->flushing)
    ret = GST_FLOW_FLUSHING;
  g_mutex_unlock (&w->lock);
  return ret;
}

/* Drops queued samples and waits for the current batch: afterwards the
 * spectrogram may be reset from the calling thread. */
void
gst_melspecx_worker_discard (GstMelspecxWorker *w)
{
  g_mutex_lock (&w->lock);
  worker_clear_queue (w);
  while (w->busy)
    worker_wait_space (w);
  w->status = MSX_OK;
  w->unreadable = FALSE;
  /* the next input starts on one thread again (the thread is idle: its
   * queue is empty and it is not busy) */
  if (w->sg)
    worker_pace_reset (w, g_get_monotonic_time ());
  g_mutex_unlock (&w->lock);
}

/* Wakes up and refuses pushes and drains while TRUE (flushing seek, stop). */
void
gst_melspecx_worker_set_flushing (GstMelspecxWorker *w, gboolean flushing)
{
  g_mutex_lock (&w->lock);
  w->flushing = flushing;
  g_cond_broadcast (&w->space_cond);
  g_mutex_unlock (&w->lock);
}

MsxStatus
gst_melspecx_worker_status (GstMelspecxWorker *w)
{
  MsxStatus st;

  g_mutex_lock (&w->lock);
  st = w->status;
  g_mutex_unlock (&w->lock);
  return st;
}

/* Whether the error of gst_melspecx_worker_status() is a buffer that could
 * not be read or converted (rather than an analysis error). */
gboolean
gst_melspecx_worker_unreadable (GstMelspecxWorker *w)
{
  gboolean unreadable;

  g_mutex_lock (&w->lock);
  unreadable = w->unreadable;
  g_mutex_unlock (&w->lock);
  return unreadable;
}
