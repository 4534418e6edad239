// NVIDIA GPUs, through the CUDA module that the core loads at run time (core/gpu_module.h).
// Device facts are read once per device: cudaGetDeviceProperties costs milliseconds and
// attention() asks for the compute capability on every sage_attn call.
#include <map>
#include <mutex>

#include "core/gpu_module.h"
#include "select/gpu_capability.h"
#include "select/probe.h"

namespace dattn::probe {

namespace {

constexpr const char* kGetModule =
    "build dattn where the CUDA toolkit is installed (nvcc on PATH; CMake option "
    "DATTN_BUILD_CUDA=ON, the default) so that libdattn_cuda.so is built beside libdattn, or set "
    "DATTN_CUDA_MODULE to its path";

class CudaProbe final : public Probe {
 public:
  Verdict present() const override {
    const GpuModuleLoad& m = cuda_module();
    if (!m.module) return {false, m.error, kGetModule};
    char msg[512] = {};
    int32_t count = 0;
    if (m.module->device_count(&count, msg, sizeof msg) != 0)
      return {false, std::string("the CUDA module loaded but sees no device: ") + msg,
              "check the NVIDIA driver (nvidia-smi) and CUDA_VISIBLE_DEVICES"};
    if (count < 1)
      return {false, "the CUDA module loaded but the machine has no CUDA device",
              "run on a machine with an NVIDIA GPU, or use the cpu platform"};
    return {true, std::to_string(count) + " CUDA device(s), module " + m.path, ""};
  }

  Verdict available(Backend b, int device, int64_t head_size, DType dtype) const override {
    const dattn_gpu_module* m = cuda_module().module;
    if (!m) return {false, cuda_module().error, kGetModule};
    char msg[512] = {};
    if (m->supports(static_cast<int32_t>(b), device, head_size, static_cast<int32_t>(dtype), msg,
                    sizeof msg) == 0)
      return {true, "", ""};
    return {false, msg,
            "use a head size, dtype and GPU the backend supports (`dattn backends` lists them)"};
  }

  Verdict sage_fp8_image(int device) const override {
    const dattn_gpu_module* m = cuda_module().module;
    if (!m) return {false, cuda_module().error, kGetModule};
    char msg[512] = {};
    if (m->sage_fp8(device, msg, sizeof msg) == 0) return {true, "", ""};
    return {false, msg,
            "request sage_pv=f16, or rebuild the CUDA module for this GPU (e.g. cmake "
            "-DDATTN_CUDA_ARCHS=\"80;89;90a-real\" for an sm_89 card)"};
  }

  std::optional<int> compute_capability(int device) const override {
    const dattn_device_info* info = device_info(device);
    if (!info) return std::nullopt;
    return info->cc_major * 10 + info->cc_minor;
  }

  std::string describe(int device) const override {
    const dattn_device_info* info = device_info(device);
    if (!info) return "CUDA device " + std::to_string(device) + " (no information)";
    return std::string(info->name) + ", sm_" + std::to_string(info->cc_major) +
           std::to_string(info->cc_minor) + ", " + std::to_string(info->sm_count) + " SMs";
  }

  std::string head_sizes(Backend b) const override { return gpu_capability::head_sizes(b); }
  std::string dtypes(Backend b) const override { return gpu_capability::dtypes(b); }

 private:
  const dattn_device_info* device_info(int device) const {
    const dattn_gpu_module* m = cuda_module().module;
    if (!m) return nullptr;
    std::lock_guard lock(mutex_);
    auto it = info_.find(device);
    if (it == info_.end()) {
      dattn_device_info info{};
      char msg[512] = {};
      if (m->device_info(device, &info, msg, sizeof msg) != 0) return nullptr;
      it = info_.emplace(device, info).first;
    }
    return &it->second;
  }

  mutable std::mutex mutex_;
  mutable std::map<int, dattn_device_info> info_;
};

}  // namespace

std::shared_ptr<const Probe> make_cuda_probe() { return std::make_shared<CudaProbe>(); }

}  // namespace dattn::probe
