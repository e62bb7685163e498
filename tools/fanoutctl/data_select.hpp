// A router result's `data` (format json) as JSON text, and one value picked out of it with a
// --select path, for `run --format json` and `--select`.
//
// Contract: a path is dot-separated keys; a segment of digits indexes an array (Junos's JSON
// wraps every value in a one-element array: `software-information.0.junos-version.0.data`).
// select_value returns the value's text (a string without quotes, anything else as compact
// JSON), or nothing when the path does not lead to a value. data_text returns the document
// pretty-printed (2 spaces), or an error note when the bytes are not msgpack. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fanout::ctl {

std::string data_text(const std::string& msgpack_bytes);

std::optional<std::string> select_value(const std::string& msgpack_bytes, std::string_view path);

}  // namespace fanout::ctl
