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

void
msx_db_from_power (const float *in, size_t n, double power, double ref,
    double amin, float *out)
{
  double k = msx_db_multiplier (power);
  double offset = k * log10 (fmax (amin, ref));
  size_t i;

  for (i = 0; i < n; i++)
    out[i] = (float)(k * log10 (fmax (amin, (double)in[i])) - offset);
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
