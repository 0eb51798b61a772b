#!/usr/bin/env bash
# Regenerates the embedded subsets (fashion-mnist-mini, spam-assassin-mini) in
# demo-data/src/main/resources/dev/attentiondrop/demodata/ from the cached full datasets, with
# scripts/MakeSubsets.java. Deterministic: re-running on the verified cache leaves the content unchanged.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/fetch-data.sh" fashion-mnist spam-assassin
(cd "$root" && mvn -B -q -o compile -pl model-zoo -am)
out="$root/demo-data/src/main/resources/dev/attentiondrop/demodata"
mkdir -p "$out/fashion-mnist-mini" "$out/spam-assassin-mini"
java -Xmx2g -cp "$root/model-zoo/target/classes" "$root/scripts/MakeSubsets.java" "$out"
ls -l "$out"/*/
