/* Tests of msx_png_info: the metadata of PNGs written by msx_png, and
 * files that are not quite PNGs.
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "msx_config.h"
#include "msx_png.h"
#include "msx_png_info.h"
#include "msx_test.h"

/* A 3×2 RGB PNG with a tEXt chunk @key = @text (no chunk if @key NULL). */
static uint8_t *
encode (const char *key, const char *text, size_t *size)
{
  uint8_t pixels[2 * 9] = { 0 };
  uint8_t *png = NULL;

  if (msx_png_encode (pixels, MSX_PIXEL_RGB, 3, 2, 9, key, text, &png, size))
    return NULL;
  return png;
}

static MsxStatus
read_text (const uint8_t *png, size_t size, char **text)
{
  size_t len = 0;
  MsxStatus st = msx_png_info_read (png, size, text, &len);

  if (st == MSX_OK && len != strlen (*text))
    return MSX_ERROR_NO_MEMORY; /* fails the caller's check */
  return st;
}

static void
test_round_trip (void)
{
  MsxConfig cfg;
  char json[2048], *text = NULL;
  size_t size;
  uint8_t *png;

  msx_config_init (&cfg);
  msx_config_to_json (&cfg, 1.5, json, sizeof (json));
  png = encode (MSX_PNG_INFO_KEY, json, &size);
  msx_check (read_text (png, size, &text) == MSX_OK && !strcmp (text, json),
      "the config's JSON comes back as written");
  free (text);
  free (png);
}

static void
test_no_chunk (void)
{
  char *text = (char *)1;
  size_t size;
  uint8_t *png = encode ("Comment", "{}", &size);

  msx_check (read_text (png, size, &text) == MSX_ERROR_NO_DATA && !text,
      "another keyword: NO_DATA, text NULL");
  free (png);
  png = encode (NULL, NULL, &size);
  msx_check (read_text (png, size, &text) == MSX_ERROR_NO_DATA,
      "no text at all: NO_DATA");
  free (png);
}

static void
test_damaged (void)
{
  const char *json = "{\"n_fft\": 2048}";
  char *text = NULL;
  size_t size, i, bad_trunc = 0, bad_flip = 0;
  uint8_t *png = encode (MSX_PNG_INFO_KEY, json, &size);

  for (i = 0; i < size; i++)
    bad_trunc += read_text (png, i, &text) != MSX_ERROR_PNG;
  msx_check (bad_trunc == 0, "every truncation is refused");
  for (i = 0; i < size; i++) {
    png[i] ^= 0x01;
    bad_flip += read_text (png, size, &text) != MSX_ERROR_PNG;
    png[i] ^= 0x01;
  }
  /* The last 4 bytes are IEND's CRC, so every flipped bit is seen. */
  msx_check (bad_flip == 0, "every flipped bit is refused (CRC or structure)");
  msx_check (read_text (png, size, &text) == MSX_OK, "the intact file reads");
  free (text);
  free (png);
}

static void
test_bad_text (void)
{
  const char *bad[] = { "", "[]", "{", "{\"a\":}", "{\"a\":1,}", "{} {}",
    "{\"a\":01}", "{\"a\":\"\\x\"}", "{\"a\":tru}", "{'a':1}" };
  char *text = NULL, *big;
  size_t size, i, wrong = 0;
  uint8_t *png;

  for (i = 0; i < sizeof (bad) / sizeof (bad[0]); i++) {
    png = encode (MSX_PNG_INFO_KEY, bad[i], &size);
    wrong += read_text (png, size, &text) != MSX_ERROR_PNG;
    free (png);
  }
  msx_check (wrong == 0, "text that is not one JSON object is refused");

  big = malloc (MSX_PNG_INFO_MAX_TEXT + 2);
  memset (big, ' ', MSX_PNG_INFO_MAX_TEXT + 1);
  big[0] = '{';
  big[MSX_PNG_INFO_MAX_TEXT - 1] = '}';
  big[MSX_PNG_INFO_MAX_TEXT] = '\0';
  png = encode (MSX_PNG_INFO_KEY, big, &size);
  msx_check (read_text (png, size, &text) == MSX_OK, "64 KiB of text reads");
  free (text);
  free (png);
  big[MSX_PNG_INFO_MAX_TEXT] = ' ';
  big[MSX_PNG_INFO_MAX_TEXT + 1] = '\0';
  png = encode (MSX_PNG_INFO_KEY, big, &size);
  msx_check (read_text (png, size, &text) == MSX_ERROR_PNG,
      "one byte more is refused");
  free (png);
  free (big);
}

/* {"a":[[...]]} with @levels levels in all. */
static void
nested (char *out, int levels)
{
  int i;

  strcpy (out, "{\"a\":");
  for (i = 1; i < levels; i++)
    strcat (out, "[");
  for (i = 1; i < levels; i++)
    strcat (out, "]");
  strcat (out, "}");
}

static void
test_json (void)
{
  const char *good[] = { "{}",
    " {\"a\": [1, -2.5e3, true, null, \"\\u00e9\"]} ", "{\"a\":{\"b\":{}}}",
    "{\"\xe9\":0}" };
  char deep[2 * MSX_JSON_MAX_DEPTH + 16];
  size_t i, wrong = 0;

  for (i = 0; i < sizeof (good) / sizeof (good[0]); i++)
    wrong += !msx_json_is_object (good[i], strlen (good[i]));
  msx_check (wrong == 0, "JSON objects are accepted");

  /* An object nesting MSX_JSON_MAX_DEPTH levels, then one more. */
  nested (deep, MSX_JSON_MAX_DEPTH);
  msx_check (msx_json_is_object (deep, strlen (deep)), "32 levels nest");
  nested (deep, MSX_JSON_MAX_DEPTH + 1);
  msx_check (!msx_json_is_object (deep, strlen (deep)), "33 levels do not");
  msx_check (!msx_json_is_object ("{\"a\":1}", 6), "the length is obeyed");
  msx_check (!msx_json_is_object (NULL, 0), "NULL is not an object");
}

static void
test_arguments (void)
{
  char *text = (char *)1;
  const uint8_t sig[8] = { 137, 80, 78, 71, 13, 10, 26, 10 };

  msx_check (
      msx_png_info_read (NULL, 0, &text, NULL) == MSX_ERROR_INVALID_ARGUMENT &&
          text == NULL,
      "NULL data: INVALID_ARGUMENT, text NULL");
  msx_check (
      msx_png_info_read (sig, 8, NULL, NULL) == MSX_ERROR_INVALID_ARGUMENT,
      "NULL text: INVALID_ARGUMENT");
  msx_check (msx_png_info_read (sig, 8, &text, NULL) == MSX_ERROR_PNG,
      "a signature alone is not a PNG");
  msx_check (msx_png_info_read ((const uint8_t *)"GIF89a", 6, &text, NULL) ==
                 MSX_ERROR_PNG,
      "a GIF is not a PNG");
}

int
main (void)
{
  test_round_trip ();
  test_no_chunk ();
  test_damaged ();
  test_bad_text ();
  test_json ();
  test_arguments ();
  return msx_test_done ();
}
