/* melspecx core — PNG encoding with a metadata chunk.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSX_PNG_H
#define MSX_PNG_H

#include <stddef.h>
#include <stdint.h>
#include "msx_image.h"

/**
 * msx_png_encode:
 * @pixels: @height rows of @stride bytes in @fmt (RGBA, RGB or GRAY8 are
 *   written as they are; BGRA becomes RGBA, and the x variants, whose
 *   fourth byte is padding, become RGB without alpha)
 * @text_key, @text: a tEXt chunk to add (e.g. "melspecx" and the JSON of
 *   msx_config_to_json()); @text_key NULL for none
 * @png: (out): malloc'd PNG bytes, free() them
 * @png_size: (out): their size
 *
 * Returns: MSX_OK, MSX_ERROR_INVALID_ARGUMENT, MSX_ERROR_NO_MEMORY or
 * MSX_ERROR_PNG.
 */
MsxStatus msx_png_encode (const uint8_t * pixels, MsxPixelFormat fmt,
    int width, int height, size_t stride, const char *text_key,
    const char *text, uint8_t ** png, size_t *png_size);

#endif /* MSX_PNG_H */
