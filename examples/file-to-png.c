/* melspecx example — draw the mel spectrogram of an audio file as a PNG.
 * SPDX-License-Identifier: MIT
 *
 *   file-to-png IN OUT.png
 *
 * Builds `filesrc ! decodebin ! melspecx ! pngenc ! filesink`, runs it to
 * the end and exits 0, or prints GStreamer's error and exits 1.
 */
#include <gst/gst.h>

/* Runs @pipeline until EOS or ERROR; returns TRUE on EOS. */
static gboolean
run_to_end (GstElement *pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  gboolean ok;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (
      bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  ok = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
  if (!ok) {
    GError *err = NULL;
    gchar *debug = NULL;
    gst_message_parse_error (msg, &err, &debug);
    g_printerr (
        "error from %s: %s\n", GST_OBJECT_NAME (msg->src), err->message);
    if (debug)
      g_printerr ("debug: %s\n", debug);
    g_clear_error (&err);
    g_free (debug);
  }
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return ok;
}

int
main (int argc, char **argv)
{
  GstElement *pipeline, *src, *sink;
  GError *err = NULL;
  gboolean ok;

  gst_init (&argc, &argv);
  if (argc != 3) {
    g_printerr ("usage: %s IN OUT.png\n", argv[0]);
    return 2;
  }
  pipeline = gst_parse_launch ("filesrc name=src ! decodebin ! melspecx ! "
                               "pngenc ! filesink name=sink",
      &err);
  if (pipeline == NULL) {
    g_printerr ("could not build the pipeline: %s\n", err->message);
    g_clear_error (&err);
    return 1;
  }
  /* Set as properties, not pasted into the description, so that any file
   * name works (spaces, quotes). */
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_object_set (src, "location", argv[1], NULL);
  g_object_set (sink, "location", argv[2], NULL);
  gst_object_unref (src);
  gst_object_unref (sink);

  ok = run_to_end (pipeline);
  gst_object_unref (pipeline);
  return ok ? 0 : 1;
}
