/* GStreamer melspecx — the image-mode analysis thread
 * SPDX-License-Identifier: MIT
 *
 * The streaming thread only queues a reference to each input buffer; one
 * worker thread reads the samples (straight from the buffer for the
 * common formats, gstmelspecxinput.c) and feeds the analysis, so that
 * decoding upstream and everything melspecx does overlap on two cores.
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
 * The queue is a fixed ring of buffer references, allocated with the
 * worker: nothing is allocated or copied per buffer.  It is bounded (512
 * buffers, 8 MiB of samples, and the element's limit in samples: four
 * seconds of audio or 2 MiB, whichever is more; four seconds of 64
 * channels of F64 at 192 kHz would be 393 MB) so that memory stays small
 * and a slow analysis throttles upstream instead of piling up samples.
 * The worker is woken once half of that has gathered and then takes
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
 *
 * The buffers the worker has read go back to the streaming thread, which
 * unrefs one at each push: the decoder's memory is then freed by the
 * thread that allocated it, just before it allocates again, as in a
 * pipeline without melspecx.  Freed on the worker, every buffer took the
 * lock of the decoder thread's malloc arena, and the two threads
 * contended for it hundreds of times a file.  One for one, the number of
 * the decoder's blocks alive never falls: the block just freed is the
 * next one allocated, and the top of the decoder's heap is never freed in
 * a burst that malloc would give back to the kernel (and the decoder
 * fault in again, page by page).
 */

#include "gstmelspecx.h"

GST_DEBUG_CATEGORY_EXTERN (gst_melspecx_debug);
#define GST_CAT_DEFAULT gst_melspecx_debug

/* At most this many buffers wait, whatever their size. */
#define WORKER_MAX_ITEMS 512
/* At most this many bytes of samples wait, whatever the format. */
#define WORKER_MAX_BYTES (8u << 20)
/* Read buffers a push unrefs (gst_melspecx_worker_push()). */
#define SPENT_PER_PUSH 1
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

typedef struct {
  GstBuffer *buf;
  gsize n_samples; /* per channel */
} WorkItem;

struct _GstMelspecxWorker {
  GMutex lock;
  GCond work_cond;  /* the worker waits for buffers */
  GCond space_cond; /* push and drain wait for the worker */
  GThread *thread;
  MsxSpectrogram *sg;
  GstMelspecxInput *input; /* read by the thread only */
  WorkItem ring[WORKER_MAX_ITEMS];
  guint head, count;                  /* oldest item, items queued */
  WorkItem taken[WORKER_MAX_ITEMS];   /* the thread's current batch */
  GstBuffer *spent[WORKER_MAX_ITEMS]; /* read, for the pusher to unref */
  guint n_spent;
  guint waiters; /* threads waiting on space_cond */
  gsize queued_samples;
  gsize queued_bytes;
  gsize max_samples;
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

/* How full the queue is: 1.0 once any of its three limits (items,
 * samples, bytes) is reached.  Lock held. */
static gdouble
worker_fullness (GstMelspecxWorker *w)
{
  gdouble items = (gdouble)w->count / WORKER_MAX_ITEMS;
  gdouble samples = (gdouble)w->queued_samples / w->max_samples;
  gdouble bytes = (gdouble)w->queued_bytes / WORKER_MAX_BYTES;

  return MAX (items, MAX (samples, bytes));
}

/* Called with the lock held. */
static gboolean
worker_full (GstMelspecxWorker *w)
{
  /* A single large buffer always gets in; otherwise wait for room. */
  return w->count > 0 && worker_fullness (w) >= 1.0;
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

/* Drops every queued buffer.  Lock held. */
static void
worker_clear_queue (GstMelspecxWorker *w)
{
  for (; w->count > 0; w->count--) {
    gst_buffer_unref (w->ring[w->head].buf);
    w->head = (w->head + 1) % WORKER_MAX_ITEMS;
  }
  w->head = 0;
  w->queued_samples = 0;
  w->queued_bytes = 0;
}

/* Moves the whole queue into w->taken; returns how many.  Lock held. */
static guint
worker_take_all (GstMelspecxWorker *w)
{
  guint n = w->count, i;

  for (i = 0; i < n; i++)
    w->taken[i] = w->ring[(w->head + i) % WORKER_MAX_ITEMS];
  w->head = (w->head + n) % WORKER_MAX_ITEMS;
  w->count = 0;
  w->queued_samples = 0;
  w->queued_bytes = 0;
  return n;
}

/* One buffer into the analysis, on the worker thread. */
static MsxStatus
worker_feed (GstMelspecxWorker *w, GstBuffer *buf, gboolean *unreadable)
{
  const void *data;
  MsxSampleFormat fmt;
  gsize n;
  MsxStatus st;

  if (!gst_melspecx_input_map (w->input, buf, &data, &fmt, &n)) {
    *unreadable = TRUE;
    return MSX_ERROR_INVALID_ARGUMENT;
  }
  st = msx_spectrogram_push_samples (w->sg, data, fmt, n);
  gst_melspecx_input_unmap (w->input);
  return st;
}

/* Analyses (or, after an error, skips) @n taken buffers; no lock held.
 * The buffers stay in w->taken (worker_hand_back()). */
static MsxStatus
worker_process (GstMelspecxWorker *w, guint n, gboolean *unreadable)
{
  MsxStatus st = MSX_OK;
  guint i;

  for (i = 0; i < n && st == MSX_OK; i++)
    st = worker_feed (w, w->taken[i].buf, unreadable);
  return st;
}

/* Moves the @n taken buffers to w->spent; returns how many did not fit
 * (the pusher has not collected the last ones), left at the start of
 * w->taken for the worker to unref itself.  Lock held. */
static guint
worker_hand_back (GstMelspecxWorker *w, guint n)
{
  guint room = WORKER_MAX_ITEMS - w->n_spent, keep = n < room ? n : room, i;

  for (i = 0; i < keep; i++)
    w->spent[w->n_spent++] = w->taken[n - keep + i].buf;
  return n - keep;
}

/* Takes up to @max spent buffers into @out, for the caller to unref
 * without the lock.  Lock held. */
static guint
worker_take_spent (GstMelspecxWorker *w, GstBuffer **out, guint max)
{
  guint n = MIN (w->n_spent, max);

  w->n_spent -= n;
  memcpy (out, w->spent + w->n_spent, n * sizeof *out);
  return n;
}

static void
unref_all (GstBuffer **bufs, guint n)
{
  guint i;

  for (i = 0; i < n; i++)
    gst_buffer_unref (bufs[i]);
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
    gboolean unreadable = FALSE;
    gint64 t0, t1;
    gdouble fullness;
    gsize samples;
    MsxStatus st;
    guint n, left;

    if (w->count == 0 || w->status != MSX_OK) {
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
    samples = w->queued_samples;
    n = worker_take_all (w);
    w->busy = TRUE;
    if (w->blocked)
      g_cond_broadcast (&w->space_cond);
    g_mutex_unlock (&w->lock);

    st = worker_process (w, n, &unreadable);
    t1 = g_get_monotonic_time ();
    worker_pace (w, t1 - t0, samples, t1);

    g_mutex_lock (&w->lock);
    left = worker_hand_back (w, n);
    if (left > 0) {
      g_mutex_unlock (&w->lock);
      for (n = 0; n < left; n++)
        gst_buffer_unref (w->taken[n].buf);
      g_mutex_lock (&w->lock);
    }
    w->busy = FALSE;
    if (st != MSX_OK && w->status == MSX_OK) {
      w->status = st;
      w->unreadable = unreadable;
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
 * @input: how to read the buffers; used by the thread alone until
 *   gst_melspecx_worker_stop()
 * @max_samples: samples per channel allowed to wait (back-pressure)
 *
 * @sg and @input must stay alive until gst_melspecx_worker_stop().
 *
 * Returns: FALSE if the thread could not be created.
 */
gboolean
gst_melspecx_worker_start (GstMelspecxWorker *w, MsxSpectrogram *sg,
    GstMelspecxInput *input, gsize max_samples)
{
  GError *err = NULL;

  g_return_val_if_fail (w->thread == NULL, FALSE);
  w->sg = sg;
  w->input = input;
  w->max_samples = MAX (max_samples, 1);
  w->quit = FALSE;
  w->status = MSX_OK;
  w->unreadable = FALSE;
  w->last_take_us = g_get_monotonic_time ();
  worker_pace_reset (w, w->last_take_us);
  w->thread = g_thread_try_new ("melspecx-worker", worker_loop, w, &err);
  if (w->thread == NULL) {
    GST_ERROR ("could not start the analysis thread: %s", err->message);
    g_clear_error (&err);
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
  unref_all (w->spent, w->n_spent);
  w->n_spent = 0;
  w->sg = NULL;
  w->input = NULL;
}

/**
 * gst_melspecx_worker_push:
 * @buf: (transfer full): an input buffer
 * @n_samples: its samples per channel
 *
 * Blocks while the queue is full.
 *
 * Returns: GST_FLOW_OK, GST_FLOW_FLUSHING, or GST_FLOW_ERROR when an
 * earlier buffer failed (see gst_melspecx_worker_status()).
 */
GstFlowReturn
gst_melspecx_worker_push (GstMelspecxWorker *w, GstBuffer *buf, gsize n_samples)
{
  GstBuffer *spent[WORKER_MAX_ITEMS];
  WorkItem *item;
  gboolean wake;
  guint n_spent;

  g_mutex_lock (&w->lock);
  if (worker_full (w)) {
    w->blocked = TRUE;
    if (w->idle || w->napping)
      g_cond_signal (&w->work_cond); /* the nap was too long */
    while (worker_full (w) && !w->flushing && w->status == MSX_OK)
      worker_wait_space (w);
    w->blocked = FALSE;
  }
  /* One a push, as many as the decoder allocates (see the top of this
   * file): glibc trims a thread's heap once 128 KiB at its top are free,
   * which blocks freed in bursts reached. */
  n_spent = worker_take_spent (w, spent, SPENT_PER_PUSH);
  if (w->flushing || w->status != MSX_OK || w->thread == NULL) {
    GstFlowReturn ret =
        w->status != MSX_OK ? GST_FLOW_ERROR : GST_FLOW_FLUSHING;
    n_spent += worker_take_spent (w, spent + n_spent, WORKER_MAX_ITEMS);
    g_mutex_unlock (&w->lock);
    unref_all (spent, n_spent);
    gst_buffer_unref (buf);
    return ret;
  }
  item = &w->ring[(w->head + w->count) % WORKER_MAX_ITEMS];
  item->buf = buf;
  item->n_samples = n_samples;
  w->count++;
  w->queued_samples += n_samples;
  w->queued_bytes += gst_buffer_get_size (buf);
  /* An idle worker is waiting on work_cond already: it cannot miss a
   * signal sent after the unlock, which keeps the wake-up out of the
   * locked section. */
  wake = w->idle && worker_batch_ready (w);
  g_mutex_unlock (&w->lock);
  if (wake)
    g_cond_signal (&w->work_cond);
  unref_all (spent, n_spent);
  return GST_FLOW_OK;
}

/**
 * gst_melspecx_worker_drain:
 * Waits until every queued buffer has been analysed; afterwards the
 * spectrogram may be used from the calling thread until the next push.
 *
 * Returns: GST_FLOW_OK, GST_FLOW_FLUSHING or GST_FLOW_ERROR.
 */
GstFlowReturn
gst_melspecx_worker_drain (GstMelspecxWorker *w)
{
  GstFlowReturn ret = GST_FLOW_OK;

  GstBuffer *spent[WORKER_MAX_ITEMS];
  guint n_spent;

  g_mutex_lock (&w->lock);
  g_cond_signal (&w->work_cond);
  while ((w->busy || w->count > 0) && !w->flushing && w->status == MSX_OK)
    worker_wait_space (w);
  if (w->status != MSX_OK)
    ret = GST_FLOW_ERROR;
  else if (w->flushing)
    ret = GST_FLOW_FLUSHING;
  n_spent = worker_take_spent (w, spent, WORKER_MAX_ITEMS);
  g_mutex_unlock (&w->lock);
  unref_all (spent, n_spent);
  return ret;
}

/* Drops queued buffers and waits for the current batch: afterwards the
 * spectrogram may be reset from the calling thread. */
void
gst_melspecx_worker_discard (GstMelspecxWorker *w)
{
  GstBuffer *spent[WORKER_MAX_ITEMS];
  guint n_spent;

  g_mutex_lock (&w->lock);
  worker_clear_queue (w);
  while (w->busy)
    worker_wait_space (w);
  n_spent = worker_take_spent (w, spent, WORKER_MAX_ITEMS);
  w->status = MSX_OK;
  w->unreadable = FALSE;
  /* the next input starts on one thread again (the thread is idle: its
   * queue is empty and it is not busy) */
  if (w->sg)
    worker_pace_reset (w, g_get_monotonic_time ());
  g_mutex_unlock (&w->lock);
  unref_all (spent, n_spent);
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
