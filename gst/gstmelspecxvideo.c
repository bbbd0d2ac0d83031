/* GStreamer melspecx — the scrolling picture of stream mode
 * SPDX-License-Identifier: MIT
 *
 * Frames from msx_stft go into an MsxScroll (the columns, the peak
 * tracker and a picture that renders only new columns); a video frame is
 * pushed at every frame period the input's time has reached, so video
 * timestamps follow the audio's (gst_melspecx_input_time()), gaps
 * included.
 *
 * The analysis runs on the streaming thread, not on a worker as in image
 * mode: a live buffer (10 ms at 48 kHz) costs it about 7 µs, and a
 * handover to another thread would cost as much again in wake-ups while
 * delaying every frame by a scheduling round.
 *
 * QoS, as GstAudioVisualizer does it: a QOS event from downstream says
 * when the next frame could still be shown; a frame whose running time is
 * before that is not drawn (its columns are kept, so the picture stays
 * continuous) and a QOS message says so.  Buffers come from a
 * GstVideoBufferPool negotiated with the ALLOCATION query, and a
 * RECONFIGURE from downstream renegotiates size and framerate at the next
 * frame.
 */

#include "gstmelspecx.h"

GST_DEBUG_CATEGORY_EXTERN (gst_melspecx_debug);
#define GST_CAT_DEFAULT gst_melspecx_debug

/* When the input's time leaps further ahead of the next video frame than
 * this (a gap longer than what is analysed as silence), the frames in
 * between are skipped, not pushed. */
#define MAX_CATCH_UP (10 * GST_SECOND)

/* Columns in dB re 1.0 into the scroll. */
static void
video_on_columns (void *user, int lane, const float *mel, size_t n)
{
  GstMelspecx *self = user;
  MsxStatus st = msx_scroll_push_frames (self->scroll, lane, mel, n);

  if (st != MSX_OK && self->scroll_status == MSX_OK)
    self->scroll_status = st;
}

/* ref-mode=dbfs: @mel re each band's full-scale sine.  Switching to or
 * from it clears the picture, whose columns are on the other scale. */
static const float *
video_dbfs (GstMelspecx *self, int lane, const float *mel, size_t n_frames)
{
  gsize nm = self->cfg.n_mels;
  gboolean dbfs =
      lane == 0 ? gst_melspecx_ref_is_dbfs (self) : self->scroll_dbfs;

  if (dbfs != self->scroll_dbfs) {
    msx_scroll_reset (self->scroll);
    if (self->pace)
      msx_pace_reset (self->pace);
    self->scroll_dbfs = dbfs;
  }
  if (!dbfs)
    return mel;
  if (self->shifted_size < n_frames * nm) {
    g_free (self->shifted);
    self->shifted = g_new (gfloat, n_frames * nm);
    self->shifted_size = n_frames * nm;
  }
  for (gsize f = 0; f < n_frames; f++)
    for (gsize m = 0; m < nm; m++)
      self->shifted[f * nm + m] = (gfloat)(mel[f * nm + m] - self->dbfs[m]);
  return self->shifted;
}

/* msx_stft's callback: frames are columns, or go through the pace. */
static void
video_on_frames (void *user, int lane, const float *mel, size_t n_frames)
{
  GstMelspecx *self = user;
  MsxStatus st;

  mel = video_dbfs (self, lane, mel, n_frames);
  if (self->pace == NULL) {
    video_on_columns (user, lane, mel, n_frames);
    return;
  }
  st = msx_pace_push (self->pace, lane, mel, n_frames);
  if (st != MSX_OK && self->scroll_status == MSX_OK)
    self->scroll_status = st;
}

/* scroll-duration: frames per column at this width (NULL pace for one). */
static MsxStatus
video_setup_pace (GstMelspecx *self)
{
  gdouble seconds, r;

  g_clear_pointer (&self->pace, msx_pace_free);
  GST_OBJECT_LOCK (self);
  seconds = self->scroll_duration;
  GST_OBJECT_UNLOCK (self);
  if (seconds <= 0.0)
    return MSX_OK;
  r = seconds * self->cfg.sample_rate /
      ((gdouble)self->cfg.hop_length * self->cfg.width);
  GST_DEBUG_OBJECT (self, "%g s across %d columns: %g frames per column",
      seconds, self->cfg.width, r);
  if (r == 1.0)
    return MSX_OK;
  return msx_pace_new (self->lanes, self->cfg.n_mels, r,
      msx_db_multiplier (self->cfg.power), video_on_columns, self, &self->pace);
}

/* A pool for @caps from downstream's answer to the ALLOCATION query, or a
 * GstVideoBufferPool of our own. */
static gboolean
video_setup_pool (GstMelspecx *self, GstCaps *caps)
{
  GstQuery *query = gst_query_new_allocation (caps, TRUE);
  GstBufferPool *pool = NULL;
  GstStructure *config;
  guint size = GST_VIDEO_INFO_SIZE (&self->vinfo), min = 0, max = 0;

  if (!gst_pad_peer_query (self->srcpad, query))
    GST_DEBUG_OBJECT (self, "downstream did not answer the ALLOCATION query");
  if (gst_query_get_n_allocation_pools (query) > 0) {
    gst_query_parse_nth_allocation_pool (query, 0, &pool, &size, &min, &max);
    size = MAX (size, GST_VIDEO_INFO_SIZE (&self->vinfo));
  }
  if (pool == NULL)
    pool = gst_video_buffer_pool_new ();
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_set_params (config, caps, size, min, max);
  if (gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL))
    gst_buffer_pool_config_add_option (
        config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  gst_query_unref (query);
  if (!gst_buffer_pool_set_config (pool, config) ||
      !gst_buffer_pool_set_active (pool, TRUE)) {
    gst_object_unref (pool);
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Could not set up a buffer pool for %dx%d video.",
            GST_VIDEO_INFO_WIDTH (&self->vinfo),
            GST_VIDEO_INFO_HEIGHT (&self->vinfo)),
        (NULL));
    return FALSE;
  }
  if (self->pool) {
    gst_buffer_pool_set_active (self->pool, FALSE);
    gst_object_unref (self->pool);
  }
  self->pool = pool;
  return TRUE;
}

static void
video_reset_qos (GstMelspecx *self)
{
  GST_OBJECT_LOCK (self);
  self->qos_proportion = 1.0;
  self->earliest_time = GST_CLOCK_TIME_NONE;
  GST_OBJECT_UNLOCK (self);
}

static gboolean
video_start (GstMelspecx *self)
{
  gchar msg[512] = "";
  MsxConfig cfg = self->cfg;
  MsxStatus st = msx_config_check_picture (&self->cfg, 1, msg, sizeof msg);

  if (st == MSX_OK)
    st = gst_melspecx_stft_new (self, video_on_frames, msg, sizeof msg);
  if (st == MSX_OK) {
    cfg.output_db = 1;
    cfg.db_ref = 1.0;
    st = msx_scroll_new (&cfg, &self->scroll);
  }
  if (st == MSX_OK)
    st = video_setup_pace (self);
  if (st != MSX_OK) {
    gst_melspecx_post_error (self, st, msg);
    return FALSE;
  }
  self->scroll_status = MSX_OK;
  self->scroll_dbfs = FALSE;
  self->video_base = GST_CLOCK_TIME_NONE;
  self->video_frames = 0;
  self->qos_processed = self->qos_dropped = 0;
  video_reset_qos (self);
  return self->src_caps && video_setup_pool (self, self->src_caps);
}

static GstClockTime
video_frame_time (GstMelspecx *self, guint64 k)
{
  return self->video_base +
         gst_util_uint64_scale (k,
             GST_VIDEO_INFO_FPS_D (&self->vinfo) * (guint64)GST_SECOND,
             GST_VIDEO_INFO_FPS_N (&self->vinfo));
}

/* The frame period that holds @t (on the video timeline). */
static guint64
video_frame_at (GstMelspecx *self, GstClockTime t)
{
  if (t <= self->video_base)
    return 0;
  return gst_util_uint64_scale (t - self->video_base,
      GST_VIDEO_INFO_FPS_N (&self->vinfo),
      GST_VIDEO_INFO_FPS_D (&self->vinfo) * (guint64)GST_SECOND);
}

/* Downstream asked for another size or framerate: the scroll keeps its
 * newest columns at the new size; a new framerate starts its timeline at
 * the next frame's time. */
static gboolean
video_reconfigure (GstMelspecx *self, GstClockTime next_pts)
{
  gint old_n = GST_VIDEO_INFO_FPS_N (&self->vinfo);
  gint old_d = GST_VIDEO_INFO_FPS_D (&self->vinfo);
  gchar msg[512] = "";
  MsxStatus st;

  if (!gst_melspecx_renegotiate (self))
    return FALSE;
  st = msx_config_check_picture (&self->cfg, 1, msg, sizeof msg);
  if (st != MSX_OK) {
    gst_melspecx_post_error (self, st, msg);
    return FALSE;
  }
  st = msx_scroll_set_size (self->scroll, self->cfg.width, self->cfg.height);
  if (st == MSX_OK)
    st = video_setup_pace (self); /* the same seconds over another width */
  if (st != MSX_OK) {
    gst_melspecx_post_error (self, st, NULL);
    return FALSE;
  }
  if (old_n != GST_VIDEO_INFO_FPS_N (&self->vinfo) ||
      old_d != GST_VIDEO_INFO_FPS_D (&self->vinfo)) {
    self->video_base = next_pts;
    self->video_frames = 0;
  }
  return video_setup_pool (self, self->src_caps);
}

/* Late for downstream (QoS)?  Then the frame is not drawn. */
static gboolean
video_is_late (GstMelspecx *self, GstClockTime pts, GstClockTime *qostime,
    GstClockTime *earliest, gdouble *proportion)
{
  *qostime = gst_segment_to_running_time (&self->segment, GST_FORMAT_TIME, pts);
  GST_OBJECT_LOCK (self);
  *earliest = self->earliest_time;
  *proportion = self->qos_proportion;
  GST_OBJECT_UNLOCK (self);
  return GST_CLOCK_TIME_IS_VALID (*qostime) &&
         GST_CLOCK_TIME_IS_VALID (*earliest) && *qostime <= *earliest;
}

static void
video_post_qos (GstMelspecx *self, GstClockTime pts, GstClockTime duration,
    GstClockTime qostime, GstClockTime earliest, gdouble proportion)
{
  GstClockTime stream_time =
      gst_segment_to_stream_time (&self->segment, GST_FORMAT_TIME, pts);
  GstMessage *msg = gst_message_new_qos (
      GST_OBJECT (self), self->live, qostime, stream_time, pts, duration);

  gst_message_set_qos_values (
      msg, (gint64)(earliest - qostime), proportion, 1000000);
  gst_message_set_qos_stats (
      msg, GST_FORMAT_BUFFERS, self->qos_processed, self->qos_dropped);
  gst_element_post_message (GST_ELEMENT (self), msg);
}

/* annotate: the annotator for this frame's look, kept while it stays the
 * same (the frequency axis, colour bar and title are drawn once), and the
 * plot's place in the frame.  FALSE once an error is posted. */
static gboolean
video_annotator (GstMelspecx *self, MsxColormap map, gdouble db_top,
    const gchar *unit, MsxMargins *m)
{
  gchar names[MSX_ANNOTATE_MAX_LANES][MSX_ANNOTATE_MAX_NAME + 1];
  const char *ptrs[MSX_ANNOTATE_MAX_LANES];
  gchar msg[512] = "";
  MsxAnnotation a;
  MsxStatus st;

  gst_melspecx_annotation (
      self, &a, self->pixfmt, map, db_top, unit, names, ptrs);
  if (self->annotator == NULL || !msx_annotator_matches (self->annotator, &a)) {
    gint fw = GST_VIDEO_INFO_WIDTH (&self->vinfo);
    gint fh = GST_VIDEO_INFO_HEIGHT (&self->vinfo);
    g_clear_pointer (&self->annotator, msx_annotator_free);
    st = msx_annotator_new_fit (&a, fw, fh, &self->annotator, msg, sizeof msg);
    if (st == MSX_OK) {
      gint pw, ph;
      msx_annotator_plot_size (self->annotator, &pw, &ph);
      /* the fit of the negotiation, from the same frame and labels */
      if (pw != self->cfg.width || ph != self->cfg.height) {
        g_snprintf (msg, sizeof msg,
            "annotate: the %dx%d plot does not fit the %dx%d frame", pw, ph, fw,
            fh);
        st = MSX_ERROR_INVALID_ARGUMENT;
      }
    }
    if (st != MSX_OK) {
      g_clear_pointer (&self->annotator, msx_annotator_free);
      gst_melspecx_post_error (self, st, msg);
      return FALSE;
    }
  }
  *m = msx_annotator_margins (self->annotator);
  return TRUE;
}

/* The seconds at the plot's left and right edges for the frame at @pts:
 * the newest column is the frame centred n-fft/2 before where the input
 * reached (with center), and the width spans scroll-duration, or one hop
 * per column. */
static void
video_time_range (GstMelspecx *self, GstClockTime pts, gdouble *t0, gdouble *t1)
{
  GstClockTime st =
      gst_segment_to_stream_time (&self->segment, GST_FORMAT_TIME, pts);
  gdouble span;

  GST_OBJECT_LOCK (self);
  span = self->scroll_duration;
  GST_OBJECT_UNLOCK (self);
  if (span <= 0.0)
    span =
        (gdouble)self->cfg.width * self->cfg.hop_length / self->cfg.sample_rate;
  *t1 = GST_CLOCK_TIME_IS_VALID (st) ? (gdouble)st / GST_SECOND : 0.0;
  if (self->cfg.center)
    *t1 -= (gdouble)(self->cfg.n_fft / 2) / self->cfg.sample_rate;
  *t0 = *t1 - span;
}

/* The look and the reference at @pts (a GstController may move them). */
static void
video_sync_look (GstMelspecx *self, GstClockTime pts)
{
  GstClockTime stream_time =
      gst_segment_to_stream_time (&self->segment, GST_FORMAT_TIME, pts);
  MsxColormap map;
  gboolean invert, fixed;
  gdouble top_db, ref_db;

  if (GST_CLOCK_TIME_IS_VALID (stream_time))
    gst_object_sync_values (GST_OBJECT (self), stream_time);
  map = gst_melspecx_colormap (self);
  GST_OBJECT_LOCK (self);
  invert = self->props.invert;
  top_db = self->props.top_db;
  fixed = self->ref_mode != GST_MELSPECX_REF_AUTO;
  /* dbfs: the columns are re dBFS already, and 0 dBFS is the top */
  ref_db = self->ref_mode == GST_MELSPECX_REF_DBFS ? 0.0 : self->ref_db;
  GST_OBJECT_UNLOCK (self);
  /* the param specs keep them valid */
  msx_scroll_set_look (self->scroll, map, invert, top_db);
  msx_scroll_set_reference (
      self->scroll, fixed ? MSX_SCROLL_REF_FIXED : MSX_SCROLL_REF_AUTO, ref_db);
  /* what the colour bar says: dB below the tracked peak, dBFS, or the
   * fixed reference's dB re 1.0 */
  self->look_map = map;
  self->look_db_top = self->ref_mode == GST_MELSPECX_REF_FIXED ? ref_db : 0.0;
  self->look_unit = self->ref_mode == GST_MELSPECX_REF_DBFS ? "dBFS" : "dB";
}

static GstFlowReturn
video_push_frame (GstMelspecx *self, GstClockTime pts, GstClockTime duration)
{
  GstBuffer *buf = NULL;
  GstVideoFrame frame;
  GstFlowReturn ret;
  MsxStatus st;
  MsxMargins m = { 0, 0, 0, 0 };
  guint8 *data;
  gsize stride;

  video_sync_look (self, pts);
  if (self->ann_on && !video_annotator (self, self->look_map, self->look_db_top,
                          self->look_unit, &m))
    return GST_FLOW_ERROR;
  ret = gst_buffer_pool_acquire_buffer (self->pool, &buf, NULL);
  if (ret != GST_FLOW_OK)
    return ret;
  if (!gst_video_frame_map (&frame, &self->vinfo, buf, GST_MAP_WRITE)) {
    gst_buffer_unref (buf);
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("Could not map a video buffer for writing."), (NULL));
    return GST_FLOW_ERROR;
  }
  data = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
  /* annotate: the plot in place, then what surrounds it */
  st = msx_scroll_render (self->scroll, self->pixfmt,
      data + (gsize)m.top * stride +
          (gsize)m.left * msx_pixel_size (self->pixfmt),
      stride);
  if (st == MSX_OK && self->ann_on) {
    gdouble t0, t1;
    video_time_range (self, pts, &t0, &t1);
    msx_annotator_draw (self->annotator, t0, t1, data, stride);
  }
  gst_video_frame_unmap (&frame);
  if (st != MSX_OK) {
    gst_buffer_unref (buf);
    gst_melspecx_post_error (self, st, NULL);
    return GST_FLOW_ERROR;
  }
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = duration;
  GST_BUFFER_OFFSET (buf) = self->video_frames;
  return gst_melspecx_push (self, buf);
}

/* Every video frame whose time the input has reached; at EOS one more
 * for the columns of the final padding. */
static GstFlowReturn
video_push_frames (GstMelspecx *self, gboolean eos)
{
  GstClockTime now = gst_melspecx_input_time (self);
  GstFlowReturn ret = GST_FLOW_OK;

  if (self->scroll_status != MSX_OK) {
    gst_melspecx_post_error (self, self->scroll_status, NULL);
    return GST_FLOW_ERROR;
  }
  if (!GST_CLOCK_TIME_IS_VALID (now))
    return GST_FLOW_OK;
  if (!GST_CLOCK_TIME_IS_VALID (self->video_base))
    self->video_base = gst_melspecx_sample_time (self, 0);
  /* a long gap, or time going back: the timeline starts again at now */
  if (now > video_frame_time (self, self->video_frames) + MAX_CATCH_UP)
    self->video_frames = video_frame_at (self, now);
  else if (now + MAX_CATCH_UP < video_frame_time (self, self->video_frames)) {
    self->video_base = now;
    self->video_frames = 0;
  }

  while (ret == GST_FLOW_OK) {
    GstClockTime pts = video_frame_time (self, self->video_frames);
    GstClockTime next = video_frame_time (self, self->video_frames + 1);
    GstClockTime qostime, earliest;
    gdouble proportion;

    if (pts > now) {
      if (!eos || msx_scroll_pending (self->scroll) == 0)
        break;
      eos = FALSE;
    }
    if (gst_pad_check_reconfigure (self->srcpad)) {
      if (!video_reconfigure (self, pts)) {
        gst_pad_mark_reconfigure (self->srcpad);
        return GST_FLOW_NOT_NEGOTIATED;
      }
      pts = video_frame_time (self, self->video_frames);
      next = video_frame_time (self, self->video_frames + 1);
    }
    if (video_is_late (self, pts, &qostime, &earliest, &proportion)) {
      self->qos_dropped++;
      GST_DEBUG_OBJECT (self, "frame at %" GST_TIME_FORMAT " is late: dropped",
          GST_TIME_ARGS (pts));
      video_post_qos (self, pts, next - pts, qostime, earliest, proportion);
    } else {
      self->qos_processed++;
      ret = video_push_frame (self, pts, next - pts);
    }
    self->video_frames++;
  }
  return ret;
}

static GstFlowReturn
video_chain (GstMelspecx *self, GstBuffer *buf, gsize n)
{
  GstFlowReturn ret = gst_melspecx_stft_chain (self, buf);

  return ret == GST_FLOW_OK ? video_push_frames (self, FALSE) : ret;
}

static GstFlowReturn
video_silence (GstMelspecx *self, guint64 n)
{
  MsxStatus st = gst_melspecx_stft_silence (self, n);

  if (st != MSX_OK) {
    gst_melspecx_post_error (self, st, NULL);
    return GST_FLOW_ERROR;
  }
  return video_push_frames (self, FALSE);
}

static GstFlowReturn
video_finish (GstMelspecx *self)
{
  MsxStatus st = msx_stft_finish (self->stft);

  if (st != MSX_OK) {
    gst_melspecx_post_error (self, st, NULL);
    return GST_FLOW_ERROR;
  }
  return video_push_frames (self, TRUE);
}

/* A flushing seek: an empty picture, a new timeline. */
static void
video_flush (GstMelspecx *self)
{
  msx_stft_reset (self->stft);
  msx_scroll_reset (self->scroll);
  if (self->pace)
    msx_pace_reset (self->pace);
  self->scroll_status = MSX_OK;
  self->video_base = GST_CLOCK_TIME_NONE;
  self->video_frames = 0;
  video_reset_qos (self);
}

static void
video_stop (GstMelspecx *self)
{
  g_clear_pointer (&self->stft, msx_stft_free);
  g_clear_pointer (&self->scroll, msx_scroll_free);
  g_clear_pointer (&self->pace, msx_pace_free);
  g_clear_pointer (&self->annotator, msx_annotator_free);
  g_clear_pointer (&self->dbfs, g_free);
  g_clear_pointer (&self->shifted, g_free);
  self->shifted_size = 0;
  if (self->pool) {
    gst_buffer_pool_set_active (self->pool, FALSE);
    gst_clear_object (&self->pool);
  }
}

/* Downstream's QOS event (src pad): when the next frame could be shown. */
void
gst_melspecx_video_qos (GstMelspecx *self, GstEvent *event)
{
  GstQOSType type;
  gdouble proportion;
  GstClockTimeDiff diff;
  GstClockTime timestamp, period = 0;

  gst_event_parse_qos (event, &type, &proportion, &diff, &timestamp);
  if (GST_VIDEO_INFO_FPS_N (&self->vinfo) > 0)
    period =
        gst_util_uint64_scale (GST_SECOND, GST_VIDEO_INFO_FPS_D (&self->vinfo),
            GST_VIDEO_INFO_FPS_N (&self->vinfo));
  GST_OBJECT_LOCK (self);
  self->qos_proportion = proportion;
  /* late: the next frame that can make it (see GStreamer's qos design) */
  if (diff >= 0)
    self->earliest_time = timestamp + 2 * diff + period;
  else
    self->earliest_time = timestamp + diff;
  GST_OBJECT_UNLOCK (self);
}

const GstMelspecxOps gst_melspecx_video_ops = {
  .name = "scrolling video",
  .start = video_start,
  .chain = video_chain,
  .silence = video_silence,
  .finish = video_finish,
  .flush = video_flush,
  .stop = video_stop,
  .follows_input = TRUE,
};
