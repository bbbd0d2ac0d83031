/* melspecx core — remembering that backend auto found no Vulkan GPU.
 * SPDX-License-Identifier: MIT
 *
 * Finding out that a machine has no Vulkan GPU means creating a Vulkan
 * instance, and that loads every installed driver: on a machine whose only
 * device is Mesa's lavapipe (a CPU rasteriser built on LLVM) it costs
 * ~0.1 s and ~48 MB of resident memory, only to decide not to use it.  So
 * the answer "no usable GPU" is kept in the cache directory (msx_cache.h),
 * under a fingerprint of everything that could change it:
 *
 * - the Vulkan loader's driver manifests (the *.json in every icd.d and
 *   implicit_layer.d directory the loader searches, or the files named by
 *   VK_DRIVER_FILES / VK_ICD_FILENAMES / VK_ADD_DRIVER_FILES): path, size,
 *   modification time and content; a driver installed, removed or upgraded
 *   changes them;
 * - the loader's and Mesa's device-selection variables;
 * - the GPU device nodes the kernel exposes (/dev/dri, /dev/nvidia*,
 *   /dev/dxg): a GPU added to a machine whose drivers were already
 *   installed shows up there;
 * - the device-index asked for.
 *
 * Reading them takes well under a millisecond.  A positive answer is never
 * remembered: a GPU is opened for real every time.  Deleting the cache
 * directory makes the next run probe again.  docs/performance.md.
 */
#ifndef MSX_VULKAN_PROBE_H
#define MSX_VULKAN_PROBE_H

#include <stddef.h>

/**
 * msx_vk_probe_recall:
 * @device_index: the device-index of the request (-1: choose)
 * @msg: (out): on success, the remembered reason and that it was
 *   remembered
 *
 * Returns: 1 when an earlier probe under the same fingerprint found no
 * usable GPU, else 0 (@msg untouched).
 */
int msx_vk_probe_recall (int device_index, char *msg, size_t msg_size);

/**
 * msx_vk_probe_remember:
 * @device_index: as for msx_vk_probe_recall()
 * @why: the reason the probe gave (one line)
 *
 * Records that backend auto found no usable GPU.  Failures (no cache
 * directory, a read-only one) are silent: the next run probes again.
 */
void msx_vk_probe_remember (int device_index, const char *why);

#endif /* MSX_VULKAN_PROBE_H */
