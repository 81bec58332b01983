// Sliding throttle windows (throttle.h).
#include "runtime/engine/throttle.h"

#include <iterator>

namespace squall::engine {

bool ThrottleWindows::Admit(const std::string& rule, const std::string& key, int64_t now_ms,
                            int limit, int64_t period_ms) {
  std::deque<int64_t>& times = windows_[{rule, key}];
  while (!times.empty() && times.front() <= now_ms - period_ms) times.pop_front();
  if (static_cast<int64_t>(times.size()) >= limit) return false;
  times.push_back(now_ms);
  return true;
}

void ThrottleWindows::Unadmit(const std::string& rule, const std::string& key, int64_t at_ms) {
  auto it = windows_.find({rule, key});
  if (it == windows_.end()) return;
  std::deque<int64_t>& times = it->second;
  for (auto t = times.rbegin(); t != times.rend(); ++t) {
    if (*t == at_ms) {
      times.erase(std::next(t).base());
      return;
    }
  }
}

void ThrottleWindows::Record(const std::string& rule, const std::string& key, int64_t at_ms) {
  windows_[{rule, key}].push_back(at_ms);
}

void ThrottleWindows::Expire(int64_t horizon_ms) {
  for (auto it = windows_.begin(); it != windows_.end();) {
    if (it->second.empty() || it->second.back() < horizon_ms) {
      it = windows_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace squall::engine
