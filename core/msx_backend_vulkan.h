/* melspecx core — the Vulkan analysis backend: core-internal extras.
 * SPDX-License-Identifier: MIT
 *
 * The backend itself is msx_backend_vulkan_ops (msx_backend.h), compiled
 * when MSX_HAVE_VULKAN is defined.  This header adds what benchmarks and
 * tests need to look inside it; the element does not use it.
 */
#ifndef MSX_BACKEND_VULKAN_H
#define MSX_BACKEND_VULKAN_H

#include <stdint.h>

/**
 * MsxVulkanTimings:
 * Process-wide totals of every Vulkan backend since the last reset, in
 * seconds.  The warm-up dispatch of create() is not counted.
 */
typedef struct {
  double upload_s;     /* host: signal copied into mapped memory */
  double compute_s;    /* device: timestamps around the dispatches
                        * (framing+FFT+mel), or the fence wait when
                        * the queue has no timestamps */
  double readback_s;   /* host: mel values copied out */
  double process_s;    /* wall time inside process() */
  uint64_t frames;     /* frames returned */
  uint64_t dispatches; /* command buffers submitted */
  /* the last create() */
  double create_s; /* whole create(), warm-up included */
  double plan_s;   /* VkFFT plan creation alone */
  double warmup_s; /* the warm-up dispatch (driver JIT) */
  int plan_source; /* 0 compiled, 1 from memory, 2 from disk */
  int batch;       /* frames per dispatch (the VkFFT plan's) */
  uint64_t batch_bytes; /* its buffers: frames, spectrum, per slot signal
                         * and mel (at most MSX_BATCH_MEMORY unless one
                         * frame needs more) */
} MsxVulkanTimings;

/**
 * msx_backend_vulkan_timings:
 * @out: (out) (nullable): the totals
 * @reset: 1 to zero the totals after reading them
 *
 * Only in builds with MSX_HAVE_VULKAN (as is msx_backend_vulkan_live_objects).
 *
 * Returns: 1 once a Vulkan backend has been created, else 0.
 */
int msx_backend_vulkan_timings (MsxVulkanTimings *out, int reset);

/**
 * msx_backend_vulkan_live_objects:
 * Returns: Vulkan objects of melspecx still alive (instance, devices,
 * buffers, memory): 0 once every backend is freed or has released its
 * objects after a failure.  For the fault-injection tests.
 */
int msx_backend_vulkan_live_objects (void);

#endif /* MSX_BACKEND_VULKAN_H */
