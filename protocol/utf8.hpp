// UTF-8 checks for protocol strings.
//
// Contract: msgpack `str` values are UTF-8 by the msgpack spec, and clients in other languages
// (Python's msgpack with raw=False) fail on anything else. Requests with invalid UTF-8 are
// rejected; text the daemon did not author (router output, stderr, error messages) is made
// valid by the encoders, each invalid byte becoming U+FFFD. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace fanout::protocol {

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text);

// `text` with every byte that is not part of a valid UTF-8 sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view text);

}  // namespace fanout::protocol
