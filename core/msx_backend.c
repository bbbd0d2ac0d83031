/* melspecx core — backend factory: picks the implementation, hides it.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msx_backend.h"

struct MsxBackend {
  const MsxBackendOps *ops;
  void *state;
};

int
msx_backend_vulkan_built (void)
{
#ifdef MSX_HAVE_VULKAN
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

#ifdef MSX_HAVE_VULKAN
  st = backend_open (
      &msx_backend_vulkan_ops, cfg, window, bank, out, msg, msg_size);
#else
  st = MSX_ERROR_BACKEND_UNAVAILABLE; /* unreachable: checked above */
#endif
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
