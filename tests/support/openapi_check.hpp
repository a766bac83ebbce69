#pragma once
// Checks a response against what openapi.json declares for its route,
// method and status (issue 21 item 2): the status must be declared, and a
// JSON body must validate against the declared schema (JSON Schema 2020-12,
// the keywords the document uses: $ref, type, properties, required, items,
// enum, const, anyOf, minLength, maxLength, minimum, pattern). Requests the
// router does not route (404, 405), CORS preflights and HEAD bodies are not
// checked. Used by the e2e client and the HTTP fixture on every response.

#include <string>
#include <string_view>
#include <vector>

namespace todo::test {

// What is wrong with this response, one line each; empty when it conforms.
// `target` may carry a query string.
std::vector<std::string> openapi_violations(std::string_view method, std::string_view target, int status,
                                            std::string_view content_type, std::string_view body);

}  // namespace todo::test
