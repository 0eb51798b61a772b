#!/usr/bin/env bash
# Compiles src/main/proto (our TF Serving definitions) to Java and gRPC Java stubs.
# Usage: protoc.sh BIN_DIR OUT_DIR DESCRIPTORS.pb CLASSPATH   (run by exec-maven-plugin)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$1" out="$2" descriptors="$3" cp="$4"
protos="$here/../main/proto"
chmod +x "$bin/protoc.exe" "$bin/protoc-gen-grpc-java.exe"
java -cp "$cp" "$here/DumpDescriptors.java" "$descriptors" > "$descriptors.txt"
rm -rf "$out" && mkdir -p "$out"
cd "$protos"
mapfile -t files < <(find tensorflow_serving -name '*.proto' | sort)
"$bin/protoc.exe" --descriptor_set_in="$descriptors" -I . \
  --plugin=protoc-gen-grpc-java="$bin/protoc-gen-grpc-java.exe" \
  --java_out="$out" --grpc-java_out="$out" "${files[@]}"
