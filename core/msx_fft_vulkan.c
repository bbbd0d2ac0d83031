/* melspecx core — batched real-to-complex FFT on Vulkan (VkFFT).
 * SPDX-License-Identifier: MIT
 *
 * VkFFT configuration (measured with Debian's VkFFT 1.2.26): FFTdim 1, size[0]
 * = n_fft, numberBatches = batch, performR2C, forward plan only, out of place
 * with a packed input (isInputFormatted, inputBufferStride = n_fft; the R2C
 * default n_fft+2 is the in-place padded layout) and bufferStride =
 * n_fft/2+1.  Checked against FFTW to ~2e-7 relative L2 error.
 */
#include <fcntl.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msx_cache.h"
#include "msx_fft_vulkan.h"

/* vkFFT.h is third-party code that does not compile cleanly at our warning
 * level; its warnings are not ours to fix. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpragmas"
#pragma GCC diagnostic ignored "-Wunknown-warning-option"
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wformat-truncation"
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wold-style-declaration"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#define VKFFT_BACKEND 0
#include "vkFFT.h"
#pragma GCC diagnostic pop

/* Bump when the VkFFT configuration below changes: it keys the disk cache. */
#define CACHE_FORMAT 2

struct MsxVkPlanBinary {
  int n_fft, batch;
  uint64_t size;
  void *data;
  struct MsxVkPlanBinary *next;
};

struct MsxFftVulkan {
  VkFFTApplication app;
  VkFFTConfiguration conf;
  uint64_t in_size, out_size;
  MsxFftVulkanSource source;
};

/* Compiled once per process; VkFFT is told it is done (isCompilerInitialized)
 * so that each plan does not pay glslang's start-up again. */
static pthread_once_t glslang_once = PTHREAD_ONCE_INIT;
static int glslang_ok;

static void
glslang_init (void)
{
  glslang_ok = glslang_initialize_process ();
}

int
msx_fft_vulkan_supported (int n_fft)
{
  static const int primes[] = { 2, 3, 5, 7, 11, 13 };
  size_t i;

  if (n_fft < 2)
    return 0;
  for (i = 0; i < sizeof primes / sizeof primes[0]; i++)
    while (n_fft % primes[i] == 0)
      n_fft /= primes[i];
  return n_fft == 1;
}

/* ---- on-disk cache ---- */

typedef struct {
  char magic[8]; /* "MSXVKFFT" */
  uint32_t format, vkfft_version;
  uint64_t size, checksum;
} CacheHeader;

static int
cache_path (
    const MsxVkDevice *dev, int n_fft, int batch, char *path, size_t size)
{
  char dir[4096], uuid[2 * VK_UUID_SIZE + 1];
  unsigned i;
  int n;

  if (!msx_cache_dir (dir, sizeof dir))
    return 0;
  for (i = 0; i < VK_UUID_SIZE; i++)
    sprintf (uuid + 2 * i, "%02x", dev->uuid[i]);
  n = snprintf (path, size, "%s/vkfft-%s-%04x-%04x-%08x-n%d-b%d-v%d-f%d.bin",
      dir, uuid, dev->props.vendorID, dev->props.deviceID,
      dev->props.driverVersion, n_fft, batch, VkFFTGetVersion (), CACHE_FORMAT);
  return n > 0 && (size_t)n < size;
}

static void *
cache_load (const MsxVkDevice *dev, int n_fft, int batch)
{
  char path[4200];
  CacheHeader h;
  void *data = NULL;
  FILE *f;

  if (!cache_path (dev, n_fft, batch, path, sizeof path))
    return NULL;
  f = fopen (path, "rb");
  if (!f)
    return NULL;
  if (fread (&h, sizeof h, 1, f) == 1 && !memcmp (h.magic, "MSXVKFFT", 8) &&
      h.format == CACHE_FORMAT &&
      h.vkfft_version == (uint32_t)VkFFTGetVersion () && h.size > 0 &&
      h.size < (1u << 30) && (data = malloc (h.size))) {
    if (fread (data, 1, h.size, f) != h.size || fgetc (f) != EOF ||
        msx_cache_hash (MSX_CACHE_HASH_INIT, data, h.size) != h.checksum) {
      free (data);
      data = NULL;
    }
  }
  fclose (f);
  return data;
}

/* Temporary file + rename: a concurrent reader sees the old file or the
 * whole new one, never half of it.  Every failure is silent. */
static void
cache_store (const MsxVkDevice *dev, int n_fft, int batch, const void *data,
    uint64_t size)
{
  char path[4200], tmp[4300];
  CacheHeader h = { "MSXVKFFT", CACHE_FORMAT, 0, size, 0 };
  int fd, ok;
  FILE *f;

  if (!cache_path (dev, n_fft, batch, path, sizeof path))
    return;
  snprintf (tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid ());
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    return;
  f = fdopen (fd, "wb");
  if (!f) {
    close (fd);
    unlink (tmp);
    return;
  }
  h.vkfft_version = (uint32_t)VkFFTGetVersion ();
  h.checksum = msx_cache_hash (MSX_CACHE_HASH_INIT, data, size);
  ok = fwrite (&h, sizeof h, 1, f) == 1 && fwrite (data, 1, size, f) == size;
  ok = (fclose (f) == 0) && ok;
  if (!ok || rename (tmp, path))
    unlink (tmp);
}

/* ---- in-memory cache (dev->lock held) ---- */

static MsxVkPlanBinary *
binary_find (MsxVkDevice *dev, int n_fft, int batch)
{
  MsxVkPlanBinary *b;

  for (b = dev->binaries; b; b = b->next)
    if (b->n_fft == n_fft && b->batch == batch)
      return b;
  return NULL;
}

/* Takes ownership of @data. */
static void
binary_add (MsxVkDevice *dev, int n_fft, int batch, void *data, uint64_t size)
{
  MsxVkPlanBinary *b = calloc (1, sizeof *b);

  if (!b) {
    free (data);
    return;
  }
  b->n_fft = n_fft;
  b->batch = batch;
  b->data = data;
  b->size = size;
  b->next = dev->binaries;
  dev->binaries = b;
}

void
msx_fft_vulkan_binaries_free (MsxVkDevice *dev)
{
  MsxVkPlanBinary *b, *next;

  for (b = dev->binaries; b; b = next) {
    next = b->next;
    free (b->data);
    free (b);
  }
  dev->binaries = NULL;
}

/* ---- plans ---- */

static void
plan_configure (MsxFftVulkan *p, MsxVkDevice *dev, int n_fft, int batch,
    VkBuffer *in, VkBuffer *out, VkCommandPool *pool, VkFence *fence)
{
  VkFFTConfiguration *c = &p->conf;

  p->in_size = (uint64_t)batch * (uint64_t)n_fft * sizeof (float);
  p->out_size =
      (uint64_t)batch * (uint64_t)(n_fft / 2 + 1) * 2 * sizeof (float);
  c->FFTdim = 1;
  c->size[0] = (uint64_t)n_fft;
  c->numberBatches = (uint64_t)batch;
  c->performR2C = 1;
  /* VkFFT merges pairs of real frames into one complex FFT when the batch
   * is even: a different rounding than for odd batches, so the numbers
   * would depend on chunk-size (it must never change them).  One algorithm for
   * every batch size. */
  c->disableMergeSequencesR2C = 1;
  c->makeForwardPlanOnly = 1;
  c->isInputFormatted = 1;
  c->inputBufferStride[0] = (uint64_t)n_fft;
  c->bufferStride[0] = (uint64_t)(n_fft / 2 + 1);
  c->physicalDevice = &dev->physical;
  c->device = &dev->device;
  c->queue = &dev->queue;
  c->commandPool = pool;
  c->fence = fence;
  c->isCompilerInitialized = 1;
  c->inputBufferNum = 1;
  c->inputBuffer = in;
  c->inputBufferSize = &p->in_size;
  c->bufferNum = 1;
  c->buffer = out;
  c->bufferSize = &p->out_size;
}

/* The shader generator prints numbers with sprintf("%f"), and glslang
 * parses them back: both need a '.' decimal point whatever the
 * application's locale.  The planning thread alone gets a "C" locale for
 * the call (uselocale); the process locale, which other threads use, is
 * never touched. */
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;

static void
c_locale_init (void)
{
  c_locale = newlocale (LC_ALL_MASK, "C", (locale_t)0);
}

/* Runs initializeVkFFT from @binary (NULL: compile, and save the result). */
static VkFFTResult
plan_init (MsxFftVulkan *p, MsxVkDevice *dev, void *binary)
{
  VkFFTConfiguration c = p->conf;
  VkFFTResult res;
  locale_t caller = (locale_t)0;

  if (binary) {
    c.loadApplicationFromString = 1;
    c.loadApplicationString = binary;
  } else {
    c.saveApplicationToString = 1;
  }
  /* VkFFT may submit (look-up tables) on the queue while planning. */
  pthread_once (&c_locale_once, c_locale_init);
  if (c_locale)
    caller = uselocale (c_locale);
  pthread_mutex_lock (&dev->queue_lock);
  res = initializeVkFFT (&p->app, c);
  pthread_mutex_unlock (&dev->queue_lock);
  if (caller)
    uselocale (caller);
  return res;
}

/* Compiles, or loads from the memory or disk cache; dev->lock held. */
static VkFFTResult
plan_build (MsxFftVulkan *p, MsxVkDevice *dev, int n_fft, int batch)
{
  MsxVkPlanBinary *known = binary_find (dev, n_fft, batch);
  void *copy, *disk;
  VkFFTResult res;

  if (known) {
    p->source = MSX_FFT_VULKAN_FROM_MEMORY;
    return plan_init (p, dev, known->data);
  }
  disk = cache_load (dev, n_fft, batch);
  if (disk) {
    p->source = MSX_FFT_VULKAN_FROM_DISK;
    res = plan_init (p, dev, disk);
    free (disk);
    if (res == VKFFT_SUCCESS)
      return res;
    deleteVkFFT (&p->app); /* a stale file: compile afresh */
    memset (&p->app, 0, sizeof p->app);
  }
  if (!glslang_ok)
    return VKFFT_ERROR_FAILED_TO_INITIALIZE;
  p->source = MSX_FFT_VULKAN_COMPILED;
  res = plan_init (p, dev, NULL);
  if (res != VKFFT_SUCCESS || !p->app.saveApplicationString)
    return res;
  cache_store (dev, n_fft, batch, p->app.saveApplicationString,
      p->app.applicationStringSize);
  copy = malloc (p->app.applicationStringSize);
  if (copy) {
    memcpy (copy, p->app.saveApplicationString, p->app.applicationStringSize);
    binary_add (dev, n_fft, batch, copy, p->app.applicationStringSize);
  }
  return res;
}

MsxStatus
msx_fft_vulkan_new (MsxVkDevice *dev, int n_fft, int batch, VkBuffer *in,
    VkBuffer *out, VkCommandPool *pool, VkFence *fence, MsxFftVulkan **plan,
    char *msg, size_t msg_size)
{
  MsxFftVulkan *p;
  VkFFTResult res;

  *plan = NULL;
  if (msx_vk_fault_hit (MSX_VK_FAULT_PLAN)) {
    snprintf (msg, msg_size,
        "VkFFT could not plan %d-point FFTs "
        "(injected by MSX_VULKAN_FAULT=plan)",
        n_fft);
    return MSX_ERROR_DEVICE;
  }
  p = calloc (1, sizeof *p);
  if (!p)
    return MSX_ERROR_NO_MEMORY;
  pthread_once (&glslang_once, glslang_init);
  plan_configure (p, dev, n_fft, batch, in, out, pool, fence);
  pthread_mutex_lock (&dev->lock);
  res = plan_build (p, dev, n_fft, batch);
  pthread_mutex_unlock (&dev->lock);
  if (res != VKFFT_SUCCESS) {
    snprintf (msg, msg_size,
        "VkFFT could not plan %d-point FFTs in "
        "batches of %d (VkFFT error %d)",
        n_fft, batch, (int)res);
    msx_fft_vulkan_free (p);
    return res == VKFFT_ERROR_MALLOC_FAILED ? MSX_ERROR_NO_MEMORY
                                            : MSX_ERROR_DEVICE;
  }
  *plan = p;
  return MSX_OK;
}

MsxStatus
msx_fft_vulkan_record (MsxFftVulkan *plan, VkCommandBuffer cmd)
{
  VkFFTLaunchParams launch = { 0 };

  launch.commandBuffer = &cmd;
  return VkFFTAppend (&plan->app, -1, &launch) == VKFFT_SUCCESS
             ? MSX_OK
             : MSX_ERROR_DEVICE;
}

MsxFftVulkanSource
msx_fft_vulkan_source (const MsxFftVulkan *plan)
{
  return plan->source;
}

void
msx_fft_vulkan_free (MsxFftVulkan *plan)
{
  if (!plan)
    return;
  deleteVkFFT (&plan->app);
  free (plan);
}
