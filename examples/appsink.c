/* melspecx example — read the frames of a scrolling spectrogram from appsink.
 * SPDX-License-Identifier: MIT
 *
 *   appsink [FILE]
 *
 * Without FILE, two seconds of a live 1 kHz tone (audiotestsrc
 * is-live=true); with FILE, that file.  `melspecx mode=stream` draws GRAY8
 * frames (each byte is the level: 0 = quiet; row 0 is the highest
 * frequency) and appsink hands them to this program, which prints one line
 * per frame: its size, PTS, brightest row and a checksum; then the number
 * of frames.  Exits 0 at the end of the stream after at least one frame,
 * or 1 with GStreamer's message on an error or when no frame comes for
 * FRAME_TIMEOUT.
 */
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

/* 86 buffers of 1024 samples at 44.1 kHz: two seconds. */
#define LIVE_SOURCE "audiotestsrc is-live=true num-buffers=86 freq=1000 ! "
#define FILE_SOURCE "filesrc name=src ! decodebin ! "
/* sync=false: frames are taken as soon as they are drawn; a live source
 * paces them anyway, a file is read as fast as it decodes. */
#define SPECTROGRAM                                                            \
  "melspecx mode=stream ! video/x-raw,format=GRAY8 ! "                         \
  "appsink name=sink sync=false"

/* How long to wait for the next frame before giving up. */
#define FRAME_TIMEOUT (10 * GST_SECOND)
/* How often the bus is looked at while waiting. */
#define POLL_INTERVAL (100 * GST_MSECOND)

/* FNV-1a, 32 bits: enough to tell two frames apart in the output. */
static guint32
checksum (guint32 hash, const guint8 *data, gsize size)
{
  for (gsize i = 0; i < size; i++)
    hash = (hash ^ data[i]) * 16777619u;
  return hash;
}

/* Prints one line for @sample: size, PTS, the row with the highest mean
 * level and the checksum of the visible pixels (rows without padding). */
static void
print_frame (GstSample *sample, guint index)
{
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstVideoInfo info;
  GstVideoFrame frame;
  guint32 hash = 2166136261u;
  guint64 best_sum = 0;
  gint best_row = 0;

  if (!gst_video_info_from_caps (&info, gst_sample_get_caps (sample)) ||
      !gst_video_frame_map (&frame, &info, buffer, GST_MAP_READ)) {
    g_print ("frame %u: cannot be read\n", index);
    return;
  }
  for (gint y = 0; y < GST_VIDEO_FRAME_HEIGHT (&frame); y++) {
    const guint8 *row = (const guint8 *)GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) +
                        y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
    guint64 sum = 0;
    for (gint x = 0; x < GST_VIDEO_FRAME_WIDTH (&frame); x++)
      sum += row[x];
    if (sum > best_sum) {
      best_sum = sum;
      best_row = y;
    }
    hash = checksum (hash, row, GST_VIDEO_FRAME_WIDTH (&frame));
  }
  g_print ("frame %u: %dx%d, %" G_GSIZE_FORMAT " bytes, pts %" GST_TIME_FORMAT
           ", brightest row %d, checksum %08x\n",
      index, GST_VIDEO_FRAME_WIDTH (&frame), GST_VIDEO_FRAME_HEIGHT (&frame),
      gst_buffer_get_size (buffer), GST_TIME_ARGS (GST_BUFFER_PTS (buffer)),
      best_row, hash);
  gst_video_frame_unmap (&frame);
}

/* Prints the first ERROR on @bus, if any; returns TRUE when there was one. */
static gboolean
report_error (GstBus *bus)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GError *err = NULL;
  gchar *debug = NULL;

  if (msg == NULL)
    return FALSE;
  gst_message_parse_error (msg, &err, &debug);
  g_printerr ("error from %s: %s\n", GST_OBJECT_NAME (msg->src), err->message);
  if (debug)
    g_printerr ("debug: %s\n", debug);
  g_clear_error (&err);
  g_free (debug);
  gst_message_unref (msg);
  return TRUE;
}

/* Pulls frames until EOS; returns the number read, or -1 on an error or
 * when no frame came within FRAME_TIMEOUT. */
static gint
read_frames (GstAppSink *sink, GstBus *bus)
{
  GstClockTime waited = 0;
  gint frames = 0;

  while (!gst_app_sink_is_eos (sink)) {
    GstSample *sample = gst_app_sink_try_pull_sample (sink, POLL_INTERVAL);
    if (report_error (bus))
      return -1;
    if (sample == NULL) {
      waited += POLL_INTERVAL;
      if (waited < FRAME_TIMEOUT)
        continue;
      g_printerr ("no frame within %" GST_TIME_FORMAT "\n",
          GST_TIME_ARGS (FRAME_TIMEOUT));
      return -1;
    }
    print_frame (sample, frames++);
    gst_sample_unref (sample);
    waited = 0;
  }
  return frames;
}

/* Plays @pipeline and reads its frames; returns the exit status. */
static int
run (GstElement *pipeline)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstBus *bus = gst_element_get_bus (pipeline);
  gint frames = -1;

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    if (!report_error (bus))
      g_printerr ("the pipeline did not start\n");
  } else {
    frames = read_frames (GST_APP_SINK (sink), bus);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
  if (frames == 0)
    g_printerr ("the stream ended before the first frame\n");
  if (frames <= 0)
    return 1;
  g_print ("%d frames\n", frames);
  return 0;
}

int
main (int argc, char **argv)
{
  GstElement *pipeline;
  GError *err = NULL;
  int status;

  gst_init (&argc, &argv);
  if (argc > 2) {
    g_printerr ("usage: %s [FILE]\n", argv[0]);
    return 2;
  }
  pipeline = gst_parse_launch (
      argc == 2 ? FILE_SOURCE SPECTROGRAM : LIVE_SOURCE SPECTROGRAM, &err);
  if (pipeline == NULL) {
    g_printerr ("could not build the pipeline: %s\n", err->message);
    g_clear_error (&err);
    return 1;
  }
  if (argc == 2) {
    /* A property, not pasted into the description: any file name works. */
    GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
    g_object_set (src, "location", argv[1], NULL);
    gst_object_unref (src);
  }
  status = run (pipeline);
  gst_object_unref (pipeline);
  return status;
}
