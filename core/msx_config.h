/* melspecx core — analysis and image parameters.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSX_CONFIG_H
#define MSX_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include "msx_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* mix: the channels averaged to one lane; separate: one lane per channel;
 * mid-side (stereo only): a lane of (L+R)/2 above a lane of (L−R)/2, where
 * what is common to both channels and what differs show apart. */
typedef enum {
  MSX_CHANNELS_MIX,
  MSX_CHANNELS_SEPARATE,
  MSX_CHANNELS_MID_SIDE
} MsxChannelMode;
typedef enum { MSX_PAD_REFLECT, MSX_PAD_CONSTANT } MsxPadMode;
typedef enum {
  MSX_WINDOW_HANN,
  MSX_WINDOW_HAMMING,
  MSX_WINDOW_BLACKMAN,
  MSX_WINDOW_RECTANGULAR,
  MSX_WINDOW_POVEY /* kaldi: the symmetric Hann window to the power 0.85 */
} MsxWindowType;
/* slaney and htk: librosa.filters.mel, triangles linear in Hz over bins
 * 0..n_fft/2.  kaldi: mel = 1127·ln(1 + f/700), triangles linear in mel
 * over bins 0..n_fft/2−1, the Nyquist bin weighted 0 (kaldi's
 * MelBanks, torchaudio.compliance.kaldi.get_mel_banks). */
typedef enum {
  MSX_MEL_SCALE_SLANEY,
  MSX_MEL_SCALE_HTK,
  MSX_MEL_SCALE_KALDI
} MsxMelScale;
/* How frames are cut.  stft: librosa and torch.stft, frame t is n_fft
 * samples from t·hop of the (centred) signal, times the window centred in
 * them.  kaldi: frame t is the win_length samples x[t·hop ..
 * t·hop + win_length) of the input (center must be off: kaldi's
 * snip-edges), minus their mean, pre-emphasised (y[i] = x[i] −
 * preemphasis·x[i−1], y[0] = x[0] − preemphasis·x[0]), times the
 * window, zero-padded to n_fft; 1 + (L − win_length)/hop frames. */
typedef enum { MSX_FRAMING_STFT, MSX_FRAMING_KALDI } MsxFraming;
/* The unit of raw frames and of the Python package's numbers (pictures
 * are drawn from dB whatever it is).  With v the mel value S clamped below
 * at amin and k the dB multiplier (10 for power 2, 20 for power 1):
 * db: k·log10(v) (librosa.power_to_db, torchaudio's AmplitudeToDB);
 * ln: ln(v) (kaldi's log mel energies);
 * whisper: (log10(v) + 4) / 4 for power 2 (whisper's log_mel_spectrogram,
 *   before its whole-input clamp at max − 8, i.e. max − top_db 80 dB).
 * Each is an increasing affine function of the dB value, so a floor at
 * max − top_db dB is a floor at max − top_db·(the slope). */
typedef enum { MSX_LOG_DB, MSX_LOG_LN, MSX_LOG_WHISPER } MsxLogScale;
typedef enum { MSX_MEL_NORM_SLANEY, MSX_MEL_NORM_NONE } MsxMelNorm;
typedef enum {
  MSX_BACKEND_AUTO, /* a real GPU if one exists, else the CPU */
  MSX_BACKEND_CPU,
  MSX_BACKEND_VULKAN /* any Vulkan device, lavapipe included */
} MsxBackendKind;

/* Colormaps, in the order the element and the command list them. */
typedef enum {
  MSX_COLORMAP_INFERNO,
  MSX_COLORMAP_VIRIDIS,
  MSX_COLORMAP_MAGMA,
  MSX_COLORMAP_PLASMA,
  MSX_COLORMAP_CIVIDIS,
  MSX_COLORMAP_GREYS,
  MSX_COLORMAP_BLUES,
  MSX_COLORMAP_GREENS,
  MSX_COLORMAP_REDS,
  MSX_COLORMAP_PURPLES,
  MSX_COLORMAP_ORANGES,
  MSX_COLORMAP_COUNT
} MsxColormap;

/* Parameter limits, shared by validation, the element's param specs and
 * the Python package so that all three refuse the same values. */
#define MSX_MIN_N_FFT 16
#define MSX_MAX_N_FFT 65536
#define MSX_MAX_HOP_LENGTH 65536
#define MSX_MAX_N_MELS 1024
#define MSX_MAX_CHANNELS 64
#define MSX_MAX_SAMPLE_RATE 1000000
#define MSX_MAX_WIDTH 16384
#define MSX_MAX_HEIGHT 16384
#define MSX_MAX_CHUNK_SIZE 16384
#define MSX_MAX_THREADS 64
#define MSX_DEFAULT_AMIN 1e-10
/* preemphasis's range (framing kaldi only). */
#define MSX_MAX_PREEMPHASIS 1.0
/* top_db's range (the element's).  Some bound is needed at both ends:
 * stream mode draws its reference in steps of top_db/MSX_SCROLL_REF_STEPS,
 * which a denormal top_db turns into a division by zero, and pictures
 * compute −top_db in float, which 1e300 turns into −Inf. */
#define MSX_MIN_TOP_DB 0.001
#define MSX_MAX_TOP_DB 1000.0
/* Input samples are clamped to ±this (full scale is ±1): an FFT of at most
 * MSX_MAX_N_FFT = 2^16 such samples stays below 6.6e34, far inside float
 * (3.4e38), so no transform ever overflows to Inf or NaN.  Its power may
 * still overflow; it saturates at FLT_MAX (msx_backend.h). */
#define MSX_SAMPLE_LIMIT 1e30f
/* Bytes that the buffers sized by a batch (the samples a batch spans, for
 * every lane; on a GPU the batch's frames and spectra) may take in one
 * analyser: a batch is cut below chunk_size to fit, which changes speed,
 * never the numbers.  A single frame always fits, however large (n_fft
 * 65536 on 64 lanes takes 25 MB). */
#define MSX_BATCH_MEMORY (16u << 20)

/* At most this many bytes for what a picture keeps whatever the input
 * length (msx_config_picture_bytes()); larger pictures are refused, so
 * that what the element accepts stays in the tens of MB: at the default
 * size, 16 lanes take 73 MiB, 64 lanes fit with n_mels 32. */
#define MSX_PICTURE_MEMORY ((uint64_t)96 << 20)

/**
 * MsxRef:
 * @MSX_REF_MAX: 0 dB is the loudest single frame value of the input
 *   (librosa's ref=np.max)
 * @MSX_REF_DBFS: 0 dB is, in each band, what a full-scale sine at the
 *   band's centre frequency gives in it (msx_dbfs.h), so that two files
 *   compare, as sox and ffmpeg draw dBFS
 *
 * What 0 dB is in a picture of the whole input (MsxSpectrogram).
 */
typedef enum { MSX_REF_MAX, MSX_REF_DBFS } MsxRef;

/**
 * MsxConfig:
 * Every parameter of one analysis, with librosa's meaning. Fill it with
 * msx_config_init() and change what differs.
 */
typedef struct {
  /* input */
  int sample_rate; /* Hz, 1..MSX_MAX_SAMPLE_RATE */
  int channels;    /* 1..MSX_MAX_CHANNELS */
  MsxChannelMode
      channel_mode; /* mix = average to mono; separate = one lane each */

  /* framing */
  int n_fft;      /* even, MSX_MIN_N_FFT..MSX_MAX_N_FFT */
  int win_length; /* 0 = n_fft; else 1..n_fft */
  int hop_length; /* 1..MSX_MAX_HOP_LENGTH */
  int center;     /* pad n_fft/2 each side */
  MsxPadMode pad_mode;
  MsxWindowType window;
  MsxFraming framing;
  double preemphasis; /* 0..MSX_MAX_PREEMPHASIS; nonzero only with
                       * framing kaldi */
  int drop_last;      /* 1: the last frame of the input is not emitted
                       * (whisper's stft[..., :-1]) */

  /* spectrum and mel */
  double power; /* 1.0 magnitude or 2.0 power */
  int n_mels;   /* 1..n_fft/2+1 */
  double f_min; /* Hz, >= 0 */
  double f_max; /* Hz, 0 = Nyquist; above Nyquist is clamped */
  MsxMelScale mel_scale;
  MsxMelNorm mel_norm;

  /* dB */
  double top_db;         /* MSX_MIN_TOP_DB..MSX_MAX_TOP_DB */
  double amin;           /* FLT_MIN..FLT_MAX (dB is computed in float); default
                          * MSX_DEFAULT_AMIN */
  MsxRef ref;            /* what 0 dB is in a picture of the whole input */
  MsxLogScale log_scale; /* the unit of raw frames (msx_log_scale_apply) */

  /* image */
  MsxColormap colormap;
  int invert; /* reverse the colormap */
  int width;  /* 1..MSX_MAX_WIDTH */
  int height; /* 1..MSX_MAX_HEIGHT */

  /* What the analysis backends emit (msx_backend.h, msx_stft.h).  Not a
   * user parameter and not written to the JSON.  With output_db, each
   * mel value S becomes k·log10(max(amin, S)) − k·log10(max(amin, db_ref)),
   * k = 10 for power 2 and 20 for power 1, with no top_db floor.  Image
   * mode needs power: it averages columns in the power domain before dB. */
  int output_db; /* 0: mel power or magnitude; 1: its dB */
  double db_ref; /* > 0, in the unit of S; 1.0 by default */

  /* execution: never changes the numbers */
  int chunk_size; /* STFT frames per batch, 1..MSX_MAX_CHUNK_SIZE */
  int threads;    /* CPU backend threads per batch, 0..MSX_MAX_THREADS;
                   * 0 = one per processor (at most 8) */
  MsxBackendKind backend;
  int device_index; /* Vulkan physical device, -1 = choose */
} MsxConfig;

/**
 * msx_config_init:
 * @cfg: the config to fill
 *
 * Sets the defaults (librosa's, f_max 8000): 44100 Hz mono, n_fft 2048, hop
 * 512, center with reflect padding, hann, power 2, 128 Slaney mels 0..8000 Hz
 * with Slaney norm, top_db 80, amin 1e-10, inferno 1024x256, chunk 1024, auto,
 * threads 0; mel power output (output_db 0, db_ref 1.0); framing stft
 * without pre-emphasis, every frame kept, raw frames in dB.
 */
void msx_config_init (MsxConfig *cfg);

/**
 * msx_config_validate:
 * @cfg: the config to check
 * @msg: (out): a buffer for the reason, may be NULL
 * @msg_size: size of @msg
 *
 * Checks every parameter and combination.  The message names the
 * parameter with its hyphenated element name and the allowed range, e.g.
 * "n-mels is 2000 but must be between 1 and 1025 (n-fft/2+1)".
 * An f_max above Nyquist is not an error (see msx_config_f_max()).
 *
 * Returns: MSX_OK, or MSX_ERROR_INVALID_ARGUMENT with @msg filled.
 */
MsxStatus msx_config_validate (
    const MsxConfig *cfg, char *msg, size_t msg_size);

/**
 * msx_config_f_max:
 * Returns: the effective upper mel edge in Hz: f_max, or Nyquist when f_max
 * is 0 or above Nyquist.
 */
double msx_config_f_max (const MsxConfig *cfg);

/**
 * msx_config_win_length:
 * Returns: the effective window length (n_fft when win_length is 0).
 */
int msx_config_win_length (const MsxConfig *cfg);

/**
 * msx_config_picture_bytes:
 * @stream: 0 for one picture of the whole input (MsxSpectrogram), 1 for a
 *   scrolling one (MsxScroll)
 *
 * Returns: the bytes the picture keeps whatever the input length: for one
 * picture, 4 × width float64 power sums per band and lane (msx_columns.h),
 * their float dB at render and the pixels; for a scrolling one, width
 * float dB per band and lane and two copies of the pixels.
 */
uint64_t msx_config_picture_bytes (const MsxConfig *cfg, int stream);

/**
 * msx_config_check_picture:
 * Refuses a picture that would keep more than MSX_PICTURE_MEMORY, naming
 * width, n-mels, the lanes and height and the memory it would take.
 *
 * Returns: MSX_OK or MSX_ERROR_INVALID_ARGUMENT.
 */
MsxStatus msx_config_check_picture (
    const MsxConfig *cfg, int stream, char *msg, size_t msg_size);

/**
 * msx_config_lanes:
 * Returns: how many spectrogram lanes the config produces (1 when mixing,
 * else the channel count).
 */
int msx_config_lanes (const MsxConfig *cfg);

/**
 * msx_config_to_json:
 * @cfg: a config
 * @duration_s: duration of the analysed input in seconds (or negative if
 *   unknown)
 * @out: buffer
 * @out_size: its size
 *
 * Writes a one-line JSON object with every §3 parameter, the sample rate,
 * the duration and the software version (for the PNG tEXt chunk).
 *
 * Returns: MSX_OK, or MSX_ERROR_NO_MEMORY if @out is too small.
 */
MsxStatus msx_config_to_json (
    const MsxConfig *cfg, double duration_s, char *out, size_t out_size);

/* Names of enum values as used by the element and the JSON ("hann",
 * "slaney", "inferno"...); NULL when out of range. */
const char *msx_window_type_name (MsxWindowType w);
const char *msx_mel_scale_name (MsxMelScale s);
const char *msx_framing_name (MsxFraming f);
const char *msx_log_scale_name (MsxLogScale s);

/**
 * msx_log_scale_apply:
 * @scale: the unit wanted
 * @power: cfg->power (the dB multiplier k is 10 for 2.0, 20 for 1.0)
 * @db: (inout): @n values in dB (k·log10 of the mel value), turned into
 *   @scale in place (see MsxLogScale); MSX_LOG_DB leaves them as they are
 * @n: count
 *
 * Computed in double, stored as float.
 */
void msx_log_scale_apply (MsxLogScale scale, double power, float *db, size_t n);

/**
 * msx_log_scale_slope:
 * Returns: how much one dB is in @scale: 1 for db, ln(10)/k for ln,
 * 1/(4k) for whisper (k the dB multiplier of @power).
 */
double msx_log_scale_slope (MsxLogScale scale, double power);
const char *msx_colormap_name (MsxColormap c);
/* Returns the colormap for @name, or -1. */
int msx_colormap_from_name (const char *name);

#ifdef __cplusplus
}
#endif
#endif /* MSX_CONFIG_H */
