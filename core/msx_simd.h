/* melspecx core — wider vectors where the processor has them.
 * SPDX-License-Identifier: MIT
 *
 * The core is built for the x86-64 baseline (SSE2: four floats a vector).
 * MSX_SIMD_CLONES on a function makes the compiler emit a second copy for
 * x86-64-v3 (AVX2 and FMA: eight floats a vector, fused multiply-add) and
 * pick one of the two when the library is loaded; on other processors and
 * compilers it is empty.  It goes on the per-frame loops (window, power,
 * mel bands, sample conversion, column sums).
 */
#ifndef MSX_SIMD_H
#define MSX_SIMD_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&         \
    defined(__has_attribute)
#if __has_attribute(target_clones)
#define MSX_SIMD_CLONES                                                        \
  __attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#endif
#endif

#ifndef MSX_SIMD_CLONES
#define MSX_SIMD_CLONES
#endif

/* A helper of such a function: compiled into each copy, for its
 * processor. */
#if defined(__GNUC__)
#define MSX_SIMD_INLINE static inline __attribute__ ((always_inline))
#else
#define MSX_SIMD_INLINE static inline
#endif

#endif /* MSX_SIMD_H */
