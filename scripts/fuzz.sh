#!/usr/bin/env bash
# Fuzzes the native graph decoder + executor with libFuzzer under ASan/UBSan.
# Usage: scripts/fuzz.sh [seconds]   (needs clang-14 and libclang-rt-14-dev from Debian)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
out=build/fuzz
mkdir -p "$out/corpus"
CXX=${CXX:-clang++-14}
flags="-std=c++17 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -Inative"
objs=()
for f in native/core.cc native/cpu.cc native/graph.cc native/executor.cc native/resource.cc native/threadpool.cc native/kernels/*.cc; do
  o="$out/$(basename "${f%.cc}").o"
  extra=""; [[ $f == *_avx2.cc ]] && extra="-mavx2 -mfma"; [[ $f == *_avx512.cc ]] && extra="-mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx2 -mfma"
  $CXX $flags $extra -c "$f" -o "$o"
  objs+=("$o")
done
$CXX $flags -fsanitize=fuzzer native/fuzz/decode_fuzz.cc "${objs[@]}" -o "$out/decode_fuzz"
# Seed corpus: real graphs from the TypeScript serializer.
node -e '
  const tf = require("./dist/cjs/lib/index.js");
  const fs = require("fs");
  const graphs = [
    () => { const a = tf.constant([[1, 2], [3, 4]]); tf.matmul(a, a, { transposeB: true }); tf.reduceSum(a, 1, true); },
    () => { const x = tf.placeholderWithDefault(tf.constant([1, 2, 3, 4]), [4]); tf.nn.softmax(tf.reshape(x, [2, -1])); },
    () => { const a = tf.constant(new Int32Array([1, 2, 3])); tf.cast(tf.maximum(a, tf.constant(2, "int32")), "float64"); },
    () => { const a = tf.constant([1, 2]); tf.group(tf.add(a, tf.constant([[1], [2]])), tf.nn.relu(a).op); },
  ];
  graphs.forEach((build, i) => { const g = new tf.Graph(); g.asDefault(build); fs.writeFileSync(`build/fuzz/corpus/seed${i}`, g.toBuffer()); });
'
"$out/decode_fuzz" -max_total_time="$secs" -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1 "$out/corpus"
