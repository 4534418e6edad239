#!/usr/bin/env bash
# Builds and runs every test: the Release tree (build/) with the CUDA module when nvcc is
# present (GPU tests skip without a GPU), a second tree with AddressSanitizer and
# UndefinedBehaviorSanitizer (build-sanitize/), and the Python package when it exists.
# Installs what is missing first. Ends with one line "N passed, N failed, N skipped".
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$DATTN_ROOT"

install_system_deps || exit 1
# numpy and pytest for the Python tests (ml_dtypes gives NumPy a bfloat16 for them), matplotlib
# for `dattn bench --plot`.
install_python_deps numpy:numpy pytest:pytest ml_dtypes:ml-dtypes matplotlib:matplotlib || exit 1

reports=$(mktemp -d)
stages=()
failed_stages=0
unreported_failures=0  # failed stages that run no test (configure, build, install)
start=$SECONDS

# stage NAME COMMAND...: runs it, records "NAME: ok|FAILED (seconds)" and keeps going.
stage() {
  local name=$1 t0=$SECONDS
  shift
  echo "=== $name"
  if "$@"; then
    stages+=("$name: ok ($((SECONDS - t0)) s)")
  else
    stages+=("$name: FAILED ($((SECONDS - t0)) s)")
    failed_stages=$((failed_stages + 1))
    case $name in *test) ;; *) unreported_failures=$((unreported_failures + 1)) ;; esac
    return 1
  fi
}

ctest_tree() {
  local dir=$1 report=$2
  ctest --test-dir "$dir" --output-on-failure --parallel "$(nproc)" --timeout 900 \
        --output-junit "$report"
}

release=$DATTN_ROOT/build
# The benchmarks are built (not run) so that CI notices when they stop compiling.
stage "release: configure" configure_tree "$release" Release -DDATTN_BUILD_BENCH=ON &&
  stage "release: build" build_tree "$release" &&
  stage "release: ctest" ctest_tree "$release" "$reports/release.xml"

# The sanitizer tree leaves out the CUDA module: ASan cannot instrument device code, no GPU is
# here to run it, and the host side of the module is a thin launcher that the Release tree
# already compiles. That halves this tree's build time on a 2-core CI machine.
sanitize=$DATTN_ROOT/build-sanitize
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
stage "sanitize: configure" configure_tree "$sanitize" RelWithDebInfo \
      -DDATTN_SANITIZE=address,undefined -DDATTN_BUILD_CUDA=OFF -DDATTN_BUILD_PYTHON=OFF &&
  stage "sanitize: build" build_tree "$sanitize" &&
  stage "sanitize: ctest" ctest_tree "$sanitize" "$reports/sanitize.xml"
unset ASAN_OPTIONS UBSAN_OPTIONS

python_tests() {
  local dir
  for dir in tests/python python/tests; do
    if [ -d "$dir" ]; then
      python3 -m pytest -q "$dir" --junitxml="$reports/python.xml"
      local rc=$?
      # pytest exits 5 when it collected no test: nothing failed, so it is not an error.
      if [ $rc -eq 5 ]; then echo "pytest: no tests collected in $dir"; return 0; fi
      return $rc
    fi
  done
  echo "pytest: no Python test folder (tests/python or python/tests)"
}

python_install() {
  install_python_deps scikit_build_core:scikit-build-core nanobind:nanobind || return 1
  local settings=()
  # Without a GPU the wheel's CUDA module could not be tested, and the Release tree above has
  # already compiled it: skip that second CUDA compile, the longest step on a 2-core machine.
  if ! nvidia-smi -L >/dev/null 2>&1; then
    settings+=(--config-settings=cmake.define.DATTN_BUILD_CUDA=OFF)
  fi
  python3 -m pip install -q --no-build-isolation "${settings[@]}" .
}

if [ -f pyproject.toml ]; then
  stage "python: install" python_install &&
    stage "python: pytest" python_tests
fi

echo "=== summary ($((SECONDS - start)) s)"
printf '  %s\n' "${stages[@]}"
python3 scripts/summarize_junit.py "$failed_stages" "$unreported_failures" "$reports"/*.xml
