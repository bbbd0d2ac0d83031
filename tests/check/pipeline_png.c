/* GStreamer melspecx — one file → PNG pipeline, start to end, for memcheck
 * SPDX-License-Identifier: MIT
 *
 *   pipeline_png BACKEND
 *
 * Writes two seconds of a 440 Hz tone as a WAV into a temporary directory,
 * runs `filesrc ! wavparse ! melspecx backend=BACKEND ! pngenc ! filesink`
 * to EOS with a bus deadline, checks the PNG signature and frees
 * everything, so that valgrind's leak check at exit sees only what the
 * plugin (or a library under it) kept.  Exits 0 on success, 1 with a
 * message otherwise.
 */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/gst.h>

#define RATE 16000
#define SECONDS 2
/* Generous: the whole run may be 50× slower under memcheck, and lavapipe
 * compiles its shaders with LLVM there. */
#define DEADLINE (600 * GST_SECOND)

/* A mono S16LE WAV of a 440 Hz sine at half scale. */
static gboolean
write_wav (const gchar *path, GError **error)
{
  const guint32 n = RATE * SECONDS, data_bytes = n * 2;
  guint8 *wav = g_malloc (44 + data_bytes);
  gboolean ok;

  memcpy (wav, "RIFF", 4);
  GST_WRITE_UINT32_LE (wav + 4, 36 + data_bytes);
  memcpy (wav + 8, "WAVEfmt ", 8);
  GST_WRITE_UINT32_LE (wav + 16, 16);
  GST_WRITE_UINT16_LE (wav + 20, 1);    /* PCM */
  GST_WRITE_UINT16_LE (wav + 22, 1);    /* mono */
  GST_WRITE_UINT32_LE (wav + 24, RATE);
  GST_WRITE_UINT32_LE (wav + 28, RATE * 2);
  GST_WRITE_UINT16_LE (wav + 32, 2);
  GST_WRITE_UINT16_LE (wav + 34, 16);
  memcpy (wav + 36, "data", 4);
  GST_WRITE_UINT32_LE (wav + 40, data_bytes);
  for (guint32 i = 0; i < n; i++)
    GST_WRITE_UINT16_LE (wav + 44 + 2 * i,
        (gint16) (16383.0 * sin (2.0 * G_PI * 440.0 * i / RATE)));
  ok = g_file_set_contents (path, (const gchar *) wav, 44 + data_bytes, error);
  g_free (wav);
  return ok;
}

/* Plays @pipeline to EOS; returns NULL or the error's message. */
static gchar *
run (GstElement *pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  gchar *failure = NULL;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (
      bus, DEADLINE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (!msg) {
    failure = g_strdup ("no EOS or error within the deadline");
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gst_message_parse_error (msg, &err, NULL);
    failure = g_strdup_printf (
        "error from %s: %s", GST_OBJECT_NAME (msg->src), err->message);
    g_clear_error (&err);
  }
  if (msg)
    gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  return failure;
}

static gchar *
render (const gchar *backend, const gchar *wav, const gchar *png)
{
  GError *error = NULL;
  gchar *desc, *failure;
  GstElement *pipeline;

  desc = g_strdup_printf ("filesrc location=\"%s\" ! wavparse ! "
                          "melspecx backend=%s width=256 height=64 ! "
                          "pngenc ! filesink location=\"%s\"",
      wav, backend, png);
  pipeline = gst_parse_launch (desc, &error);
  g_free (desc);
  if (!pipeline) {
    failure = g_strdup (error->message);
    g_clear_error (&error);
    return failure;
  }
  failure = run (pipeline);
  gst_object_unref (pipeline);
  return failure;
}

/* NULL when @path starts with the PNG signature. */
static gchar *
check_png (const gchar *path)
{
  gchar *data = NULL;
  gsize len = 0;
  gboolean ok;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return g_strdup_printf ("%s was not written", path);
  ok = len > 8 && memcmp (data, "\x89PNG\r\n\x1a\n", 8) == 0;
  g_free (data);
  return ok ? NULL : g_strdup_printf ("%s is not a PNG", path);
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  gchar *dir, *wav, *png, *failure = NULL;

  if (argc != 2) {
    g_printerr ("usage: %s cpu|vulkan\n", argv[0]);
    return 2;
  }
  gst_init (NULL, NULL);
  dir = g_dir_make_tmp ("melspecx-XXXXXX", &error);
  if (!dir) {
    g_printerr ("%s\n", error->message);
    g_clear_error (&error);
    return 1;
  }
  wav = g_build_filename (dir, "in.wav", NULL);
  png = g_build_filename (dir, "out.png", NULL);
  if (!write_wav (wav, &error)) {
    failure = g_strdup (error->message);
    g_clear_error (&error);
  }
  if (!failure)
    failure = render (argv[1], wav, png);
  if (!failure)
    failure = check_png (png);
  g_remove (png);
  g_remove (wav);
  g_rmdir (dir);
  g_free (png);
  g_free (wav);
  g_free (dir);
  /* Frees GStreamer's own start-up state, so that memcheck reports only
   * what is really lost. */
  gst_deinit ();
  if (failure) {
    g_printerr ("pipeline_png %s: %s\n", argv[1], failure);
    g_free (failure);
    return 1;
  }
  g_print ("pipeline_png %s: PNG written\n", argv[1]);
  return 0;
}
