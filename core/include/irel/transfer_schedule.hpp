#pragma once
// Which blob transfers of a plan to start next, within two budgets: transfers in flight (each
// costs the registries requests and a connection) and bytes in flight (large blobs share the
// bandwidth; more of them at once only splits it). Over a network, a blob's cost is mostly round
// trips when it is small and bandwidth when it is large: small blobs go many at a time, large
// ones a few, and the largest start first so that the last to finish is not a big one started
// late (longest-processing-time order). A blob larger than the byte budget still goes, alone in
// that budget. Small blobs (configs, tiny layers) cost round trips, not bandwidth: they have
// their own count, outside both budgets of the large ones, so a config never waits behind two
// large layers and forty small layers go in one round of requests, not three.
//
// Sans-IO: the driver adds the jobs, asks Start() which to begin, reports each end with Done(),
// and asks again; the schedule never blocks and holds no I/O.
#include <cstdint>
#include <vector>

namespace irel {

struct ScheduleLimits {
  int max_jobs = 16;                         // large transfers in flight
  std::int64_t max_bytes = std::int64_t{64} << 20;  // bytes of the large transfers in flight
  std::int64_t small_bytes = std::int64_t{1} << 20;  // jobs this small or smaller are small
  int max_small_jobs = 64;                   // small transfers in flight, beside the large ones
};

class TransferSchedule {
 public:
  explicit TransferSchedule(ScheduleLimits limits = {});
  // A job of `size` bytes; returns its id (0, 1, ... in the order added).
  int Add(std::int64_t size);
  // The jobs to start now, each marked running; empty when none fits (or none is left).
  std::vector<int> Start();
  // A running job ended (done or failed); unknown or finished ids are ignored.
  void Done(int id);
  int running() const { return running_; }  // small and large
  int running_small() const { return running_small_; }
  std::int64_t running_bytes() const { return running_bytes_; }
  bool finished() const { return started_ == static_cast<int>(jobs_.size()) && running_ == 0; }

 private:
  enum class State { Waiting, Running, Done };
  struct Job {
    std::int64_t size = 0;
    State state = State::Waiting;
    bool counted = false;  // against the byte budget
  };
  ScheduleLimits limits_;
  std::vector<Job> jobs_;
  std::vector<int> order_;  // waiting jobs, largest first (stable)
  bool sorted_ = true;
  int running_ = 0;
  int running_small_ = 0;
  int started_ = 0;
  std::int64_t running_bytes_ = 0;
};

}  // namespace irel
