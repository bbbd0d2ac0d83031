/* melspecx core — remembering that backend auto found no Vulkan GPU.
 * SPDX-License-Identifier: MIT
 *
 * The directories are the Vulkan loader's own search list for Linux: the
 * XDG config and data directories (with their defaults), /usr/local/etc
 * and /etc, each followed by vulkan/icd.d and vulkan/implicit_layer.d.
 * Listing a few more than a given loader reads only makes the fingerprint
 * stricter.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msx_cache.h"
#include "msx_vulkan_probe.h"

#define PROBE_FORMAT "melspecx vulkan probe 1"
#define MAX_NAMES 512
#define MAX_MANIFEST (256 * 1024)
#define PATH_SIZE 4096

/* Variables that change which drivers load or which devices they show. */
static const char *const probe_env[] = {
  "VK_DRIVER_FILES",
  "VK_ICD_FILENAMES",
  "VK_ADD_DRIVER_FILES",
  "VK_LOADER_DRIVERS_SELECT",
  "VK_LOADER_DRIVERS_DISABLE",
  "VK_LOADER_DEVICE_SELECT",
  "VK_LOADER_LAYERS_ENABLE",
  "VK_LOADER_LAYERS_DISABLE",
  "VK_INSTANCE_LAYERS",
  "MESA_VK_DEVICE_SELECT",
  "NODEVICE_SELECT",
};

static uint64_t
hash_str (uint64_t h, const char *s)
{
  /* the terminating NUL separates fields */
  return msx_cache_hash (h, s ? s : "", s ? strlen (s) + 1 : 1);
}

/* Size, modification time and content of one file (missing: its name). */
static uint64_t
hash_file (uint64_t h, const char *path)
{
  struct stat st;
  char buf[4096];
  ssize_t n;
  size_t total = 0;
  int fd;

  h = hash_str (h, path);
  if (stat (path, &st) || !S_ISREG (st.st_mode))
    return h;
  h = msx_cache_hash (h, &st.st_size, sizeof st.st_size);
  h = msx_cache_hash (h, &st.st_mtim, sizeof st.st_mtim);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return h;
  while (total < MAX_MANIFEST && (n = read (fd, buf, sizeof buf)) > 0) {
    h = msx_cache_hash (h, buf, (size_t)n);
    total += (size_t)n;
  }
  close (fd);
  return h;
}

static int
cmp_names (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* The entries of @dir whose name starts with @prefix and ends with
 * @suffix, in name order; with @content, each file's size, time and
 * content too.  A missing directory hashes as just its name. */
static uint64_t
hash_dir (uint64_t h, const char *dir, const char *prefix, const char *suffix,
    int content)
{
  char *names[MAX_NAMES], path[PATH_SIZE];
  size_t n = 0, i, lp = strlen (prefix), ls = strlen (suffix);
  struct dirent *e;
  DIR *d;

  h = hash_str (h, dir);
  d = opendir (dir);
  if (!d)
    return h;
  while ((e = readdir (d)) && n < MAX_NAMES) {
    size_t len = strlen (e->d_name);
    if (len < lp + ls || strncmp (e->d_name, prefix, lp) ||
        strcmp (e->d_name + len - ls, suffix))
      continue;
    if ((names[n] = strdup (e->d_name)))
      n++;
  }
  closedir (d);
  qsort (names, n, sizeof names[0], cmp_names);
  for (i = 0; i < n; i++) {
    snprintf (path, sizeof path, "%s/%s", dir, names[i]);
    h = content ? hash_file (h, path) : hash_str (h, names[i]);
    free (names[i]);
  }
  return h;
}

/* A list of files or directories of manifests (VK_DRIVER_FILES style). */
static uint64_t
hash_path_list (uint64_t h, const char *list)
{
  char item[PATH_SIZE];
  struct stat st;

  while (list && *list) {
    size_t len = strcspn (list, ":");
    if (len > 0 && len < sizeof item) {
      memcpy (item, list, len);
      item[len] = '\0';
      if (!stat (item, &st) && S_ISDIR (st.st_mode))
        h = hash_dir (h, item, "", ".json", 1);
      else
        h = hash_file (h, item);
    }
    list += len + (list[len] == ':');
  }
  return h;
}

/* @base/vulkan/implicit_layer.d, and with @drivers (the driver list is
 * not overridden by the environment) @base/vulkan/icd.d. */
static uint64_t
hash_vulkan_dirs (uint64_t h, const char *base, int drivers)
{
  char dir[PATH_SIZE];

  if (drivers) {
    snprintf (dir, sizeof dir, "%s/vulkan/icd.d", base);
    h = hash_dir (h, dir, "", ".json", 1);
  }
  snprintf (dir, sizeof dir, "%s/vulkan/implicit_layer.d", base);
  return hash_dir (h, dir, "", ".json", 1);
}

/* Each directory of a colon-separated XDG list, or @fallback. */
static uint64_t
hash_xdg_list (uint64_t h, const char *var, const char *fallback, int drivers)
{
  const char *list = getenv (var);
  char item[PATH_SIZE];

  if (!list || !*list)
    list = fallback;
  while (*list) {
    size_t len = strcspn (list, ":");
    if (len > 0 && len < sizeof item) {
      memcpy (item, list, len);
      item[len] = '\0';
      h = hash_vulkan_dirs (h, item, drivers);
    }
    list += len + (list[len] == ':');
  }
  return h;
}

/* $@var, else $HOME/@home_rel. */
static uint64_t
hash_xdg_home (uint64_t h, const char *var, const char *home_rel, int drivers)
{
  const char *v = getenv (var), *home = getenv ("HOME");
  char base[PATH_SIZE];

  if (v && v[0] == '/')
    snprintf (base, sizeof base, "%s", v);
  else if (home && home[0])
    snprintf (base, sizeof base, "%s/%s", home, home_rel);
  else
    return h;
  return hash_vulkan_dirs (h, base, drivers);
}

static uint64_t
fingerprint (int device_index)
{
  const char *override = getenv ("VK_DRIVER_FILES");
  uint64_t h = hash_str (MSX_CACHE_HASH_INIT, PROBE_FORMAT);
  size_t i;
  int drivers;

  h = msx_cache_hash (h, &device_index, sizeof device_index);
  for (i = 0; i < sizeof probe_env / sizeof probe_env[0]; i++)
    h = hash_str (h, getenv (probe_env[i]));
  if (!override || !*override)
    override = getenv ("VK_ICD_FILENAMES");
  drivers = !override || !*override;
  if (!drivers)
    h = hash_path_list (h, override);
  h = hash_path_list (h, getenv ("VK_ADD_DRIVER_FILES"));
  h = hash_xdg_home (h, "XDG_CONFIG_HOME", ".config", drivers);
  h = hash_xdg_list (h, "XDG_CONFIG_DIRS", "/etc/xdg", drivers);
  h = hash_vulkan_dirs (h, "/usr/local/etc", drivers);
  h = hash_vulkan_dirs (h, "/etc", drivers);
  h = hash_xdg_home (h, "XDG_DATA_HOME", ".local/share", drivers);
  h = hash_xdg_list (
      h, "XDG_DATA_DIRS", "/usr/local/share:/usr/share", drivers);
  /* GPUs the kernel exposes, whatever their driver */
  h = hash_dir (h, "/dev/dri", "", "", 0);
  h = hash_dir (h, "/dev", "nvidia", "", 0);
  return hash_dir (h, "/dev", "dxg", "", 0);
}

static int
probe_path (int device_index, char *path, size_t size)
{
  char dir[PATH_SIZE];
  int n;

  if (!msx_cache_dir (dir, sizeof dir))
    return 0;
  n = snprintf (path, size, "%s/vulkan-probe-%016llx", dir,
      (unsigned long long)fingerprint (device_index));
  return n > 0 && (size_t)n < size;
}

int
msx_vk_probe_recall (int device_index, char *msg, size_t msg_size)
{
  char path[PATH_SIZE + 64], line[512], why[512];
  int ok = 0;
  FILE *f;

  if (!probe_path (device_index, path, sizeof path))
    return 0;
  f = fopen (path, "re");
  if (!f)
    return 0;
  if (fgets (line, sizeof line, f) && !strcmp (line, PROBE_FORMAT "\n") &&
      fgets (why, sizeof why, f) && why[0] && why[0] != '\n') {
    why[strcspn (why, "\n")] = '\0';
    ok = 1;
  }
  fclose (f);
  if (ok && msg)
    snprintf (msg, msg_size,
        "%s (remembered: the Vulkan drivers and GPU devices are unchanged "
        "since that probe)",
        why);
  return ok;
}

void
msx_vk_probe_remember (int device_index, const char *why)
{
  char path[PATH_SIZE + 64], tmp[PATH_SIZE + 128];
  int fd, ok;
  FILE *f;

  if (!probe_path (device_index, path, sizeof path))
    return;
  /* temporary file + rename: a concurrent reader sees all or nothing */
  snprintf (tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid ());
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return;
  f = fdopen (fd, "w");
  if (!f) {
    close (fd);
    unlink (tmp);
    return;
  }
  ok = fprintf (f, "%s\n%.*s\n", PROBE_FORMAT, (int)strcspn (why, "\n"), why) >
       0;
  ok = fclose (f) == 0 && ok;
  if (!ok || rename (tmp, path))
    unlink (tmp);
}
