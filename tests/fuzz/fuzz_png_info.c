/* libFuzzer target: msx_png_info_read() on arbitrary bytes.
 * SPDX-License-Identifier: MIT
 *
 * Whatever the bytes, the reader returns one of its documented codes; when
 * it finds the text, the text is NUL-terminated, within the size limit, and
 * passes the JSON check again on its own.
 */
#include <stdlib.h>
#include <string.h>

#include "msx_png_info.h"

#define FUZZ_CHECK(cond)                                                       \
  do {                                                                         \
    if (!(cond))                                                               \
      __builtin_trap ();                                                       \
  } while (0)

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *text = NULL;
  size_t len = 0;
  /* A copy of exactly @size bytes: ASan then sees any read past the end. */
  uint8_t *copy = malloc (size ? size : 1);
  MsxStatus st;

  FUZZ_CHECK (copy != NULL);
  memcpy (copy, data, size);
  st = msx_png_info_read (copy, size, &text, &len);
  if (st == MSX_OK) {
    FUZZ_CHECK (text != NULL && len <= MSX_PNG_INFO_MAX_TEXT);
    FUZZ_CHECK (text[len] == '\0' && strlen (text) == len);
    FUZZ_CHECK (msx_json_is_object (text, len));
  } else {
    FUZZ_CHECK (text == NULL);
    FUZZ_CHECK (st == MSX_ERROR_PNG || st == MSX_ERROR_NO_DATA);
  }
  free (text);
  /* The JSON check alone, on the raw bytes. */
  msx_json_is_object ((const char *)copy, size);
  free (copy);
  return 0;
}
