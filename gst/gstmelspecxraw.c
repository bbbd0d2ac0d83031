/* GStreamer melspecx — frames of float dB for machines
 * SPDX-License-Identifier: MIT
 *
 * application/x-mel-spectrogram in any mode: every frame as soon as it is
 * computed, k·log10(max(amin, S)) − ref-db (ref-mode=dbfs: − each band's
 * full-scale sine), in the unit of log-scale (dB, or that value turned into
 * ln or whisper's unit by msx_log_scale_apply), time-major (frame, lane,
 * band).  Frame f is centred on
 * input sample f × hop-length (librosa's frame times), so its PTS is that
 * sample's time on the input's timeline (gst_melspecx_sample_time()).
 */

#include "gstmelspecx.h"

GST_DEBUG_CATEGORY_EXTERN (gst_melspecx_debug);
#define GST_CAT_DEFAULT gst_melspecx_debug

/* msx_stft's callback: frames in dB re 1.0, shifted by ref-db. */
static void
raw_on_frames (void *user, int lane, const float *mel, size_t n_frames)
{
  GstMelspecx *self = user;
  gsize nm = self->cfg.n_mels, stride = (gsize)self->lanes * nm;
  gboolean dbfs;
  gdouble ref_db;

  if (lane == 0)
    g_array_set_size (
        self->pending, (self->pending_frames + n_frames) * stride);
  GST_OBJECT_LOCK (self);
  ref_db = self->ref_mode == GST_MELSPECX_REF_FIXED ? self->ref_db : 0.0;
  dbfs = self->ref_mode == GST_MELSPECX_REF_DBFS;
  GST_OBJECT_UNLOCK (self);
  for (gsize f = 0; f < n_frames; f++) {
    gfloat *dst = (gfloat *)self->pending->data +
                  (self->pending_frames + f) * stride + lane * nm;
    for (gsize m = 0; m < nm; m++)
      dst[m] = (gfloat)(mel[f * nm + m] - (dbfs ? self->dbfs[m] : ref_db));
    msx_log_scale_apply (self->cfg.log_scale, self->cfg.power, dst, nm);
  }
  if (lane == self->lanes - 1)
    self->pending_frames += n_frames;
}

static gboolean
raw_start (GstMelspecx *self)
{
  gchar msg[512] = "";
  MsxStatus st = gst_melspecx_stft_new (self, raw_on_frames, msg, sizeof msg);

  if (st != MSX_OK) {
    gst_melspecx_post_error (self, st, msg);
    return FALSE;
  }
  g_array_set_size (self->pending, 0);
  self->pending_frames = 0;
  self->frames_out = 0;
  return TRUE;
}

static GstClockTime
raw_frame_time (GstMelspecx *self, guint64 frame)
{
  return gst_melspecx_sample_time (self, frame * self->cfg.hop_length);
}

static GstFlowReturn
raw_push (GstMelspecx *self)
{
  guint n = self->pending_frames;
  gsize bytes = (gsize)n * self->lanes * self->cfg.n_mels * sizeof (gfloat);
  GstBuffer *buf;

  if (n == 0)
    return GST_FLOW_OK;
  buf = gst_buffer_new_memdup (self->pending->data, bytes);
  GST_BUFFER_PTS (buf) = raw_frame_time (self, self->frames_out);
  GST_BUFFER_DURATION (buf) =
      raw_frame_time (self, self->frames_out + n) - GST_BUFFER_PTS (buf);
  GST_BUFFER_OFFSET (buf) = self->frames_out;
  GST_BUFFER_OFFSET_END (buf) = self->frames_out + n;
  self->frames_out += n;
  g_array_set_size (self->pending, 0);
  self->pending_frames = 0;
  return gst_melspecx_push (self, buf);
}

static GstFlowReturn
raw_chain (GstMelspecx *self, GstBuffer *buf, gsize n)
{
  GstFlowReturn ret = gst_melspecx_stft_chain (self, buf);

  return ret == GST_FLOW_OK ? raw_push (self) : ret;
}

static GstFlowReturn
raw_silence (GstMelspecx *self, guint64 n)
{
  MsxStatus st = gst_melspecx_stft_silence (self, n);

  if (st != MSX_OK) {
    gst_melspecx_post_error (self, st, NULL);
    return GST_FLOW_ERROR;
  }
  return raw_push (self);
}

static GstFlowReturn
raw_finish (GstMelspecx *self)
{
  MsxStatus st = msx_stft_finish (self->stft);

  if (st != MSX_OK) {
    gst_melspecx_post_error (self, st, NULL);
    return GST_FLOW_ERROR;
  }
  return raw_push (self);
}

static void
raw_flush (GstMelspecx *self)
{
  msx_stft_reset (self->stft);
  g_array_set_size (self->pending, 0);
  self->pending_frames = 0;
  self->frames_out = 0;
}

static void
raw_stop (GstMelspecx *self)
{
  g_clear_pointer (&self->stft, msx_stft_free);
  g_clear_pointer (&self->dbfs, g_free);
  g_array_set_size (self->pending, 0);
  self->pending_frames = 0;
}

const GstMelspecxOps gst_melspecx_raw_ops = {
  .name = "raw frames",
  .start = raw_start,
  .chain = raw_chain,
  .silence = raw_silence,
  .finish = raw_finish,
  .flush = raw_flush,
  .stop = raw_stop,
  .follows_input = TRUE,
};
