// ABI between libdattn and a GPU module (libdattn_cuda.so) that libdattn loads with dlopen.
// Keeping the module a separate shared object means the core, and a CPU-only build, never
// need the CUDA runtime; a machine without it simply reports the GPU backends unavailable.
#pragma once

#include "problem.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DATTN_MODULE_ABI_VERSION 2

typedef struct dattn_device_info {
  int32_t cc_major, cc_minor;
  int32_t sm_count;
  char name[256];
} dattn_device_info;

// Every function returns 0 on success; otherwise it writes a human-readable reason into
// `msg` (NUL-terminated, at most msg_len bytes) and returns non-zero. No function throws.
typedef struct dattn_gpu_module {
  int32_t abi_version;                   // DATTN_MODULE_ABI_VERSION
  const char* (*build_info)(void);       // e.g. "CUDA 13.0, sm_80 sm_90a"
  int32_t (*device_count)(int32_t* count, char* msg, size_t msg_len);
  int32_t (*device_info)(int32_t device, dattn_device_info* info, char* msg, size_t msg_len);
  // 0 when `backend` (dattn::Backend) has a kernel built for `device` at this head_dim and
  // dtype; otherwise the reason (e.g. "fa needs compute capability >= 8.0, device has 7.5").
  int32_t (*supports)(int32_t backend, int32_t device, int64_t head_dim, int32_t dtype, char* msg,
                      size_t msg_len);
  // 0 when sage_attn's fp8 P·V kernel runs on `device`: FP8 tensor cores and a kernel image
  // built for them (a module built for sm_80 and sm_90a has none for an sm_89 GPU); otherwise
  // the reason.
  int32_t (*sage_fp8)(int32_t device, char* msg, size_t msg_len);
  // Enqueues the kernels on problem->stream. No device-wide synchronization.
  int32_t (*run)(int32_t backend, const dattn_problem* problem, char* msg, size_t msg_len);
} dattn_gpu_module;

// The one symbol a module exports.
typedef const dattn_gpu_module* (*dattn_gpu_module_entry)(void);
#define DATTN_CUDA_MODULE_ENTRY "dattn_cuda_module"

#ifdef __cplusplus
}
#endif
