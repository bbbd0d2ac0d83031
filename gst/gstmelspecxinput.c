/* GStreamer melspecx — input buffers as samples the core reads
 * SPDX-License-Identifier: MIT
 *
 * What decoders emit most (interleaved S16, S32, F32 and F64 in native
 * byte order: WAV, FLAC, MP3, Vorbis, Opus) is handed to the core as it
 * is: msx_stft_push_samples() converts each sample once, on its way into
 * the analysis buffer, with no intermediate copy.  Every other layout
 * (U8, S24, big-endian, non-interleaved) goes through a GstAudioConverter
 * into a scratch buffer of F32 that lives as long as the format.
 */

#include "gstmelspecx.h"

/* The core's name for @info's samples, if it reads them directly. */
static gboolean
gst_melspecx_input_direct (const GstAudioInfo *info, MsxSampleFormat *fmt)
{
  if (GST_AUDIO_INFO_LAYOUT (info) != GST_AUDIO_LAYOUT_INTERLEAVED)
    return FALSE;
  switch (GST_AUDIO_INFO_FORMAT (info)) {
    case GST_AUDIO_FORMAT_F32:
      *fmt = MSX_SAMPLE_F32;
      return TRUE;
    case GST_AUDIO_FORMAT_F64:
      *fmt = MSX_SAMPLE_F64;
      return TRUE;
    case GST_AUDIO_FORMAT_S16:
      *fmt = MSX_SAMPLE_S16;
      return TRUE;
    case GST_AUDIO_FORMAT_S32:
      *fmt = MSX_SAMPLE_S32;
      return TRUE;
    default:
      return FALSE;
  }
}

/**
 * gst_melspecx_input_setup:
 * Prepares to read buffers of @info (copied).
 *
 * Returns: FALSE if no converter to F32 exists for @info.
 */
gboolean
gst_melspecx_input_setup (GstMelspecxInput *in, const GstAudioInfo *info)
{
  GstAudioInfo out;

  gst_melspecx_input_clear (in);
  in->info = *info;
  if (gst_melspecx_input_direct (info, &in->format))
    return TRUE;
  gst_audio_info_set_format (&out, GST_AUDIO_FORMAT_F32,
      GST_AUDIO_INFO_RATE (info), GST_AUDIO_INFO_CHANNELS (info),
      info->position);
  out.flags = info->flags;
  in->converter = gst_audio_converter_new (
      GST_AUDIO_CONVERTER_FLAG_NONE, (GstAudioInfo *)info, &out, NULL);
  in->format = MSX_SAMPLE_F32;
  return in->converter != NULL;
}

void
gst_melspecx_input_clear (GstMelspecxInput *in)
{
  g_clear_pointer (&in->converter, gst_audio_converter_free);
  g_clear_pointer (&in->scratch, g_free);
  in->scratch_size = 0;
}

/* Converted F32 room for @floats, grown (never shrunk) as needed. */
static gfloat *
gst_melspecx_input_scratch (GstMelspecxInput *in, gsize floats)
{
  if (in->scratch_size < floats) {
    g_free (in->scratch);
    in->scratch = g_new (gfloat, floats);
    in->scratch_size = floats;
  }
  return in->scratch;
}

/**
 * gst_melspecx_input_map:
 * @data, @fmt, @n: (out): interleaved samples for msx_*_push_samples(),
 *   valid until gst_melspecx_input_unmap()
 *
 * Returns: FALSE if @buf cannot be read or converted (nothing to unmap).
 */
gboolean
gst_melspecx_input_map (GstMelspecxInput *in, GstBuffer *buf, const void **data,
    MsxSampleFormat *fmt, gsize *n)
{
  gpointer outs[1];

  if (!gst_audio_buffer_map (&in->abuf, &in->info, buf, GST_MAP_READ))
    return FALSE;
  *n = in->abuf.n_samples;
  *fmt = in->format;
  if (in->converter == NULL) {
    *data = in->abuf.planes[0];
    return TRUE;
  }
  outs[0] = gst_melspecx_input_scratch (
      in, MAX (*n, 1) * GST_AUDIO_INFO_CHANNELS (&in->info));
  *data = outs[0];
  if (gst_audio_converter_samples (in->converter, GST_AUDIO_CONVERTER_FLAG_NONE,
          in->abuf.planes, *n, outs, *n))
    return TRUE;
  gst_audio_buffer_unmap (&in->abuf);
  return FALSE;
}

void
gst_melspecx_input_unmap (GstMelspecxInput *in)
{
  gst_audio_buffer_unmap (&in->abuf);
}
