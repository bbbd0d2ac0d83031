/* melspecx core — reading back the metadata chunk of a melspecx PNG.
 * SPDX-License-Identifier: MIT
 *
 * The reader walks the PNG chunk structure itself (no libpng, no
 * decompression): signature, then length / type / data / CRC chunks from
 * IHDR to IEND.  It trusts nothing in the file: every length is checked
 * against the bytes that are there, every CRC is verified, and the text is
 * bounded and must be one JSON object.
 */
#ifndef MSX_PNG_INFO_H
#define MSX_PNG_INFO_H

#include <stddef.h>
#include <stdint.h>
#include "msx_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The tEXt keyword msx_spectrogram_render_png() writes. */
#define MSX_PNG_INFO_KEY "melspecx"
/* The longest metadata text accepted, in bytes: the JSON of a config is
 * well under 1 KiB; anything near this is not ours. */
#define MSX_PNG_INFO_MAX_TEXT (64u << 10)
/* Deepest nesting of arrays and objects msx_json_is_object() accepts. */
#define MSX_JSON_MAX_DEPTH 32

/**
 * msx_png_info_read:
 * @data: the bytes of a whole PNG file
 * @size: their count
 * @text: (out): the text of the first tEXt chunk whose keyword is
 *   MSX_PNG_INFO_KEY, NUL-terminated, malloc'd: free() it; NULL on failure
 * @text_len: (out) (optional): its length in bytes, without the NUL
 *
 * Checks the whole file's chunk structure, not only up to the chunk: the
 * PNG signature, IHDR first with its 13 bytes, chunk lengths within
 * 2^31 − 1 and within @size, the CRC of every chunk, and IEND last.
 *
 * Returns: MSX_OK; MSX_ERROR_INVALID_ARGUMENT for a NULL argument;
 * MSX_ERROR_PNG when @data is not a PNG, a chunk is truncated or has a bad
 * CRC, IEND is missing, or the melspecx text is longer than
 * MSX_PNG_INFO_MAX_TEXT, holds a NUL or is not one JSON object;
 * MSX_ERROR_NO_DATA for a sound PNG without the chunk; MSX_ERROR_NO_MEMORY.
 */
MsxStatus msx_png_info_read (
    const uint8_t *data, size_t size, char **text, size_t *text_len);

/**
 * msx_json_is_object:
 * @text: bytes, not necessarily NUL-terminated
 * @len: their count
 *
 * Whether @text is exactly one JSON object (RFC 8259), with whitespace
 * allowed around it and at most MSX_JSON_MAX_DEPTH levels of nesting.
 * Bytes 0x80..0xFF are accepted inside strings (tEXt is Latin-1).
 *
 * Returns: 1 or 0.
 */
int msx_json_is_object (const char *text, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* MSX_PNG_INFO_H */
