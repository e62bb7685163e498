// Prometheus text exposition format 0.0.4: the pieces every metric is written with.
//
// Contract:
// - escape_label_value: backslash, double quote and line feed become \\, \" and \n; every
//   other byte is kept (the format is UTF-8).
// - escape_help: backslash and line feed become \\ and \n (quotes stay).
// - format_value: the shortest text that reads back as the same double (std::to_chars: 3,
//   0.005, 1e+21), and +Inf, -Inf, NaN as the format spells them.
// - write_header appends `# HELP name help` and `# TYPE name type`; write_sample appends
//   `name{l1="v1",l2="v2"} value` (no braces without labels). Each line ends in \n.
// - write_histogram appends a histogram's cumulative `name_bucket{...,le="b"}` lines, the
//   `le="+Inf"` one, then `name_sum` and `name_count` (equal to the +Inf bucket).
// - content_type is what /metrics answers with.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "daemon/metrics/metric_types.hpp"

namespace fanout::metrics {

inline constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

using label = std::pair<std::string_view, std::string_view>;  // name, value

std::string escape_label_value(std::string_view value);
std::string escape_help(std::string_view help);
std::string format_value(double value);

void write_header(std::string& out, std::string_view name, std::string_view help,
                  std::string_view type);
void write_sample(std::string& out, std::string_view name, std::span<const label> labels,
                  double value);
void write_histogram(std::string& out, std::string_view name, std::span<const label> labels,
                     const histogram& h);

}  // namespace fanout::metrics
