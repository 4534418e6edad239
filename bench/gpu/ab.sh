#!/usr/bin/env bash
# Same-machine A/B of sage_attn. Timings of one kernel differ by up to ~7 % between GPU
# machines of the same kind (bench/NOTES.md), more than most single changes gain, so a change
# is judged against its baseline built and timed in the same call. Builds the working tree (A)
# and each OTHER_TREE (a source tree, e.g. `git archive <commit> | tar -x -C .ab/base` in a
# folder that .git/info/exclude ignores, carried to the GPU machine), then runs
# dattn_sage_timing --automatic for each in turn, ROUNDS times, so that drift hits all alike;
# FA=1 also times fa (dattn_fa_sm90_bench on its default shapes) the same way.
#   [ROUNDS=2] [SHAPE="B H S D [causal]"] [FA=1] bench/gpu/ab.sh OTHER_TREE... > ab.log
#   python3 bench/gpu/ab_table.py ab.log    (each tree over the rounds as a table; fa too with FA=1)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
trees=("$root")
for t in "$@"; do trees+=("$(cd "$t" && pwd)") || exit 2; done
for tree in "${trees[@]}"; do
  b=$tree/build-ab
  cmake -S "$tree" -B "$b" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90a-real \
    -DDATTN_BUILD_GPU_TIMING=ON -DDATTN_BUILD_PYTHON=OFF > "$b.log" 2>&1 &&
    cmake --build "$b" -j"$(nproc)" --target dattn_cuda dattn_sage_timing ${FA:+dattn_fa_sm90_bench} >> "$b.log" 2>&1 ||
    { tail -30 "$b.log"; exit 1; }
done
for ((i = 1; i <= ${ROUNDS:-2}; ++i)); do
  for tree in "${trees[@]}"; do
    echo "=== round $i: $tree"
    # shellcheck disable=SC2086  # SHAPE is four numbers and an optional word
    # A time limit per run: a kernel that hangs (a wrong barrier count) ends that run, not the call.
    timeout 120 "$tree/build-ab/dattn_sage_timing" --automatic ${SHAPE:-} || echo "=== rc=$? (timeout: 124)"
    [ -n "${FA:-}" ] && { timeout 120 "$tree/build-ab/dattn_fa_sm90_bench" || echo "=== rc=$? (timeout: 124)"; }
  done
done
