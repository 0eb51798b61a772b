#!/usr/bin/env bash
# Packs an experiment output folder's finished cells, without weights or checkpoints, into a
# tarball for docs/results-data/: what `attentiondrop report` reads, and what
# `attentiondrop experiment -o DIR` needs to skip those cells when a run continues from it
# (unpack into DIR and run the same profile at the same revision).
#
# Usage: scripts/pack-results.sh EXPERIMENT_DIR OUT.tar.gz
set -euo pipefail
src="$(cd "$1" && pwd)"
out="$2"
name="$(basename "$src")"
list="$(mktemp)"
trap 'rm -f "$list" "$out.tmp"' EXIT
(
  cd "$(dirname "$src")"
  echo "$name/experiment.json"
  # only finished cells (with a summary.json), only their small files
  find "$name" -name summary.json -printf '%h\n' | sort | while read -r cell; do
    for f in cell.json config.json metrics.jsonl metrics.csv reliability.json source_revision.txt summary.json; do
      [ -f "$cell/$f" ] && echo "$cell/$f"
    done
  done
) > "$list"
tar -czf "$out.tmp" -C "$(dirname "$src")" --owner=0 --group=0 --mtime=2026-01-01 -T "$list"
mv "$out.tmp" "$out"
echo "$(grep -c summary.json "$list") cells -> $out ($(du -h "$out" | cut -f1))"
