#!/usr/bin/env bash
# The main job: install what is missing, build dattn (Release) in build/, and run `dattn`
# (detect the platform, select a backend, run, check against fp64). Arguments go to dattn,
# e.g. `bash scripts/run.sh run --attention-backend sage_attn --json`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install_system_deps >&2
# Build logs go to stderr so that stdout is dattn's alone (e.g. for --json).
configure_tree "$DATTN_ROOT/build" Release >&2
# Everything, not just the CLI: the GPU module is loaded at run time, so no target depends on it.
build_tree "$DATTN_ROOT/build" >&2
exec "$DATTN_ROOT/build/dattn" "$@"
