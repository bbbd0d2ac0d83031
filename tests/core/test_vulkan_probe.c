/* Backend auto remembers "no Vulkan GPU" (msx_vulkan_probe.h): the second
 * run in a fresh process uses the CPU without loading any Vulkan driver,
 * and a changed driver manifest makes it probe again.
 * SPDX-License-Identifier: MIT
 *
 * The driver list is pinned to a copy of Mesa's lavapipe manifest
 * (VK_DRIVER_FILES), so the machine has "no GPU" whatever is installed.
 * Each run is a fresh process (fork, or exec for the run that must not load
 * a driver: a sanitizer set-up may preload lavapipe, which exec drops).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "msx_stft.h"
#include "msx_test.h"

/* Exit codes of one run. */
enum { RUN_PROBED = 10, RUN_REMEMBERED = 11, RUN_VULKAN = 12, RUN_FAILED = 13 };

static void
on_frames (void *user, int lane, const float *mel, size_t n)
{
}

/* Does this process have a Vulkan driver (not the loader) mapped? */
static int
driver_mapped (void)
{
  char line[4096];
  int found = 0;
  FILE *f = fopen ("/proc/self/maps", "r");

  while (f && fgets (line, sizeof line, f))
    if (strstr (line, "/libvulkan_") || strstr (line, "libLLVM"))
      found = 1;
  if (f)
    fclose (f);
  return found;
}

/* One auto backend; the exit code says what it did.  With @no_driver, a
 * driver found mapped afterwards is a failure. */
static int
run_auto (int no_driver)
{
  MsxConfig c;
  MsxStft *s = NULL;
  char msg[512] = "";
  int code;

  msx_config_init (&c);
  c.sample_rate = 22050;
  c.channels = 1;
  c.backend = MSX_BACKEND_AUTO;
  if (msx_stft_new (&c, on_frames, NULL, &s, msg, sizeof msg) != MSX_OK)
    return RUN_FAILED;
  printf ("# %d: %s; %s\n", (int)getpid (), msx_stft_backend (s), msg);
  if (!strncmp (msx_stft_backend (s), "vulkan", 6))
    code = RUN_VULKAN;
  else
    code = strstr (msg, "remembered") ? RUN_REMEMBERED : RUN_PROBED;
  msx_stft_free (s);
  if (no_driver && driver_mapped ()) {
    printf ("# a Vulkan driver is mapped in this process\n");
    code = RUN_FAILED;
  }
  fflush (stdout);
  return code;
}

/* A forked run (the driver may load: it is the probe). */
static int
fork_run (void)
{
  pid_t pid = fork ();
  int status = 0;

  if (pid == 0)
    _exit (run_auto (0));
  if (pid < 0 || waitpid (pid, &status, 0) != pid || !WIFEXITED (status))
    return RUN_FAILED;
  return WEXITSTATUS (status);
}

/* LD_PRELOAD without lavapipe, which a sanitizer set-up preloads. */
static void
drop_preloaded_driver (void)
{
  const char *pre = getenv ("LD_PRELOAD");
  char kept[4096] = "", *copy, *tok, *save;

  if (!pre)
    return;
  copy = strdup (pre);
  for (tok = strtok_r (copy, ": ", &save); tok;
       tok = strtok_r (NULL, ": ", &save))
    if (!strstr (tok, "libvulkan_") &&
        strlen (kept) + strlen (tok) + 2 < sizeof kept) {
      if (kept[0])
        strcat (kept, ":");
      strcat (kept, tok);
    }
  free (copy);
  setenv ("LD_PRELOAD", kept, 1);
}

/* A fresh program run (exec) that must not map any driver. */
static int
exec_run (const char *self)
{
  pid_t pid = fork ();
  int status = 0;

  if (pid == 0) {
    drop_preloaded_driver ();
    execl (self, self, "--no-driver", (char *)NULL);
    _exit (RUN_FAILED);
  }
  if (pid < 0 || waitpid (pid, &status, 0) != pid || !WIFEXITED (status))
    return RUN_FAILED;
  return WEXITSTATUS (status);
}

/* Copies the installed lavapipe manifest into @dir; returns its path. */
static char *
copy_lavapipe_manifest (const char *dir)
{
  static const char *const dirs[] = { "/usr/share/vulkan/icd.d",
    "/usr/local/share/vulkan/icd.d", "/etc/vulkan/icd.d" };
  char src[4096], *dst = NULL, buf[4096];
  size_t i, n;

  for (i = 0; i < sizeof dirs / sizeof dirs[0] && !dst; i++) {
    DIR *d = opendir (dirs[i]);
    struct dirent *e;
    while (d && (e = readdir (d)) && !dst) {
      FILE *in, *out;
      if (strncmp (e->d_name, "lvp_icd", 7))
        continue;
      snprintf (src, sizeof src, "%s/%s", dirs[i], e->d_name);
      dst = malloc (4096);
      snprintf (dst, 4096, "%s/%s", dir, e->d_name);
      in = fopen (src, "rb");
      out = fopen (dst, "wb");
      while (in && out && (n = fread (buf, 1, sizeof buf, in)) > 0)
        fwrite (buf, 1, n, out);
      if (in)
        fclose (in);
      if (out)
        fclose (out);
    }
    if (d)
      closedir (d);
  }
  return dst;
}

static int
count_probe_files (const char *cache)
{
  char path[4300];
  struct dirent *e;
  int n = 0;
  DIR *d;

  snprintf (path, sizeof path, "%s/melspecx", cache);
  d = opendir (path);
  while (d && (e = readdir (d)))
    n += !strncmp (e->d_name, "vulkan-probe-", 13);
  if (d)
    closedir (d);
  return n;
}

int
main (int argc, char **argv)
{
  char dir[] = "/tmp/msx-probetest-XXXXXX", cache[4200], cmd[4300];
  struct timespec later[2] = { { 0, UTIME_OMIT }, { 0, 0 } };
  char *manifest;

  if (argc > 1 && !strcmp (argv[1], "--no-driver"))
    return run_auto (1);
  if (!msx_check (mkdtemp (dir) != NULL, "temporary directory"))
    return msx_test_done ();
  snprintf (cache, sizeof cache, "%s/cache", dir);
  setenv ("XDG_CACHE_HOME", cache, 1);
  manifest = copy_lavapipe_manifest (dir);
  if (msx_check (manifest != NULL, "lavapipe's driver manifest is installed")) {
    setenv ("VK_DRIVER_FILES", manifest, 1);

    msx_check (fork_run () == RUN_PROBED,
        "first auto run: probes, finds no GPU, uses the CPU");
    msx_check (count_probe_files (cache) == 1,
        "  and remembers it in $XDG_CACHE_HOME/melspecx");
    msx_check (exec_run (argv[0]) == RUN_REMEMBERED,
        "second run, fresh process: the CPU, remembered, no Vulkan driver "
        "mapped");

    /* an upgraded driver: same manifest, another modification time */
    later[1].tv_sec = time (NULL) + 3600;
    utimensat (AT_FDCWD, manifest, later, 0);
    msx_check (fork_run () == RUN_PROBED,
        "a driver manifest with a new time: probes again");
    msx_check (exec_run (argv[0]) == RUN_REMEMBERED,
        "  then remembers the new answer");
  }
  free (manifest);
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system (cmd) != 0)
    printf ("# could not remove %s\n", dir);
  return msx_test_done ();
}
