// exposition: the Prometheus text format 0.0.4 pieces (escaping, values, histograms).
#include "daemon/metrics/exposition.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace fanout::metrics;

TEST(metrics_exposition, label_values_escape_backslash_quote_and_newline) {
    EXPECT_EQ(escape_label_value(R"(a\b"c)"
                                 "\n"
                                 "d"),
              R"(a\\b\"c\nd)");
    EXPECT_EQ(escape_label_value("plain ü"), "plain ü") << "UTF-8 stays as it is";
}

TEST(metrics_exposition, help_escapes_backslash_and_newline_but_not_quotes) {
    EXPECT_EQ(escape_help("a \"b\"\\\nc"), "a \"b\"\\\\\\nc");
}

TEST(metrics_exposition, values_are_shortest_round_trip_and_special_values_are_spelled) {
    EXPECT_EQ(format_value(3), "3");
    EXPECT_EQ(format_value(0.005), "0.005");
    EXPECT_EQ(format_value(-2.5), "-2.5");
    EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
    EXPECT_EQ(format_value(std::nan("")), "NaN");
}

TEST(metrics_exposition, header_and_samples) {
    std::string out;
    write_header(out, "fanout_x_total", "What x\ncounts", "counter");
    const label labels[] = {{"code", "busy"}, {"why", "a \"quoted\" word"}};
    write_sample(out, "fanout_x_total", labels, 7);
    write_sample(out, "fanout_y", {}, 1.5);
    EXPECT_EQ(out,
              "# HELP fanout_x_total What x\\ncounts\n"
              "# TYPE fanout_x_total counter\n"
              "fanout_x_total{code=\"busy\",why=\"a \\\"quoted\\\" word\"} 7\n"
              "fanout_y 1.5\n");
}

TEST(metrics_exposition, histograms_are_cumulative_with_inf_sum_and_count) {
    histogram h({0.5, 1});
    h.observe(0.25);
    h.observe(0.75);
    h.observe(3);
    std::string out;
    const label labels[] = {{"kind", "k"}};
    write_histogram(out, "fanout_d_seconds", labels, h);
    EXPECT_EQ(out,
              "fanout_d_seconds_bucket{kind=\"k\",le=\"0.5\"} 1\n"
              "fanout_d_seconds_bucket{kind=\"k\",le=\"1\"} 2\n"
              "fanout_d_seconds_bucket{kind=\"k\",le=\"+Inf\"} 3\n"
              "fanout_d_seconds_sum{kind=\"k\"} 4\n"
              "fanout_d_seconds_count{kind=\"k\"} 3\n");
}

TEST(metrics_exposition, an_empty_histogram_still_has_every_line) {
    histogram h({1});
    std::string out;
    write_histogram(out, "h", {}, h);
    EXPECT_EQ(out, "h_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count 0\n");
}
