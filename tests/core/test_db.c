/* Unit tests of msx_db against librosa.power_to_db / amplitude_to_db
 * written out in double.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>

#include "melspecx.h"
#include "msx_test.h"

enum { N = 1000 };

/* librosa.power_to_db(S, ref, amin, top_db): 10·log10(max(amin, S)) −
 * 10·log10(max(amin, ref)), then max(., max − top_db).  amplitude_to_db is
 * power_to_db(S², ref², amin²), i.e. the same with 20·log10. */
static void
reference (const float *s, int n, double power, double ref, double amin,
    double top_db, double *out)
{
  double mx = -INFINITY;
  int i;

  for (i = 0; i < n; i++) {
    double v = power == 2.0 ? s[i] : (double)s[i] * s[i];
    double a = power == 2.0 ? amin : amin * amin;
    double r = power == 2.0 ? ref : ref * ref;
    out[i] = 10.0 * log10 (fmax (a, v)) - 10.0 * log10 (fmax (a, r));
    mx = fmax (mx, out[i]);
  }
  if (top_db > 0)
    for (i = 0; i < n; i++)
      out[i] = fmax (out[i], mx - top_db);
}

/* Values over 14 decades, zeros and sub-amin values included. */
static void
fill (float *s)
{
  int i;

  for (i = 0; i < N; i++)
    s[i] = (float)pow (10.0, -12.0 + 14.0 * ((i * 7919) % N) / N);
  s[0] = 0.0f;
  s[1] = 1e-30f;
}

static void
check (double power, double ref, double amin, double top_db, const char *name)
{
  float s[N], db[N];
  double want[N], err = 0.0;
  char what[160];
  float floor_db = 0;
  int i;

  fill (s);
  reference (s, N, power, ref, amin, top_db, want);
  msx_db_from_power (s, N, power, ref, amin, db);
  if (top_db > 0)
    floor_db = msx_db_floor (db, N, top_db);
  for (i = 0; i < N; i++)
    err = fmax (err, fabs (db[i] - want[i]));
  snprintf (what, sizeof what, "%s: max error %.2g dB", name, err);
  msx_check (err < 1e-3, what);
  if (top_db > 0) {
    double mx = -INFINITY;
    for (i = 0; i < N; i++)
      mx = fmax (mx, want[i]);
    snprintf (
        what, sizeof what, "%s: floor %.4f = max - top_db", name, floor_db);
    msx_check_close (floor_db, mx - top_db, 1e-3, what);
  }
}

static void
test_facts (void)
{
  float v[4] = { 1.0f, 10.0f, 100.0f, 0.0f };

  msx_db_from_power (v, 4, 2.0, 100.0, 1e-10, v);
  msx_check (fabsf (v[0] + 20.0f) < 1e-5 && fabsf (v[1] + 10.0f) < 1e-5 &&
                 fabsf (v[2]) < 1e-5 && fabsf (v[3] + 120.0f) < 1e-4,
      "power, in place: 1, 10, 100, 0 re 100 = -20, -10, 0, -120 dB");
  v[0] = 1.0f;
  v[1] = 10.0f;
  msx_db_from_power (v, 2, 1.0, 10.0, 1e-5, v);
  msx_check (fabsf (v[0] + 20.0f) < 1e-5 && fabsf (v[1]) < 1e-5,
      "magnitude: 20·log10, 1 re 10 = -20 dB");
  msx_check (msx_db_multiplier (2.0) == 10.0 && msx_db_multiplier (1.0) == 20.0,
      "multiplier 10 for power, 20 for magnitude");
  v[0] = -3.0f;
  v[1] = -200.0f;
  v[2] = 5.0f;
  msx_check (msx_db_floor (v, 3, 80.0) == -75.0f && v[1] == -75.0f &&
                 v[0] == -3.0f && v[2] == 5.0f,
      "floor at max - top_db");
}

int
main (void)
{
  check (2.0, 1e2, 1e-10, 80.0, "power, ref 100, top_db 80");
  check (2.0, 1.0, 1e-10, 0.0, "power, ref 1, no floor");
  check (2.0, 0.0, 1e-10, 120.0, "power, ref 0 clamped to amin");
  check (2.0, 1e2, 1e-5, 200.0, "power, amin 1e-5");
  check (1.0, 1e2, 1e-5, 80.0, "magnitude, ref 100, amin 1e-5");
  check (1.0, 1.0, 1e-10, 0.0, "magnitude, no floor");
  test_facts ();
  return msx_test_done ();
}
