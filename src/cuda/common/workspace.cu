#include "cuda/common/workspace.h"

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>

#include "cuda/common/check.h"

namespace dattn::cuda {
namespace {

struct Buffer {
  std::mutex mutex;  // held by the lease of the call using the buffer
  void* ptr = nullptr;
  size_t bytes = 0;
  // A CUDA graph captured with this buffer replays into it later: growing then allocates a new
  // buffer and leaves this one to the graph (until process exit; captures are few).
  bool captured = false;
  // The stream the buffer was last used on (cudaStreamGetId, unique for the process): a new
  // stream may get a destroyed one's handle, and with it this entry.
  unsigned long long stream_id = 0;
};

// Grow in steps of at least this much, so a slowly growing sequence length does not free
// and reallocate on every call.
constexpr size_t kGrowthGranularity = size_t{2} << 20;

// (device, stream, thread for cudaStreamPerThread else none). Keyed by stream too: two
// streams using one buffer at once would race. An entry of a destroyed stream stays (its
// memory is reclaimed at process exit); streams are few.
using Key = std::tuple<int, cudaStream_t, std::thread::id>;

std::mutex g_map_mutex;
std::map<Key, std::unique_ptr<Buffer>> g_buffers;

Buffer& buffer_for(int device, cudaStream_t stream) {
  const std::thread::id owner =
      stream == cudaStreamPerThread ? std::this_thread::get_id() : std::thread::id{};
  std::lock_guard<std::mutex> lock(g_map_mutex);
  std::unique_ptr<Buffer>& b = g_buffers[{device, stream, owner}];
  if (!b) b = std::make_unique<Buffer>();
  return *b;  // never erased, so the reference outlives the map lock
}

}  // namespace

WorkspaceLease workspace(int device, cudaStream_t stream, size_t bytes) {
  if (bytes == 0) return {};
  Buffer& buf = buffer_for(device, stream);
  WorkspaceLease lease{nullptr, std::unique_lock<std::mutex>(buf.mutex)};
  cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
  DATTN_CUDA_CHECK(cudaStreamIsCapturing(stream, &capture));
  const bool capturing = capture != cudaStreamCaptureStatusNone;
  // cudaStreamGetId is not permitted during a capture; a capture trusts the entry it finds.
  unsigned long long stream_id = buf.stream_id;
  if (!capturing) DATTN_CUDA_CHECK(cudaStreamGetId(stream, &stream_id));
  const bool other_stream = buf.ptr != nullptr && buf.stream_id != stream_id;
  if (other_stream || buf.bytes < bytes) {
    // An allocation inside a capture would belong to that graph, not to later calls.
    if (capturing) {
      throw std::invalid_argument(
          "sage_attn under CUDA graph capture needs its " + std::to_string(bytes) +
          "-byte workspace on this stream before the capture: run the same call (or a larger one) "
          "once on this stream outside the capture, then capture it");
    }
    // Stream order makes the free safe without a sync: work already enqueued on `stream`
    // that uses the old buffer runs before it. A destroyed stream's work is in no order with
    // this one, so its buffer goes with cudaFree, which waits for the device (stream churn
    // only).
    if (buf.ptr != nullptr && !buf.captured) {
      if (other_stream) {
        DATTN_CUDA_CHECK(cudaFree(buf.ptr));
      } else {
        DATTN_CUDA_CHECK(cudaFreeAsync(buf.ptr, stream));
      }
    }
    buf.ptr = nullptr;
    buf.bytes = 0;
    buf.captured = false;
    const size_t grown = (bytes + kGrowthGranularity - 1) / kGrowthGranularity * kGrowthGranularity;
    DATTN_CUDA_CHECK(cudaMallocAsync(&buf.ptr, grown, stream));
    buf.bytes = grown;
  }
  if (capturing) buf.captured = true;
  buf.stream_id = stream_id;
  lease.ptr = buf.ptr;
  return lease;
}

}  // namespace dattn::cuda
