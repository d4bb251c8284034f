#!/usr/bin/env bash
# npm run test:asan: the test suite against an AddressSanitizer + UndefinedBehaviorSanitizer build
# of the addon. The build goes to build/asan/ (a copy of the native sources built with node-gyp
# there), so build/Release is left alone; the tests load it through TENSORLOOM_ADDON with
# libasan preloaded into node (node itself is not instrumented). Any sanitizer report fails the
# run, even one from a child process the tests spawn (reports go to build/asan/logs/).
# Usage: scripts/asan.sh [--no-build] [vitest args...]   (default: the native-heavy subset below)
# Needs g++ with libasan/libubsan (Debian: g++ brings them).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/build/asan
build=1
[ "${1:-}" = --no-build ] && { build=0; shift; }
# Everything but test/packaging (packs and installs tarballs: builds, not our native code) and
# test/report (drives Chromium, which must not get libasan preloaded).
subset=(test/ops test/session test/serialize test/graphdef test/golden test/gradients test/training
        test/values test/graph test/profiling test/review test/review-issue2 test/review-issue9
        test/review-profiling test/seed.test.ts test/schema.test.ts)
args=("$@"); [ ${#args[@]} -eq 0 ] && args=("${subset[@]}")

libasan=$(${CXX:-g++} -print-file-name=libasan.so)
[ -f "$libasan" ] || { echo "test:asan: libasan.so not found (install g++; Debian: apt-get install g++)"; exit 2; }

if [ $build = 1 ]; then
  rm -rf "$out/src" && mkdir -p "$out/src/scripts"
  cp -r binding.gyp native "$out/src/" && cp scripts/native-sources.cjs "$out/src/scripts/"
  nodedir=$(node -e 'process.stdout.write(require("./scripts/install.cjs").localNodeDir() || "")')
  gyp=$(node -p 'require.resolve("node-gyp/bin/node-gyp.js")')
  san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"
  echo "test:asan: building build/asan/src/build/Release/tensorloom.node ($san)"
  (cd "$out/src" && CXXFLAGS="$san" LDFLAGS="-fsanitize=address,undefined" \
    npm_config_devdir="${TMPDIR:-/tmp}/tensorloom-node-gyp" node "$gyp" rebuild --jobs=max ${nodedir:+--nodedir="$nodedir"} >"$out/build.log" 2>&1) \
    || { tail -30 "$out/build.log"; echo "test:asan: build failed (log: $out/build.log)"; exit 2; }
fi
addon=$out/src/build/Release/tensorloom.node
[ -f "$addon" ] || { echo "test:asan: $addon missing (run without --no-build)"; exit 2; }
[ -f dist/cjs/lib/index.js ] || npm run build:ts  # tests that spawn node load dist/

rm -rf "$out/logs" && mkdir -p "$out/logs"
start=$(date +%s)
TENSORLOOM_ADDON=$addon LD_PRELOAD=$libasan \
  ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=0:log_path=$out/logs/asan" \
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$out/logs/ubsan" \
  npx vitest run "${args[@]}"
status=$?
secs=$(( $(date +%s) - start ))
reports=$(ls "$out/logs" | wc -l)
if [ "$reports" -gt 0 ]; then
  for f in "$out"/logs/*; do echo "== $f"; head -60 "$f"; done
  echo "test:asan: $reports sanitizer report(s) in $out/logs"
  exit 1
fi
echo "test:asan: no sanitizer report; vitest exit $status after ${secs}s"
exit $status
