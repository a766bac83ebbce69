#pragma once
// Request ids: taken from the client's X-Request-Id when it is sane, so a
// proxy's or client's id follows the request into our log; otherwise made
// here. Echoed on every response and written on the access log line.

#include <cstddef>
#include <string>
#include <string_view>

namespace todo::http {

inline constexpr std::size_t kMaxRequestIdLength = 128;

// 1..128 characters of A-Z a-z 0-9 and - _ . : (enough for UUIDs, hex ids
// and "service:trace" forms; nothing that needs escaping in JSON, a header
// or a shell).
bool is_valid_request_id(std::string_view id) noexcept;

// 32 lowercase hex digits (128 bits) from a per-thread generator seeded
// from std::random_device. Unique enough to correlate; not a secret.
std::string new_request_id();
// The same, written over `out` (which keeps its capacity: no allocation on
// a connection's second and later requests).
void assign_new_request_id(std::string& out);

}  // namespace todo::http
