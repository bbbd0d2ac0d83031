// melspecx — framing and windowing: the hop-strided signal in, packed
// windowed frames out (the real input of VkFFT's batched R2C transform).
// SPDX-License-Identifier: MIT
//
// Frame b is signal[b*hop .. b*hop + n_fft - 1] times the window, written to
// frames[b*n_fft ..].  Only the contiguous signal crosses the bus; the
// n_fft/hop-fold duplication of samples happens here, on the device.
// Dispatch: x covers n_fft in groups of 256, y is the frame.
#version 450
layout (local_size_x = 256) in;

layout (push_constant) uniform Params
{
  uint n_fft;
  uint hop;
  uint n_frames;
} p;

layout (std430, binding = 0) readonly buffer Signal { float signal[]; };
layout (std430, binding = 1) readonly buffer Window { float window[]; };
layout (std430, binding = 2) writeonly buffer Frames { float frames[]; };

void
main ()
{
  uint i = gl_GlobalInvocationID.x;
  uint b = gl_GlobalInvocationID.y;

  if (i >= p.n_fft || b >= p.n_frames)
    return;
  frames[b * p.n_fft + i] = signal[b * p.hop + i] * window[i];
}
