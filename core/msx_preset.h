/* melspecx core — presets: another library's analysis in one word.
 * SPDX-License-Identifier: MIT
 *
 * A preset sets every analysis parameter (framing, window, spectrum, mel
 * bank, the log unit, amin and top_db) to a library's defaults for its
 * usual use, so that a picture or raw frames match that library's numbers:
 *
 *   librosa:    librosa.feature.melspectrogram(y=y, sr=sr) (librosa 0.10:
 *               n_fft 2048, hop 512, centred with constant (zero) padding,
 *               periodic Hann, power 2, 128 Slaney mels 0..sr/2 with Slaney
 *               norm), in dB as power_to_db(S, amin=1e-10, top_db=80)
 *   torchaudio: torchaudio.transforms.MelSpectrogram(sample_rate=sr) then
 *               AmplitudeToDB(): n_fft 400, hop 200, centred with reflect
 *               padding, periodic Hann, power 2, 128 HTK mels 0..sr/2
 *               without norm, 10·log10(max(S, 1e-10))
 *   whisper:    whisper.log_mel_spectrogram (16 kHz): n_fft 400, hop 160,
 *               centred reflect, periodic Hann, power 2, the last frame
 *               dropped, 80 Slaney mels 0..8000 Hz with Slaney norm
 *               (n-mels 128 for large-v3), (log10(max(S, 1e-10)) + 4)/4,
 *               floored at max − 8 (top_db 80 dB)
 *   kaldi:      torchaudio.compliance.kaldi.fbank(w, dither=0) (16 kHz):
 *               25 ms frames (win_length 400) every 10 ms (hop 160) from
 *               the first sample, mean removed, pre-emphasis 0.97, povey
 *               window, zero-padded to n_fft 512, power 2, 23 kaldi mel
 *               bins 20 Hz..Nyquist, ln(max(S, FLT_EPSILON))
 *
 * none is msx_config_init()'s analysis (librosa's, f_max 8000).  Sample
 * rate, channels, the picture and the execution parameters are left alone.
 */
#ifndef MSX_PRESET_H
#define MSX_PRESET_H

#include "msx_config.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  MSX_PRESET_NONE,
  MSX_PRESET_LIBROSA,
  MSX_PRESET_TORCHAUDIO,
  MSX_PRESET_WHISPER,
  MSX_PRESET_KALDI
} MsxPreset;

/**
 * msx_preset_apply:
 * @preset: the library
 * @cfg: (inout): its analysis parameters are set (see above); the others
 *   are kept
 *
 * Returns: MSX_OK, or MSX_ERROR_INVALID_ARGUMENT for an unknown @preset
 * (@cfg unchanged).
 */
MsxStatus msx_preset_apply (MsxPreset preset, MsxConfig *cfg);

/**
 * msx_preset_check_rate:
 * Whisper and kaldi are defined at 16 kHz (their frame lengths are in
 * samples of 16 kHz audio): any other @sample_rate is refused with a
 * sentence that names audioresample.  librosa, torchaudio and none take
 * any rate.
 *
 * Returns: MSX_OK or MSX_ERROR_INVALID_ARGUMENT with @msg filled.
 */
MsxStatus msx_preset_check_rate (
    MsxPreset preset, int sample_rate, char *msg, size_t msg_size);

/** Returns: the rate @preset needs in Hz, or 0 for any. */
int msx_preset_rate (MsxPreset preset);

/** Returns: "none", "librosa", "torchaudio", "whisper", "kaldi", or NULL. */
const char *msx_preset_name (MsxPreset preset);

#ifdef __cplusplus
}
#endif
#endif /* MSX_PRESET_H */
