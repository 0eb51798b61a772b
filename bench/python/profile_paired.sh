#!/usr/bin/env bash
# Step times of plain at one length, TF Java (2.18) against the same GraphDef in Python TF 2.21 and
# the Keras form, with TF_ENABLE_ONEDNN_OPTS unset/1/0, each a short child process, alternated for
# ROUNDS rounds (a loaded machine drifts: alternation spreads the drift over all settings). One
# RESULT JSON line per child on stdout.
#   bench/python/profile_paired.sh [T=512] [BATCH=8] [ROUNDS=3] [STEPS=15]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
t="${1:-512}"; batch="${2:-8}"; rounds="${3:-3}"; steps="${4:-15}"
cp="$root/cli/target/classes:$(cat "$root/cli/target/attentiondrop.classpath")"
python="$(bash "$root/tests/python/env.sh" 2>/dev/null | tail -1)"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
export OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 TF_NUM_INTRAOP_THREADS=2 TF_NUM_INTEROP_THREADS=2
export TF_CPP_MIN_LOG_LEVEL=2 OMP_WAIT_POLICY=PASSIVE
manifest="$(java -cp "$cp" dev.attentiondrop.bench.profile.OpProfileRun --export-only "$dir" \
  --variants plain --seq-lens "$t" --batch "$batch" 2>/dev/null | tail -1)"
for r in $(seq 1 "$rounds"); do
  for onednn in unset 1 0; do
    envs=(env -u TF_ENABLE_ONEDNN_OPTS)
    [ "$onednn" != unset ] && envs=(env TF_ENABLE_ONEDNN_OPTS="$onednn")
    line="$("${envs[@]}" java -Xmx2g -cp "$cp" dev.attentiondrop.bench.profile.OpProfileRun --child-time \
      --seq-lens "$t" --batch "$batch" --warmup 5 --steps "$steps" 2>/dev/null | grep '^RESULT ' | cut -c8-)"
    echo "RESULT {\"round\": $r, \"runtime\": \"tf-java\", \"form\": \"tf_java\", \"TF_ENABLE_ONEDNN_OPTS\": \"$onednn\", \"load\": \"$(cut -d' ' -f1 /proc/loadavg)\", \"java\": $line}"
    "${envs[@]}" "$python" "$root/bench/python/profile_ops.py" --time-only --manifests "$manifest" \
      --keras-variants plain --seq-lens "$t" --batch "$batch" --warmup 5 --steps "$steps" 2>/dev/null \
      | grep '^RESULT ' | cut -c8- | while read -r l; do
        echo "RESULT {\"round\": $r, \"runtime\": \"tf-python\", \"TF_ENABLE_ONEDNN_OPTS\": \"$onednn\", \"load\": \"$(cut -d' ' -f1 /proc/loadavg)\", \"python\": $l}"
      done
  done
done
