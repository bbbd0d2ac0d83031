/* GStreamer melspecx — mel spectrogram pictures from audio
 * SPDX-License-Identifier: MIT
 */
#ifndef __GST_MELSPECX_H__
#define __GST_MELSPECX_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/video/video.h>

#include "melspecx.h"
#include "msx_annotate.h"

G_BEGIN_DECLS

#define GST_TYPE_MELSPECX (gst_melspecx_get_type ())
G_DECLARE_FINAL_TYPE (GstMelspecx, gst_melspecx, GST, MELSPECX, GstElement)

GST_ELEMENT_REGISTER_DECLARE (melspecx);

/**
 * GstMelspecxMode:
 * @GST_MELSPECX_MODE_IMAGE: one picture of the whole input, pushed at EOS
 * @GST_MELSPECX_MODE_STREAM: a scrolling picture at the negotiated framerate
 * @GST_MELSPECX_MODE_AUTO: stream when upstream is live, else image
 */
typedef enum {
  GST_MELSPECX_MODE_IMAGE,
  GST_MELSPECX_MODE_STREAM,
  GST_MELSPECX_MODE_AUTO
} GstMelspecxMode;

/**
 * GstMelspecxRefMode:
 * @GST_MELSPECX_REF_AUTO: the loudest value (image: whole input; stream: a
 *   peak tracker; raw output: 1.0, i.e. 0 dB)
 * @GST_MELSPECX_REF_FIXED: the #GstMelspecx:ref-db property
 * @GST_MELSPECX_REF_DBFS: in each band, what a full-scale sine at the
 *   band's centre frequency gives (absolute levels, as sox and ffmpeg draw
 *   dBFS)
 */
typedef enum {
  GST_MELSPECX_REF_AUTO,
  GST_MELSPECX_REF_FIXED,
  GST_MELSPECX_REF_DBFS
} GstMelspecxRefMode;

/* Input buffers as samples the core reads (gstmelspecxinput.c): used by
 * the streaming thread only. */
typedef struct {
  GstAudioInfo info;
  MsxSampleFormat format; /* what the core is handed */
  gsize unpacked_bytes;   /* 0: the core reads buffers directly; else the
                             size of one unpacked value (S32 or F64) */
  guint8 *scratch;        /* unpacked samples */
  gsize scratch_size;     /* bytes */
  GstAudioBuffer abuf;    /* the buffer mapped now */
} GstMelspecxInput;

gboolean gst_melspecx_input_setup (
    GstMelspecxInput *in, const GstAudioInfo *info);
void gst_melspecx_input_clear (GstMelspecxInput *in);
gboolean gst_melspecx_input_map (GstMelspecxInput *in, GstBuffer *buf,
    const void **data, MsxSampleFormat *fmt, gsize *n);
void gst_melspecx_input_unmap (GstMelspecxInput *in);
MsxSampleFormat gst_melspecx_input_format (
    const GstMelspecxInput *in, gsize *frame_bytes);
const gchar *gst_melspecx_input_check (GstMelspecxInput *in, GstBuffer *buf);

/* Re-assembles whole frames when interleaved buffers split one
 * (gstmelspecxinput.c): streaming thread only. */
typedef struct {
  guint8 bytes[64 * 8]; /* the start of a frame: at most 64 × F64 */
  gsize len;
  gboolean reported; /* the element warned once this stream */
} GstMelspecxFramer;

GstBuffer *gst_melspecx_framer_take (
    GstMelspecxFramer *fr, const GstAudioInfo *info, GstBuffer *buf);
gsize gst_melspecx_framer_clear (GstMelspecxFramer *fr);

/* The image-mode analysis thread (gstmelspecxworker.c): a bounded queue of
 * samples in front of msx_spectrogram_push_samples(). */
typedef struct _GstMelspecxWorker GstMelspecxWorker;

GstMelspecxWorker *gst_melspecx_worker_new (void);
void gst_melspecx_worker_free (GstMelspecxWorker *w);
gboolean gst_melspecx_worker_start (GstMelspecxWorker *w, MsxSpectrogram *sg,
    GstMelspecxInput *input, gsize max_samples);
void gst_melspecx_worker_stop (GstMelspecxWorker *w);
GstFlowReturn gst_melspecx_worker_push (GstMelspecxWorker *w, GstBuffer *buf);
GstFlowReturn gst_melspecx_worker_drain (GstMelspecxWorker *w);
void gst_melspecx_worker_discard (GstMelspecxWorker *w);
void gst_melspecx_worker_set_flushing (GstMelspecxWorker *w, gboolean flushing);
MsxStatus gst_melspecx_worker_status (GstMelspecxWorker *w);
gboolean gst_melspecx_worker_unreadable (GstMelspecxWorker *w);

/* What melspecx does with the audio, chosen once when the caps are known
 * (as spectrum picks its reader once): one picture of the whole input
 * (gstmelspecxpicture.c), a scrolling video (gstmelspecxvideo.c) or frames
 * of float dB (gstmelspecxraw.c).  Every function runs on the streaming
 * thread. */
typedef struct {
  const gchar *name;
  /* Builds the analysis for self->cfg; FALSE once an error is posted. */
  gboolean (*start) (GstMelspecx *self);
  /* Analyses @buf (@n samples per channel; the buffer is taken). */
  GstFlowReturn (*chain) (GstMelspecx *self, GstBuffer *buf, gsize n);
  /* @n samples per channel of silence: a timestamp gap or a GAP event. */
  GstFlowReturn (*silence) (GstMelspecx *self, guint64 n);
  /* EOS: pushes what is left. */
  GstFlowReturn (*finish) (GstMelspecx *self);
  /* A flushing seek: forgets the input, keeps the analysis. */
  void (*flush) (GstMelspecx *self);
  /* Frees the analysis. */
  void (*stop) (GstMelspecx *self);
  /* Output timestamps follow the input's (else one picture at time 0). */
  gboolean follows_input;
} GstMelspecxOps;

extern const GstMelspecxOps gst_melspecx_picture_ops;
extern const GstMelspecxOps gst_melspecx_video_ops;
extern const GstMelspecxOps gst_melspecx_raw_ops;

/* Shared by the operations (gstmelspecx.c). */
void gst_melspecx_post_error (
    GstMelspecx *self, MsxStatus st, const gchar *msg);
void gst_melspecx_post_unreadable (GstMelspecx *self);
void gst_melspecx_warn_config (GstMelspecx *self, int empty_bands);
GstFlowReturn gst_melspecx_push (GstMelspecx *self, GstBuffer *buf);
GstClockTime gst_melspecx_sample_time (GstMelspecx *self, guint64 sample);
GstClockTime gst_melspecx_input_time (GstMelspecx *self);
gboolean gst_melspecx_renegotiate (GstMelspecx *self);
gboolean gst_melspecx_ref_is_dbfs (GstMelspecx *self);
MsxColormap gst_melspecx_colormap (GstMelspecx *self);
GstFlowReturn gst_melspecx_stft_chain (GstMelspecx *self, GstBuffer *buf);
MsxStatus gst_melspecx_stft_silence (GstMelspecx *self, guint64 n);
MsxStatus gst_melspecx_stft_new (
    GstMelspecx *self, MsxFramesFunc func, gchar *msg, gsize msg_size);
void gst_melspecx_video_qos (GstMelspecx *self, GstEvent *event);
/* annotate=true (gstmelspecx.c): what is drawn around the plot now, for
 * @db_top dB at the top of the colour bar in @unit; @names holds the lane
 * names the annotation points to. */
void gst_melspecx_annotation (GstMelspecx *self, MsxAnnotation *a,
    MsxPixelFormat fmt, MsxColormap map, double db_top, const char *unit,
    gchar names[][MSX_ANNOTATE_MAX_NAME + 1], const char **name_ptrs);

struct _GstMelspecx {
  GstElement element;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, under the object lock; sample_rate and channels unused */
  MsxConfig props;
  GstMelspecxMode mode;
  GstMelspecxRefMode ref_mode;
  gdouble ref_db;
  MsxPreset preset;        /* the last preset set (its rate is checked) */
  gdouble scroll_duration; /* 0: one frame per column */
  gchar *colormap_file;    /* NULL: the colormap property */
  gdouble gamma;
  gboolean annotate;   /* axes, colour bar and labels around the plot */
  gchar *title;        /* NULL: none */
  gboolean configured; /* analysis built: analysis props frozen in image mode */
  gboolean can_rebuild; /* video or raw frames: analysis props may change */
  gboolean rebuild;     /* one did: rebuild at the next buffer */

  /* streaming-thread state */
  gboolean have_info;
  GstAudioInfo info;
  GstMelspecxInput input;
  GstMelspecxFramer framer;
  MsxConfig cfg;               /* the running analysis */
  GstMelspecxMode active_mode; /* image or stream */
  const GstMelspecxOps *ops;   /* NULL until the caps are known */
  GstCaps *src_caps;           /* what the source pad carries */
  gboolean png;                /* image/png, else vinfo */
  GstVideoInfo vinfo;
  MsxPixelFormat pixfmt;
  gint lanes;
  /* annotate: the negotiated frame is the plot (cfg.width × cfg.height)
   * with these margins; taken from the properties at each negotiation */
  gboolean ann_on;
  gchar *ann_title;
  MsxMargins ann_margins;
  MsxAnnotator *annotator; /* stream mode: the static parts, kept */
  MsxColormap look_map;    /* stream mode: the look of the frame drawn now */
  gdouble look_db_top;
  const gchar *look_unit;
  gboolean live;    /* upstream is live (LATENCY query) */
  gchar *cmap_path; /* the colormap-file last loaded, and its table */
  gboolean cmap_ok;
  MsxColormap cmap_id;

  GstSegment segment;
  gboolean segment_pending;
  /* The input's time: `samples` samples per channel have been analysed
   * (silence for timestamp gaps included), and sample base_sample is at
   * base_ts, a PTS in the segment.  A DISCONT or a jump moves the anchor
   * (gst_melspecx_sample_time()). */
  GstClockTime base_ts;
  guint64 base_sample;
  guint64 samples;

  GThread *prepare; /* msx_stft_prepare() while the caps are awaited */

  /* picture */
  MsxSpectrogram *sg;
  GstMelspecxWorker *worker;

  /* video and raw frames: the analysis runs on the streaming thread */
  MsxStft *stft;
  gdouble *dbfs;   /* per band: a full-scale sine's dB re 1.0 (ref-mode=dbfs) */
  gfloat *shifted; /* frames re dBFS on their way to the scroll */
  gsize shifted_size;
  gboolean scroll_dbfs; /* the scroll's columns are re dBFS */

  /* video */
  MsxScroll *scroll;
  MsxPace *pace;           /* frames to columns for scroll-duration, or NULL */
  MsxStatus scroll_status; /* the first error of a push into it */
  GstBufferPool *pool;
  GstClockTime video_base; /* PTS of video frame 0 */
  guint64 video_frames;    /* frames pushed or dropped since video_base */
  gdouble qos_proportion;  /* QoS, under the object lock */
  GstClockTime earliest_time;
  guint64 qos_processed, qos_dropped;

  /* raw */
  GArray *pending;      /* frames x lanes x n_mels */
  guint pending_frames; /* complete frames (all lanes) in pending */
  guint64 frames_out;   /* raw frames pushed since base_ts */
};

G_END_DECLS

#endif /* __GST_MELSPECX_H__ */
