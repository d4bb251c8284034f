// Plan-time forms of constant weights (packed GEMM panels, Winograd-transformed or packed conv
// filters), shared by all runs and sessions. An entry lives while the graph blob its source
// value lives in is alive (a weak owner); the key carries the layout parameters, so another ISA
// or blocking never reads a foreign form. Thread-safe; expired entries are dropped on insert.
#pragma once
#include <map>
#include <memory>
#include <mutex>

#include "core.h"

namespace tl {

template <class Key>
class WeightCache {
 public:
  std::shared_ptr<Buffer> find(const Key& key) {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) return nullptr;
    if (it->second.owner.expired()) {
      map_.erase(it);
      return nullptr;
    }
    return it->second.value;
  }
  void insert(const Key& key, const std::shared_ptr<const void>& owner, std::shared_ptr<Buffer> value) {
    if (!owner) return;
    std::lock_guard<std::mutex> lk(mu_);
    for (auto it = map_.begin(); it != map_.end();) it = it->second.owner.expired() ? map_.erase(it) : std::next(it);
    map_[key] = Entry{owner, std::move(value)};
  }
  // The process-wide cache for this key type (never destroyed: no exit-time ordering issues).
  static WeightCache& instance() {
    static auto* cache = new WeightCache();
    return *cache;
  }

 private:
  struct Entry {
    std::weak_ptr<const void> owner;
    std::shared_ptr<Buffer> value;
  };
  std::mutex mu_;
  std::map<Key, Entry> map_;
};

}  // namespace tl
