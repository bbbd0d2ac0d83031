/* GStreamer melspecx — mel spectrogram pictures from audio
 * SPDX-License-Identifier: MIT
 */
#ifndef __GST_MELSPECX_H__
#define __GST_MELSPECX_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/video/video.h>

#include "melspecx.h"

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
 */
typedef enum {
  GST_MELSPECX_REF_AUTO,
  GST_MELSPECX_REF_FIXED
} GstMelspecxRefMode;

/* What the source pad carries, chosen at negotiation. */
typedef enum {
  GST_MELSPECX_OUTPUT_VIDEO,
  GST_MELSPECX_OUTPUT_PNG,
  GST_MELSPECX_OUTPUT_RAW
} GstMelspecxOutput;

/* Input buffers as samples the core reads (gstmelspecxinput.c): used by
 * one thread at a time, the worker in image mode, else the streaming
 * thread. */
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
 * input buffers in front of msx_spectrogram_push_samples(). */
typedef struct _GstMelspecxWorker GstMelspecxWorker;

GstMelspecxWorker *gst_melspecx_worker_new (void);
void gst_melspecx_worker_free (GstMelspecxWorker *w);
gboolean gst_melspecx_worker_start (GstMelspecxWorker *w, MsxSpectrogram *sg,
    GstMelspecxInput *input, gsize max_samples);
void gst_melspecx_worker_stop (GstMelspecxWorker *w);
GstFlowReturn gst_melspecx_worker_push (
    GstMelspecxWorker *w, GstBuffer *buf, gsize n_samples);
GstFlowReturn gst_melspecx_worker_drain (GstMelspecxWorker *w);
void gst_melspecx_worker_discard (GstMelspecxWorker *w);
void gst_melspecx_worker_set_flushing (GstMelspecxWorker *w, gboolean flushing);
MsxStatus gst_melspecx_worker_status (GstMelspecxWorker *w);
gboolean gst_melspecx_worker_unreadable (GstMelspecxWorker *w);

struct _GstMelspecx {
  GstElement element;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, under the object lock; sample_rate and channels unused */
  MsxConfig props;
  GstMelspecxMode mode;
  GstMelspecxRefMode ref_mode;
  gdouble ref_db;
  gboolean configured; /* analysis built: analysis props frozen */

  /* streaming-thread state */
  gboolean have_info;
  GstAudioInfo info;
  GstMelspecxInput input;
  MsxConfig cfg;               /* the running analysis */
  GstMelspecxMode active_mode; /* image or stream */
  GstMelspecxOutput output;
  GstVideoInfo vinfo;
  MsxPixelFormat pixfmt;
  gint lanes;

  GstMelspecxFramer framer;

  GstSegment segment;
  gboolean segment_pending;
  GstClockTime base_ts; /* PTS of the first sample since reset */
  guint64 samples;      /* per channel since reset */

  /* image mode */
  MsxSpectrogram *sg;
  GstMelspecxWorker *worker;

  /* stream mode and raw output */
  MsxStft *stft;
  gfloat *ring;       /* lanes x width x n_mels dB (re 1.0) */
  gint ring_head;     /* next column written = oldest one */
  gfloat *scratch;    /* the ring unrolled, oldest first */
  gdouble *batch_max; /* loudest dB of each frame of a batch */
  gsize batch_max_size;
  gdouble peak_db;      /* stream-mode reference (peak tracker) */
  guint64 new_columns;  /* columns since the last video frame */
  guint64 video_frames; /* video frames pushed since reset */
  GArray *pending;      /* raw output: frames x lanes x n_mels */
  guint pending_frames; /* complete frames (all lanes) in pending */
  guint64 frames_out;   /* raw frames pushed since reset */
};

G_END_DECLS

#endif /* __GST_MELSPECX_H__ */
