#include "irel/transfer_schedule.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace irel {
namespace {

constexpr std::int64_t KB = 1024;
constexpr std::int64_t MB = 1024 * KB;

// Runs a schedule to the end, finishing the oldest running job each step; returns the waves of
// Start() (the ids each call started) and checks the budgets after every call.
std::vector<std::vector<int>> Waves(ScheduleLimits limits, const std::vector<std::int64_t>& sizes) {
  TransferSchedule s(limits);
  for (auto size : sizes) s.Add(size);
  std::vector<std::vector<int>> waves;
  std::vector<int> running;
  for (int guard = 0; guard < 1000 && !s.finished(); ++guard) {
    auto started = s.Start();
    EXPECT_LE(s.running() - s.running_small(), std::max(1, limits.max_jobs));
    EXPECT_LE(s.running_small(), std::max(1, limits.max_small_jobs));
    if (!started.empty()) waves.push_back(started);
    running.insert(running.end(), started.begin(), started.end());
    int large = 0;  // running jobs that count against the byte budget
    for (int id : running) large += sizes[id] > limits.small_bytes;
    EXPECT_TRUE(s.running_bytes() <= std::max<std::int64_t>(1, limits.max_bytes) || large == 1) << "over the byte budget with others";
    if (running.empty()) break;
    s.Done(running.front());
    running.erase(running.begin());
  }
  EXPECT_TRUE(s.finished());
  return waves;
}

std::vector<int> Ids(int n) {
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) v[i] = i;
  return v;
}

struct Case {
  const char* name;
  ScheduleLimits limits;
  std::vector<std::int64_t> sizes;
  std::vector<int> first_wave;  // the jobs the first Start() begins
  std::size_t waves;            // how many Start() calls begin something
};

class TransferScheduleCases : public ::testing::TestWithParam<Case> {};

TEST_P(TransferScheduleCases, StaysWithinBudgets) {
  const Case& c = GetParam();
  const auto waves = Waves(c.limits, c.sizes);
  ASSERT_FALSE(waves.empty());
  EXPECT_EQ(waves.front(), c.first_wave);
  EXPECT_EQ(waves.size(), c.waves);
}

const Case kCases[] = {
    {"forty_small_blobs_go_at_once", {16, 64 * MB}, std::vector<std::int64_t>(40, 256 * KB), Ids(40), 1},
    {"small_blobs_have_their_own_count", {16, 64 * MB, 1 * MB, 8}, std::vector<std::int64_t>(20, 256 * KB), Ids(8), 13},
    {"small_blobs_do_not_take_the_jobs_of_large_ones", {2, 64 * MB, 1 * MB, 2}, {4 * KB, 4 * KB, 4 * KB, 8 * MB, 8 * MB, 8 * MB}, {3, 4, 0, 1}, 3},
    {"large_blobs_share_the_byte_budget", {16, 64 * MB}, {32 * MB, 32 * MB, 32 * MB, 32 * MB}, {0, 1}, 3},
    {"largest_first_and_small_ones_fill_the_rest", {4, 64 * MB}, {1 * KB, 48 * MB, 2 * KB, 40 * MB, 3 * KB}, {1, 4, 2, 0}, 2},
    {"a_config_does_not_wait_behind_large_layers", {16, 64 * MB}, {2 * KB, 32 * MB, 32 * MB, 32 * MB, 32 * MB}, {1, 2, 0}, 3},
    {"a_blob_over_the_whole_budget_goes_alone", {16, 64 * MB, 0}, {1 * KB, 200 * MB}, {1}, 2},
    {"small_blobs_go_beside_one_over_the_budget", {16, 64 * MB}, {1 * KB, 200 * MB}, {1, 0}, 1},
    {"empty_blobs_cost_a_job_and_no_bytes", {2, 1, 1 * MB, 2}, {0, 0, 0}, {0, 1}, 2},
    {"limits_below_one_still_run_one_job", {0, 0, 0, 0}, {5, 5}, {0}, 2},
    {"small_limits_below_one_still_run_one_job", {0, 0, 1 * MB, 0}, {5, 5}, {0}, 2},
};

INSTANTIATE_TEST_SUITE_P(, TransferScheduleCases, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(TransferSchedule, DoneOfUnknownOrFinishedJobsChangesNothing) {
  TransferSchedule s({1, 10, 0});  // both jobs large
  s.Add(5);
  s.Add(5);
  EXPECT_EQ(s.Start(), std::vector<int>{0});
  s.Done(7);
  s.Done(-1);
  s.Done(1);  // waiting, not running
  EXPECT_EQ(s.running(), 1);
  s.Done(0);
  s.Done(0);  // twice
  EXPECT_EQ(s.running(), 0);
  EXPECT_EQ(s.Start(), std::vector<int>{1});
}

}  // namespace
}  // namespace irel
