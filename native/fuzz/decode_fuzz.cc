// libFuzzer target: any byte string given to the decoder, and any graph it accepts run to
// completion, must end in a Status, never a crash or a sanitizer report. Build and run with
// scripts/fuzz.sh (clang + libFuzzer + ASan/UBSan); not part of the addon build.
#include <cstddef>
#include <cstdint>
#include "executor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tl::Session session(1);
  if (!session.extend(data, size).ok()) return 0;
  // Fetch every output of every node and run every node as a target: exercises kernels on
  // whatever shapes and dtypes the decoder let through.
  size_t n = session.num_nodes();
  if (n > 64) return 0;  // keep each input cheap
  for (size_t i = 0; i < n; i++) {
    tl::RunRequest req;
    req.targets.push_back(static_cast<int>(i));
    req.fetches.push_back({static_cast<int>(i), 0});
    req.trace = (i % 2) == 0;
    req.timeout_ms = 200;
    tl::RunResult res;
    session.run(req, &res);  // any Status is fine
  }
  return 0;
}
