/* melspecx core — status codes.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSX_STATUS_H
#define MSX_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * MsxStatus:
 * Result of every fallible core call. MSX_OK is 0 so that `if (st)` tests
 * for failure.
 */
typedef enum {
  MSX_OK = 0,
  MSX_ERROR_INVALID_ARGUMENT,    /* a parameter is out of its allowed range */
  MSX_ERROR_NO_MEMORY,           /* an allocation failed or a size overflowed */
  MSX_ERROR_FFT,                 /* the FFT library could not make a plan */
  MSX_ERROR_BACKEND_UNAVAILABLE, /* backend not built in, or no device */
  MSX_ERROR_DEVICE,  /* the compute device failed (e.g. device lost) */
  MSX_ERROR_PNG,     /* libpng reported an error */
  MSX_ERROR_NO_DATA, /* nothing to render: no frame was analysed */
} MsxStatus;

/**
 * msx_status_string:
 * @status: a status code
 *
 * Returns: a static full sentence describing @status (never NULL).
 */
const char *msx_status_string (MsxStatus status);

/**
 * msx_refuse:
 * @msg: (out) (nullable): the reason, printf-formatted from @fmt
 *
 * Returns: MSX_ERROR_INVALID_ARGUMENT, for `return msx_refuse (...)`.
 */
MsxStatus msx_refuse (char *msg, size_t msg_size, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

#ifdef __cplusplus
}
#endif
#endif /* MSX_STATUS_H */
