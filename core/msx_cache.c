/* melspecx core — the per-user cache directory.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "msx_cache.h"

int
msx_cache_dir (char *dir, size_t size)
{
  const char *xdg = getenv ("XDG_CACHE_HOME"), *home = getenv ("HOME");
  int n;

  /* The XDG spec ignores a relative XDG_CACHE_HOME. */
  if (xdg && xdg[0] == '/')
    n = snprintf (dir, size, "%s", xdg);
  else if (home && home[0])
    n = snprintf (dir, size, "%s/.cache", home);
  else
    return 0;
  if (n < 0 || (size_t)n >= size)
    return 0;
  if (mkdir (dir, 0700) && errno != EEXIST)
    return 0;
  n = snprintf (dir + n, size - (size_t)n, "/melspecx");
  if (n < 0 || strlen (dir) >= size - 1)
    return 0;
  return !(mkdir (dir, 0700) && errno != EEXIST);
}

uint64_t
msx_cache_hash (uint64_t h, const void *data, size_t n)
{
  const unsigned char *p = data;

  while (n--)
    h = (h ^ *p++) * 1099511628211ull;
  return h;
}
