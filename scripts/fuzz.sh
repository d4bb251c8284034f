#!/usr/bin/env bash
# npm run fuzz: libFuzzer over the native graph decoder + executor (native/fuzz/decode_fuzz.cc:
# any byte string goes to Session::extend, and every graph it accepts is run node by node),
# under ASan/UBSan, bounded in time. First replays test/fixtures/fuzz/* (inputs that once
# crashed), then fuzzes from a seed corpus of real graphs written by the TypeScript serializer.
# A finding stops the run with its input in build/fuzz/ (crash-*, leak-*, oom-*, timeout-*):
# fix it, copy the input to test/fixtures/fuzz/ (test/serialize/fuzz-regressions.test.ts loads
# every file there) and run again.
# Usage: scripts/fuzz.sh [seconds]   (default 60; needs clang with libFuzzer, see below)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
out=build/fuzz
CXX=${CXX:-$(command -v clang++-14 || command -v clang++ || true)}
need="Debian/Ubuntu: apt-get install -y clang-14 libclang-rt-14-dev (or set CXX to a clang++ that has libFuzzer)"
[ -n "$CXX" ] || { echo "fuzz: no clang++ found. $need"; exit 2; }
probe=$(mktemp -d)
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' > "$probe/p.cc"
"$CXX" -fsanitize=fuzzer,address,undefined "$probe/p.cc" -o "$probe/p" 2>/dev/null \
  || { rm -rf "$probe"; echo "fuzz: $CXX cannot link -fsanitize=fuzzer,address,undefined (libFuzzer/sanitizer runtimes missing). $need"; exit 2; }
rm -rf "$probe"
[ -f dist/cjs/lib/index.js ] || npm run build:ts  # the seed corpus comes from the serializer

mkdir -p "$out/obj" "$out/corpus"
flags="-std=c++17 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -Inative"
export CXX flags out
# Compile each source whose object is older than it or than any header (two at a time).
newest_h=$(ls -t native/*.h native/kernels/*.h | head -1)
ls native/*.cc native/kernels/*.cc | grep -v 'native/addon.cc' | xargs -P "$(nproc)" -I{} sh -c '
  f={}; o="$out/obj/$(basename "${f%.cc}").o"; extra=""
  case $f in *_avx2.cc) extra="-mavx2 -mfma";; *_avx512.cc) extra="-mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx2 -mfma";; *_neon.cc) exit 0;; esac
  if [ ! -f "$o" ] || [ "$f" -nt "$o" ] || [ "'"$newest_h"'" -nt "$o" ]; then $CXX $flags $extra -c "$f" -o "$o"; fi'
$CXX $flags -fsanitize=fuzzer native/fuzz/decode_fuzz.cc "$out"/obj/*.o -o "$out/decode_fuzz"

# Regressions first: every saved input must now pass.
if compgen -G "test/fixtures/fuzz/*" >/dev/null; then
  "$out/decode_fuzz" -runs=1 test/fixtures/fuzz/* 2>"$out/regressions.log" \
    || { tail -40 "$out/regressions.log"; echo "fuzz: a saved input in test/fixtures/fuzz fails again"; exit 1; }
  echo "fuzz: $(ls test/fixtures/fuzz | wc -l) saved inputs replay cleanly"
fi

# Seed corpus: real graphs from the TypeScript serializer.
node -e '
  const tf = require("./dist/cjs/lib/index.js");
  const fs = require("fs");
  const graphs = [
    () => { const a = tf.constant([[1, 2], [3, 4]]); tf.matmul(a, a, { transposeB: true }); tf.reduceSum(a, 1, true); },
    () => { const x = tf.placeholderWithDefault(tf.constant([1, 2, 3, 4]), [4]); tf.nn.softmax(tf.reshape(x, [2, -1])); },
    () => { const a = tf.constant(new Int32Array([1, 2, 3])); tf.cast(tf.maximum(a, tf.constant(2, "int32")), "float64"); },
    () => { const a = tf.constant([1, 2]); tf.group(tf.add(a, tf.constant([[1], [2]])), tf.nn.relu(a).op); },
    () => { const x = tf.constant(new Float32Array(16).fill(1), "float32", [1, 4, 4, 1]); const w = tf.constant(new Float32Array(4).fill(1), "float32", [2, 2, 1, 1]);
            tf.nn.maxPool(tf.nn.conv2d(x, w, 1, "SAME"), 2, 2, "VALID"); },
    () => { const a = tf.constant([[1, 2, 3], [4, 5, 6]]); tf.concat([tf.transpose(a), tf.transpose(a)], 1); tf.gather(a, [1, 0]); tf.stridedSlice(a, [0, 1], [2, 3]); },
    () => { const v = new tf.Variable(tf.constant([1, 2]), { name: "v" }); tf.assignAdd(v, [1, 1]); tf.isVariableInitialized(v); },
  ];
  graphs.forEach((build, i) => { const g = new tf.Graph(); g.asDefault(build); fs.writeFileSync(`build/fuzz/corpus/seed${i}`, g.toBuffer()); });
'
echo "fuzz: fuzzing for ${secs}s (findings go to $out/)"
set +e
"$out/decode_fuzz" -max_total_time="$secs" -max_len=4096 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$out/" "$out/corpus" >"$out/last.log" 2>&1
status=$?
set -e
grep -E '^#[0-9]+ +DONE|ERROR|SUMMARY|stat::|Test unit written' "$out/last.log" || true
[ "$status" -eq 0 ] && echo "fuzz: no finding in ${secs}s (log: $out/last.log)" || echo "fuzz: FINDING (exit $status, log: $out/last.log)"
exit "$status"
