/* GStreamer melspecx — input buffers as samples the core reads
 * SPDX-License-Identifier: MIT
 *
 * What decoders emit most (interleaved S16, S32, F32 and F64 in native
 * byte order: WAV, FLAC, MP3, Vorbis, Opus) is handed to the core as it
 * is: msx_stft_push_samples() converts each sample once, on its way into
 * the analysis buffer, with no intermediate copy.  Every other layout
 * (U8, S24, big-endian, non-interleaved) is unpacked by the format's own
 * unpack function into interleaved S32 (integers) or F64 (floats), which
 * the core also reads, in a scratch buffer that lives as long as the
 * format.  Not GstAudioConverter: its channel mixer, built even when the
 * channels stay as they are, refuses 64 channels and the process crashes.
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
 * Returns: FALSE if @info's samples cannot be unpacked.
 */
gboolean
gst_melspecx_input_setup (GstMelspecxInput *in, const GstAudioInfo *info)
{
  const GstAudioFormatInfo *finfo = info->finfo;

  gst_melspecx_input_clear (in);
  in->info = *info;
  if (gst_melspecx_input_direct (info, &in->format))
    return TRUE;
  if (finfo == NULL || finfo->unpack_func == NULL)
    return FALSE;
  switch (finfo->unpack_format) {
    case GST_AUDIO_FORMAT_S32:
      in->format = MSX_SAMPLE_S32;
      in->unpacked_bytes = sizeof (gint32);
      return TRUE;
    case GST_AUDIO_FORMAT_F64:
      in->format = MSX_SAMPLE_F64;
      in->unpacked_bytes = sizeof (gdouble);
      return TRUE;
    default:
      return FALSE;
  }
}

void
gst_melspecx_input_clear (GstMelspecxInput *in)
{
  g_clear_pointer (&in->scratch, g_free);
  in->scratch_size = 0;
  in->unpacked_bytes = 0;
}

/* Room for @bytes of unpacked samples, grown (never shrunk) as needed. */
static guint8 *
gst_melspecx_input_scratch (GstMelspecxInput *in, gsize bytes)
{
  if (in->scratch_size < bytes) {
    g_free (in->scratch);
    in->scratch = g_malloc (bytes);
    in->scratch_size = bytes;
  }
  return in->scratch;
}

/* Unpacks the mapped buffer's @n samples per channel, interleaved, into
 * the scratch buffer.  A non-interleaved buffer is unpacked plane by plane
 * into the second half of the scratch buffer, then interleaved. */
static gpointer
gst_melspecx_input_unpack (GstMelspecxInput *in, gsize n)
{
  const GstAudioFormatInfo *finfo = in->info.finfo;
  gint ch = GST_AUDIO_INFO_CHANNELS (&in->info);
  gsize size = in->unpacked_bytes, frame = size * ch;
  gboolean planar =
      GST_AUDIO_INFO_LAYOUT (&in->info) == GST_AUDIO_LAYOUT_NON_INTERLEAVED;
  guint8 *out = gst_melspecx_input_scratch (
      in, MAX (n, 1) * frame + (planar ? MAX (n, 1) * size : 0));
  guint8 *plane = out + n * frame;

  if (!planar) {
    finfo->unpack_func (finfo, GST_AUDIO_PACK_FLAG_NONE, out,
        (const gpointer)in->abuf.planes[0], (gint)(n * ch));
    return out;
  }
  for (gint c = 0; c < ch; c++) {
    finfo->unpack_func (finfo, GST_AUDIO_PACK_FLAG_NONE, plane,
        (const gpointer)in->abuf.planes[c], (gint)n);
    for (gsize i = 0; i < n; i++)
      memcpy (out + i * frame + c * size, plane + i * size, size);
  }
  return out;
}

/**
 * gst_melspecx_input_check:
 * Whether @buf can be read with the negotiated format: a non-interleaved
 * buffer must say where its planes are (GstAudioMeta), and a meta must
 * agree with the caps.  GStreamer's own mapping only asserts this.
 *
 * Returns: NULL, or why @buf cannot be read.
 */
const gchar *
gst_melspecx_input_check (GstMelspecxInput *in, GstBuffer *buf)
{
  GstAudioMeta *meta = gst_buffer_get_audio_meta (buf);
  GstAudioLayout layout = GST_AUDIO_INFO_LAYOUT (&in->info);

  if (meta == NULL && layout != GST_AUDIO_LAYOUT_INTERLEAVED)
    return "a non-interleaved audio buffer has no GstAudioMeta saying where "
           "its channels are";
  if (meta && (GST_AUDIO_INFO_LAYOUT (&meta->info) != layout ||
                  GST_AUDIO_INFO_CHANNELS (&meta->info) !=
                      GST_AUDIO_INFO_CHANNELS (&in->info) ||
                  GST_AUDIO_INFO_FORMAT (&meta->info) !=
                      GST_AUDIO_INFO_FORMAT (&in->info)))
    return "an audio buffer's GstAudioMeta disagrees with the caps (layout, "
           "channels or format)";
  if (meta) {
    gsize bps = GST_AUDIO_INFO_BPS (&in->info), need = 0;
    if (layout == GST_AUDIO_LAYOUT_INTERLEAVED)
      need = meta->samples * GST_AUDIO_INFO_BPF (&in->info);
    else
      for (gint c = 0; c < GST_AUDIO_INFO_CHANNELS (&in->info); c++)
        need = MAX (need, meta->offsets[c] + meta->samples * bps);
    if (need > gst_buffer_get_size (buf))
      return "an audio buffer's GstAudioMeta claims more samples than the "
             "buffer holds";
  }
  return NULL;
}

/**
 * gst_melspecx_input_map:
 * @data, @fmt, @n: (out): interleaved samples for msx_*_push_samples(),
 *   valid until gst_melspecx_input_unmap()
 *
 * Returns: FALSE if @buf cannot be read (nothing to unmap).
 */
gboolean
gst_melspecx_input_map (GstMelspecxInput *in, GstBuffer *buf, const void **data,
    MsxSampleFormat *fmt, gsize *n)
{
  if (!gst_audio_buffer_map (&in->abuf, &in->info, buf, GST_MAP_READ))
    return FALSE;
  *n = in->abuf.n_samples;
  *fmt = in->format;
  *data = in->unpacked_bytes ? gst_melspecx_input_unpack (in, *n)
                             : in->abuf.planes[0];
  return TRUE;
}

void
gst_melspecx_input_unmap (GstMelspecxInput *in)
{
  gst_audio_buffer_unmap (&in->abuf);
}

/* What gst_melspecx_input_map() gives: the format, and in @frame_bytes
 * the size of one frame of it (every channel). */
MsxSampleFormat
gst_melspecx_input_format (const GstMelspecxInput *in, gsize *frame_bytes)
{
  gsize size = in->unpacked_bytes ? in->unpacked_bytes
                                  : (gsize)GST_AUDIO_INFO_BPS (&in->info);

  *frame_bytes = MAX (size * GST_AUDIO_INFO_CHANNELS (&in->info), 1);
  return in->format;
}

/**
 * gst_melspecx_framer_take:
 * @buf: (transfer full): an input buffer
 *
 * Interleaved audio buffers should hold whole frames, but an appsrc fed
 * from a byte stream may split one anywhere.  Reading each buffer from its
 * own first byte would then shift the channels and sample bytes of every
 * later buffer (noise, or silence); instead the bytes of an incomplete
 * frame wait for the next buffer.  Buffers with an audio meta
 * (non-interleaved) are returned as they are.
 *
 * Returns: (transfer full) (nullable): whole frames, or NULL if @buf only
 *   added to an incomplete frame.
 */
GstBuffer *
gst_melspecx_framer_take (
    GstMelspecxFramer *fr, const GstAudioInfo *info, GstBuffer *buf)
{
  gsize bpf = GST_AUDIO_INFO_BPF (info), size = gst_buffer_get_size (buf);
  gsize total = fr->len + size, whole = total - total % bpf, used;
  GstBuffer *out;
  GstMapInfo mi;

  if (bpf == 0 || gst_buffer_get_audio_meta (buf) ||
      (fr->len == 0 && size % bpf == 0))
    return buf;
  if (GST_BUFFER_IS_DISCONT (buf)) { /* what came before does not continue */
    fr->len = 0;
    whole = size - size % bpf;
  }
  if (whole == 0) {
    gst_buffer_extract (buf, 0, fr->bytes + fr->len, size);
    fr->len += size;
    gst_buffer_unref (buf);
    return NULL;
  }
  used = whole - fr->len; /* bytes of @buf in the output */
  out = gst_buffer_new_allocate (NULL, whole, NULL);
  gst_buffer_map (out, &mi, GST_MAP_WRITE);
  memcpy (mi.data, fr->bytes, fr->len);
  gst_buffer_extract (buf, 0, mi.data + fr->len, used);
  gst_buffer_unmap (out, &mi);
  gst_buffer_copy_into (out, buf, GST_BUFFER_COPY_FLAGS, 0, 0);
  /* with bytes from before, the first frame started in an earlier buffer */
  if (fr->len == 0)
    gst_buffer_copy_into (out, buf, GST_BUFFER_COPY_TIMESTAMPS, 0, 0);
  fr->len = size - used;
  gst_buffer_extract (buf, used, fr->bytes, fr->len);
  gst_buffer_unref (buf);
  return out;
}

/* Forgets an incomplete frame; returns how many bytes it had. */
gsize
gst_melspecx_framer_clear (GstMelspecxFramer *fr)
{
  gsize len = fr->len;

  fr->len = 0;
  return len;
}
