/* GStreamer melspecx — one picture of the whole input
 * SPDX-License-Identifier: MIT
 *
 * Image mode into video/x-raw or image/png: the samples go to the
 * analysis thread (gstmelspecxworker.c) as they come, and EOS draws the
 * whole input once, at PTS 0 with the input's duration.  Timestamps,
 * gaps and silence do not change the picture: it is the audio received.
 */

#include <string.h>

#include "gstmelspecx.h"
#include "msx_bigmem.h"

GST_DEBUG_CATEGORY_EXTERN (gst_melspecx_debug);
#define GST_CAT_DEFAULT gst_melspecx_debug

typedef struct {
  gpointer data;
  gsize size;
} PictureMemory;

static void
picture_memory_free (gpointer user_data)
{
  PictureMemory *m = user_data;

  msx_big_free (m->data, m->size);
  g_free (m);
}

/* The buffer of @height rows of @stride bytes the picture is drawn into,
 * from msx_big_alloc(): written whole right away, it would otherwise fault
 * page by page (msx_bigmem.h).  The render writes @row_bytes of each row;
 * where @stride is more (video rows are padded to 4 bytes), the buffer is
 * cleared first, since a reused one holds the last picture. */
static GstBuffer *
picture_new_frame (gsize stride, gsize row_bytes, gint height)
{
  PictureMemory *m = g_new (PictureMemory, 1);
  gsize size = stride * height;
  gboolean padded = stride > row_bytes;
  GstBuffer *buf;

  m->size = size;
  m->data = msx_big_alloc (size);
  if (m->data == NULL) {
    g_free (m);
    buf = gst_buffer_new_allocate (NULL, size, NULL);
    if (buf != NULL && padded)
      gst_buffer_memset (buf, 0, 0, size);
    return buf;
  }
  if (padded)
    memset (m->data, 0, size);
  return gst_buffer_new_wrapped_full (
      0, m->data, size, 0, size, m, picture_memory_free);
}

static gboolean
picture_start (GstMelspecx *self)
{
  gchar msg[512] = "";
  MsxStatus st = msx_spectrogram_new (&self->cfg, &self->sg, msg, sizeof msg);
  gsize bpf;

  if (st != MSX_OK) {
    gst_melspecx_post_error (self, st, msg);
    return FALSE;
  }
  if (msg[0])
    GST_WARNING_OBJECT (self, "%s", msg);
  GST_INFO_OBJECT (self, "analysis on %s", msx_spectrogram_backend (self->sg));
  gst_melspecx_warn_config (self, msx_spectrogram_empty_bands (self->sg));
  /* Back-pressure after four seconds of audio or 2 MiB of samples,
   * whichever is more (gstmelspecxworker.c). */
  bpf = MAX (GST_AUDIO_INFO_BPF (&self->info), 1);
  if (!gst_melspecx_worker_start (self->worker, self->sg, &self->input,
          MAX (4 * (gsize)self->cfg.sample_rate, (2u << 20) / bpf))) {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
        ("Could not start the analysis thread."), (NULL));
    return FALSE;
  }
  return TRUE;
}

static GstFlowReturn
picture_chain (GstMelspecx *self, GstBuffer *buf, gsize n)
{
  GstFlowReturn ret = gst_melspecx_worker_push (self->worker, buf);

  if (ret != GST_FLOW_ERROR)
    return ret;
  if (gst_melspecx_worker_unreadable (self->worker))
    gst_melspecx_post_unreadable (self);
  else
    gst_melspecx_post_error (
        self, gst_melspecx_worker_status (self->worker), NULL);
  return ret;
}

/* One picture of the audio received: a gap is not drawn. */
static GstFlowReturn
picture_silence (GstMelspecx *self, guint64 n)
{
  return GST_FLOW_OK;
}

/* annotate: the plot drawn into the frame at the margins, then the axes
 * around it (time from 0 to the input's duration).  @frame is @fw × @fh. */
static MsxStatus
picture_render_annotated (GstMelspecx *self, MsxPixelFormat fmt,
    MsxColormap map, gboolean dbfs, guint8 *frame, gsize stride, gint fw,
    gint fh, gchar *msg, gsize msg_size)
{
  gchar names[MSX_ANNOTATE_MAX_LANES][MSX_ANNOTATE_MAX_NAME + 1];
  const char *ptrs[MSX_ANNOTATE_MAX_LANES];
  MsxAnnotator *an = NULL;
  MsxAnnotation a;
  MsxMargins m;
  MsxStatus st;
  gint pw, ph;

  gst_melspecx_annotation (
      self, &a, fmt, map, 0.0, dbfs ? "dBFS" : "dB", names, ptrs);
  st = msx_annotator_new_fit (&a, fw, fh, &an, msg, msg_size);
  if (st != MSX_OK)
    return st;
  m = msx_annotator_margins (an);
  msx_annotator_plot_size (an, &pw, &ph);
  st = msx_spectrogram_render (self->sg, fmt, pw, ph,
      frame + (gsize)m.top * stride + (gsize)m.left * msx_pixel_size (fmt),
      stride);
  if (st == MSX_OK)
    msx_annotator_draw (
        an, 0.0, msx_spectrogram_duration (self->sg), frame, stride);
  msx_annotator_free (an);
  return st;
}

static GstFlowReturn
picture_render (GstMelspecx *self, GstBuffer **out)
{
  gint w = self->cfg.width, h = self->cfg.height;
  MsxColormap map = gst_melspecx_colormap (self);
  gboolean dbfs;
  gchar msg[512] = "";
  MsxStatus st;

  /* The look may have changed since the analysis started. */
  GST_OBJECT_LOCK (self);
  dbfs = self->ref_mode == GST_MELSPECX_REF_DBFS;
  st = msx_spectrogram_set_look (
      self->sg, map, self->props.invert, self->props.top_db);
  if (st == MSX_OK)
    st = msx_spectrogram_set_ref (self->sg, dbfs ? MSX_REF_DBFS : MSX_REF_MAX);
  GST_OBJECT_UNLOCK (self);
  g_assert (st == MSX_OK); /* the param specs keep them valid */

  if (self->ann_on) {
    gint fw = w + self->ann_margins.left + self->ann_margins.right;
    gint fh = h + self->ann_margins.top + self->ann_margins.bottom;
    MsxPixelFormat fmt = self->png ? MSX_PIXEL_RGB : self->pixfmt;
    gsize stride = self->png
                       ? (gsize)fw * 3
                       : (gsize)GST_VIDEO_INFO_PLANE_STRIDE (&self->vinfo, 0);
    GstMapInfo mi;

    *out = picture_new_frame (stride, (gsize)fw * msx_pixel_size (fmt), fh);
    gst_buffer_map (*out, &mi, GST_MAP_WRITE);
    st = picture_render_annotated (
        self, fmt, map, dbfs, mi.data, stride, fw, fh, msg, sizeof msg);
    if (st == MSX_OK && self->png) {
      uint8_t *png = NULL;
      size_t size = 0;
      st = msx_spectrogram_encode_png (self->sg, mi.data, fw, fh, stride, w, h,
          self->ann_title ? self->ann_title : "", &png, &size);
      gst_buffer_unmap (*out, &mi);
      gst_buffer_unref (*out);
      *out = NULL;
      if (st == MSX_OK)
        *out = gst_buffer_new_wrapped_full (0, png, size, 0, size, png, free);
    } else {
      gst_buffer_unmap (*out, &mi);
      if (st != MSX_OK)
        gst_clear_buffer (out);
    }
  } else if (self->png) {
    uint8_t *png = NULL;
    size_t size = 0;
    st = msx_spectrogram_render_png (self->sg, w, h, &png, &size);
    if (st == MSX_OK)
      *out = gst_buffer_new_wrapped_full (0, png, size, 0, size, png, free);
  } else {
    GstMapInfo mi;
    gsize stride = GST_VIDEO_INFO_PLANE_STRIDE (&self->vinfo, 0);

    *out =
        picture_new_frame (stride, (gsize)w * msx_pixel_size (self->pixfmt), h);
    gst_buffer_map (*out, &mi, GST_MAP_WRITE);
    st = msx_spectrogram_render (self->sg, self->pixfmt, w, h, mi.data, stride);
    gst_buffer_unmap (*out, &mi);
    if (st != MSX_OK)
      gst_clear_buffer (out);
  }
  if (st != MSX_OK) {
    gst_melspecx_post_error (self, st, msg[0] ? msg : NULL);
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

/* EOS: analyse what is queued, draw, push one picture. */
static GstFlowReturn
picture_finish (GstMelspecx *self)
{
  GstFlowReturn ret = gst_melspecx_worker_drain (self->worker);
  GstBuffer *buf = NULL;
  MsxStatus st;

  if (ret == GST_FLOW_ERROR)
    gst_melspecx_post_error (
        self, gst_melspecx_worker_status (self->worker), NULL);
  if (ret != GST_FLOW_OK)
    return ret;
  /* Decoding is over: the last batch (up to chunk-size frames) may use
   * every core.  The worker is idle until the next input. */
  msx_spectrogram_set_threads (self->sg, 0);
  st = msx_spectrogram_finish (self->sg);
  if (st != MSX_OK) {
    gst_melspecx_post_error (self, st, NULL);
    return GST_FLOW_ERROR;
  }
  GST_DEBUG_OBJECT (self, "%" G_GUINT64_FORMAT " frames, %.3f s",
      msx_spectrogram_frames (self->sg), msx_spectrogram_duration (self->sg));
  ret = picture_render (self, &buf);
  if (ret != GST_FLOW_OK)
    return ret;
  GST_BUFFER_PTS (buf) = 0;
  GST_BUFFER_DURATION (buf) =
      (GstClockTime)(msx_spectrogram_duration (self->sg) * GST_SECOND + 0.5);
  return gst_melspecx_push (self, buf);
}

static void
picture_flush (GstMelspecx *self)
{
  gst_melspecx_worker_discard (self->worker);
  msx_spectrogram_reset (self->sg);
}

static void
picture_stop (GstMelspecx *self)
{
  gst_melspecx_worker_stop (self->worker);
  g_clear_pointer (&self->sg, msx_spectrogram_free);
}

const GstMelspecxOps gst_melspecx_picture_ops = {
  .name = "picture",
  .start = picture_start,
  .chain = picture_chain,
  .silence = picture_silence,
  .finish = picture_finish,
  .flush = picture_flush,
  .stop = picture_stop,
  .follows_input = FALSE,
};
