// PUB topics are unambiguous and exact-subscribable (PROTOCOL.md, "Results socket"): two
// (job, router) pairs never share a topic, no topic is a prefix of another, and the documented
// one-job subscription `result.<job_id>.` matches that job's results only. Checked over tricky
// names (dots, FQDNs, r1/r10) and exhaustively over short names, as a client builds them.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "protocol/codec.hpp"
#include "protocol/limits.hpp"

namespace fanout::protocol {
namespace {

// Names a client or an inventory might use; router names may hold dots (FQDNs).
const std::vector<std::string> tricky = {"a",
                                         "b",
                                         "a.b",
                                         "b.r1",
                                         "r1",
                                         "r10",
                                         "r1.",
                                         ".r1",
                                         "a.",
                                         "T1",
                                         "T1.r1",
                                         "a:b",
                                         "a_b",
                                         "a-b",
                                         "edge1.lon",
                                         "edge1.lon.example.net",
                                         "core-1.ams.example.net",
                                         "result",
                                         "job",
                                         "job.a",
                                         "result.a",
                                         "x y",
                                         "\xc3\xb6"
                                         "ffice"};

// `tricky` plus every string of 1-4 characters over {a, 1, .}.
std::vector<std::string> names() {
    std::set<std::string> all(tricky.begin(), tricky.end());
    std::vector<std::string> layer = {""};
    for (int length = 1; length <= 4; ++length) {
        std::vector<std::string> next;
        for (const auto& s : layer)
            for (char c : {'a', '1', '.'}) next.push_back(s + c);
        all.insert(next.begin(), next.end());
        layer = std::move(next);
    }
    return {all.begin(), all.end()};
}

std::vector<std::string> job_ids() {
    std::vector<std::string> ids;
    for (const auto& n : names())
        if (is_valid_job_id(n)) ids.push_back(n);
    return ids;
}

router_result result_of(const std::string& job, const std::string& router) {
    router_result r;
    r.job_id = job;
    r.router_name = router;
    return r;
}

// Collects what went wrong, and reports how many and the first few (not thousands of lines).
class violations {
  public:
    void add(std::string what) {
        if (list_.size() < 5) list_.push_back(std::move(what));
        ++count_;
    }
    ~violations() {
        std::string first;
        for (const auto& v : list_) first += "\n  " + v;
        EXPECT_EQ(count_, 0u) << "for example:" << first;
    }

  private:
    std::vector<std::string> list_;
    std::size_t count_ = 0;
};

using owner = std::pair<std::string, std::string>;  // job, router ("" for the aggregate)

// Every topic the daemon can publish for these names, with what it is the topic of.
std::map<std::string, owner> all_topics(const std::vector<std::string>& jobs,
                                        const std::vector<std::string>& routers) {
    violations shared;
    std::map<std::string, owner> topics;
    auto add = [&](std::string topic, const std::string& job, const std::string& router) {
        auto [it, fresh] = topics.emplace(topic, owner{job, router});
        if (!fresh) {
            shared.add("job `" + job + "` router `" + router + "` and job `" + it->second.first +
                       "` router `" + it->second.second + "` share the topic `" + topic + "`");
        }
    };
    for (const auto& job : jobs) {
        add(job_result_topic(job), job, "");
        for (const auto& router : routers)
            add(router_result_topic(result_of(job, router)), job, router);
    }
    return topics;
}

TEST(ProtocolTopics, JobIdsHaveNoDot) {
    EXPECT_FALSE(is_valid_job_id("a.b"));
    EXPECT_FALSE(is_valid_job_id("."));
    EXPECT_FALSE(is_valid_job_id("nightly.1"));
    EXPECT_TRUE(is_valid_job_id("nightly:2026-11-26T10-00_run-3"));
}

TEST(ProtocolTopics, DistinctJobsAndRoutersNeverShareATopic) {
    const auto jobs = job_ids();
    const auto routers = names();
    ASSERT_GT(jobs.size(), 30u);
    EXPECT_EQ(all_topics(jobs, routers).size(), jobs.size() * (routers.size() + 1));
}

TEST(ProtocolTopics, NoTopicIsAPrefixOfAnother) {
    // So subscribing to one whole topic receives that message and no other: one router of one
    // job (r1 but not r10), or one job's aggregate (job `a` but not job `a1`).
    const auto topics = all_topics(job_ids(), names());
    violations prefixes;
    for (auto it = topics.begin(); std::next(it) != topics.end(); ++it) {
        // In sorted order, a prefix of any later topic is a prefix of the very next one.
        const auto& next = std::next(it)->first;
        if (next.starts_with(it->first))
            prefixes.add("subscribing to `" + it->first + "` also receives `" + next + "`");
    }
}

TEST(ProtocolTopics, OneJobsPrefixMatchesItsResultsOnly) {
    const auto jobs = job_ids();
    const auto topics = all_topics(jobs, names());
    violations wrong;
    for (const auto& job : jobs) {
        const std::string prefix = "result." + job + ".";  // PROTOCOL.md: one job's results
        for (const auto& [topic, owner] : topics) {
            const bool is_its_result = owner.first == job && !owner.second.empty();
            if (topic.starts_with(prefix) != is_its_result) {
                wrong.add("`" + prefix + "` and the topic `" + topic + "` of job `" + owner.first +
                          "`");
            }
        }
    }
}

TEST(ProtocolTopics, EveryTopicStartsWithItsKind) {
    for (const auto& job : job_ids()) {
        EXPECT_TRUE(job_result_topic(job).starts_with("job."));
        for (const auto& router : tricky)
            EXPECT_TRUE(router_result_topic(result_of(job, router)).starts_with("result."));
    }
}

TEST(ProtocolTopics, TheCollisionsOfIssue10AreGone) {
    EXPECT_NE(router_result_topic(result_of("a", "b.r1")), "result.a.b.r1");
    EXPECT_FALSE(router_result_topic(result_of("T1", "r10"))
                     .starts_with(router_result_topic(result_of("T1", "r1"))));
    EXPECT_FALSE(job_result_topic("a1").starts_with(job_result_topic("a")));
}

}  // namespace
}  // namespace fanout::protocol
