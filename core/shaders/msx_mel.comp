// melspecx — |X|^power, the sparse mel filterbank and, when asked, dB in
// one pass.
// SPDX-License-Identifier: MIT
//
// Input: VkFFT's R2C output, frame b, bin k at spectrum[b*n_bins + k] as
// (re, im).  Filter m covers bins start..start+length-1 with weights at
// weights[offset..] (MsxMelBank's band matrix, bands[m] = (start, length,
// offset)); a band with length 0 catches no bin and stays 0, as in librosa.
// Only n_mels values per frame go back to the host: mel power S, or with
// output_db its dB, db_k·log10(max(amin, S)) − ref_db, where the host
// computes ref_db = db_k·log10(max(amin, db_ref)) in double (msx_config.h).
// log10 in float as log2(x)·log10(2): at most a few float ulp of the dB
// value, about 1e-5 dB at −100 dB, far inside the 0.01 dB the tests allow.
// Dispatch: x covers the mel bands in groups of 64, y is the frame.
#version 450
layout (local_size_x = 64) in;

layout (push_constant) uniform Params
{
  uint n_bins;                  // n_fft/2 + 1
  uint n_mels;
  uint n_frames;
  uint magnitude;               // 1: |X| (power 1.0), 0: |X|^2 (power 2.0)
  uint output_db;               // 1: write dB instead of mel power
  float db_k;                   // 10 for power 2, 20 for power 1
  float amin;                   // lower clamp of S before the log
  float ref_db;                 // db_k·log10(max(amin, db_ref))
} p;

const float LOG10_2 = 0.30102999566398120;
// The largest float.  Samples are at most ±1e30 (the host clamps them),
// so the spectrum is finite, but its power may overflow: each |X|^2 and
// the band sum saturate here instead of becoming Inf, as on the CPU.
const float FLT_MAX = 3.402823466e38;

layout (std430, binding = 0) readonly buffer Spectrum { vec2 spectrum[]; };
layout (std430, binding = 1) readonly buffer Bands { ivec4 bands[]; };
layout (std430, binding = 2) readonly buffer Weights { float weights[]; };
layout (std430, binding = 3) writeonly buffer Mel { float mel[]; };

void
main ()
{
  uint m = gl_GlobalInvocationID.x;
  uint b = gl_GlobalInvocationID.y;

  if (m >= p.n_mels || b >= p.n_frames)
    return;

  ivec4 band = bands[m];
  uint base = b * p.n_bins + uint (band.x);
  float sum = 0.0;
  for (int j = 0; j < band.y; j++) {
    vec2 x = spectrum[base + uint (j)];
    float pw = min (dot (x, x), FLT_MAX);
    sum += weights[band.z + j] * (p.magnitude != 0u ? sqrt (pw) : pw);
  }
  sum = min (sum, FLT_MAX);
  if (p.output_db != 0u)
    sum = p.db_k * (log2 (max (p.amin, sum)) * LOG10_2) - p.ref_db;
  mel[b * p.n_mels + m] = sum;
}
