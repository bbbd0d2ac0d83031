/* The fuzz targets' reader of their input: numbers taken from the front of
 * the bytes libFuzzer gives, 0 once they run out.
 * SPDX-License-Identifier: MIT
 */
#ifndef FUZZ_BYTES_H
#define FUZZ_BYTES_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  const uint8_t *p;
  size_t n;
} Bytes;

/* The next @k bytes as a little-endian number (0 once the input is over). */
static inline uint32_t
take (Bytes *b, int k)
{
  uint32_t v = 0;
  int i;

  for (i = 0; i < k && b->n > 0; i++, b->p++, b->n--)
    v |= (uint32_t)*b->p << (8 * i);
  return v;
}

/* A number in [lo, hi]. */
static inline int
pick (Bytes *b, int lo, int hi)
{
  uint32_t range = (uint32_t)(hi - lo) + 1;

  return lo +
         (int)(take (b, range > 256 ? (range > 65536 ? 4 : 2) : 1) % range);
}

static inline double
pick_double (Bytes *b, double lo, double hi)
{
  return lo + (hi - lo) * (take (b, 2) / 65535.0);
}

#endif /* FUZZ_BYTES_H */
