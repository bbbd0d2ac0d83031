/* melspecx core — large buffers on transparent huge pages.
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "msx_bigmem.h"

#define HUGE_PAGE ((size_t)2 * 1024 * 1024)

/* Under AddressSanitizer every buffer comes from calloc, which keeps the
 * redzones that catch an overrun (a mapping of our own has none). */
#if defined(__SANITIZE_ADDRESS__)
#define PLAIN_ONLY 1
#else
#define PLAIN_ONLY 0
#endif

static size_t
mapped_size (size_t size)
{
  return (size + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
}

void *
msx_big_alloc (size_t size)
{
  size_t len, head, tail;
  uint8_t *raw, *p;

  if (size < MSX_BIG_MIN || PLAIN_ONLY)
    return calloc (1, size);
  if (size > SIZE_MAX - 2 * HUGE_PAGE)
    return NULL;
  len = mapped_size (size);
  /* One huge page more than needed, so that an aligned start exists. */
  raw = mmap (NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE,
      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED)
    return NULL;
  p = (uint8_t *)(((uintptr_t)raw + HUGE_PAGE - 1) &
                  ~(uintptr_t)(HUGE_PAGE - 1));
  head = (size_t)(p - raw);
  tail = HUGE_PAGE - head;
  if (head > 0)
    munmap (raw, head);
  if (tail > 0)
    munmap (p + len, tail);
#ifdef MADV_HUGEPAGE
  /* Advice only: without huge pages the mapping works as it is. */
  madvise (p, len, MADV_HUGEPAGE);
#endif
  return p;
}

void
msx_big_free (void *p, size_t size)
{
  if (p == NULL)
    return;
  if (size < MSX_BIG_MIN || PLAIN_ONLY)
    free (p);
  else
    munmap (p, mapped_size (size));
}
