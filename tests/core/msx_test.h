/* Minimal TAP helpers for the core unit tests (no framework needed).
 * SPDX-License-Identifier: MIT
 *
 * Each check prints "ok N - what" or "not ok N - what"; msx_test_done()
 * prints the plan and returns the exit status.
 */
#ifndef MSX_TEST_H
#define MSX_TEST_H

#include <math.h>
#include <stdio.h>

static int msx_test_count, msx_test_failed;

static inline int
msx_check (int cond, const char *what)
{
  msx_test_count++;
  if (!cond)
    msx_test_failed++;
  printf ("%s %d - %s\n", cond ? "ok" : "not ok", msx_test_count, what);
  fflush (stdout);
  return cond;
}

/* Checks |a - b| <= tol and prints both values on failure. */
static inline int
msx_check_close (double a, double b, double tol, const char *what)
{
  int ok = fabs (a - b) <= tol;
  if (!ok)
    printf ("# %s: got %.9g, expected %.9g (tol %.3g)\n", what, a, b, tol);
  return msx_check (ok, what);
}

static inline int
msx_test_done (void)
{
  printf ("1..%d\n", msx_test_count);
  return msx_test_failed ? 1 : 0;
}

#endif /* MSX_TEST_H */
