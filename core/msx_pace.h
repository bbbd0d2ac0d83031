/* melspecx core — frames to columns at another pace, for stream mode's
 * scroll-duration.
 * SPDX-License-Identifier: MIT
 *
 * A scrolling picture shows one STFT frame per column unless asked to
 * span another duration: then column c covers frames [c·r, (c+1)·r) for
 * r = frames per column.  With r > 1 a column is the mean power of its
 * frames (as image mode's columns are: a transient shorter than a column
 * still shows); with r < 1 a frame spans several columns and is repeated.
 * Frames come and go in dB (re 1.0), lane by lane as msx_stft delivers
 * them.
 */
#ifndef MSX_PACE_H
#define MSX_PACE_H

#include <stddef.h>
#include <stdint.h>
#include "msx_status.h"
#include "msx_stft.h"

typedef struct MsxPace MsxPace;

/**
 * msx_pace_new:
 * @lanes, @n_mels: the shape of each frame
 * @frames_per_column: r, positive and finite
 * @db_multiplier: 10 for power, 20 for magnitude (msx_db_multiplier())
 * @func, @user: receive the columns, lane by lane, in dB
 *
 * Returns: MSX_OK, MSX_ERROR_INVALID_ARGUMENT or MSX_ERROR_NO_MEMORY.
 */
MsxStatus msx_pace_new (int lanes, int n_mels, double frames_per_column,
    double db_multiplier, MsxFramesFunc func, void *user, MsxPace **out);

/**
 * msx_pace_push:
 * @lane: 0 .. lanes−1 in order for each batch, all with @n_frames
 * @mel_db: @n_frames × n_mels dB values, time-major
 *
 * Hands every column completed by these frames to the callback (for the
 * same lane, before returning).  A column is complete once a frame of the
 * next one arrives.
 *
 * Returns: MSX_OK, or MSX_ERROR_INVALID_ARGUMENT for a lane out of order or
 * a count that differs from lane 0's.
 */
MsxStatus msx_pace_push (
    MsxPace *pace, int lane, const float *mel_db, size_t n_frames);

/** Returns: frames pushed (per lane) since the last reset. */
uint64_t msx_pace_frames (const MsxPace *pace);

/** msx_pace_reset: forgets the frames of the column in progress. */
void msx_pace_reset (MsxPace *pace);

/** msx_pace_free: NULL-safe. */
void msx_pace_free (MsxPace *pace);

#endif /* MSX_PACE_H */
