#!/usr/bin/env bash
# Regenerates the embedded subsets (fashion-mnist-mini, spam-assassin-mini, imdb-mini) in
# demo-data/src/main/resources/dev/attentiondrop/demodata/ from the cached full datasets, with
# scripts/MakeSubsets.java. Deterministic: re-running on the verified cache leaves the content unchanged.
#
# Usage: scripts/make-subsets.sh [fashion-mnist-mini|spam-assassin-mini|imdb-mini]...   (default: all)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
subsets=("$@")
[[ ${#subsets[@]} -eq 0 ]] && subsets=(fashion-mnist-mini spam-assassin-mini imdb-mini)
"$root/scripts/fetch-data.sh" "${subsets[@]%-mini}"
(cd "$root" && mvn -B -q -o compile -pl model-zoo -am)
cp=$(mktemp)
trap 'rm -f "$cp"' EXIT
(cd "$root" && mvn -B -q -o dependency:build-classpath -pl model-zoo -Dmdep.outputFile="$cp")
out="$root/demo-data/src/main/resources/dev/attentiondrop/demodata"
for s in "${subsets[@]}"; do mkdir -p "$out/$s"; done
java -Xmx2g -cp "$root/model-zoo/target/classes:$(cat "$cp")" "$root/scripts/MakeSubsets.java" \
  "$out" "${subsets[@]}"
for s in "${subsets[@]}"; do ls -l "$out/$s/"; done
