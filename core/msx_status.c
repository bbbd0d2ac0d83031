/* melspecx core — status codes.
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdio.h>

#include "msx_status.h"

MsxStatus
msx_refuse (char *msg, size_t msg_size, const char *fmt, ...)
{
  va_list ap;

  if (msg && msg_size) {
    va_start (ap, fmt);
    vsnprintf (msg, msg_size, fmt, ap);
    va_end (ap);
  }
  return MSX_ERROR_INVALID_ARGUMENT;
}

const char *
msx_status_string (MsxStatus status)
{
  switch (status) {
    case MSX_OK:
      return "Success.";
    case MSX_ERROR_INVALID_ARGUMENT:
      return "A parameter is outside its allowed range.";
    case MSX_ERROR_NO_MEMORY:
      return "Out of memory, or a size is too large to allocate.";
    case MSX_ERROR_FFT:
      return "The FFT library could not create a transform plan.";
    case MSX_ERROR_BACKEND_UNAVAILABLE:
      return "The requested compute backend is not available.";
    case MSX_ERROR_DEVICE:
      return "The compute device failed.";
    case MSX_ERROR_PNG:
      return "PNG encoding failed.";
    case MSX_ERROR_NO_DATA:
      return "There is no analysed audio to render.";
  }
  return "Unknown error.";
}
