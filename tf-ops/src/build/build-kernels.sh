#!/usr/bin/env bash
# Builds the fused CPU kernels (src/main/native/attentiondrop_kernels.cc) into
#   OUT/dev/attentiondrop/ops/kernels/linux-x86_64/libattentiondrop_kernels.so
# with the system C++ compiler, against TensorFlow's stable C API. The headers (and the
# libtensorflow_framework.so.2 it links to by soname) come from a Python TensorFlow wheel, never
# from this repository:
#   1. $ATTENTIONDROP_TF_DIR, a wheel's `tensorflow` package folder, if set;
#   2. else the pinned test environment of tests/python/env.sh (not created here);
#   3. else the `tensorflow` package of `python3`, if it has the headers.
# Without a wheel, a compiler or on another platform it builds nothing and says why: the library
# is then absent and the regularizers use their stock-op path (dev.attentiondrop.ops.kernels).
# Set ATTENTIONDROP_KERNELS=off to skip the build; ATTENTIONDROP_KERNELS=required (the default
# when CI=true) makes a missing wheel or compiler an error.
set -euo pipefail
src="$1"
out="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="$out/dev/attentiondrop/ops/kernels/linux-x86_64/libattentiondrop_kernels.so"
default_mode=auto
[ "${CI:-}" = true ] && default_mode=required
mode="${ATTENTIONDROP_KERNELS:-$default_mode}"

skip() {
  if [ "$mode" = required ]; then
    echo "error: fused kernels not built (tf-ops/src/build/build-kernels.sh): $1" >&2
    exit 1
  fi
  echo "[attentiondrop] fused kernels not built: $1; the regularizers use stock ops" >&2
  rm -f "$target"
  exit 0
}

[ "$mode" = off ] && skip "ATTENTIONDROP_KERNELS=off"
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || skip "only built on Linux x86_64"
cxx="${CXX:-g++}"
command -v "$cxx" > /dev/null || skip "no C++ compiler ($cxx)"

tf_dir="${ATTENTIONDROP_TF_DIR:-}"
if [ -z "$tf_dir" ]; then
  req="$here/../../../tests/python/requirements.txt"
  cache="${ATTENTIONDROP_CACHE:-$HOME/.cache/attentiondrop}"
  if [ -f "$req" ]; then
    venv="$cache/venv-$(sha256sum "$req" | cut -c1-12)"
    for d in "$venv"/lib/python3*/site-packages/tensorflow; do
      [ -f "$d/include/tensorflow/c/kernels.h" ] && tf_dir="$d"
    done
  fi
fi
if [ -z "$tf_dir" ] && command -v python3 > /dev/null; then
  tf_dir="$(python3 -c 'import os, importlib.util as u; s = u.find_spec("tensorflow"); print(os.path.dirname(s.origin) if s else "")' 2> /dev/null || true)"
fi
[ -n "$tf_dir" ] && [ -f "$tf_dir/include/tensorflow/c/kernels.h" ] ||
  skip "no TensorFlow C headers (set ATTENTIONDROP_TF_DIR to a wheel's tensorflow folder, or run tests/python/env.sh)"
[ -f "$tf_dir/libtensorflow_framework.so.2" ] || skip "no libtensorflow_framework.so.2 in $tf_dir"

if [ -f "$target" ] && [ "$target" -nt "$src" ] && [ "$target" -nt "${BASH_SOURCE[0]}" ]; then
  exit 0
fi
mkdir -p "$(dirname "$target")"
tmp="$(mktemp "$(dirname "$target")/.build-XXXXXX")"
trap 'rm -f "$tmp"' EXIT
# -O3 at the x86-64 baseline (no -march=native: the jar runs on other machines); the library
# needs libtensorflow_framework.so.2 by soname, which TF Java and Python TF have loaded already.
"$cxx" -std=c++17 -O3 -fPIC -shared -Wall -Wextra -Werror -pthread \
  -I"$tf_dir/include" "$src" -L"$tf_dir" -l:libtensorflow_framework.so.2 -o "$tmp"
chmod 644 "$tmp"
mv -f "$tmp" "$target"
echo "[attentiondrop] fused kernels built with $("$cxx" -dumpfullversion) against $tf_dir" >&2
