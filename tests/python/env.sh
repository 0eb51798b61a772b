#!/usr/bin/env bash
# Creates (once) the Python virtual environment the tests use as an independent reference,
# and prints the path of its python interpreter on stdout.
#
# The environment is cached outside the clone, keyed by the hash of requirements.txt, so a
# second run is instant and a change of pins builds a fresh one. Override the cache root
# with ATTENTIONDROP_CACHE (default: ~/.cache/attentiondrop).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
req="$here/requirements.txt"
cache="${ATTENTIONDROP_CACHE:-$HOME/.cache/attentiondrop}"
key="$(sha256sum "$req" | cut -c1-12)"
venv="$cache/venv-$key"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  rm -rf "$venv"
  mkdir -p "$cache"
  # Built in place (a venv hard-codes its path); the .complete marker is written last, so an
  # interrupted install is detected and redone on the next run.
  python3 -m venv "$venv" >&2
  # --retries 0: only the on-disk mirror answers here; never wait on an unreachable index.
  "$venv/bin/pip" install --retries 0 --timeout 15 --disable-pip-version-check -q -r "$req" >&2
  touch "$venv/.complete"
fi
echo "$venv/bin/python"
