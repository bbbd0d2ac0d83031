/* melspecx core — backend factory: picks the implementation, hides it.
 * SPDX-License-Identifier: MIT
 *
 * Where the Vulkan backend lives depends on the build: linked in
 * (MSX_HAVE_VULKAN: the core's own programs and tests), or in a module
 * beside the binary that holds this file (MSX_VULKAN_MODULE, its file
 * name: the GStreamer plugin).  The module carries VkFFT, glslang (10 MB
 * of C++), libstdc++ and the Vulkan loader, whose loading cost every
 * process ~5 ms although most runs never use them; it is opened the first
 * time a run asks for Vulkan, and not at all when backend auto remembers
 * that the machine has no GPU (msx_vulkan_probe.h).
 */
#ifdef MSX_VULKAN_MODULE
#define _GNU_SOURCE /* dladdr */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msx_backend.h"
#if defined(MSX_HAVE_VULKAN) || defined(MSX_VULKAN_MODULE)
#include "msx_vulkan_probe.h"
#endif
#ifdef MSX_VULKAN_MODULE
#include <dlfcn.h>
#include <pthread.h>
#endif

struct MsxBackend {
  const MsxBackendOps *ops;
  void *state;
};

int
msx_backend_vulkan_built (void)
{
#if defined(MSX_HAVE_VULKAN) || defined(MSX_VULKAN_MODULE)
  return 1;
#else
  return 0;
#endif
}

static MsxStatus
backend_open (const MsxBackendOps *ops, const MsxConfig *cfg,
    const float *window, const MsxMelBank *bank, MsxBackend **out, char *msg,
    size_t msg_size)
{
  MsxBackend *be = calloc (1, sizeof *be);
  MsxStatus st;

  if (!be)
    return MSX_ERROR_NO_MEMORY;
  st = ops->create (cfg, window, bank, &be->state, msg, msg_size);
  if (st) {
    free (be);
    return st;
  }
  be->ops = ops;
  *out = be;
  return MSX_OK;
}

#ifdef MSX_VULKAN_MODULE
static pthread_once_t vulkan_once = PTHREAD_ONCE_INIT;
static const MsxBackendOps *vulkan_module_ops;
static char vulkan_module_error[512];

/* Opens MSX_VULKAN_MODULE from the directory of the binary this code is
 * linked into; never closed (glslang keeps process-wide state). */
static void
open_vulkan_module (void)
{
  char path[4096];
  const char *slash;
  Dl_info info;
  void *handle;
  int dir_len;

  if (!dladdr ((void *)open_vulkan_module, &info) || info.dli_fname == NULL) {
    snprintf (vulkan_module_error, sizeof vulkan_module_error,
        "cannot tell where melspecx was loaded from, to find %s",
        MSX_VULKAN_MODULE);
    return;
  }
  slash = strrchr (info.dli_fname, '/');
  dir_len = slash != NULL ? (int)(slash - info.dli_fname + 1) : 0;
  snprintf (
      path, sizeof path, "%.*s%s", dir_len, info.dli_fname, MSX_VULKAN_MODULE);
  handle = dlopen (path, RTLD_NOW | RTLD_LOCAL);
  if (handle != NULL)
    vulkan_module_ops = dlsym (handle, "msx_backend_vulkan_ops");
  if (vulkan_module_ops == NULL)
    snprintf (vulkan_module_error, sizeof vulkan_module_error,
        "cannot load the Vulkan module: %s", dlerror ());
}
#endif

/* The Vulkan backend's table, or NULL with @msg saying why. */
static const MsxBackendOps *
vulkan_ops (char *msg, size_t msg_size)
{
#if defined(MSX_VULKAN_MODULE)
  pthread_once (&vulkan_once, open_vulkan_module);
  if (vulkan_module_ops == NULL && msg)
    snprintf (msg, msg_size, "%s", vulkan_module_error);
  return vulkan_module_ops;
#elif defined(MSX_HAVE_VULKAN)
  (void)msg;
  (void)msg_size;
  return &msx_backend_vulkan_ops;
#else
  (void)msg;
  (void)msg_size;
  return NULL; /* unreachable: msx_backend_new() checks the build first */
#endif
}

/* Vulkan for @cfg, unless backend auto already found (and remembered) that
 * this machine has none. */
static MsxStatus
vulkan_open (const MsxConfig *cfg, const float *window, const MsxMelBank *bank,
    MsxBackend **out, char *msg, size_t msg_size)
{
  const MsxBackendOps *ops;

#if defined(MSX_HAVE_VULKAN) || defined(MSX_VULKAN_MODULE)
  if (cfg->backend == MSX_BACKEND_AUTO &&
      msx_vk_probe_recall (cfg->device_index, msg, msg_size))
    return MSX_ERROR_BACKEND_UNAVAILABLE;
#endif
  ops = vulkan_ops (msg, msg_size);
  if (ops == NULL)
    return MSX_ERROR_BACKEND_UNAVAILABLE;
  return backend_open (ops, cfg, window, bank, out, msg, msg_size);
}

MsxStatus
msx_backend_new (const MsxConfig *cfg, const float *window,
    const MsxMelBank *bank, MsxBackend **out, char *msg, size_t msg_size)
{
  MsxStatus st;

  if (msg && msg_size)
    msg[0] = '\0';
  *out = NULL;

  if (cfg->backend == MSX_BACKEND_CPU)
    return backend_open (
        &msx_backend_cpu_ops, cfg, window, bank, out, msg, msg_size);

  if (!msx_backend_vulkan_built ()) {
    if (cfg->backend == MSX_BACKEND_VULKAN) {
      if (msg)
        snprintf (msg, msg_size,
            "backend is vulkan, but melspecx was built "
            "without Vulkan support (Meson feature 'vulkan')");
      return MSX_ERROR_BACKEND_UNAVAILABLE;
    }
    if (msg)
      snprintf (msg, msg_size,
          "using the CPU: melspecx was built without "
          "Vulkan support");
    return backend_open (&msx_backend_cpu_ops, cfg, window, bank, out, NULL, 0);
  }

  st = vulkan_open (cfg, window, bank, out, msg, msg_size);
  if (st == MSX_OK || cfg->backend == MSX_BACKEND_VULKAN)
    return st;

  /* auto: Vulkan could not be used; msg says why, keep it for the caller's
   * one warning and fall back to the CPU. */
  {
    char why[256];
    snprintf (why, sizeof why, "%s", msg ? msg : "");
    st = backend_open (
        &msx_backend_cpu_ops, cfg, window, bank, out, msg, msg_size);
    if (st == MSX_OK && msg)
      snprintf (msg, msg_size, "using the CPU: %s", why);
  }
  return st;
}

MsxStatus
msx_backend_process (
    MsxBackend *be, const float *signal, size_t n_frames, float *mel_out)
{
  return be->ops->process (be->state, signal, n_frames, mel_out);
}

void
msx_backend_set_threads (MsxBackend *be, int threads)
{
  if (be->ops->set_threads)
    be->ops->set_threads (be->state, threads);
}

int
msx_backend_max_batch (MsxBackend *be)
{
  return be->ops->max_batch;
}

const char *
msx_backend_describe (MsxBackend *be)
{
  return be->ops->describe (be->state);
}

void
msx_backend_free (MsxBackend *be)
{
  if (!be)
    return;
  be->ops->destroy (be->state);
  free (be);
}
