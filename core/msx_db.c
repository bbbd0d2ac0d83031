/* melspecx core — decibels (librosa.power_to_db / amplitude_to_db).
 * SPDX-License-Identifier: MIT
 */
#include <math.h>

#include "msx_db.h"

double
msx_db_multiplier (double power)
{
  /* |X|^2 is a power: 10·log10; |X| is an amplitude: 20·log10, which is
   * librosa.amplitude_to_db's power_to_db(S**2, ref**2, amin**2). */
  return power == 1.0 ? 20.0 : 10.0;
}

/* k·log10(x) as (k / ln 10)·ln(x) in float: logf is within an ulp, so the
 * dB value is within ~1e-5 dB of the exact one (a hundredth of a thousandth
 * of the 0.01 dB the analysis promises), at a fraction of the cost of a
 * double log10 per value (stream mode and raw output convert every frame). */
void
msx_db_from_power (const float *in, size_t n, double power, double ref,
    double amin, float *out)
{
  double k = msx_db_multiplier (power);
  float scale = (float)(k / M_LN10);
  float offset = (float)(k * log10 (fmax (amin, ref)));
  float lo = (float)amin;
  size_t i;

  for (i = 0; i < n; i++)
    out[i] = scale * logf (in[i] > lo ? in[i] : lo) - offset;
}

float
msx_db_floor (float *db, size_t n, double top_db)
{
  float max = -INFINITY, floor_db;
  size_t i;

  for (i = 0; i < n; i++)
    if (db[i] > max)
      max = db[i];
  floor_db = (float)(max - top_db);
  for (i = 0; i < n; i++)
    if (db[i] < floor_db)
      db[i] = floor_db;
  return floor_db;
}
