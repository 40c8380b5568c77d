#include "irel/transfer_schedule.hpp"

#include <algorithm>

namespace irel {

TransferSchedule::TransferSchedule(ScheduleLimits limits) : limits_(limits) {
  limits_.max_jobs = std::max(1, limits_.max_jobs);
  limits_.max_bytes = std::max<std::int64_t>(1, limits_.max_bytes);
  limits_.max_small_jobs = std::max(1, limits_.max_small_jobs);
}

int TransferSchedule::Add(std::int64_t size) {
  jobs_.push_back(Job{std::max<std::int64_t>(0, size), State::Waiting});
  order_.push_back(static_cast<int>(jobs_.size() - 1));
  sorted_ = false;
  return static_cast<int>(jobs_.size() - 1);
}

std::vector<int> TransferSchedule::Start() {
  if (!sorted_) {
    std::stable_sort(order_.begin(), order_.end(), [&](int a, int b) { return jobs_[a].size > jobs_[b].size; });
    sorted_ = true;
  }
  std::vector<int> out;
  // First fit, largest first: a large job that does not fit now lets smaller ones by, and fits
  // again as soon as enough bytes are done (the list is finite, so nothing waits forever).
  for (auto it = order_.begin(); it != order_.end();) {
    Job& j = jobs_[*it];
    const bool small = j.size <= limits_.small_bytes;
    const int large_running = running_ - running_small_;
    const bool fits = small ? running_small_ < limits_.max_small_jobs
                            : large_running < limits_.max_jobs &&
                                  (running_bytes_ + j.size <= limits_.max_bytes || running_bytes_ == 0);
    if (!fits) {
      ++it;
      continue;
    }
    j.state = State::Running;
    ++running_;
    ++started_;
    if (small) ++running_small_;
    if (!small) running_bytes_ += j.size;
    j.counted = !small;
    out.push_back(*it);
    it = order_.erase(it);
  }
  return out;
}

void TransferSchedule::Done(int id) {
  if (id < 0 || static_cast<std::size_t>(id) >= jobs_.size()) return;
  Job& j = jobs_[id];
  if (j.state != State::Running) return;
  j.state = State::Done;
  --running_;
  if (j.counted) running_bytes_ -= j.size;
  else --running_small_;
}

}  // namespace irel
