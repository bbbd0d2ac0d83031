/* melspecx core — the Vulkan analysis backend.
 * SPDX-License-Identifier: MIT
 *
 * Per dispatch of n <= B frames (B fixed at create time):
 *
 *   host ──signal──▶ msx_frames.comp (framing + window) ──▶ VkFFT R2C
 *        ◀──n_mels──  msx_mel.comp (|X|^power + sparse mel bank) ◀──┘
 *
 * Only the contiguous hop-strided signal, (B-1)·hop + n_fft floats, goes up
 * and only B × n_mels floats come back.  The window, the mel band matrix and
 * the intermediate frames/spectrum stay on the device.  With cfg->output_db
 * msx_mel.comp also converts to dB re cfg->db_ref (msx_config.h), so the
 * values that come back are the finished dB; otherwise mel power, which
 * image mode needs (it averages columns in the power domain).
 *
 * Pipelining: two slots, each with its own mapped signal and mel buffers,
 * command buffer (recorded once, in create()) and fence.  process() cuts its
 * n_frames into sub-batches of B; while the device computes sub-batch k in
 * one slot, the host copies sub-batch k+1 into the other slot and submits
 * it, then collects k.  B is half of chunk_size (for chunk_size >= 64), so
 * that even one process() call overlaps upload, compute and read-back.
 * Both slots share the intermediate buffers; a barrier at the top of each
 * command buffer orders it after everything submitted before on the queue.
 *
 * Work in proportion to n: a live stream hands over one to four frames at
 * a time, and a whole B-frame dispatch for each (the VkFFT plan's fixed
 * batch) cost lavapipe 25 s for 10 s of audio.  The framing and mel
 * shaders are dispatched for n frames only, and the FFT runs the plan for
 * the smallest power of two >= n, made the second time that size is
 * wanted (and cached like every plan): a single short batch (the end of a
 * file) is not worth a plan and its first run, and runs the B plan, whose
 * stale tail frames are never read back.  A command buffer is recorded
 * again only when n or its plan changes.  Plans of any batch give every
 * frame the same arithmetic, so the numbers do not depend on n.
 *
 * Limits: B is capped so that no buffer exceeds maxStorageBufferRange
 * (lavapipe: 128 MiB, i.e. B <= 16367 at n_fft 2048).  n_fft with a prime
 * factor above 13 is refused (VkFFT's Bluestein path is not trusted); the
 * factory's auto mode then uses the CPU.  So is framing kaldi, which only
 * the CPU backend computes.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msx_backend.h"
#include "msx_backend_vulkan.h"
#include "msx_db.h"
#include "msx_fft_vulkan.h"
#include "msx_vulkan_context.h"
#include "msx_vulkan_probe.h"
#include "msx_frames_spv.h"
#include "msx_mel_spv.h"

#define N_SLOTS 2
/* Plans for 1, 2, 4, ... frames below B (B <= MSX_MAX_CHUNK_SIZE / 2). */
#define N_SMALL 14
#define FENCE_TIMEOUT_NS (60ull * 1000000000ull)

typedef struct {
  MsxVkBuffer signal; /* upload: (B-1)*hop + n_fft floats */
  MsxVkBuffer mel;    /* read-back: B × n_mels floats */
  VkCommandBuffer cmd;
  VkFence fence;
  VkDescriptorSet frames_set, mel_set;
  int recorded;        /* frames the command buffer does, 0: not recorded */
  MsxFftVulkan *plan;  /* and the FFT plan it runs */
  int pending;         /* submitted, not yet collected */
  size_t first, count; /* frames of the pending sub-batch */
} Slot;

typedef struct {
  MsxVkDevice *dev;
  int n_fft, hop, n_mels, n_bins, magnitude, batch;
  int output_db;
  float db_k, amin, ref_db; /* msx_mel.comp's dB constants */
  size_t signal_len;        /* floats per slot signal buffer */
  MsxVkBuffer window, bands, weights, frames, spectrum;
  VkCommandPool pool;
  VkFence plan_fence; /* VkFFT's, for its own planning submits */
  VkDescriptorSetLayout frames_dsl, mel_dsl;
  VkPipelineLayout frames_layout, mel_layout;
  VkPipeline frames_pipe, mel_pipe;
  VkDescriptorPool dpool;
  VkQueryPool queries;          /* 2 timestamps per slot, or none */
  MsxFftVulkan *fft;            /* B frames */
  MsxFftVulkan *small[N_SMALL]; /* 2^c frames, made on demand */
  int small_wanted[N_SMALL];    /* times asked for; -1: could not make */
  Slot slot[N_SLOTS];
  int broken; /* a device error: Vulkan objects released */
  char description[VK_MAX_PHYSICAL_DEVICE_NAME_SIZE + 32];
} VkState;

/* Process-wide timing totals (msx_backend_vulkan_timings), a benchmark aid. */
static pthread_mutex_t timing_lock = PTHREAD_MUTEX_INITIALIZER;
static MsxVulkanTimings timing;
static int timing_valid;

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int
msx_backend_vulkan_timings (MsxVulkanTimings *out, int reset)
{
  int valid;

  pthread_mutex_lock (&timing_lock);
  if (out)
    *out = timing;
  if (reset) {
    MsxVulkanTimings last = timing;
    memset (&timing, 0, sizeof timing);
    timing.create_s = last.create_s;
    timing.plan_s = last.plan_s;
    timing.warmup_s = last.warmup_s;
    timing.plan_source = last.plan_source;
    timing.batch = last.batch;
    timing.batch_bytes = last.batch_bytes;
  }
  valid = timing_valid;
  pthread_mutex_unlock (&timing_lock);
  return valid;
}

int
msx_backend_vulkan_live_objects (void)
{
  return msx_vk_live_objects ();
}

/* ---- teardown: one path for create failures, device errors, destroy ---- */

static void
wait_pending (VkState *s)
{
  int i;

  for (i = 0; i < N_SLOTS; i++)
    if (s->slot[i].pending) {
      vkWaitForFences (
          s->dev->device, 1, &s->slot[i].fence, VK_TRUE, FENCE_TIMEOUT_NS);
      s->slot[i].pending = 0;
    }
}

static void
release_vulkan (VkState *s)
{
  VkDevice d;
  int i;

  if (!s->dev)
    return;
  d = s->dev->device;
  wait_pending (s);
  msx_fft_vulkan_free (s->fft);
  s->fft = NULL;
  for (i = 0; i < N_SMALL; i++) {
    msx_fft_vulkan_free (s->small[i]);
    s->small[i] = NULL;
  }
  for (i = 0; i < N_SLOTS; i++) {
    msx_vk_buffer_free (s->dev, &s->slot[i].signal);
    msx_vk_buffer_free (s->dev, &s->slot[i].mel);
    vkDestroyFence (d, s->slot[i].fence, NULL);
  }
  msx_vk_buffer_free (s->dev, &s->window);
  msx_vk_buffer_free (s->dev, &s->bands);
  msx_vk_buffer_free (s->dev, &s->weights);
  msx_vk_buffer_free (s->dev, &s->frames);
  msx_vk_buffer_free (s->dev, &s->spectrum);
  vkDestroyQueryPool (d, s->queries, NULL);
  vkDestroyPipeline (d, s->frames_pipe, NULL);
  vkDestroyPipeline (d, s->mel_pipe, NULL);
  vkDestroyPipelineLayout (d, s->frames_layout, NULL);
  vkDestroyPipelineLayout (d, s->mel_layout, NULL);
  vkDestroyDescriptorPool (d, s->dpool, NULL);
  vkDestroyDescriptorSetLayout (d, s->frames_dsl, NULL);
  vkDestroyDescriptorSetLayout (d, s->mel_dsl, NULL);
  vkDestroyFence (d, s->plan_fence, NULL);
  vkDestroyCommandPool (d, s->pool, NULL); /* frees the command buffers */
  msx_vk_device_release (s->dev);
  s->dev = NULL;
}

static void
vk_destroy (void *state)
{
  VkState *s = state;

  if (!s)
    return;
  release_vulkan (s);
  free (s);
}

/* ---- create: sizes ---- */

/* Bytes of the buffers a dispatch of @b frames needs: the frames and the
 * spectrum on the device, and per slot the signal and the mel values
 * (make_buffers()).  On a CPU device (lavapipe) all of it is host memory. */
static uint64_t
batch_bytes (const MsxConfig *cfg, uint64_t b)
{
  uint64_t n_fft = (uint64_t)cfg->n_fft, hop = (uint64_t)cfg->hop_length;

  return (b * n_fft + b * (n_fft / 2 + 1) * 2 +
             N_SLOTS * ((b - 1) * hop + n_fft + b * (uint64_t)cfg->n_mels)) *
         sizeof (float);
}

/* Frames per dispatch: half of chunk_size from 64 frames on (two sub-batches
 * per process() call overlap), capped by the largest storage buffer, the
 * dispatch grid (one workgroup row per frame) and MSX_BATCH_MEMORY. */
static int
choose_batch (const MsxConfig *cfg, const MsxVkDevice *dev)
{
  uint64_t range = dev->props.limits.maxStorageBufferRange;
  uint64_t n_fft = (uint64_t)cfg->n_fft, hop = (uint64_t)cfg->hop_length;
  uint64_t b = (uint64_t)cfg->chunk_size, cap;

  if (b >= 64)
    b = (b + 1) / 2;
  cap = range / ((n_fft / 2 + 1) * 2 * sizeof (float));
  if (b > cap)
    b = cap;
  if (range / sizeof (float) > n_fft) {
    cap = (range / sizeof (float) - n_fft) / hop + 1;
    if (b > cap)
      b = cap;
  }
  cap = dev->props.limits.maxComputeWorkGroupCount[1];
  if (b > cap)
    b = cap;
  while (b > 1 && batch_bytes (cfg, b) > MSX_BATCH_MEMORY)
    b = b > 64 ? b - b / 8 : b - 1;
  return (int)b;
}

/* ---- create: buffers ---- */

static VkResult
upload_constants (VkState *s, const float *window, const MsxMelBank *bank)
{
  VkResult res;
  int32_t *bands;
  int m;

  res = msx_vk_buffer_new (s->dev, (VkDeviceSize)s->n_fft * sizeof (float),
      MSX_VK_MEM_UPLOAD, &s->window);
  if (res == VK_SUCCESS)
    res = msx_vk_buffer_new (s->dev,
        (VkDeviceSize)bank->n_mels * 4 * sizeof (int32_t), MSX_VK_MEM_UPLOAD,
        &s->bands);
  if (res == VK_SUCCESS)
    res = msx_vk_buffer_new (s->dev,
        (VkDeviceSize)bank->n_weights * sizeof (float), MSX_VK_MEM_UPLOAD,
        &s->weights);
  if (res != VK_SUCCESS)
    return res;
  memcpy (s->window.map, window, (size_t)s->n_fft * sizeof (float));
  bands = s->bands.map;
  for (m = 0; m < bank->n_mels; m++) {
    bands[4 * m] = bank->start[m];
    bands[4 * m + 1] = bank->length[m];
    bands[4 * m + 2] = bank->offset[m];
  }
  if (bank->n_weights > 0)
    memcpy (s->weights.map, bank->weights,
        (size_t)bank->n_weights * sizeof (float));
  return VK_SUCCESS;
}

static VkResult
make_buffers (VkState *s)
{
  VkDeviceSize b = (VkDeviceSize)s->batch;
  VkResult res;
  int i;

  res = msx_vk_buffer_new (s->dev, b * (VkDeviceSize)s->n_fft * sizeof (float),
      MSX_VK_MEM_DEVICE, &s->frames);
  if (res == VK_SUCCESS)
    res = msx_vk_buffer_new (s->dev,
        b * (VkDeviceSize)s->n_bins * 2 * sizeof (float), MSX_VK_MEM_DEVICE,
        &s->spectrum);
  for (i = 0; i < N_SLOTS && res == VK_SUCCESS; i++) {
    res = msx_vk_buffer_new (s->dev, s->signal_len * sizeof (float),
        MSX_VK_MEM_UPLOAD, &s->slot[i].signal);
    if (res == VK_SUCCESS)
      res = msx_vk_buffer_new (s->dev,
          b * (VkDeviceSize)s->n_mels * sizeof (float), MSX_VK_MEM_READBACK,
          &s->slot[i].mel);
  }
  return res;
}

/* ---- create: pipelines ---- */

static VkResult
make_set_layout (VkState *s, uint32_t n_bindings, VkDescriptorSetLayout *out)
{
  VkDescriptorSetLayoutBinding b[4];
  VkDescriptorSetLayoutCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO
  };
  uint32_t i;

  memset (b, 0, sizeof b);
  for (i = 0; i < n_bindings; i++) {
    b[i].binding = i;
    b[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    b[i].descriptorCount = 1;
    b[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  }
  info.bindingCount = n_bindings;
  info.pBindings = b;
  return vkCreateDescriptorSetLayout (s->dev->device, &info, NULL, out);
}

static VkResult
make_pipeline (VkState *s, const uint32_t *code, size_t code_size,
    VkDescriptorSetLayout dsl, uint32_t push_size, VkPipelineLayout *layout,
    VkPipeline *pipe)
{
  VkShaderModuleCreateInfo sm = {
    .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO
  };
  VkPushConstantRange push = { VK_SHADER_STAGE_COMPUTE_BIT, 0, push_size };
  VkPipelineLayoutCreateInfo pl = {
    .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO
  };
  VkComputePipelineCreateInfo cp = {
    .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO
  };
  VkShaderModule module;
  VkResult res;

  sm.codeSize = code_size;
  sm.pCode = code;
  res = vkCreateShaderModule (s->dev->device, &sm, NULL, &module);
  if (res != VK_SUCCESS)
    return res;
  pl.setLayoutCount = 1;
  pl.pSetLayouts = &dsl;
  pl.pushConstantRangeCount = 1;
  pl.pPushConstantRanges = &push;
  res = vkCreatePipelineLayout (s->dev->device, &pl, NULL, layout);
  if (res == VK_SUCCESS) {
    cp.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
    cp.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    cp.stage.module = module;
    cp.stage.pName = "main";
    cp.layout = *layout;
    res = vkCreateComputePipelines (
        s->dev->device, VK_NULL_HANDLE, 1, &cp, NULL, pipe);
  }
  vkDestroyShaderModule (s->dev->device, module, NULL);
  return res;
}

static VkResult
make_pipelines (VkState *s)
{
  VkResult res;

  res = make_set_layout (s, 3, &s->frames_dsl);
  if (res == VK_SUCCESS)
    res = make_set_layout (s, 4, &s->mel_dsl);
  if (res == VK_SUCCESS)
    res =
        make_pipeline (s, msx_frames_spv, sizeof msx_frames_spv, s->frames_dsl,
            3 * sizeof (uint32_t), &s->frames_layout, &s->frames_pipe);
  if (res == VK_SUCCESS)
    res = make_pipeline (s, msx_mel_spv, sizeof msx_mel_spv, s->mel_dsl,
        8 * sizeof (uint32_t), &s->mel_layout, &s->mel_pipe);
  return res;
}

static void
write_set (
    VkState *s, VkDescriptorSet set, const MsxVkBuffer **bufs, uint32_t n)
{
  VkDescriptorBufferInfo info[4];
  VkWriteDescriptorSet w[4];
  uint32_t i;

  memset (w, 0, sizeof w);
  for (i = 0; i < n; i++) {
    info[i].buffer = bufs[i]->buffer;
    info[i].offset = 0;
    info[i].range = VK_WHOLE_SIZE;
    w[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
    w[i].dstSet = set;
    w[i].dstBinding = i;
    w[i].descriptorCount = 1;
    w[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    w[i].pBufferInfo = &info[i];
  }
  vkUpdateDescriptorSets (s->dev->device, n, w, 0, NULL);
}

static VkResult
make_sets (VkState *s)
{
  VkDescriptorPoolSize size = { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
    N_SLOTS * 7 };
  VkDescriptorPoolCreateInfo pi = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO
  };
  VkDescriptorSetAllocateInfo ai = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO
  };
  VkDescriptorSetLayout layouts[2] = { s->frames_dsl, s->mel_dsl };
  VkDescriptorSet sets[2];
  VkResult res;
  int i;

  pi.maxSets = N_SLOTS * 2;
  pi.poolSizeCount = 1;
  pi.pPoolSizes = &size;
  res = vkCreateDescriptorPool (s->dev->device, &pi, NULL, &s->dpool);
  for (i = 0; i < N_SLOTS && res == VK_SUCCESS; i++) {
    Slot *sl = &s->slot[i];
    const MsxVkBuffer *fb[3] = { &sl->signal, &s->window, &s->frames };
    const MsxVkBuffer *mb[4] = { &s->spectrum, &s->bands, &s->weights,
      &sl->mel };
    ai.descriptorPool = s->dpool;
    ai.descriptorSetCount = 2;
    ai.pSetLayouts = layouts;
    res = vkAllocateDescriptorSets (s->dev->device, &ai, sets);
    if (res != VK_SUCCESS)
      break;
    sl->frames_set = sets[0];
    sl->mel_set = sets[1];
    write_set (s, sl->frames_set, fb, 3);
    write_set (s, sl->mel_set, mb, 4);
  }
  return res;
}

/* ---- create: command buffers ---- */

/* Orders the commands after it after everything before it on the queue
 * (earlier submissions included), and, at the end, device writes before
 * host reads. */
static void
barrier (VkCommandBuffer cmd, VkPipelineStageFlags src,
    VkPipelineStageFlags dst, VkAccessFlags src_access,
    VkAccessFlags dst_access)
{
  VkMemoryBarrier b = { .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER };

  b.srcAccessMask = src_access;
  b.dstAccessMask = dst_access;
  vkCmdPipelineBarrier (cmd, src, dst, 0, 1, &b, 0, NULL, 0, NULL);
}

static void
compute_barrier (VkCommandBuffer cmd)
{
  barrier (cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
      VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
}

static void
record_frames (VkState *s, Slot *sl, uint32_t n)
{
  uint32_t pc[3] = { (uint32_t)s->n_fft, (uint32_t)s->hop, n };

  vkCmdBindPipeline (sl->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, s->frames_pipe);
  vkCmdBindDescriptorSets (sl->cmd, VK_PIPELINE_BIND_POINT_COMPUTE,
      s->frames_layout, 0, 1, &sl->frames_set, 0, NULL);
  vkCmdPushConstants (
      sl->cmd, s->frames_layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof pc, pc);
  vkCmdDispatch (sl->cmd, (uint32_t)(s->n_fft + 255) / 256, n, 1);
}

static void
record_mel (VkState *s, Slot *sl, uint32_t n)
{
  /* msx_mel.comp's Params: 5 uints, then 3 floats (bit copies) */
  uint32_t pc[8] = { (uint32_t)s->n_bins, (uint32_t)s->n_mels, n,
    (uint32_t)s->magnitude, (uint32_t)s->output_db };

  memcpy (&pc[5], &s->db_k, sizeof (float));
  memcpy (&pc[6], &s->amin, sizeof (float));
  memcpy (&pc[7], &s->ref_db, sizeof (float));

  vkCmdBindPipeline (sl->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, s->mel_pipe);
  vkCmdBindDescriptorSets (sl->cmd, VK_PIPELINE_BIND_POINT_COMPUTE,
      s->mel_layout, 0, 1, &sl->mel_set, 0, NULL);
  vkCmdPushConstants (
      sl->cmd, s->mel_layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof pc, pc);
  vkCmdDispatch (sl->cmd, (uint32_t)(s->n_mels + 63) / 64, n, 1);
}

/* The FFT plan for @n frames: the plan of the smallest power of two >= n
 * below B, made the second time that size is wanted; else (and if it
 * cannot be made) the B plan. */
static MsxFftVulkan *
plan_for (VkState *s, int n)
{
  char msg[256];
  int c = 0;

  while ((1 << c) < n)
    c++;
  if ((1 << c) >= s->batch || c >= N_SMALL)
    return s->fft;
  if (!s->small[c] && s->small_wanted[c] >= 0 && ++s->small_wanted[c] >= 2 &&
      msx_fft_vulkan_new (s->dev, s->n_fft, 1 << c, &s->frames.buffer,
          &s->spectrum.buffer, &s->pool, &s->plan_fence, &s->small[c], msg,
          sizeof msg) != MSX_OK)
    s->small_wanted[c] = -1; /* the B plan does the same work, slower */
  return s->small[c] ? s->small[c] : s->fft;
}

/* Records slot @i's command buffer for @n frames with @plan (the slot is
 * idle). */
static MsxStatus
record_slot (VkState *s, int i, int n, MsxFftVulkan *plan)
{
  VkCommandBufferBeginInfo begin = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO
  };
  Slot *sl = &s->slot[i];
  MsxStatus st;

  sl->recorded = 0;
  if (vkBeginCommandBuffer (sl->cmd, &begin) != VK_SUCCESS)
    return MSX_ERROR_DEVICE;
  if (s->queries) {
    vkCmdResetQueryPool (sl->cmd, s->queries, 2 * i, 2);
    vkCmdWriteTimestamp (
        sl->cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, s->queries, 2 * i);
  }
  barrier (sl->cmd,
      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_HOST_BIT,
      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
      VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_HOST_WRITE_BIT,
      VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
  record_frames (s, sl, (uint32_t)n);
  compute_barrier (sl->cmd);
  st = msx_fft_vulkan_record (plan, sl->cmd);
  compute_barrier (sl->cmd);
  record_mel (s, sl, (uint32_t)n);
  barrier (sl->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
      VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_SHADER_WRITE_BIT,
      VK_ACCESS_HOST_READ_BIT);
  if (s->queries)
    vkCmdWriteTimestamp (
        sl->cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, s->queries, 2 * i + 1);
  if (vkEndCommandBuffer (sl->cmd) != VK_SUCCESS)
    return MSX_ERROR_DEVICE;
  if (st == MSX_OK) {
    sl->recorded = n;
    sl->plan = plan;
  }
  return st;
}

static VkResult
make_commands (VkState *s)
{
  VkCommandPoolCreateInfo pi = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO
  };
  VkFenceCreateInfo fi = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
  VkCommandBufferAllocateInfo ai = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO
  };
  VkQueryPoolCreateInfo qi = { .sType =
                                   VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO };
  VkResult res;
  int i;

  pi.queueFamilyIndex = s->dev->queue_family;
  pi.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  res = vkCreateCommandPool (s->dev->device, &pi, NULL, &s->pool);
  if (res == VK_SUCCESS)
    res = vkCreateFence (s->dev->device, &fi, NULL, &s->plan_fence);
  for (i = 0; i < N_SLOTS && res == VK_SUCCESS; i++) {
    res = vkCreateFence (s->dev->device, &fi, NULL, &s->slot[i].fence);
    ai.commandPool = s->pool;
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    if (res == VK_SUCCESS)
      res = vkAllocateCommandBuffers (s->dev->device, &ai, &s->slot[i].cmd);
  }
  if (res == VK_SUCCESS && s->dev->timestamp_bits > 0) {
    qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
    qi.queryCount = 2 * N_SLOTS;
    res = vkCreateQueryPool (s->dev->device, &qi, NULL, &s->queries);
  }
  return res;
}

/* ---- process ---- */

static MsxStatus
fail (VkState *s, VkResult res)
{
  if (res == VK_ERROR_DEVICE_LOST && s->dev)
    msx_vk_device_mark_lost (s->dev);
  release_vulkan (s);
  s->broken = 1;
  return res == VK_ERROR_OUT_OF_HOST_MEMORY ||
                 res == VK_ERROR_OUT_OF_DEVICE_MEMORY
             ? MSX_ERROR_NO_MEMORY
             : MSX_ERROR_DEVICE;
}

static double
slot_device_time (VkState *s, int i)
{
  uint64_t t[2], mask;

  if (!s->queries || vkGetQueryPoolResults (s->dev->device, s->queries, 2 * i,
                         2, sizeof t, t, sizeof t[0], VK_QUERY_RESULT_64_BIT))
    return -1.0;
  mask = s->dev->timestamp_bits >= 64 ? ~0ull
                                      : (1ull << s->dev->timestamp_bits) - 1;
  return (double)((t[1] - t[0]) & mask) *
         (double)s->dev->props.limits.timestampPeriod * 1e-9;
}

/* Waits for slot @i and copies its mel frames to @mel_out (NULL: warm-up). */
static VkResult
slot_collect (VkState *s, int i, float *mel_out, MsxVulkanTimings *t)
{
  Slot *sl = &s->slot[i];
  double t0 = now_s (), dt;
  VkResult res;

  res = vkWaitForFences (
      s->dev->device, 1, &sl->fence, VK_TRUE, FENCE_TIMEOUT_NS);
  if (res != VK_SUCCESS)
    return res == VK_TIMEOUT ? VK_ERROR_DEVICE_LOST : res;
  sl->pending = 0;
  dt = slot_device_time (s, i);
  t->compute_s += dt >= 0 ? dt : now_s () - t0;
  t0 = now_s ();
  if (mel_out)
    memcpy (mel_out + sl->first * (size_t)s->n_mels, sl->mel.map,
        sl->count * (size_t)s->n_mels * sizeof (float));
  t->readback_s += now_s () - t0;
  return VK_SUCCESS;
}

static VkResult
slot_submit (VkState *s, int i, const float *signal, size_t first, size_t count,
    MsxVulkanTimings *t)
{
  Slot *sl = &s->slot[i];
  size_t len = (count - 1) * (size_t)s->hop + (size_t)s->n_fft;
  double t0 = now_s ();
  MsxFftVulkan *plan;
  VkResult res;

  if (signal)
    memcpy (
        sl->signal.map, signal + first * (size_t)s->hop, len * sizeof (float));
  t->upload_s += now_s () - t0;
  plan = plan_for (s, (int)count);
  if ((sl->recorded != (int)count || sl->plan != plan) &&
      record_slot (s, i, (int)count, plan) != MSX_OK)
    return VK_ERROR_INITIALIZATION_FAILED;
  res = vkResetFences (s->dev->device, 1, &sl->fence);
  if (res == VK_SUCCESS)
    res = msx_vk_submit (s->dev, sl->cmd, sl->fence);
  if (res != VK_SUCCESS)
    return res;
  sl->pending = 1;
  sl->first = first;
  sl->count = count;
  t->dispatches++;
  return VK_SUCCESS;
}

static void
timing_add (const MsxVulkanTimings *t)
{
  pthread_mutex_lock (&timing_lock);
  timing.upload_s += t->upload_s;
  timing.compute_s += t->compute_s;
  timing.readback_s += t->readback_s;
  timing.process_s += t->process_s;
  timing.frames += t->frames;
  timing.dispatches += t->dispatches;
  pthread_mutex_unlock (&timing_lock);
}

static MsxStatus
vk_process (void *state, const float *signal, size_t n_frames, float *mel_out)
{
  VkState *s = state;
  MsxVulkanTimings t = { 0 };
  size_t first, b = (size_t)s->batch;
  int k = 0, i, j;
  VkResult res = VK_SUCCESS;
  double t0 = now_s ();

  if (s->broken)
    return MSX_ERROR_DEVICE;
  /* slot k%2 takes sub-batch k; before reuse, collect what it computed */
  for (first = 0; first < n_frames && res == VK_SUCCESS; first += b, k++) {
    i = k % N_SLOTS;
    if (s->slot[i].pending)
      res = slot_collect (s, i, mel_out, &t);
    if (res == VK_SUCCESS)
      res = slot_submit (
          s, i, signal, first, n_frames - first < b ? n_frames - first : b, &t);
  }
  /* the last N_SLOTS sub-batches, oldest first */
  for (j = 0; j < N_SLOTS && res == VK_SUCCESS; j++, k++)
    if (s->slot[k % N_SLOTS].pending)
      res = slot_collect (s, k % N_SLOTS, mel_out, &t);
  if (res != VK_SUCCESS)
    return fail (s, res);
  t.frames = n_frames;
  t.process_s = now_s () - t0;
  timing_add (&t);
  return MSX_OK;
}

/* ---- create ---- */

static MsxStatus
check_size (const MsxConfig *cfg, char *msg, size_t msg_size)
{
  if (cfg->framing == MSX_FRAMING_KALDI) {
    snprintf (msg, msg_size,
        "framing=kaldi (mean removal and pre-emphasis per frame) is "
        "computed on the CPU only: use backend cpu or auto");
    return MSX_ERROR_BACKEND_UNAVAILABLE;
  }
  if (msx_fft_vulkan_supported (cfg->n_fft))
    return MSX_OK;
  snprintf (msg, msg_size,
      "n-fft %d has a prime factor above 13, which "
      "VkFFT computes with Bluestein's algorithm; melspecx does not trust "
      "its results: use backend cpu or an n-fft of 2, 3, 5, 7, 11 and 13 "
      "factors",
      cfg->n_fft);
  return MSX_ERROR_BACKEND_UNAVAILABLE;
}

/* Runs one whole B-frame dispatch on whatever the signal buffer holds: the
 * driver compiles (JITs) the pipelines on first use, which must not land
 * on the first buffer. */
static MsxStatus
warm_up (VkState *s)
{
  MsxVulkanTimings t = { 0 };
  VkResult res;

  res = slot_submit (s, 0, NULL, 0, (size_t)s->batch, &t);
  if (res == VK_SUCCESS)
    res = slot_collect (s, 0, NULL, &t);
  return res == VK_SUCCESS ? MSX_OK : msx_vk_status (res);
}

static MsxStatus
vk_build (VkState *s, const MsxConfig *cfg, const float *window,
    const MsxMelBank *bank, char *msg, size_t msg_size)
{
  VkResult res;
  MsxStatus st;
  double t0;
  int i;

  s->batch = choose_batch (cfg, s->dev);
  s->signal_len = (size_t)(s->batch - 1) * (size_t)s->hop + (size_t)s->n_fft;
  res = upload_constants (s, window, bank);
  if (res == VK_SUCCESS)
    res = make_buffers (s);
  if (res == VK_SUCCESS)
    res = make_pipelines (s);
  if (res == VK_SUCCESS)
    res = make_sets (s);
  if (res == VK_SUCCESS)
    res = make_commands (s);
  if (res != VK_SUCCESS) {
    snprintf (msg, msg_size, "Vulkan set-up failed on %s (VkResult %d)",
        s->dev->props.deviceName, (int)res);
    return msx_vk_status (res);
  }
  t0 = now_s ();
  st = msx_fft_vulkan_new (s->dev, s->n_fft, s->batch, &s->frames.buffer,
      &s->spectrum.buffer, &s->pool, &s->plan_fence, &s->fft, msg, msg_size);
  if (st)
    return st;
  pthread_mutex_lock (&timing_lock);
  timing.plan_s = now_s () - t0;
  timing.plan_source = (int)msx_fft_vulkan_source (s->fft);
  timing.batch = s->batch;
  timing.batch_bytes = batch_bytes (cfg, (uint64_t)s->batch);
  pthread_mutex_unlock (&timing_lock);
  for (i = 0; i < N_SLOTS && st == MSX_OK; i++)
    st = record_slot (s, i, s->batch, s->fft);
  if (st) {
    snprintf (msg, msg_size, "could not record the Vulkan commands");
    return st;
  }
  t0 = now_s ();
  st = warm_up (s);
  if (st)
    snprintf (msg, msg_size, "the Vulkan warm-up dispatch failed on %s",
        s->dev->props.deviceName);
  pthread_mutex_lock (&timing_lock);
  timing.warmup_s = now_s () - t0;
  pthread_mutex_unlock (&timing_lock);
  return st;
}

/* auto: a machine found to have no GPU is remembered, so that later runs
 * neither open this backend nor load the drivers again just to hear it
 * (msx_backend.c asks msx_vk_probe_recall() first; msx_vulkan_probe.h). */
static MsxStatus
acquire_device (VkState *s, const MsxConfig *cfg, char *msg, size_t msg_size)
{
  MsxStatus st;

  if (cfg->backend != MSX_BACKEND_AUTO)
    return msx_vk_device_acquire (
        cfg->backend, cfg->device_index, &s->dev, msg, msg_size);
  st = msx_vk_device_acquire (
      cfg->backend, cfg->device_index, &s->dev, msg, msg_size);
  if (st == MSX_ERROR_BACKEND_UNAVAILABLE)
    msx_vk_probe_remember (cfg->device_index, msg);
  return st;
}

static MsxStatus
vk_create (const MsxConfig *cfg, const float *window, const MsxMelBank *bank,
    void **state, char *msg, size_t msg_size)
{
  char dummy[256]; /* the reason is kept (msx_vk_probe_remember) */
  VkState *s;
  MsxStatus st;
  double t0 = now_s ();

  *state = NULL;
  if (!msg) {
    msg = dummy;
    msg_size = sizeof dummy;
  }
  st = check_size (cfg, msg, msg_size);
  if (st)
    return st;
  s = calloc (1, sizeof *s);
  if (!s)
    return MSX_ERROR_NO_MEMORY;
  s->n_fft = cfg->n_fft;
  s->hop = cfg->hop_length;
  s->n_mels = cfg->n_mels;
  s->n_bins = cfg->n_fft / 2 + 1;
  s->magnitude = cfg->power == 1.0;
  s->output_db = cfg->output_db;
  s->db_k = (float)msx_db_multiplier (cfg->power);
  s->amin = (float)cfg->amin;
  s->ref_db = (float)(msx_db_multiplier (cfg->power) *
                      log10 (fmax (cfg->amin, cfg->db_ref)));
  msx_vk_fault_arm ();
  st = acquire_device (s, cfg, msg, msg_size);
  if (st == MSX_OK)
    st = vk_build (s, cfg, window, bank, msg, msg_size);
  if (st) {
    vk_destroy (s);
    return st;
  }
  snprintf (s->description, sizeof s->description, "vulkan (%s, %s)",
      s->dev->props.deviceName,
      msx_vk_device_type_name (s->dev->props.deviceType));
  pthread_mutex_lock (&timing_lock);
  timing.create_s = now_s () - t0;
  timing_valid = 1;
  pthread_mutex_unlock (&timing_lock);
  *state = s;
  return MSX_OK;
}

static const char *
vk_describe (void *state)
{
  return ((VkState *)state)->description;
}

/* No set_threads: the device's parallelism is not the host's threads.
 * The one symbol the Vulkan module exports (msx_backend.c opens it). */
__attribute__ ((visibility ("default")))
const MsxBackendOps msx_backend_vulkan_ops = {
  "vulkan",
  vk_create,
  vk_process,
  vk_describe,
  vk_destroy,
  NULL,
  0,
};
