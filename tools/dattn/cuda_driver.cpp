#include "cuda_driver.h"

#include <dlfcn.h>

#include <string>

#include "dattn/types.h"

namespace dattn::cli::cuda {

namespace {

// Driver API types, declared here so that no CUDA header is needed to build the CLI.
using CUresult = int;
using CUdevice = int;
using CUcontext = void*;
using CUdeviceptr = unsigned long long;
using CUevent = void*;
using CUstream = void*;

template <typename F>
F symbol(void* lib, const char* name) {
  void* fn = dlsym(lib, name);
  if (!fn) throw Error(ErrorCode::device_error, std::string("libcuda.so.1 lacks ") + name);
  return reinterpret_cast<F>(fn);
}

}  // namespace

struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuGetErrorString)(CUresult, const char**);
  CUresult (*cuDeviceGet)(CUdevice*, int);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext*, CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuMemAlloc)(CUdeviceptr*, std::size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void*, std::size_t);
  CUresult (*cuMemcpyDtoH)(void*, CUdeviceptr, std::size_t);
  CUresult (*cuEventCreate)(CUevent*, unsigned);
  CUresult (*cuEventDestroy)(CUevent);
  CUresult (*cuEventRecord)(CUevent, CUstream);
  CUresult (*cuEventSynchronize)(CUevent);
  CUresult (*cuEventElapsedTime)(float*, CUevent, CUevent);

  void check(CUresult r, const char* call) const {
    if (r == 0) return;
    const char* text = nullptr;
    cuGetErrorString(r, &text);
    throw Error(ErrorCode::device_error, std::string(call) + " failed: " +
                                             (text ? text : "error " + std::to_string(r)));
  }

  // Makes `device`'s primary context current on this thread (cheap when it already is).
  void use(int device) const {
    CUdevice dev = 0;
    CUcontext ctx = nullptr;
    check(cuDeviceGet(&dev, device), "cuDeviceGet");
    check(cuDevicePrimaryCtxRetain(&ctx, dev), "cuDevicePrimaryCtxRetain");
    check(cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
  }

  static const Driver& get() {
    static const Driver driver = load();
    return driver;
  }

 private:
  static Driver load() {
    // Never closed: the driver stays loaded for the life of the process anyway.
    void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      throw Error(ErrorCode::device_error,
                  std::string("cannot load the CUDA driver libcuda.so.1: ") + dlerror());
    }
    Driver d{};
    d.cuInit = symbol<decltype(d.cuInit)>(lib, "cuInit");
    d.cuGetErrorString = symbol<decltype(d.cuGetErrorString)>(lib, "cuGetErrorString");
    d.cuDeviceGet = symbol<decltype(d.cuDeviceGet)>(lib, "cuDeviceGet");
    d.cuDevicePrimaryCtxRetain =
        symbol<decltype(d.cuDevicePrimaryCtxRetain)>(lib, "cuDevicePrimaryCtxRetain");
    d.cuCtxSetCurrent = symbol<decltype(d.cuCtxSetCurrent)>(lib, "cuCtxSetCurrent");
    d.cuMemAlloc = symbol<decltype(d.cuMemAlloc)>(lib, "cuMemAlloc_v2");
    d.cuMemFree = symbol<decltype(d.cuMemFree)>(lib, "cuMemFree_v2");
    d.cuMemcpyHtoD = symbol<decltype(d.cuMemcpyHtoD)>(lib, "cuMemcpyHtoD_v2");
    d.cuMemcpyDtoH = symbol<decltype(d.cuMemcpyDtoH)>(lib, "cuMemcpyDtoH_v2");
    d.cuEventCreate = symbol<decltype(d.cuEventCreate)>(lib, "cuEventCreate");
    d.cuEventDestroy = symbol<decltype(d.cuEventDestroy)>(lib, "cuEventDestroy_v2");
    d.cuEventRecord = symbol<decltype(d.cuEventRecord)>(lib, "cuEventRecord");
    d.cuEventSynchronize = symbol<decltype(d.cuEventSynchronize)>(lib, "cuEventSynchronize");
    // CUDA 12.8 renamed the entry point (_v2, same signature); older drivers have only the first.
    d.cuEventElapsedTime = dlsym(lib, "cuEventElapsedTime_v2")
                               ? symbol<decltype(d.cuEventElapsedTime)>(lib, "cuEventElapsedTime_v2")
                               : symbol<decltype(d.cuEventElapsedTime)>(lib, "cuEventElapsedTime");
    d.check(d.cuInit(0), "cuInit");
    return d;
  }
};

DeviceBuffer::DeviceBuffer(int device, std::size_t bytes) : driver_(Driver::get()), bytes_(bytes) {
  driver_.use(device);
  CUdeviceptr p = 0;
  driver_.check(driver_.cuMemAlloc(&p, bytes), "cuMemAlloc");
  ptr_ = reinterpret_cast<void*>(p);
}

DeviceBuffer::~DeviceBuffer() { driver_.cuMemFree(reinterpret_cast<CUdeviceptr>(ptr_)); }

void DeviceBuffer::upload(const void* host) {
  driver_.check(driver_.cuMemcpyHtoD(reinterpret_cast<CUdeviceptr>(ptr_), host, bytes_),
                "cuMemcpyHtoD");
}

void DeviceBuffer::download(void* host) const {
  driver_.check(driver_.cuMemcpyDtoH(host, reinterpret_cast<CUdeviceptr>(ptr_), bytes_),
                "cuMemcpyDtoH");
}

EventTimer::EventTimer(int device) : driver_(Driver::get()) {
  driver_.use(device);
  driver_.check(driver_.cuEventCreate(&begin_, 0), "cuEventCreate");
  driver_.check(driver_.cuEventCreate(&end_, 0), "cuEventCreate");
}

EventTimer::~EventTimer() {
  driver_.cuEventDestroy(begin_);
  driver_.cuEventDestroy(end_);
}

void EventTimer::start() { driver_.check(driver_.cuEventRecord(begin_, nullptr), "cuEventRecord"); }

double EventTimer::stop_seconds() {
  driver_.check(driver_.cuEventRecord(end_, nullptr), "cuEventRecord");
  driver_.check(driver_.cuEventSynchronize(end_), "cuEventSynchronize");
  float ms = 0;
  driver_.check(driver_.cuEventElapsedTime(&ms, begin_, end_), "cuEventElapsedTime");
  return ms * 1e-3;
}

}  // namespace dattn::cli::cuda
