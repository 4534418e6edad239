#include "cuda/common/workspace.h"

#include <map>
#include <memory>
#include <thread>
#include <tuple>

#include "cuda/common/check.h"

namespace dattn::cuda {
namespace {

struct Buffer {
  std::mutex mutex;  // held by the lease of the call using the buffer
  void* ptr = nullptr;
  size_t bytes = 0;
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
  if (buf.bytes < bytes) {
    // Stream order makes this safe without a sync: work already enqueued on `stream` that
    // uses the old buffer runs before the free.
    if (buf.ptr != nullptr) {
      DATTN_CUDA_CHECK(cudaFreeAsync(buf.ptr, stream));
      buf.ptr = nullptr;
      buf.bytes = 0;
    }
    const size_t grown = (bytes + kGrowthGranularity - 1) / kGrowthGranularity * kGrowthGranularity;
    DATTN_CUDA_CHECK(cudaMallocAsync(&buf.ptr, grown, stream));
    buf.bytes = grown;
  }
  lease.ptr = buf.ptr;
  return lease;
}

}  // namespace dattn::cuda
