/* melspecx core — presets: another library's analysis in one word.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>

#include "msx_preset.h"

static const char *const preset_names[] = { "none", "librosa", "torchaudio",
  "whisper", "kaldi" };

/* The analysis fields of @from into @cfg. */
static void
copy_analysis (const MsxConfig *from, MsxConfig *cfg)
{
  cfg->n_fft = from->n_fft;
  cfg->win_length = from->win_length;
  cfg->hop_length = from->hop_length;
  cfg->center = from->center;
  cfg->pad_mode = from->pad_mode;
  cfg->window = from->window;
  cfg->framing = from->framing;
  cfg->preemphasis = from->preemphasis;
  cfg->drop_last = from->drop_last;
  cfg->power = from->power;
  cfg->n_mels = from->n_mels;
  cfg->f_min = from->f_min;
  cfg->f_max = from->f_max;
  cfg->mel_scale = from->mel_scale;
  cfg->mel_norm = from->mel_norm;
  cfg->top_db = from->top_db;
  cfg->amin = from->amin;
  cfg->log_scale = from->log_scale;
}

/* librosa.feature.melspectrogram's defaults (0.10: pad_mode "constant"),
 * f_max 0 = sr/2. */
static void
librosa (MsxConfig *p)
{
  p->pad_mode = MSX_PAD_CONSTANT;
  p->f_max = 0.0;
}

/* torchaudio.transforms.MelSpectrogram(): n_fft 400, win_length n_fft,
 * hop win_length // 2, f_max None, n_mels 128, HTK, norm None;
 * AmplitudeToDB(): ref 1, amin 1e-10, top_db None. */
static void
torchaudio (MsxConfig *p)
{
  p->n_fft = 400;
  p->hop_length = 200;
  p->f_max = 0.0;
  p->mel_scale = MSX_MEL_SCALE_HTK;
  p->mel_norm = MSX_MEL_NORM_NONE;
}

/* whisper/audio.py: N_FFT 400, HOP_LENGTH 160, torch.stft(center=True)
 * with reflect padding, stft[..., :-1], librosa.filters.mel(sr=16000,
 * n_fft=400, n_mels=80), log10(clamp(min=1e-10)), max(x, x.max() − 8),
 * (x + 4) / 4. */
static void
whisper (MsxConfig *p)
{
  p->n_fft = 400;
  p->hop_length = 160;
  p->drop_last = 1;
  p->n_mels = 80;
  p->f_max = 8000.0;
  p->log_scale = MSX_LOG_WHISPER;
  p->top_db = 80.0; /* 8 in log10 units */
}

/* torchaudio.compliance.kaldi.fbank's defaults with dither 0:
 * frame_length 25 ms, frame_shift 10 ms, round_to_power_of_two,
 * snip_edges, remove_dc_offset, preemphasis_coefficient 0.97, povey,
 * use_power, num_mel_bins 23, low_freq 20, high_freq 0 (Nyquist),
 * use_log_fbank with the floor FLT_EPSILON. */
static void
kaldi (MsxConfig *p)
{
  p->n_fft = 512;
  p->win_length = 400;
  p->hop_length = 160;
  p->center = 0;
  p->framing = MSX_FRAMING_KALDI;
  p->preemphasis = 0.97;
  p->window = MSX_WINDOW_POVEY;
  p->n_mels = 23;
  p->f_min = 20.0;
  p->f_max = 0.0;
  p->mel_scale = MSX_MEL_SCALE_KALDI;
  p->mel_norm = MSX_MEL_NORM_NONE;
  p->amin = FLT_EPSILON;
  p->log_scale = MSX_LOG_LN;
}

MsxStatus
msx_preset_apply (MsxPreset preset, MsxConfig *cfg)
{
  MsxConfig p;

  msx_config_init (&p);
  switch (preset) {
    case MSX_PRESET_NONE:
      break;
    case MSX_PRESET_LIBROSA:
      librosa (&p);
      break;
    case MSX_PRESET_TORCHAUDIO:
      torchaudio (&p);
      break;
    case MSX_PRESET_WHISPER:
      whisper (&p);
      break;
    case MSX_PRESET_KALDI:
      kaldi (&p);
      break;
    default:
      return MSX_ERROR_INVALID_ARGUMENT;
  }
  copy_analysis (&p, cfg);
  return MSX_OK;
}

int
msx_preset_rate (MsxPreset preset)
{
  return preset == MSX_PRESET_WHISPER || preset == MSX_PRESET_KALDI ? 16000 : 0;
}

MsxStatus
msx_preset_check_rate (
    MsxPreset preset, int sample_rate, char *msg, size_t msg_size)
{
  int rate = msx_preset_rate (preset);

  if (rate == 0 || sample_rate == rate)
    return MSX_OK;
  return msx_refuse (msg, msg_size,
      "preset=%s analyses %d Hz audio, but the input is %d Hz: put "
      "audioresample ! audio/x-raw,rate=%d before melspecx",
      msx_preset_name (preset), rate, sample_rate, rate);
}

const char *
msx_preset_name (MsxPreset preset)
{
  return (int)preset >= 0 && preset <= MSX_PRESET_KALDI ? preset_names[preset]
                                                        : NULL;
}
