#pragma once
// The project's one JSON string escaper (std only, so every adapter and the
// app share it): task bodies, error bodies, JWT claims and log lines. The
// input may be any bytes — request paths are what the client sent — and the
// output is always valid JSON in valid UTF-8.

#include <string>
#include <string_view>

namespace todo::core {

// Appends `text` as a quoted JSON string: '"' and '\' escaped, control
// characters (and DEL) as \n, \t, ... or \u00XX, valid UTF-8 kept as is,
// and every byte that is not part of a valid UTF-8 sequence (overlong
// forms, surrogates, beyond U+10FFFF, truncated) replaced by U+FFFD.
void append_json_string(std::string& out, std::string_view text);

}  // namespace todo::core
