#!/usr/bin/env bash
# Creates (once) the bench's PyTorch virtual environment (CPU wheel from the local wheel folder)
# and prints its python on stdout. Cache root: ATTENTIONDROP_CACHE (default ~/.cache/attentiondrop).
set -euo pipefail
cache="${ATTENTIONDROP_CACHE:-$HOME/.cache/attentiondrop}"
venv="$cache/bench-venv"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  rm -rf "$venv"
  mkdir -p "$cache"
  python3 -m venv "$venv" >&2
  # --retries 0: only the on-disk mirror / wheel folder answers here.
  "$venv/bin/pip" install --retries 0 --timeout 15 --disable-pip-version-check -q "torch==2.13.0+cpu" numpy >&2
  touch "$venv/.complete"
fi
echo "$venv/bin/python"
