// Loads the CUDA module (libdattn_cuda.so) once, on first use, with dlopen. The core never
// links the CUDA runtime: without the module, cuda is simply "not present", with the reason.
#pragma once

#include <string>
#include <vector>

#include "core/module_abi.h"

namespace dattn {

struct GpuModuleLoad {
  const dattn_gpu_module* module = nullptr;  // null when not loaded
  std::string path;                          // the file that loaded
  std::string error;                         // why not loaded: every place tried and its outcome
};

// Search order: $DATTN_CUDA_MODULE (a file path, tried alone when set) -> the folder of the
// binary holding libdattn's code -> DATTN_INSTALL_MODULE_DIR -> DATTN_BUILD_MODULE_DIR.
// The result is cached for the life of the process.
const GpuModuleLoad& cuda_module();

inline constexpr const char* kCudaModuleFile = "libdattn_cuda.so";

}  // namespace dattn
