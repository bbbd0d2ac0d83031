/* melspecx core — reading back the metadata chunk of a melspecx PNG.
 * SPDX-License-Identifier: MIT
 *
 * Chunk layout (PNG specification, 5.3): a 4-byte big-endian length (at
 * most 2^31 − 1), a 4-byte type, the data, and a CRC-32 (ISO 3309, the one
 * zlib computes) of type and data.  tEXt data is a 1..79-byte keyword, a
 * NUL, and Latin-1 text without NUL.
 */
#include <stdlib.h>
#include <string.h>

#include "msx_png_info.h"

static const uint8_t png_signature[8] = { 137, 80, 78, 71, 13, 10, 26, 10 };

#define CHUNK_OVERHEAD 12u /* length, type, CRC */
#define MAX_CHUNK_LENGTH 0x7fffffffu
#define MAX_KEYWORD 79u

/* CRC-32 (reflected polynomial 0xEDB88320) a nibble at a time: a 16-entry
 * constant table, enough for files of a few kilobytes. */
static uint32_t
crc32_update (uint32_t crc, const uint8_t *p, size_t n)
{
  static const uint32_t t[16] = { 0x00000000, 0x1db71064, 0x3b6e20c8,
    0x26d930ac, 0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c, 0xedb88320,
    0xf00f9344, 0xd6d6a3e8, 0xcb61b38c, 0x9b64c2b0, 0x86d3d2d4, 0xa00ae278,
    0xbdbdf21c };
  size_t i;

  for (i = 0; i < n; i++) {
    crc ^= p[i];
    crc = (crc >> 4) ^ t[crc & 15];
    crc = (crc >> 4) ^ t[crc & 15];
  }
  return crc;
}

static uint32_t
read_be32 (const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

/* JSON (RFC 8259), checked by recursive descent over [*p, end). */

typedef struct {
  const unsigned char *p, *end;
} Json;

static int json_value (Json *j, int depth);

static void
json_space (Json *j)
{
  while (j->p < j->end &&
         (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
    j->p++;
}

static int
json_eat (Json *j, char c)
{
  json_space (j);
  if (j->p < j->end && *j->p == (unsigned char)c) {
    j->p++;
    return 1;
  }
  return 0;
}

static int
json_literal (Json *j, const char *word)
{
  size_t n = strlen (word);

  if ((size_t)(j->end - j->p) < n || memcmp (j->p, word, n) != 0)
    return 0;
  j->p += n;
  return 1;
}

static int
json_is_hex (unsigned char c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

/* After the opening quote. */
static int
json_string (Json *j)
{
  while (j->p < j->end) {
    unsigned char c = *j->p++;
    int i;

    if (c == '"')
      return 1;
    if (c < 0x20)
      return 0;
    if (c != '\\')
      continue;
    if (j->p >= j->end)
      return 0;
    c = *j->p++;
    if (c == 'u') {
      for (i = 0; i < 4; i++)
        if (j->p >= j->end || !json_is_hex (*j->p++))
          return 0;
    } else if (!strchr ("\"\\/bfnrt", c) || c == '\0') {
      return 0;
    }
  }
  return 0;
}

static int
json_digits (Json *j)
{
  const unsigned char *start = j->p;

  while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
    j->p++;
  return j->p > start;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
json_number (Json *j)
{
  if (j->p < j->end && *j->p == '-')
    j->p++;
  if (j->p < j->end && *j->p == '0')
    j->p++;
  else if (!json_digits (j))
    return 0;
  if (j->p < j->end && *j->p == '.') {
    j->p++;
    if (!json_digits (j))
      return 0;
  }
  if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
    j->p++;
    if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
      j->p++;
    if (!json_digits (j))
      return 0;
  }
  return 1;
}

/* After the opening brace or bracket: members (object) or elements. */
static int
json_members (Json *j, int depth, int object, char close)
{
  if (json_eat (j, close))
    return 1;
  do {
    if (object && !(json_eat (j, '"') && json_string (j) && json_eat (j, ':')))
      return 0;
    if (!json_value (j, depth))
      return 0;
  } while (json_eat (j, ','));
  return json_eat (j, close);
}

static int
json_value (Json *j, int depth)
{
  json_space (j);
  if (j->p >= j->end)
    return 0;
  switch (*j->p) {
    case '{':
    case '[': {
      int object = *j->p++ == '{';

      if (depth >= MSX_JSON_MAX_DEPTH)
        return 0;
      return json_members (j, depth + 1, object, object ? '}' : ']');
    }
    case '"':
      j->p++;
      return json_string (j);
    case 't':
      return json_literal (j, "true");
    case 'f':
      return json_literal (j, "false");
    case 'n':
      return json_literal (j, "null");
    default:
      return json_number (j);
  }
}

int
msx_json_is_object (const char *text, size_t len)
{
  Json j;

  if (text == NULL)
    return 0;
  j.p = (const unsigned char *)text;
  j.end = j.p + len;
  json_space (&j);
  if (j.p >= j.end || *j.p != '{' || !json_value (&j, 0))
    return 0;
  json_space (&j);
  return j.p == j.end;
}

/* The PNG chunk walk. */

/* The text of a tEXt chunk whose keyword is ours, or NULL (another
 * keyword).  *@err is set for a malformed chunk of ours. */
static const uint8_t *
text_of_ours (const uint8_t *d, uint32_t len, size_t *text_len, int *err)
{
  size_t key_len = sizeof (MSX_PNG_INFO_KEY) - 1;
  const uint8_t *text;

  *err = 0;
  if (len < key_len + 1 || memcmp (d, MSX_PNG_INFO_KEY, key_len + 1) != 0)
    return NULL;
  text = d + key_len + 1;
  *text_len = len - key_len - 1;
  if (*text_len > MSX_PNG_INFO_MAX_TEXT ||
      memchr (text, '\0', *text_len) != NULL ||
      !msx_json_is_object ((const char *)text, *text_len))
    *err = 1;
  return text;
}

/* Checks one chunk at @p (with @left bytes from there) and returns its
 * total size, or 0 when it is truncated, too long or its CRC is wrong. */
static size_t
check_chunk (const uint8_t *p, size_t left)
{
  uint32_t len;

  if (left < CHUNK_OVERHEAD)
    return 0;
  len = read_be32 (p);
  if (len > MAX_CHUNK_LENGTH || len > left - CHUNK_OVERHEAD)
    return 0;
  if ((crc32_update (0xffffffffu, p + 4, 4 + (size_t)len) ^ 0xffffffffu) !=
      read_be32 (p + 8 + len))
    return 0;
  return CHUNK_OVERHEAD + (size_t)len;
}

MsxStatus
msx_png_info_read (
    const uint8_t *data, size_t size, char **text, size_t *text_len)
{
  const uint8_t *found = NULL;
  size_t pos = sizeof (png_signature), found_len = 0, chunk;

  if (text == NULL)
    return MSX_ERROR_INVALID_ARGUMENT;
  *text = NULL;
  if (data == NULL)
    return MSX_ERROR_INVALID_ARGUMENT;
  if (size < pos || memcmp (data, png_signature, pos) != 0)
    return MSX_ERROR_PNG;
  /* IHDR first, with its fixed 13 bytes. */
  if (size - pos < 8 || read_be32 (data + pos) != 13 ||
      memcmp (data + pos + 4, "IHDR", 4) != 0)
    return MSX_ERROR_PNG;
  for (;;) {
    const uint8_t *p = data + pos;
    uint32_t len;

    chunk = check_chunk (p, size - pos);
    if (chunk == 0)
      return MSX_ERROR_PNG;
    len = read_be32 (p);
    if (memcmp (p + 4, "IEND", 4) == 0)
      break;
    if (found == NULL && memcmp (p + 4, "tEXt", 4) == 0) {
      int err;

      found = text_of_ours (p + 8, len, &found_len, &err);
      if (err)
        return MSX_ERROR_PNG;
    }
    pos += chunk;
  }
  if (found == NULL)
    return MSX_ERROR_NO_DATA;
  *text = malloc (found_len + 1);
  if (*text == NULL)
    return MSX_ERROR_NO_MEMORY;
  memcpy (*text, found, found_len);
  (*text)[found_len] = '\0';
  if (text_len != NULL)
    *text_len = found_len;
  return MSX_OK;
}
