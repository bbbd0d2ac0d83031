/* melspecx core — streaming short-time analysis: samples in, mel frames out.
 * SPDX-License-Identifier: MIT
 *
 * Index conventions: x[j] is the input (one lane, j = 0..L-1) and y[i] the
 * padded signal librosa frames, y[i] = x[i - P] with P = n_fft/2 when
 * centring (else P = 0).  Frame t covers y[t*hop .. t*hop + n_fft - 1]
 * (framing kaldi: y[t*hop .. t*hop + win_length - 1], the backend pads it
 * to n_fft).
 *
 * Each lane keeps a sliding window of y in a fixed buffer: buf[0] is
 * y[buf_pos], and samples before the next frame's start are dropped except
 * the last P+1 input samples that the right reflect padding needs.  Memory
 * is therefore O(batch × hop + n_fft) per lane whatever the input length
 * (batch: chunk_size, capped by what the backend can use,
 * msx_backend_max_batch, and by MSX_BATCH_MEMORY), and every frame is cut
 * from the same y values whatever the push sizes, so the output is
 * bit-identical for any way of splitting the input.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "msx_backend.h"
#include "msx_bigmem.h"
#include "msx_fft.h"
#include "msx_mel.h"
#include "msx_simd.h"
#include "msx_stft.h"
#include "msx_window.h"

struct MsxStft {
  MsxConfig cfg;
  int lanes;
  size_t pad;       /* P: n_fft/2 with center, else 0 */
  size_t span;      /* samples of y a frame reads: n_fft, or win_length
                     * with framing kaldi */
  size_t batch;     /* frames per batch: chunk_size, or a cap (choose_batch) */
  size_t batch_len; /* samples of y for a batch */
  float *window;
  MsxMelBank *bank;
  MsxBackend *backend;
  MsxFramesFunc func;
  void *user;

  float *buf;        /* lanes × cap floats, lane l at l*cap */
  size_t cap, len;   /* per lane: capacity and valid samples */
  uint64_t buf_pos;  /* y index of buf[0] */
  uint64_t n_in;     /* input samples per channel so far (L) */
  uint64_t n_frames; /* frames emitted per lane */
  int head_done;     /* y[0..P) is in place */
  int finished;
  float *mel;     /* batch × n_mels */
  float *scratch; /* P+1 floats for short-input padding */
};

static float *
lane_buf (const MsxStft *s, int lane)
{
  return s->buf + (size_t)lane * s->cap;
}

static uint64_t
y_avail (const MsxStft *s)
{
  return s->buf_pos + s->len;
}

/* Frames whose samples are all in the buffer and not yet emitted.  With
 * drop_last the last of them waits: until the input ends, a later frame
 * may follow it; once it has ended (the right padding is in), it is the
 * input's last frame and is never emitted. */
static uint64_t
frames_ready (const MsxStft *s)
{
  uint64_t span = (uint64_t)s->span, end = y_avail (s), total;

  if (!s->head_done || end < span)
    return 0;
  total = (end - span) / (uint64_t)s->cfg.hop_length + 1;
  if (s->cfg.drop_last)
    total--;
  return total > s->n_frames ? total - s->n_frames : 0;
}

/* Hands @n frames starting at frame s->n_frames, lane by lane, to the
 * backend and then to the callback. */
static MsxStatus
emit_batch (MsxStft *s, size_t n)
{
  uint64_t start = s->n_frames * (uint64_t)s->cfg.hop_length;
  size_t off = (size_t)(start - s->buf_pos);
  int lane;
  MsxStatus st;

  for (lane = 0; lane < s->lanes; lane++) {
    st = msx_backend_process (s->backend, lane_buf (s, lane) + off, n, s->mel);
    if (st)
      return st;
    s->func (s->user, lane, s->mel, n);
  }
  s->n_frames += n;
  return MSX_OK;
}

/* Emits ready frames in full batches; with @partial also the last
 * incomplete batch. */
static MsxStatus
emit_ready (MsxStft *s, int partial)
{
  uint64_t chunk = (uint64_t)s->batch, ready;
  MsxStatus st;

  while ((ready = frames_ready (s)) >= chunk || (partial && ready > 0)) {
    st = emit_batch (s, (size_t)(ready < chunk ? ready : chunk));
    if (st)
      return st;
  }
  return MSX_OK;
}

/* Drops the samples no frame needs any more, keeping the last P+1 input
 * samples for the right reflect padding. */
static void
compact (MsxStft *s)
{
  uint64_t next = s->n_frames * (uint64_t)s->cfg.hop_length;
  uint64_t keep_tail = s->len < s->pad + 1 ? s->len : s->pad + 1;
  uint64_t from = y_avail (s) - keep_tail;
  size_t drop;
  int lane;

  if (!s->head_done)
    return;
  if (next < from)
    from = next;
  drop = (size_t)(from - s->buf_pos);
  if (drop == 0)
    return;
  for (lane = 0; lane < s->lanes; lane++)
    memmove (lane_buf (s, lane), lane_buf (s, lane) + drop,
        (s->len - drop) * sizeof (float));
  s->len -= drop;
  s->buf_pos += drop;
}

/* One input value as a float.  NaN and ±Inf carry no level and become 0.
 * A finite value beyond ±MSX_SAMPLE_LIMIT is a real, very loud sample
 * (an F64 1e300 included, which a cast would make infinite): it is clamped
 * to ±MSX_SAMPLE_LIMIT, so that it stays the loudest thing in the picture
 * while every later sum stays finite in float (see MSX_SAMPLE_LIMIT).
 * Integers are always in range. */
MSX_SIMD_INLINE float
load_f32 (const void *p, size_t i)
{
  float v = ((const float *)p)[i];

  if (!isfinite (v))
    return 0.0f;
  return v > MSX_SAMPLE_LIMIT    ? MSX_SAMPLE_LIMIT
         : v < -MSX_SAMPLE_LIMIT ? -MSX_SAMPLE_LIMIT
                                 : v;
}

MSX_SIMD_INLINE float
load_f64 (const void *p, size_t i)
{
  double v = ((const double *)p)[i];

  if (!isfinite (v))
    return 0.0f;
  return v > MSX_SAMPLE_LIMIT    ? MSX_SAMPLE_LIMIT
         : v < -MSX_SAMPLE_LIMIT ? -MSX_SAMPLE_LIMIT
                                 : (float)v;
}

MSX_SIMD_INLINE float
load_s16 (const void *p, size_t i)
{
  return (float)((const int16_t *)p)[i] * (1.0f / 32768.0f);
}

MSX_SIMD_INLINE float
load_s32 (const void *p, size_t i)
{
  return (float)((const int32_t *)p)[i] * (1.0f / 2147483648.0f);
}

/* Appends @n interleaved input samples per channel to the lanes: copied
 * (mono), averaged (mix), one lane per channel (separate), or (L+R)/2 and
 * (L−R)/2 (mid-side, in float: halving is exact).  The average
 * is summed in double and divided once, so it does not depend on how the
 * input was split; for two channels the float sum halved is that same
 * value (a float sum rounds once, like the double sum rounded to float,
 * and halving is exact).  One copy per sample format, so that each inner
 * loop is a plain loop the compiler can vectorise. */
#define DEFINE_APPEND(fmt, load)                                               \
  MSX_SIMD_CLONES static void append_##fmt (                                   \
      MsxStft *s, const void *in, size_t n)                                    \
  {                                                                            \
    int c, channels = s->cfg.channels;                                         \
    size_t i;                                                                  \
                                                                               \
    if (channels == 1) {                                                       \
      float *restrict y = s->buf + s->len;                                     \
      for (i = 0; i < n; i++)                                                  \
        y[i] = load (in, i);                                                   \
    } else if (s->lanes == 1 && channels == 2) {                               \
      /* the same value as the double sum below, in a loop that vectorises */  \
      float *restrict y = s->buf + s->len;                                     \
      for (i = 0; i < n; i++)                                                  \
        y[i] = (load (in, 2 * i) + load (in, 2 * i + 1)) * 0.5f;               \
    } else if (s->cfg.channel_mode == MSX_CHANNELS_MID_SIDE) {                 \
      float *restrict mid = lane_buf (s, 0) + s->len;                          \
      float *restrict side = lane_buf (s, 1) + s->len;                         \
      for (i = 0; i < n; i++) {                                                \
        float l = load (in, 2 * i), r = load (in, 2 * i + 1);                  \
        mid[i] = (l + r) * 0.5f;                                               \
        side[i] = (l - r) * 0.5f;                                              \
      }                                                                        \
    } else if (s->lanes == 1) {                                                \
      float *restrict y = s->buf + s->len;                                     \
      for (i = 0; i < n; i++) {                                                \
        double sum = 0.0;                                                      \
        for (c = 0; c < channels; c++)                                         \
          sum += load (in, i * channels + c);                                  \
        y[i] = (float)(sum / channels);                                        \
      }                                                                        \
    } else {                                                                   \
      for (c = 0; c < channels; c++) {                                         \
        float *restrict y = lane_buf (s, c) + s->len;                          \
        for (i = 0; i < n; i++)                                                \
          y[i] = load (in, i * channels + c);                                  \
      }                                                                        \
    }                                                                          \
  }

DEFINE_APPEND (f32, load_f32)
DEFINE_APPEND (f64, load_f64)
DEFINE_APPEND (s16, load_s16)
DEFINE_APPEND (s32, load_s32)

typedef void (*AppendFunc) (MsxStft *s, const void *in, size_t n);

static size_t
sample_size (MsxSampleFormat fmt)
{
  switch (fmt) {
    case MSX_SAMPLE_F64:
      return 8;
    case MSX_SAMPLE_S16:
      return 2;
    default:
      return 4;
  }
}

static AppendFunc
append_func (MsxSampleFormat fmt)
{
  switch (fmt) {
    case MSX_SAMPLE_F32:
      return append_f32;
    case MSX_SAMPLE_F64:
      return append_f64;
    case MSX_SAMPLE_S16:
      return append_s16;
    case MSX_SAMPLE_S32:
      return append_s32;
    default:
      return NULL;
  }
}

/* Left reflect padding once x[0..P] is in: y[P - j] = x[j], j = 1..P
 * (numpy.pad 'reflect': the edge sample is not repeated). */
static void
fill_head_reflect (MsxStft *s)
{
  size_t j, P = s->pad;
  int lane;

  for (lane = 0; lane < s->lanes; lane++) {
    float *y = lane_buf (s, lane);
    for (j = 1; j <= P; j++)
      y[P - j] = y[P + j];
  }
  s->head_done = 1;
}

MsxStatus
msx_stft_push_samples (
    MsxStft *s, const void *samples, MsxSampleFormat fmt, size_t n_samples)
{
  AppendFunc append = append_func (fmt);
  size_t frame_bytes = sample_size (fmt) * (size_t)s->cfg.channels;
  const uint8_t *in = samples;
  MsxStatus st;

  if (s->finished || append == NULL)
    return MSX_ERROR_INVALID_ARGUMENT;
  while (n_samples > 0) {
    size_t take;
    if (s->len == s->cap)
      compact (s);
    take = s->cap - s->len;
    if (take == 0)
      return MSX_ERROR_NO_MEMORY; /* unreachable: see lane_capacity() */
    if (!s->head_done && take > s->pad + 1 - s->n_in)
      take = (size_t)(s->pad + 1 - s->n_in);
    if (take > n_samples)
      take = n_samples;
    append (s, in, take);
    s->len += take;
    s->n_in += take;
    in += take * frame_bytes;
    n_samples -= take;
    if (!s->head_done && s->n_in == s->pad + 1)
      fill_head_reflect (s);
    if ((st = emit_ready (s, 0)))
      return st;
  }
  return MSX_OK;
}

MsxStatus
msx_stft_push (MsxStft *s, const float *samples, size_t n_samples)
{
  return msx_stft_push_samples (s, samples, MSX_SAMPLE_F32, n_samples);
}

MsxStatus
msx_stft_flush (MsxStft *s)
{
  return emit_ready (s, 1);
}

/* Index into x (length L >= 2) of the padded sample at x position j, which
 * may lie outside 0..L-1: numpy's repeated reflection is periodic with
 * period 2(L-1). */
static size_t
reflect_index (int64_t j, int64_t L)
{
  int64_t period = 2 * (L - 1), m = j % period;

  if (m < 0)
    m += period;
  return (size_t)(m < L ? m : period - m);
}

/* Input shorter than P+1 with reflect: the whole of y is rebuilt from x,
 * which is still entirely at buf[P..P+L). */
static void
pad_short_reflect (MsxStft *s, float *tmp)
{
  int64_t L = (int64_t)s->n_in, P = (int64_t)s->pad, i;
  int lane;

  for (lane = 0; lane < s->lanes; lane++) {
    float *y = lane_buf (s, lane);
    memcpy (tmp, y + P, (size_t)L * sizeof (float));
    for (i = 0; i < L + 2 * P; i++)
      y[i] = L == 1 ? tmp[0] : tmp[reflect_index (i - P, L)];
  }
  s->len = (size_t)(L + 2 * P);
  s->head_done = 1;
}

/* Right padding of P samples: y[P+L+j] = x[L-2-j] (reflect, L > P here)
 * or 0 (constant). */
static void
pad_right (MsxStft *s)
{
  size_t j, P = s->pad, end;
  int lane;

  if (s->len + P > s->cap)
    compact (s);
  end = s->len;
  for (lane = 0; lane < s->lanes; lane++) {
    float *y = lane_buf (s, lane);
    for (j = 0; j < P; j++)
      y[end + j] = s->cfg.pad_mode == MSX_PAD_REFLECT ? y[end - 2 - j] : 0.0f;
  }
  s->len += P;
}

MsxStatus
msx_stft_finish (MsxStft *s)
{
  if (s->finished)
    return MSX_OK;
  s->finished = 1;
  if (s->n_in == 0)
    return MSX_OK; /* no input, no frame (librosa would refuse) */
  if (s->pad > 0 && !s->head_done) {
    pad_short_reflect (s, s->scratch); /* reflect with L <= P */
  } else if (s->pad > 0) {
    pad_right (s);
  }
  return emit_ready (s, 1);
}

void
msx_stft_reset (MsxStft *s)
{
  int lane;

  s->buf_pos = 0;
  s->n_in = 0;
  s->n_frames = 0;
  s->finished = 0;
  /* y[0..P) is reserved for the left padding: zeros now for constant,
   * reflected later (once x[0..P] is in) for reflect.  Nothing past len
   * is ever read, so only that part is cleared: the rest of the buffer's
   * pages are not touched before samples arrive. */
  s->len = s->pad;
  s->head_done = s->pad == 0 || s->cfg.pad_mode == MSX_PAD_CONSTANT;
  for (lane = 0; lane < s->lanes; lane++)
    memset (lane_buf (s, lane), 0, s->pad * sizeof (float));
}

/* Samples of y each lane holds for a batch of @batch frames: the batch
 * (or the 2P+1 samples of the left reflect padding) plus half as much
 * again, so that after a compaction at least a third of the buffer is
 * free: the memmove costs at most two floats per input sample. */
static size_t
lane_capacity (const MsxStft *s, size_t batch)
{
  size_t len = (batch - 1) * (size_t)s->cfg.hop_length + (size_t)s->cfg.n_fft;
  size_t need = len > 2 * s->pad + 2 ? len : 2 * s->pad + 2;

  return need + need / 2;
}

/* Frames per batch: chunk_size, capped by what the backend can use and by
 * MSX_BATCH_MEMORY for the samples of all lanes, but at least one.
 * Without the cap a batch would span chunk_size × hop samples per lane:
 * 6 GB for 6 lanes at hop 65536 and chunk-size 16384. */
static size_t
choose_batch (const MsxStft *s)
{
  size_t batch = (size_t)s->cfg.chunk_size, lo = 1, hi;
  int be_max = msx_backend_max_batch (s->backend);

  if (be_max > 0 && batch > (size_t)be_max)
    batch = (size_t)be_max;
  /* the largest batch in 1..batch whose buffers fit (capacity grows
   * with the batch) */
  for (hi = batch; lo < hi;) {
    size_t mid = lo + (hi - lo + 1) / 2;
    if (lane_capacity (s, mid) * sizeof (float) * (size_t)s->lanes <=
        MSX_BATCH_MEMORY)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

static MsxStatus
alloc_buffers (MsxStft *s)
{
  const MsxConfig *c = &s->cfg;

  /* every size below is bounded by the config's limits (hop and n_fft
   * 65536, 64 lanes, chunk 16384): no overflow */
  s->batch = choose_batch (s);
  s->batch_len = (s->batch - 1) * (size_t)c->hop_length + (size_t)c->n_fft;
  s->cap = lane_capacity (s, s->batch);
  s->buf = msx_big_alloc (s->cap * (size_t)s->lanes * sizeof (float));
  s->scratch = malloc ((s->pad + 1) * sizeof (float));
  s->mel = malloc (s->batch * (size_t)c->n_mels * sizeof (float));
  return s->buf && s->mel && s->scratch ? MSX_OK : MSX_ERROR_NO_MEMORY;
}

static MsxStatus
build_analysis (MsxStft *s, char *msg, size_t msg_size)
{
  const MsxConfig *c = &s->cfg;
  MsxStatus st;

  s->window = malloc ((size_t)c->n_fft * sizeof (float));
  if (!s->window)
    return MSX_ERROR_NO_MEMORY;
  msx_window_fill (c->window, msx_config_win_length (c), c->n_fft, s->window);
  if ((st = msx_mel_bank_new (c, &s->bank)))
    return st;
  return msx_backend_new (c, s->window, s->bank, &s->backend, msg, msg_size);
}

void
msx_stft_prepare (const MsxConfig *cfg)
{
  /* A Vulkan backend plans on the device.  A size msx_fft_new() refuses
   * is refused here silently, and later by msx_stft_new() with its
   * message. */
  if (cfg->backend != MSX_BACKEND_VULKAN)
    msx_fft_prepare (cfg->n_fft);
}

MsxStatus
msx_stft_new (const MsxConfig *cfg, MsxFramesFunc func, void *user,
    MsxStft **out, char *msg, size_t msg_size)
{
  MsxStft *s;
  MsxStatus st;

  *out = NULL;
  if ((st = msx_config_validate (cfg, msg, msg_size)))
    return st;
  s = calloc (1, sizeof *s);
  if (!s)
    return MSX_ERROR_NO_MEMORY;
  s->cfg = *cfg;
  s->func = func;
  s->user = user;
  s->lanes = msx_config_lanes (cfg);
  s->pad = cfg->center ? (size_t)cfg->n_fft / 2 : 0;
  s->span = cfg->framing == MSX_FRAMING_KALDI
                ? (size_t)msx_config_win_length (cfg)
                : (size_t)cfg->n_fft;
  if ((st = build_analysis (s, msg, msg_size)) || (st = alloc_buffers (s))) {
    msx_stft_free (s);
    return st;
  }
  msx_stft_reset (s);
  *out = s;
  return MSX_OK;
}

void
msx_stft_set_threads (MsxStft *s, int threads)
{
  msx_backend_set_threads (s->backend, threads);
}

size_t
msx_stft_batch (const MsxStft *s)
{
  return s->batch;
}

size_t
msx_stft_memory (const MsxStft *s)
{
  return (s->cap * (size_t)s->lanes + s->pad + 1 +
             s->batch * (size_t)s->cfg.n_mels) *
         sizeof (float);
}

uint64_t
msx_stft_frames (const MsxStft *s)
{
  return s->n_frames;
}

uint64_t
msx_stft_samples (const MsxStft *s)
{
  return s->n_in;
}

int
msx_stft_empty_bands (const MsxStft *s)
{
  return msx_mel_bank_empty_bands (s->bank);
}

const char *
msx_stft_backend (MsxStft *s)
{
  return msx_backend_describe (s->backend);
}

void
msx_stft_free (MsxStft *s)
{
  if (!s)
    return;
  msx_backend_free (s->backend);
  msx_mel_bank_free (s->bank);
  free (s->window);
  msx_big_free (s->buf, s->cap * (size_t)s->lanes * sizeof (float));
  free (s->mel);
  free (s->scratch);
  free (s);
}
