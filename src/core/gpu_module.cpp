#include "core/gpu_module.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "core/log.h"
#include "core/text.h"

namespace dattn {

namespace {

std::vector<std::string> candidates() {
  if (const char* env = std::getenv("DATTN_CUDA_MODULE"); env && *env) return {env};
  std::vector<std::string> dirs;
  Dl_info info{};
  if (dladdr(reinterpret_cast<const void*>(&cuda_module), &info) && info.dli_fname)
    dirs.push_back(std::filesystem::path(info.dli_fname).parent_path().string());
  dirs.push_back(DATTN_INSTALL_MODULE_DIR);
  dirs.push_back(DATTN_BUILD_MODULE_DIR);
  std::vector<std::string> files;
  for (const auto& d : dirs) {
    const std::string f = (std::filesystem::path(d.empty() ? "." : d) / kCudaModuleFile).string();
    if (std::find(files.begin(), files.end(), f) == files.end()) files.push_back(f);
  }
  return files;
}

GpuModuleLoad load() {
  GpuModuleLoad r;
  std::vector<std::string> tried;
  for (const auto& file : candidates()) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
      tried.push_back(file + " (no such file)");
      continue;
    }
    void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* e = dlerror();
      tried.push_back(file + " (dlopen failed: " + (e ? e : "unknown error") + ")");
      continue;
    }
    auto entry = reinterpret_cast<dattn_gpu_module_entry>(dlsym(handle, DATTN_CUDA_MODULE_ENTRY));
    const dattn_gpu_module* m = entry ? entry() : nullptr;
    if (!m) {
      tried.push_back(file + " (no " DATTN_CUDA_MODULE_ENTRY " entry point)");
      dlclose(handle);
      continue;
    }
    if (m->abi_version != DATTN_MODULE_ABI_VERSION) {
      tried.push_back(file + " (module ABI version " + std::to_string(m->abi_version) +
                      ", this libdattn needs " + std::to_string(DATTN_MODULE_ABI_VERSION) + ")");
      dlclose(handle);
      continue;
    }
    // The handle stays open for the life of the process: kernels may run until exit.
    r.module = m;
    r.path = file;
    log::logger().debug("loaded CUDA module {} ({})", file, m->build_info ? m->build_info() : "");
    return r;
  }
  r.error = "CUDA module " + std::string(kCudaModuleFile) +
            " not loaded; tried: " + text::join(tried, "; ");
  log::logger().debug("{}", r.error);
  return r;
}

}  // namespace

const GpuModuleLoad& cuda_module() {
  static const GpuModuleLoad loaded = load();
  return loaded;
}

}  // namespace dattn
