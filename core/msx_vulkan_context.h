/* melspecx core — the process-wide Vulkan context shared by every backend.
 * SPDX-License-Identifier: MIT
 *
 * One VkInstance per process and one VkDevice per physical device, both
 * reference-counted: the first backend opens them, the last one closes them.
 * Vulkan requires external synchronisation of a VkQueue, so every submit
 * goes through msx_vk_submit() (or holds queue_lock).
 *
 * Test hook: the environment variable MSX_VULKAN_FAULT injects failures so
 * that the error paths can be run for real (tests/core/test_vulkan.c):
 *   alloc:N   the Nth device-memory allocation after msx_vk_fault_arm()
 *             fails with VK_ERROR_OUT_OF_DEVICE_MEMORY
 *   plan      VkFFT plan creation fails
 *   submit:N  the Nth queue submit after arming reports VK_ERROR_DEVICE_LOST
 * N counts from 1 and defaults to 1.  Unset in normal use.
 */
#ifndef MSX_VULKAN_CONTEXT_H
#define MSX_VULKAN_CONTEXT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <vulkan/vulkan.h>

#include "msx_config.h"

typedef struct MsxVkPlanBinary MsxVkPlanBinary;

/**
 * MsxVkDevice:
 * One logical device with one compute queue.  Fields are read-only for
 * users; @lock guards the plan-binary cache and plan creation; @queue_lock
 * guards every use of @queue.
 */
typedef struct {
  int refs;  /* guarded by the global context lock */
  int index; /* physical device index */
  int lost;  /* VK_ERROR_DEVICE_LOST seen: do not reuse */
  VkPhysicalDevice physical;
  VkPhysicalDeviceProperties props;
  VkPhysicalDeviceMemoryProperties mem_props;
  uint8_t uuid[VK_UUID_SIZE]; /* pipelineCacheUUID: keys the disk cache */
  VkDevice device;
  VkQueue queue;
  uint32_t queue_family;
  uint32_t timestamp_bits; /* 0: no timestamps on this queue */
  pthread_mutex_t lock;
  pthread_mutex_t queue_lock;
  MsxVkPlanBinary *binaries; /* compiled VkFFT plans, see msx_fft_vulkan.c */
} MsxVkDevice;

/**
 * msx_vk_device_acquire:
 * @kind: MSX_BACKEND_AUTO (only a discrete, integrated or virtual GPU;
 *   never a CPU-type device such as lavapipe) or MSX_BACKEND_VULKAN (any)
 * @device_index: physical device to use, or -1 to choose (GPU types
 *   first: discrete, integrated, virtual, then any other)
 * @out: (out): a reference to the shared device
 *
 * Returns: MSX_OK, or MSX_ERROR_BACKEND_UNAVAILABLE (no loader, no driver,
 * no suitable device, index out of range) or MSX_ERROR_DEVICE (the device
 * failed to open), with @msg saying why.
 */
MsxStatus msx_vk_device_acquire (MsxBackendKind kind, int device_index,
    MsxVkDevice **out, char *msg, size_t msg_size);

/** msx_vk_device_release: drops a reference; NULL-safe. */
void msx_vk_device_release (MsxVkDevice *dev);

/** msx_vk_device_mark_lost: new acquires will open a fresh VkDevice. */
void msx_vk_device_mark_lost (MsxVkDevice *dev);

/** Returns: "discrete", "integrated", "virtual", "cpu" or "other". */
const char *msx_vk_device_type_name (VkPhysicalDeviceType type);

/**
 * MsxVkBuffer:
 * A buffer with its own memory; @map is non-NULL for host-visible memory
 * (kept mapped for the buffer's lifetime).
 */
typedef struct {
  VkBuffer buffer;
  VkDeviceMemory memory;
  VkDeviceSize size;
  void *map;
} MsxVkBuffer;

/* Where a buffer lives. */
typedef enum {
  MSX_VK_MEM_DEVICE,  /* device-local if possible: intermediates */
  MSX_VK_MEM_UPLOAD,  /* host-visible, coherent: host writes */
  MSX_VK_MEM_READBACK /* host-visible, coherent, cached if possible */
} MsxVkMemKind;

/**
 * msx_vk_buffer_new:
 * @size: bytes (a zero size is rounded up to 4)
 *
 * Creates a storage buffer (also a transfer source and destination).
 * Host-visible memory is zero-filled.
 *
 * Returns: VK_SUCCESS or the Vulkan error (an injected
 * VK_ERROR_OUT_OF_DEVICE_MEMORY included); on failure nothing is left.
 */
VkResult msx_vk_buffer_new (
    MsxVkDevice *dev, VkDeviceSize size, MsxVkMemKind kind, MsxVkBuffer *out);

/** msx_vk_buffer_free: NULL-handle-safe; leaves @buf zeroed. */
void msx_vk_buffer_free (MsxVkDevice *dev, MsxVkBuffer *buf);

/**
 * msx_vk_submit:
 * Submits one command buffer under the queue lock, signalling @fence.
 */
VkResult msx_vk_submit (MsxVkDevice *dev, VkCommandBuffer cmd, VkFence fence);

/* Fault injection (see the top of this file). */
typedef enum {
  MSX_VK_FAULT_ALLOC,
  MSX_VK_FAULT_PLAN,
  MSX_VK_FAULT_SUBMIT
} MsxVkFault;

/** msx_vk_fault_arm: reads MSX_VULKAN_FAULT and resets the counters. */
void msx_vk_fault_arm (void);

/** Returns: 1 when the injected fault @what fires now (counts the call). */
int msx_vk_fault_hit (MsxVkFault what);

/**
 * msx_vk_live_objects:
 * Returns: buffers and memory allocations made by msx_vk_buffer_new() and
 * not yet freed, plus open devices and the instance: 0 when every Vulkan
 * object of melspecx is gone.  For tests.
 */
int msx_vk_live_objects (void);

/** Maps a VkResult to MSX_ERROR_NO_MEMORY or MSX_ERROR_DEVICE. */
MsxStatus msx_vk_status (VkResult res);

#endif /* MSX_VULKAN_CONTEXT_H */
