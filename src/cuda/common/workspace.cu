#include "cuda/common/workspace.h"

#include <map>
#include <mutex>
#include <utility>

#include "cuda/common/check.h"

namespace dattn::cuda {
namespace {

struct Buffer {
  void* ptr = nullptr;
  size_t bytes = 0;
};

// Grow in steps of at least this much, so a slowly growing sequence length does not free
// and reallocate on every call.
constexpr size_t kGrowthGranularity = size_t{2} << 20;

std::mutex g_mutex;
// Keyed by stream too: two streams using one buffer at once would race. An entry of a
// destroyed stream stays (its memory is reclaimed at process exit); streams are few.
std::map<std::pair<int, cudaStream_t>, Buffer> g_buffers;

}  // namespace

void* workspace(int device, cudaStream_t stream, size_t bytes) {
  if (bytes == 0) return nullptr;
  std::lock_guard<std::mutex> lock(g_mutex);
  Buffer& buf = g_buffers[{device, stream}];
  if (buf.bytes >= bytes) return buf.ptr;
  // Stream order makes this safe without a sync: work already enqueued on `stream` that
  // uses the old buffer runs before the free.
  if (buf.ptr != nullptr) {
    DATTN_CUDA_CHECK(cudaFreeAsync(buf.ptr, stream));
    buf = Buffer{};
  }
  const size_t grown = (bytes + kGrowthGranularity - 1) / kGrowthGranularity * kGrowthGranularity;
  DATTN_CUDA_CHECK(cudaMallocAsync(&buf.ptr, grown, stream));
  buf.bytes = grown;
  return buf.ptr;
}

}  // namespace dattn::cuda
