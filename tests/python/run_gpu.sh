#!/usr/bin/env bash
# On the GPU machine (PyTorch with CUDA, nanobind, scikit-build-core, numpy, pytest; no
# internet): installs the package with its CUDA module, runs the Python tests (the GPU ones
# included) and bench/gpu/compare.py. Results land in $OUT (default: bench/results).
#   tests/python/run_gpu.sh [install] [test] [bench]    (no argument: all three)
# Each stage fits one 10-minute device command; run them one by one if need be.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$(pwd)
OUT=${OUT:-$ROOT/bench/results}
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(install test bench)

for stage in "${stages[@]}"; do
  case $stage in
    install)
      nvidia-smi --query-gpu=name,compute_cap,driver_version --format=csv,noheader || true
      # --no-build-isolation: build with the machine's own scikit-build-core and nanobind
      # (nothing can be downloaded there).
      CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) python3 -m pip install --no-build-isolation --no-deps \
        -q . 2>&1 | tee "$OUT/pip-install.log" | tail -20
      (cd / && python3 -c "import dattn
for r in dattn.backends():
    print(r.platform, r.backend, 'available' if r.available else 'unavailable', '; '.join(r.reasons))")
      ;;
    test)
      # From / so that `import dattn` is the installed package, whatever the working tree holds.
      (cd / && python3 -m pytest -q -rs "$ROOT/tests/python" --junitxml="$OUT/python-gpu.xml") \
        2>&1 | tee "$OUT/pytest-gpu.log" | tail -40
      ;;
    bench)
      python3 bench/gpu/compare.py --out "$OUT" 2>&1 | tee "$OUT/compare.log"
      ;;
    *)
      echo "unknown stage '$stage'; expected install, test or bench" >&2
      exit 2
      ;;
  esac
done
