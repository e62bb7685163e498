// registry: metric families rendered in registration order, names checked.
#include "daemon/metrics/registry.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace fanout::metrics;

TEST(metrics_registry, renders_every_family_with_help_type_and_samples) {
    registry r;
    auto& accepted = r.add_counter("fanout_a_total", "A");
    auto& g = r.add_gauge("fanout_g", "G");
    auto& h = r.add_histogram("fanout_h_seconds", "H", {1});
    auto& f = r.add_counter_family<1>("fanout_f_total", "F", {"code"});
    r.add_gauge_fn("fanout_fn", "Fn", [] { return 2.5; });
    r.add_counter_fn("fanout_cfn_total", "Cfn", [] { return 9.0; });
    r.add_gauge_fn("fanout_workers", "W", "state",
                   {{"busy", [] { return 3.0; }}, {"idle", [] { return 5.0; }}});
    accepted.inc(2);
    g.set(-1);
    h.observe(0.5);
    f.inc({"a\"b"});
    EXPECT_EQ(r.render(),
              "# HELP fanout_a_total A\n# TYPE fanout_a_total counter\nfanout_a_total 2\n"
              "# HELP fanout_g G\n# TYPE fanout_g gauge\nfanout_g -1\n"
              "# HELP fanout_h_seconds H\n# TYPE fanout_h_seconds histogram\n"
              "fanout_h_seconds_bucket{le=\"1\"} 1\nfanout_h_seconds_bucket{le=\"+Inf\"} 1\n"
              "fanout_h_seconds_sum 0.5\nfanout_h_seconds_count 1\n"
              "# HELP fanout_f_total F\n# TYPE fanout_f_total counter\n"
              "fanout_f_total{code=\"a\\\"b\"} 1\n"
              "# HELP fanout_fn Fn\n# TYPE fanout_fn gauge\nfanout_fn 2.5\n"
              "# HELP fanout_cfn_total Cfn\n# TYPE fanout_cfn_total counter\nfanout_cfn_total 9\n"
              "# HELP fanout_workers W\n# TYPE fanout_workers gauge\n"
              "fanout_workers{state=\"busy\"} 3\nfanout_workers{state=\"idle\"} 5\n");
}

TEST(metrics_registry, an_overflowed_family_reports_the_rest_under_other) {
    registry r;
    auto& f = r.add_counter_family<1>("f_total", "F", {"code"});
    for (std::size_t i = 0; i <= counter_family<1>::capacity; ++i) f.inc({std::to_string(i)});
    EXPECT_NE(r.render().find("f_total{code=\"other\"} 1\n"), std::string::npos);
}

TEST(metrics_registry, refuses_bad_and_duplicate_names) {
    registry r;
    r.add_counter("ok:name_total", "");
    EXPECT_THROW(r.add_counter("ok:name_total", ""), std::invalid_argument);
    EXPECT_THROW(r.add_counter("9starts_with_digit", ""), std::invalid_argument);
    EXPECT_THROW(r.add_gauge("has-dash", ""), std::invalid_argument);
    EXPECT_THROW(r.add_gauge("", ""), std::invalid_argument);
    EXPECT_THROW(r.add_counter_family<1>("f_total", "", {"le"}), std::invalid_argument);
    EXPECT_THROW(r.add_counter_family<1>("g_total", "", {"a:b"}), std::invalid_argument);
}
