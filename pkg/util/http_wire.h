#pragma once
// Bytes on the wire of HTTP/1.1 for the server: status lines, the Kubernetes Status JSON
// of protocol errors, chunk framing, percent-decoding. Pure functions, thread-safe.

#include <string>
#include <string_view>

#include "pkg/util/http.h"

namespace sampan::http {

// "OK", "Not Found", ...; "Unknown" for codes without a registered phrase.
std::string_view ReasonPhrase(int status);

// A Kubernetes metav1.Status failure:
// {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":...,
//  "reason":...,"code":...}
std::string StatusJson(int code, std::string_view reason, std::string_view message);

// Appends "HTTP/1.1 <status> <phrase>\r\n", the headers and the blank line. Headers whose
// name or value contain CR, LF or NUL are dropped (no response splitting).
void AppendResponseHead(int status, const Headers& headers, std::string* out);

// The chunk that ends a chunked body (a data chunk is "<hex size>\r\n<data>\r\n").
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// The current time as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") for Date headers.
std::string HttpDate();

// Decodes %XX escapes; false on a malformed escape. '+' is kept (it means space only in
// form-encoded queries, not in paths).
bool PercentDecode(std::string_view in, std::string* out);

}  // namespace sampan::http
