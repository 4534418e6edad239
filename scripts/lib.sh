# Shared by run.sh and test.sh: install what the build needs, then configure and build a tree.
# Each check is cheap when the dependency is already there, so both scripts stay fast on a
# prepared machine and still work on a fresh Debian/Ubuntu one.

DATTN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian/Ubuntu packages the C++ build needs; see README.md "Dependencies" for why each is there.
DATTN_APT_PACKAGES=(g++ ninja-build libgtest-dev libcli11-dev libspdlog-dev
                    libfmt-dev nlohmann-json3-dev libopenblas-dev)

install_system_deps() {
  if ! command -v dpkg >/dev/null 2>&1; then
    echo "dattn: no dpkg on this machine; install the packages of README.md by hand" >&2
    return 0
  fi
  local missing=() pkg
  for pkg in "${DATTN_APT_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  # A newer CMake or Python from elsewhere (pip, pyenv) is fine; only install what is absent.
  if ! command -v cmake >/dev/null 2>&1; then missing+=(cmake); fi
  if ! command -v python3 >/dev/null 2>&1; then missing+=(python3 python3-pip); fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "dattn: installing ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# install_python_deps MODULE:PACKAGE ...   installs each PACKAGE whose MODULE does not import.
install_python_deps() {
  local missing=() pair
  for pair in "$@"; do
    python3 -c "import ${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "dattn: pip installing ${missing[*]}"
  local extra=()
  # Debian's own Python refuses pip installs (PEP 668) unless told; a pyenv/venv Python does not.
  if python3 -c 'import os,sys,sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["stdlib"], "EXTERNALLY-MANAGED")))'; then
    extra+=(--break-system-packages)
  fi
  if ! python3 -m pip --version >/dev/null 2>&1; then
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends python3-pip
  fi
  python3 -m pip install -q "${extra[@]}" "${missing[@]}"
}

# configure_tree DIR BUILD_TYPE [cmake args...]: Ninja on first use; an existing tree keeps its generator.
configure_tree() {
  local dir=$1 type=$2
  shift 2
  local generator=()
  [ -f "$dir/CMakeCache.txt" ] || generator=(-G Ninja)
  cmake -S "$DATTN_ROOT" -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE="$type" "$@"
}

# build_tree DIR [targets...]: everything when no target is named.
build_tree() {
  local dir=$1
  shift
  local targets=()
  [ $# -gt 0 ] && targets=(--target "$@")
  cmake --build "$dir" --parallel "$(nproc)" "${targets[@]}"
}
