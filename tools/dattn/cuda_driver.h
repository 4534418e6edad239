// The few CUDA driver calls the CLI needs to run attention on a GPU: device memory, copies
// and event timing. The driver (libcuda.so.1) is loaded with dlopen on first use, so the CLI
// links no CUDA library and runs on machines without one. The driver rather than libcudart:
// libcuda.so.1 is installed by every NVIDIA driver under that one soname, on the loader's
// path, whereas libcudart's soname changes with each CUDA major version and often lives
// outside the loader's path (inside a toolkit or a pip wheel). The GPU module uses the
// runtime's primary context, which is the context this shim retains, so pointers and the
// legacy default stream are shared with it.
#pragma once

#include <cstddef>
#include <memory>

namespace dattn::cli::cuda {

struct Driver;

// Device memory on one GPU. Every failure throws Error(device_error) naming the call.
class DeviceBuffer {
 public:
  DeviceBuffer(int device, std::size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* data() const { return ptr_; }
  void upload(const void* host);
  void download(void* host) const;

 private:
  const Driver& driver_;
  void* ptr_ = nullptr;
  std::size_t bytes_;
};

// Times work enqueued on the legacy default stream with a pair of CUDA events.
class EventTimer {
 public:
  explicit EventTimer(int device);
  ~EventTimer();
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;

  void start();
  // Waits for the stop event and returns the seconds between start() and now.
  double stop_seconds();

 private:
  const Driver& driver_;
  void* begin_ = nullptr;
  void* end_ = nullptr;
};

}  // namespace dattn::cli::cuda
