/* Planning a Vulkan FFT leaves the application's locale alone.
 * SPDX-License-Identifier: MIT
 *
 * VkFFT's shader generator prints numbers that glslang parses back, so it
 * needs a '.' decimal point.  It must get one for its own thread only: the
 * process locale belongs to the application, and other threads format
 * numbers with it while a plan is compiled.  The test runs with a German
 * LC_NUMERIC (decimal comma) as the process locale, plans from a worker
 * thread while another thread keeps formatting 1.5, and checks that the
 * plan's numbers are right, that the other thread always saw "1,5" and that
 * setlocale (LC_ALL, NULL) is what it was.
 *
 * The German locale is compiled into a temporary LOCPATH with localedef
 * (libc-bin; its sources come with Debian's `locales` package) unless the
 * system already has it (without a sanitizer build's LD_PRELOAD: localedef
 * is a tool here, not under test).
 */
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vulkan/vulkan.h>

#include "msx_stft.h"
#include "msx_test.h"

#define GERMAN "de_DE.UTF-8"
#define N_SAMPLES 22050

static volatile int stop_formatting;
static long format_mismatches, format_rounds;

/* Formats with the process locale, as any thread of an application does. */
static void *
format_numbers (void *unused)
{
  char text[32];

  (void)unused;
  while (!stop_formatting) {
    snprintf (text, sizeof text, "%.1f", 1.5);
    if (strcmp (text, "1,5") != 0)
      format_mismatches++;
    format_rounds++;
  }
  return NULL;
}

typedef struct {
  MsxBackendKind kind;
  float *mel; /* frames × n_mels */
  size_t frames;
  MsxStatus status;
  char msg[256];
} Run;

static void
collect (void *user, int lane, const float *mel, size_t n)
{
  Run *r = user;

  (void)lane;
  memcpy (r->mel + r->frames * 128, mel, n * 128 * sizeof (float));
  r->frames += n;
}

static void *
analyse (void *user)
{
  Run *r = user;
  MsxConfig c;
  MsxStft *s = NULL;
  float *x = malloc (N_SAMPLES * sizeof *x);
  size_t i;

  for (i = 0; i < N_SAMPLES; i++)
    x[i] = (float)(0.5 * sin (2 * M_PI * 1000.0 * i / 22050.0));
  msx_config_init (&c);
  c.sample_rate = 22050;
  c.n_fft = 2048;
  c.hop_length = 512;
  c.n_mels = 128;
  c.output_db = 1;
  c.backend = r->kind;
  r->mel = calloc ((N_SAMPLES / 512 + 2) * 128, sizeof (float));
  r->status = msx_stft_new (&c, collect, r, &s, r->msg, sizeof r->msg);
  if (r->status == MSX_OK)
    r->status = msx_stft_push (s, x, N_SAMPLES);
  if (r->status == MSX_OK)
    r->status = msx_stft_finish (s);
  msx_stft_free (s);
  free (x);
  return NULL;
}

/* A German locale the process can select: the system's, or one compiled
 * now into @dir (then LOCPATH points there). */
static int
have_german (const char *dir)
{
  char cmd[512];
  locale_t probe = newlocale (LC_NUMERIC_MASK, GERMAN, (locale_t)0);

  if (probe) {
    freelocale (probe);
    return 1;
  }
  snprintf (cmd, sizeof cmd,
      "env -u LD_PRELOAD localedef -i de_DE -f UTF-8 '%s/" GERMAN
      "' >/dev/null 2>&1",
      dir);
  if (system (cmd) != 0)
    return 0;
  setenv ("LOCPATH", dir, 1);
  probe = newlocale (LC_NUMERIC_MASK, GERMAN, (locale_t)0);
  if (probe)
    freelocale (probe);
  return probe != NULL;
}

int
main (void)
{
  char cache[] = "/tmp/msx-vklocale-XXXXXX", locales[] = "/tmp/msx-de-XXXXXX";
  char before[512], after[512], cmd[160];
  const char *now;
  pthread_t formatter, planner;
  Run vk = { .kind = MSX_BACKEND_VULKAN }, cpu = { .kind = MSX_BACKEND_CPU };
  double worst = 0, top = -1e30;
  size_t i;

  /* an empty plan cache: the plan is compiled, not loaded */
  if (!mkdtemp (cache) || !mkdtemp (locales)) {
    msx_check (0, "temporary directories");
    return msx_test_done ();
  }
  setenv ("XDG_CACHE_HOME", cache, 1);
  if (!msx_check (have_german (locales),
          "a German locale (localedef from Debian's locales package)"))
    return msx_test_done ();
  setlocale (LC_ALL, "C.UTF-8");
  msx_check (setlocale (LC_NUMERIC, GERMAN) != NULL,
      "the process uses a decimal comma");
  snprintf (before, sizeof before, "%s", setlocale (LC_ALL, NULL));

  pthread_create (&formatter, NULL, format_numbers, NULL);
  pthread_create (&planner, NULL, analyse, &vk);
  pthread_join (planner, NULL);
  stop_formatting = 1;
  pthread_join (formatter, NULL);

  if (!msx_check (vk.status == MSX_OK, "a Vulkan plan compiled and ran"))
    printf ("# %s\n", vk.msg);
  now = setlocale (LC_ALL, NULL);
  snprintf (after, sizeof after, "%s", now ? now : "(null)");
  if (!msx_check (
          strcmp (before, after) == 0, "setlocale (LC_ALL, NULL) is unchanged"))
    printf ("# before: %s\n# after:  %s\n", before, after);
  printf ("# %ld numbers formatted meanwhile\n", format_rounds);
  msx_check (format_rounds > 0 && format_mismatches == 0,
      "another thread formatted 1.5 as \"1,5\" throughout");

  /* the shaders got their '.': the same numbers as the CPU backend */
  analyse (&cpu);
  msx_check (cpu.status == MSX_OK && cpu.frames == vk.frames && vk.frames > 0,
      "both backends gave the same number of frames");
  for (i = 0; i < cpu.frames * 128; i++)
    top = fmax (top, cpu.mel[i]);
  /* what a picture shows: the top 80 dB */
  for (i = 0; i < vk.frames * 128 && cpu.frames == vk.frames; i++)
    if (cpu.mel[i] > top - 80.0 || vk.mel[i] > top - 80.0)
      worst = fmax (worst, fabs ((double)cpu.mel[i] - vk.mel[i]));
  if (!msx_check (worst < 0.01, "Vulkan dB within 0.01 dB of the CPU's"))
    printf ("# worst difference %.4g dB\n", worst);

  free (vk.mel);
  free (cpu.mel);
  snprintf (cmd, sizeof cmd, "rm -rf '%s' '%s'", cache, locales);
  if (system (cmd) != 0)
    printf ("# could not remove the temporary directories\n");
  return msx_test_done ();
}
