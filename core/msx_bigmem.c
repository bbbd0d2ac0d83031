/* melspecx core — large buffers on transparent huge pages, kept for reuse.
 * SPDX-License-Identifier: MIT
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "msx_bigmem.h"

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#endif
#endif
#ifndef VALGRIND_MAKE_MEM_UNDEFINED
#define VALGRIND_MAKE_MEM_UNDEFINED(p, n) ((void)(p), (void)(n))
#endif

#define HUGE_PAGE ((size_t)2 * 1024 * 1024)
#define KEEP_MAX 16

/* Under AddressSanitizer every buffer comes from malloc, which keeps the
 * redzones that catch an overrun (a mapping of our own has none). */
#if defined(__SANITIZE_ADDRESS__)
#define PLAIN_ONLY 1
#else
#define PLAIN_ONLY 0
#endif

typedef struct {
  void *p;
  size_t len;
} Mapping;

static pthread_mutex_t keep_lock = PTHREAD_MUTEX_INITIALIZER;
static Mapping kept[KEEP_MAX];
static int n_kept;
static size_t kept_bytes;

static size_t
mapped_size (size_t size)
{
  return (size + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
}

/* A kept mapping of exactly @len bytes, the latest freed (its pages the
 * likeliest still in cache), or NULL. */
static void *
take_kept (size_t len)
{
  void *p = NULL;
  int i;

  pthread_mutex_lock (&keep_lock);
  for (i = n_kept - 1; i >= 0; i--) {
    if (kept[i].len == len) {
      p = kept[i].p;
      kept[i] = kept[--n_kept];
      kept_bytes -= len;
      break;
    }
  }
  pthread_mutex_unlock (&keep_lock);
  return p;
}

/* Keeps @p for reuse; FALSE when the store is full. */
static int
keep (void *p, size_t len)
{
  int ok;

  pthread_mutex_lock (&keep_lock);
  ok = n_kept < KEEP_MAX && len <= MSX_BIG_KEEP_BYTES - kept_bytes;
  if (ok) {
    kept[n_kept].p = p;
    kept[n_kept].len = len;
    n_kept++;
    kept_bytes += len;
  }
  pthread_mutex_unlock (&keep_lock);
  return ok;
}

__attribute__ ((destructor)) static void
kept_unmap (void)
{
  pthread_mutex_lock (&keep_lock);
  while (n_kept > 0) {
    n_kept--;
    munmap (kept[n_kept].p, kept[n_kept].len);
  }
  kept_bytes = 0;
  pthread_mutex_unlock (&keep_lock);
}

static void *
map_aligned (size_t len)
{
  size_t head, tail;
  uint8_t *raw, *p;

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

void *
msx_big_alloc (size_t size)
{
  size_t len;
  void *p;

  if (size < MSX_BIG_MIN || PLAIN_ONLY)
    return malloc (size);
  if (size > SIZE_MAX - 2 * HUGE_PAGE)
    return NULL;
  len = mapped_size (size);
  p = take_kept (len);
  if (p == NULL)
    p = map_aligned (len);
  /* A reused buffer holds its last owner's bytes: under valgrind, reading
   * them before writing is an error, as it is for malloc(). */
  if (p != NULL)
    VALGRIND_MAKE_MEM_UNDEFINED (p, len);
  return p;
}

void
msx_big_free (void *p, size_t size)
{
  size_t len;

  if (p == NULL)
    return;
  if (size < MSX_BIG_MIN || PLAIN_ONLY) {
    free (p);
    return;
  }
  len = mapped_size (size);
  if (!keep (p, len))
    munmap (p, len);
}
