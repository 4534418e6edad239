// Moore Threads GPUs. The MUSA runtime is loaded at run time and asked for the device count
// through a function pointer, so building needs no MUSA header and running needs no MUSA
// library: without it, musa is simply not present. This build carries no MUSA kernels, so a
// present musa platform still has no available backend (unless simulated).
#include <dlfcn.h>

#include <string>
#include <vector>

#include "core/text.h"
#include "select/probe.h"

namespace dattn::probe {

namespace {

// Soname variants of the MUSA runtime across SDK releases; the unversioned name first
// (the SDK's lib folder), then the versioned ones a runtime-only install ships.
constexpr const char* kRuntimeNames[] = {"libmusart.so", "libmusart.so.4", "libmusart.so.3",
                                         "libmusart.so.2", "libmusart.so.1"};

struct Runtime {
  bool loaded = false;
  int device_count = 0;
  std::string detail;  // what was found, or why not
};

Runtime load_runtime() {
  Runtime r;
  std::vector<std::string> tried;
  for (const char* name : kRuntimeNames) {
    void* handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* e = dlerror();
      tried.push_back(std::string(name) + " (" + (e ? e : "not found") + ")");
      continue;
    }
    // musaError_t musaGetDeviceCount(int*): musaSuccess is 0, like CUDA's runtime.
    using GetCount = int (*)(int*);
    auto get_count = reinterpret_cast<GetCount>(dlsym(handle, "musaGetDeviceCount"));
    if (!get_count) {
      tried.push_back(std::string(name) + " (no musaGetDeviceCount)");
      dlclose(handle);
      continue;
    }
    int count = 0;
    const int status = get_count(&count);
    r.loaded = true;
    // The library stays loaded: unloading a GPU runtime mid-process is not safe.
    if (status != 0) {
      r.detail = std::string(name) + " loaded but musaGetDeviceCount failed with error " +
                 std::to_string(status);
      return r;
    }
    r.device_count = count;
    r.detail = std::string(name) + ", " + std::to_string(count) + " device(s)";
    return r;
  }
  r.detail = "MUSA runtime not found; tried " + text::join(tried, "; ");
  return r;
}

const Runtime& runtime() {
  static const Runtime r = load_runtime();
  return r;
}

class MusaProbe final : public Probe {
 public:
  Verdict present() const override {
    const Runtime& r = runtime();
    if (!r.loaded)
      return {false, r.detail,
              "install the MUSA toolkit and put its lib folder on LD_LIBRARY_PATH"};
    if (r.device_count < 1)
      return {false, r.detail + "; no MUSA device",
              "check the MUSA driver (mthreads-gmi) and MUSA_VISIBLE_DEVICES"};
    return {true, r.detail, ""};
  }

  Verdict available(Backend, int, int64_t, DType) const override {
    return {false, "this build of dattn has no MUSA kernels",
            "run on the cpu platform (cpu tensors, or DATTN_PLATFORM=cpu for tools)"};
  }

  std::optional<int> compute_capability(int) const override { return std::nullopt; }
  Verdict sage_fp8_image(int) const override {
    return {false, "this build of dattn has no MUSA kernels", "request sage_pv=f16"};
  }

  std::string describe(int device) const override {
    return "MUSA device " + std::to_string(device);
  }

  std::string head_sizes(Backend) const override { return "none in this build"; }
  std::string dtypes(Backend) const override { return "none in this build"; }
};

}  // namespace

std::shared_ptr<const Probe> make_musa_probe() { return std::make_shared<MusaProbe>(); }

}  // namespace dattn::probe
