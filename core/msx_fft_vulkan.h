/* melspecx core — batched real-to-complex FFT on Vulkan (VkFFT).
 * SPDX-License-Identifier: MIT
 *
 * The only file that includes vkFFT.h (32k lines, patched at build time)
 * is msx_fft_vulkan.c.  A plan is one (n_fft, batch): out-of-place R2C of
 * @batch packed frames of n_fft floats into @batch × (n_fft/2+1) complex
 * (re, im) pairs, the layout of msx_fft.h.
 *
 * Compiled plans are cached twice, keyed by (n_fft, batch): in memory in the
 * shared device, and on disk under $XDG_CACHE_HOME/melspecx (default
 * ~/.cache/melspecx), one file per device UUID, vendor/device id, driver
 * version, n_fft, batch and VkFFT version, written atomically (temporary
 * file + rename).  A missing, corrupt (checksum) or unwritable cache is
 * ignored: the plan is compiled as if there were none.
 */
#ifndef MSX_FFT_VULKAN_H
#define MSX_FFT_VULKAN_H

#include "msx_vulkan_context.h"

typedef struct MsxFftVulkan MsxFftVulkan;

/* Where a plan's kernels came from. */
typedef enum {
  MSX_FFT_VULKAN_COMPILED,    /* glslang ran */
  MSX_FFT_VULKAN_FROM_MEMORY, /* another backend of this process made it */
  MSX_FFT_VULKAN_FROM_DISK    /* loaded from the on-disk cache */
} MsxFftVulkanSource;

/**
 * msx_fft_vulkan_supported:
 * Returns: 1 when every prime factor of @n_fft is at most 13.  Larger
 * factors need VkFFT's Bluestein path, which gave wrong results
 * (measured with Debian's VkFFT 1.2.26), so such sizes are refused.
 */
int msx_fft_vulkan_supported (int n_fft);

/**
 * msx_fft_vulkan_new:
 * @dev: the device
 * @n_fft: transform length (even, msx_fft_vulkan_supported)
 * @batch: frames per dispatch
 * @in: (in): the input buffer, @batch × n_fft floats; the pointer must
 *   outlive the plan (VkFFT keeps it)
 * @out: (in): the output buffer, @batch × (n_fft/2+1) × 2 floats; same
 * @pool: (in): a command pool of @dev's queue family, outliving the plan
 * @fence: (in): an unsignaled fence, outliving the plan
 * @plan: (out): the plan
 *
 * VkFFT may submit on the queue while planning: this takes the queue lock.
 *
 * Returns: MSX_OK, MSX_ERROR_NO_MEMORY or MSX_ERROR_DEVICE (plan or
 * shader failure, the VkFFT error code in @msg).
 */
MsxStatus msx_fft_vulkan_new (MsxVkDevice *dev, int n_fft, int batch,
    VkBuffer *in, VkBuffer *out, VkCommandPool *pool, VkFence *fence,
    MsxFftVulkan **plan, char *msg, size_t msg_size);

/**
 * msx_fft_vulkan_record:
 * Appends the forward transform's dispatches to @cmd (being recorded).
 * The caller puts barriers before and after.
 *
 * Returns: MSX_OK or MSX_ERROR_DEVICE.
 */
MsxStatus msx_fft_vulkan_record (MsxFftVulkan *plan, VkCommandBuffer cmd);

/** Returns: where the plan's kernels came from. */
MsxFftVulkanSource msx_fft_vulkan_source (const MsxFftVulkan *plan);

/** msx_fft_vulkan_free: NULL-safe. */
void msx_fft_vulkan_free (MsxFftVulkan *plan);

/** Frees @dev's in-memory plan cache (the device is being destroyed). */
void msx_fft_vulkan_binaries_free (MsxVkDevice *dev);

#endif /* MSX_FFT_VULKAN_H */
