// (OpId) -> kernel family function, expanded from the generated op list. A family with no
// kernel_<family> function fails the build here.
#include "kernel.h"

namespace tl {

KernelFn kernel_for(OpId op) {
  switch (op) {
#define TL_X(id, type, kernel, min_in, max_in, n_out) case OpId::type: return &kernel_##kernel;
    TL_OPS(TL_X)
#undef TL_X
  }
  return &kernel_noop;
}

}  // namespace tl
