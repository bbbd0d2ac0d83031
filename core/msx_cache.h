/* melspecx core — the per-user cache directory.
 * SPDX-License-Identifier: MIT
 *
 * $XDG_CACHE_HOME/melspecx, or ~/.cache/melspecx: compiled VkFFT plans
 * (msx_fft_vulkan.c) and the remembered answer of the Vulkan probe
 * (msx_vulkan_probe.c).  Everything in it may be deleted at any time.
 */
#ifndef MSX_CACHE_H
#define MSX_CACHE_H

#include <stddef.h>
#include <stdint.h>

/**
 * msx_cache_dir:
 * @dir: (out): the directory's path, created (mode 0700) if missing
 *
 * Returns: 1, or 0 when there is no usable place (no XDG_CACHE_HOME and no
 * HOME, a path too long for @size, or a directory that cannot be made).
 */
int msx_cache_dir (char *dir, size_t size);

/**
 * msx_cache_hash:
 * @h: the hash so far (start with MSX_CACHE_HASH_INIT)
 *
 * Returns: the 64-bit FNV-1a hash of @n bytes at @data, continued from @h:
 * a checksum for cache files, not a cryptographic hash.
 */
uint64_t msx_cache_hash (uint64_t h, const void *data, size_t n);

#define MSX_CACHE_HASH_INIT 1469598103934665603ull

#endif /* MSX_CACHE_H */
