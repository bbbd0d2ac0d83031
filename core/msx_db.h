/* melspecx core — decibels (librosa.power_to_db / amplitude_to_db).
 * SPDX-License-Identifier: MIT
 */
#ifndef MSX_DB_H
#define MSX_DB_H

#include <stddef.h>

/**
 * msx_db_from_power:
 * @in: @n values, power (@power 2) or magnitude (@power 1)
 * @n: count
 * @power: 2.0 → 10·log10, 1.0 → 20·log10
 * @ref: reference value (same unit as @in), e.g. the maximum of the input
 * @amin: lower clamp, > 0
 * @out: (out): @n dB values: k·log10(max(amin, x)) − k·log10(max(amin, ref)).
 *   No floor is applied; see msx_db_floor().
 *
 * @in and @out may be the same array.  Computed in float, within ~1e-5 dB
 * of the exact value.
 */
void msx_db_from_power (const float *in, size_t n, double power, double ref,
    double amin, float *out);

/**
 * msx_db_floor:
 * Clamps @n values from below at (max of the values − @top_db), as
 * power_to_db does with top_db.  Returns: that floor.
 */
float msx_db_floor (float *db, size_t n, double top_db);

/** Returns: 10 for power 2, 20 for power 1 (the dB multiplier). */
double msx_db_multiplier (double power);

#endif /* MSX_DB_H */
