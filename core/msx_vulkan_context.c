/* melspecx core — the process-wide Vulkan context shared by every backend.
 * SPDX-License-Identifier: MIT
 *
 * Lifetime: the instance lives while any device is referenced; a device
 * lives while any backend references it.  A device that reported
 * VK_ERROR_DEVICE_LOST is taken out of the table (new backends open a
 * fresh one) and destroyed when its last user lets go.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msx_fft_vulkan.h"
#include "msx_vulkan_context.h"

#define MAX_DEVICES 16

static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static VkInstance ctx_instance;
static int ctx_instance_refs; /* devices open, lost ones included */
static MsxVkDevice *ctx_devices[MAX_DEVICES]; /* by physical index */
static int live_objects; /* buffers + memories, for tests */

/* ---- fault injection (test hook, see the header) ---- */

static struct {
  int what; /* -1: none */
  int nth, count;
} fault = { -1, 0, 0 };

void
msx_vk_fault_arm (void)
{
  const char *env = getenv ("MSX_VULKAN_FAULT");
  const char *colon;

  pthread_mutex_lock (&ctx_lock);
  fault.what = -1;
  fault.count = 0;
  fault.nth = 1;
  if (env && *env) {
    if (!strncmp (env, "alloc", 5))
      fault.what = MSX_VK_FAULT_ALLOC;
    else if (!strncmp (env, "plan", 4))
      fault.what = MSX_VK_FAULT_PLAN;
    else if (!strncmp (env, "submit", 6))
      fault.what = MSX_VK_FAULT_SUBMIT;
    colon = strchr (env, ':');
    if (colon && atoi (colon + 1) > 0)
      fault.nth = atoi (colon + 1);
  }
  pthread_mutex_unlock (&ctx_lock);
}

int
msx_vk_fault_hit (MsxVkFault what)
{
  int hit = 0;

  pthread_mutex_lock (&ctx_lock);
  if (fault.what == (int)what)
    hit = ++fault.count == fault.nth;
  pthread_mutex_unlock (&ctx_lock);
  return hit;
}

int
msx_vk_live_objects (void)
{
  int n, i;

  pthread_mutex_lock (&ctx_lock);
  n = live_objects + (ctx_instance != VK_NULL_HANDLE);
  for (i = 0; i < MAX_DEVICES; i++)
    n += ctx_devices[i] != NULL;
  pthread_mutex_unlock (&ctx_lock);
  return n;
}

MsxStatus
msx_vk_status (VkResult res)
{
  if (res == VK_ERROR_OUT_OF_HOST_MEMORY ||
      res == VK_ERROR_OUT_OF_DEVICE_MEMORY)
    return MSX_ERROR_NO_MEMORY;
  return MSX_ERROR_DEVICE;
}

const char *
msx_vk_device_type_name (VkPhysicalDeviceType type)
{
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return "cpu";
    default:
      return "other";
  }
}

/* ---- instance ---- */

static MsxStatus
instance_ref (char *msg, size_t msg_size)
{
  VkApplicationInfo app = { .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO };
  VkInstanceCreateInfo info = { .sType =
                                    VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO };
  VkResult res;

  if (ctx_instance) {
    ctx_instance_refs++;
    return MSX_OK;
  }
  app.pApplicationName = "melspecx";
  app.pEngineName = "melspecx";
  app.apiVersion = VK_API_VERSION_1_1;
  info.pApplicationInfo = &app;
  res = vkCreateInstance (&info, NULL, &ctx_instance);
  if (res != VK_SUCCESS) {
    ctx_instance = VK_NULL_HANDLE;
    snprintf (msg, msg_size,
        "no usable Vulkan loader or driver "
        "(vkCreateInstance failed with VkResult %d)",
        (int)res);
    return res == VK_ERROR_OUT_OF_HOST_MEMORY ? MSX_ERROR_NO_MEMORY
                                              : MSX_ERROR_BACKEND_UNAVAILABLE;
  }
  ctx_instance_refs = 1;
  return MSX_OK;
}

static void
instance_unref (void)
{
  if (--ctx_instance_refs > 0)
    return;
  vkDestroyInstance (ctx_instance, NULL);
  ctx_instance = VK_NULL_HANDLE;
}

/* ---- device selection ---- */

static int
type_rank (VkPhysicalDeviceType type)
{
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return 4;
    default:
      return 3;
  }
}

static int
is_gpu (VkPhysicalDeviceType type)
{
  return type_rank (type) <= 2;
}

/* Picks the physical device index, or returns -1 with @msg. */
static int
choose_physical (VkPhysicalDevice *phys, uint32_t n, MsxBackendKind kind,
    int device_index, char *msg, size_t msg_size)
{
  VkPhysicalDeviceProperties props;
  int best = -1, best_rank = 99;
  uint32_t i;

  if (n == 0) {
    snprintf (msg, msg_size,
        "no Vulkan device found (is a Vulkan driver "
        "installed? Mesa's lavapipe is mesa-vulkan-drivers)");
    return -1;
  }
  if (device_index >= 0) {
    if ((uint32_t)device_index >= n) {
      snprintf (msg, msg_size,
          "device-index is %d but only %u Vulkan "
          "device(s) exist (0..%u)",
          device_index, n, n - 1);
      return -1;
    }
    vkGetPhysicalDeviceProperties (phys[device_index], &props);
    if (kind == MSX_BACKEND_AUTO && !is_gpu (props.deviceType)) {
      snprintf (msg, msg_size,
          "Vulkan device %d (%s) is a %s device, "
          "slower than the CPU backend",
          device_index, props.deviceName,
          msx_vk_device_type_name (props.deviceType));
      return -1;
    }
    return device_index;
  }
  for (i = 0; i < n; i++) {
    vkGetPhysicalDeviceProperties (phys[i], &props);
    if (type_rank (props.deviceType) < best_rank) {
      best_rank = type_rank (props.deviceType);
      best = (int)i;
    }
  }
  if (kind == MSX_BACKEND_AUTO && best_rank > 2) {
    vkGetPhysicalDeviceProperties (phys[best], &props);
    snprintf (msg, msg_size,
        "no Vulkan GPU: the only Vulkan device is %s "
        "(%s type), slower than the CPU backend",
        props.deviceName, msx_vk_device_type_name (props.deviceType));
    return -1;
  }
  return best;
}

static int
find_compute_queue (VkPhysicalDevice phys, uint32_t *bits)
{
  VkQueueFamilyProperties fam[32];
  uint32_t n = 32, i;

  vkGetPhysicalDeviceQueueFamilyProperties (phys, &n, fam);
  for (i = 0; i < n; i++)
    if (fam[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
      *bits = fam[i].timestampValidBits;
      return (int)i;
    }
  return -1;
}

static void
device_destroy (MsxVkDevice *dev)
{
  msx_fft_vulkan_binaries_free (dev);
  if (dev->device)
    vkDestroyDevice (dev->device, NULL);
  pthread_mutex_destroy (&dev->lock);
  pthread_mutex_destroy (&dev->queue_lock);
  free (dev);
}

static MsxStatus
device_open (VkPhysicalDevice phys, int index, MsxVkDevice **out, char *msg,
    size_t msg_size)
{
  float priority = 1.0f;
  VkDeviceQueueCreateInfo q = {
    .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO
  };
  VkDeviceCreateInfo info = { .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO };
  MsxVkDevice *dev = calloc (1, sizeof *dev);
  int family;
  VkResult res;

  if (!dev)
    return MSX_ERROR_NO_MEMORY;
  pthread_mutex_init (&dev->lock, NULL);
  pthread_mutex_init (&dev->queue_lock, NULL);
  dev->index = index;
  dev->physical = phys;
  vkGetPhysicalDeviceProperties (phys, &dev->props);
  vkGetPhysicalDeviceMemoryProperties (phys, &dev->mem_props);
  memcpy (dev->uuid, dev->props.pipelineCacheUUID, VK_UUID_SIZE);
  family = find_compute_queue (phys, &dev->timestamp_bits);
  if (family < 0) {
    snprintf (msg, msg_size, "Vulkan device %s has no compute queue",
        dev->props.deviceName);
    device_destroy (dev);
    return MSX_ERROR_BACKEND_UNAVAILABLE;
  }
  dev->queue_family = (uint32_t)family;
  q.queueFamilyIndex = dev->queue_family;
  q.queueCount = 1;
  q.pQueuePriorities = &priority;
  info.queueCreateInfoCount = 1;
  info.pQueueCreateInfos = &q;
  res = vkCreateDevice (phys, &info, NULL, &dev->device);
  if (res != VK_SUCCESS) {
    dev->device = VK_NULL_HANDLE;
    snprintf (msg, msg_size,
        "could not open Vulkan device %s "
        "(vkCreateDevice: VkResult %d)",
        dev->props.deviceName, (int)res);
    device_destroy (dev);
    return msx_vk_status (res);
  }
  vkGetDeviceQueue (dev->device, dev->queue_family, 0, &dev->queue);
  *out = dev;
  return MSX_OK;
}

static MsxStatus
device_acquire_locked (MsxBackendKind kind, int device_index, MsxVkDevice **out,
    char *msg, size_t msg_size)
{
  VkPhysicalDevice phys[MAX_DEVICES];
  uint32_t n = MAX_DEVICES;
  VkResult res;
  int index;
  MsxStatus st;

  res = vkEnumeratePhysicalDevices (ctx_instance, &n, phys);
  if (res != VK_SUCCESS && res != VK_INCOMPLETE) {
    snprintf (
        msg, msg_size, "could not list Vulkan devices (VkResult %d)", (int)res);
    return MSX_ERROR_BACKEND_UNAVAILABLE;
  }
  index = choose_physical (phys, n, kind, device_index, msg, msg_size);
  if (index < 0)
    return MSX_ERROR_BACKEND_UNAVAILABLE;
  if (ctx_devices[index]) {
    ctx_devices[index]->refs++;
    *out = ctx_devices[index];
    return MSX_OK;
  }
  st = device_open (phys[index], index, out, msg, msg_size);
  if (st)
    return st;
  (*out)->refs = 1;
  ctx_devices[index] = *out;
  return MSX_OK;
}

MsxStatus
msx_vk_device_acquire (MsxBackendKind kind, int device_index, MsxVkDevice **out,
    char *msg, size_t msg_size)
{
  MsxStatus st;

  *out = NULL;
  pthread_mutex_lock (&ctx_lock);
  st = instance_ref (msg, msg_size);
  if (st == MSX_OK) {
    st = device_acquire_locked (kind, device_index, out, msg, msg_size);
    /* the instance reference is kept by the device only if it was new */
    if (st || (*out)->refs > 1)
      instance_unref ();
  }
  pthread_mutex_unlock (&ctx_lock);
  return st;
}

void
msx_vk_device_release (MsxVkDevice *dev)
{
  if (!dev)
    return;
  pthread_mutex_lock (&ctx_lock);
  if (--dev->refs == 0) {
    if (!dev->lost && ctx_devices[dev->index] == dev)
      ctx_devices[dev->index] = NULL;
    device_destroy (dev);
    instance_unref ();
  }
  pthread_mutex_unlock (&ctx_lock);
}

void
msx_vk_device_mark_lost (MsxVkDevice *dev)
{
  pthread_mutex_lock (&ctx_lock);
  if (!dev->lost && ctx_devices[dev->index] == dev)
    ctx_devices[dev->index] = NULL;
  dev->lost = 1;
  pthread_mutex_unlock (&ctx_lock);
}

/* ---- buffers ---- */

static int
memory_type (const MsxVkDevice *dev, uint32_t type_bits,
    VkMemoryPropertyFlags need, VkMemoryPropertyFlags want)
{
  const VkPhysicalDeviceMemoryProperties *mp = &dev->mem_props;
  int pass;
  uint32_t i;

  for (pass = 0; pass < 2; pass++)
    for (i = 0; i < mp->memoryTypeCount; i++) {
      VkMemoryPropertyFlags f = mp->memoryTypes[i].propertyFlags;
      VkMemoryPropertyFlags req = pass == 0 ? need | want : need;
      if ((type_bits & (1u << i)) && (f & req) == req)
        return (int)i;
    }
  return -1;
}

static VkResult
buffer_memory (MsxVkDevice *dev, MsxVkMemKind kind, MsxVkBuffer *out)
{
  VkMemoryRequirements req;
  VkMemoryAllocateInfo info = { .sType =
                                    VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO };
  VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                               VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  int type;
  VkResult res;

  vkGetBufferMemoryRequirements (dev->device, out->buffer, &req);
  if (kind == MSX_VK_MEM_DEVICE)
    type = memory_type (
        dev, req.memoryTypeBits, 0, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
  else
    type = memory_type (dev, req.memoryTypeBits, host,
        kind == MSX_VK_MEM_READBACK ? VK_MEMORY_PROPERTY_HOST_CACHED_BIT : 0);
  if (type < 0)
    return VK_ERROR_FEATURE_NOT_PRESENT;
  if (msx_vk_fault_hit (MSX_VK_FAULT_ALLOC))
    return VK_ERROR_OUT_OF_DEVICE_MEMORY;
  info.allocationSize = req.size;
  info.memoryTypeIndex = (uint32_t)type;
  res = vkAllocateMemory (dev->device, &info, NULL, &out->memory);
  if (res != VK_SUCCESS) {
    out->memory = VK_NULL_HANDLE;
    return res;
  }
  __atomic_add_fetch (&live_objects, 1, __ATOMIC_SEQ_CST);
  res = vkBindBufferMemory (dev->device, out->buffer, out->memory, 0);
  if (res == VK_SUCCESS && kind != MSX_VK_MEM_DEVICE) {
    res =
        vkMapMemory (dev->device, out->memory, 0, VK_WHOLE_SIZE, 0, &out->map);
    if (res == VK_SUCCESS)
      memset (out->map, 0, (size_t)out->size);
  }
  return res;
}

VkResult
msx_vk_buffer_new (
    MsxVkDevice *dev, VkDeviceSize size, MsxVkMemKind kind, MsxVkBuffer *out)
{
  VkBufferCreateInfo info = { .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO };
  VkResult res;

  memset (out, 0, sizeof *out);
  out->size = size < 4 ? 4 : size;
  info.size = out->size;
  info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
               VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
               VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  res = vkCreateBuffer (dev->device, &info, NULL, &out->buffer);
  if (res != VK_SUCCESS) {
    out->buffer = VK_NULL_HANDLE;
    return res;
  }
  __atomic_add_fetch (&live_objects, 1, __ATOMIC_SEQ_CST);
  res = buffer_memory (dev, kind, out);
  if (res != VK_SUCCESS)
    msx_vk_buffer_free (dev, out);
  return res;
}

void
msx_vk_buffer_free (MsxVkDevice *dev, MsxVkBuffer *buf)
{
  if (buf->buffer) {
    vkDestroyBuffer (dev->device, buf->buffer, NULL);
    __atomic_sub_fetch (&live_objects, 1, __ATOMIC_SEQ_CST);
  }
  if (buf->memory) {
    if (buf->map)
      vkUnmapMemory (dev->device, buf->memory);
    vkFreeMemory (dev->device, buf->memory, NULL);
    __atomic_sub_fetch (&live_objects, 1, __ATOMIC_SEQ_CST);
  }
  memset (buf, 0, sizeof *buf);
}

/* ---- queue ---- */

VkResult
msx_vk_submit (MsxVkDevice *dev, VkCommandBuffer cmd, VkFence fence)
{
  VkSubmitInfo info = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO };
  VkResult res;

  if (msx_vk_fault_hit (MSX_VK_FAULT_SUBMIT))
    return VK_ERROR_DEVICE_LOST;
  info.commandBufferCount = 1;
  info.pCommandBuffers = &cmd;
  pthread_mutex_lock (&dev->queue_lock);
  res = vkQueueSubmit (dev->queue, 1, &info, fence);
  pthread_mutex_unlock (&dev->queue_lock);
  return res;
}
