/* GStreamer melspecx — the image-mode analysis thread
 * SPDX-License-Identifier: MIT
 *
 * The streaming thread converts each buffer to F32 and hands it over here;
 * one worker thread feeds msx_spectrogram_push(), so that decoding upstream
 * and the analysis overlap on two cores.  The queue is bounded (a few
 * buffers or about one second of audio) so that memory stays small and a
 * slow analysis throttles upstream instead of piling up samples.
 */

#include "gstmelspecx.h"

GST_DEBUG_CATEGORY_EXTERN (gst_melspecx_debug);
#define GST_CAT_DEFAULT gst_melspecx_debug

/* At most this many buffers wait, whatever their size. */
#define WORKER_MAX_ITEMS 64

typedef struct {
  gfloat *samples; /* interleaved, owned */
  gsize n_samples; /* per channel */
} WorkItem;

struct _GstMelspecxWorker {
  GMutex lock;
  GCond work_cond;  /* the worker waits for buffers */
  GCond space_cond; /* push and drain wait for the worker */
  GThread *thread;
  MsxSpectrogram *sg;
  GQueue queue;
  gsize queued_samples;
  gsize max_samples;
  gboolean busy;    /* the thread is inside msx_spectrogram_push */
  gboolean idle;    /* the thread waits on work_cond */
  gboolean blocked; /* a push waits on space_cond */
  gboolean quit;
  gboolean flushing;
  MsxStatus status; /* first error, MSX_OK if none */
};

static void
work_item_free (gpointer data)
{
  WorkItem *item = data;

  g_free (item->samples);
  g_free (item);
}

/* Called with the lock held. */
static gboolean
worker_full (GstMelspecxWorker *w)
{
  /* A single large buffer always gets in; otherwise wait for room. */
  if (g_queue_is_empty (&w->queue))
    return FALSE;
  return g_queue_get_length (&w->queue) >= WORKER_MAX_ITEMS ||
         w->queued_samples >= w->max_samples;
}

/* An idle worker is woken only once a batch has gathered, for the same
 * reason (drain wakes it for the rest).  Lock held. */
static gboolean
worker_batch_ready (GstMelspecxWorker *w)
{
  return g_queue_get_length (&w->queue) >= WORKER_MAX_ITEMS / 4 ||
         w->queued_samples >= w->max_samples / 4;
}

/* A blocked push resumes only once the queue is half empty, so that the
 * two threads do not wake each other for every buffer.  Lock held. */
static gboolean
worker_has_room (GstMelspecxWorker *w)
{
  return g_queue_get_length (&w->queue) <= WORKER_MAX_ITEMS / 2 &&
         w->queued_samples <= w->max_samples / 2;
}

static gpointer
worker_loop (gpointer data)
{
  GstMelspecxWorker *w = data;

  g_mutex_lock (&w->lock);
  while (!w->quit) {
    WorkItem *item;
    MsxStatus st;

    if (g_queue_is_empty (&w->queue) || w->status != MSX_OK) {
      w->idle = TRUE;
      g_cond_broadcast (&w->space_cond); /* drained */
      g_cond_wait (&w->work_cond, &w->lock);
      w->idle = FALSE;
      continue;
    }
    item = g_queue_pop_head (&w->queue);
    w->queued_samples -= item->n_samples;
    w->busy = TRUE;
    if (w->blocked && worker_has_room (w))
      g_cond_broadcast (&w->space_cond);
    g_mutex_unlock (&w->lock);

    st = msx_spectrogram_push (w->sg, item->samples, item->n_samples);

    g_mutex_lock (&w->lock);
    w->busy = FALSE;
    if (st != MSX_OK && w->status == MSX_OK) {
      w->status = st;
      g_cond_broadcast (&w->space_cond);
    }
    work_item_free (item);
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
  g_queue_init (&w->queue);
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
 * @sg: the analysis the thread feeds; it must stay alive until
 *   gst_melspecx_worker_stop()
 * @max_samples: samples per channel allowed to wait (back-pressure)
 *
 * Returns: FALSE if the thread could not be created.
 */
gboolean
gst_melspecx_worker_start (
    GstMelspecxWorker *w, MsxSpectrogram *sg, gsize max_samples)
{
  GError *err = NULL;

  g_return_val_if_fail (w->thread == NULL, FALSE);
  w->sg = sg;
  w->max_samples = MAX (max_samples, 1);
  w->quit = FALSE;
  w->status = MSX_OK;
  w->thread = g_thread_try_new ("melspecx-worker", worker_loop, w, &err);
  if (w->thread == NULL) {
    GST_ERROR ("could not start the analysis thread: %s", err->message);
    g_clear_error (&err);
    return FALSE;
  }
  return TRUE;
}

/* Ends the thread after its current push; drops whatever still waits. */
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
  g_queue_clear_full (&w->queue, work_item_free);
  w->queued_samples = 0;
  w->sg = NULL;
}

/**
 * gst_melspecx_worker_push:
 * @samples: (transfer full): interleaved F32, freed with g_free()
 * @n_samples: samples per channel
 *
 * Blocks while the queue is full.
 *
 * Returns: GST_FLOW_OK, GST_FLOW_FLUSHING, or GST_FLOW_ERROR when an
 * earlier push failed (see gst_melspecx_worker_status()).
 */
GstFlowReturn
gst_melspecx_worker_push (
    GstMelspecxWorker *w, gfloat *samples, gsize n_samples)
{
  WorkItem *item;

  g_mutex_lock (&w->lock);
  if (worker_full (w)) {
    w->blocked = TRUE;
    while (!worker_has_room (w) && !w->flushing && w->status == MSX_OK)
      g_cond_wait (&w->space_cond, &w->lock);
    w->blocked = FALSE;
  }
  if (w->flushing || w->status != MSX_OK || w->thread == NULL) {
    GstFlowReturn ret =
        w->status != MSX_OK ? GST_FLOW_ERROR : GST_FLOW_FLUSHING;
    g_mutex_unlock (&w->lock);
    g_free (samples);
    return ret;
  }
  item = g_new (WorkItem, 1);
  item->samples = samples;
  item->n_samples = n_samples;
  g_queue_push_tail (&w->queue, item);
  w->queued_samples += n_samples;
  if (w->idle && worker_batch_ready (w))
    g_cond_signal (&w->work_cond);
  g_mutex_unlock (&w->lock);
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

  g_mutex_lock (&w->lock);
  g_cond_signal (&w->work_cond);
  while ((w->busy || !g_queue_is_empty (&w->queue)) && !w->flushing &&
         w->status == MSX_OK)
    g_cond_wait (&w->space_cond, &w->lock);
  if (w->status != MSX_OK)
    ret = GST_FLOW_ERROR;
  else if (w->flushing)
    ret = GST_FLOW_FLUSHING;
  g_mutex_unlock (&w->lock);
  return ret;
}

/* Drops queued buffers and waits for the current push: afterwards the
 * spectrogram may be reset from the calling thread. */
void
gst_melspecx_worker_discard (GstMelspecxWorker *w)
{
  g_mutex_lock (&w->lock);
  g_queue_clear_full (&w->queue, work_item_free);
  g_queue_init (&w->queue);
  w->queued_samples = 0;
  while (w->busy)
    g_cond_wait (&w->space_cond, &w->lock);
  w->status = MSX_OK;
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
