/* melspecx core — large buffers on transparent huge pages, kept for reuse.
 * SPDX-License-Identifier: MIT
 *
 * Every fresh 4 KiB page costs a page fault on its first write: ~11 us on
 * the development VM (a guest whose memory its host backs page by page),
 * ~0.3 us on bare metal.  The column sums (4 MiB at the defaults), the
 * sample buffer and the render's scratch and frame are written whole, so a
 * picture paid ~2000 of them.  A buffer of MSX_BIG_MIN bytes or more is
 * therefore mapped on its own, aligned to 2 MiB and marked MADV_HUGEPAGE:
 * where the kernel has a huge page free, it faults once per 2 MiB (0.2 us
 * per 4 KiB measured here).  Where it has none, or transparent huge pages
 * are off, the buffer is an ordinary mapping.  The price is resident
 * memory rounded up to 2 MiB per buffer once any of it is written.
 *
 * Even a huge page is cleared by the kernel on its first write, ~0.1 ms
 * per 2 MiB here, and two cores clearing at once take twice as long each:
 * with a picture per short file, clearing was the work that did not
 * spread over cores.  A freed mapping is therefore kept (up to
 * MSX_BIG_KEEP_BYTES in all) and handed out again for the same rounded
 * size, already in memory.  So the bytes are not zeroed: like malloc(),
 * the caller writes before it reads.
 */
#ifndef MSX_BIGMEM_H
#define MSX_BIGMEM_H

#include <stddef.h>

/* Smaller buffers come from malloc(). */
#define MSX_BIG_MIN ((size_t)512 * 1024)

/* Freed mappings kept for reuse, at most: two pictures' worth at the
 * defaults (ring, sample buffer, column sums, render scratch). */
#define MSX_BIG_KEEP_BYTES ((size_t)32 * 1024 * 1024)

/**
 * msx_big_alloc:
 * @size: bytes, > 0
 *
 * Returns: @size bytes, aligned for any type, their contents undefined, or
 * NULL.  Free with msx_big_free() and the same @size.
 */
void *msx_big_alloc (size_t size);

/** msx_big_free: NULL-safe; @size as given to msx_big_alloc(). */
void msx_big_free (void *p, size_t size);

#endif /* MSX_BIGMEM_H */
