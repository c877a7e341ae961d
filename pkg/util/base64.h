#pragma once
// Standard base64 (RFC 4648, with padding), for continue tokens, kubeconfigs and Secrets.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sampan {

std::string Base64Encode(std::string_view data);
// nullopt on malformed input. Whitespace is not accepted.
std::optional<std::string> Base64Decode(std::string_view text);

// Decodes as Go's base64.StdEncoding.Decode, which reads a JSON []byte value upstream: line
// breaks (\r, \n) anywhere are skipped and unused low bits of the last character are
// ignored. On malformed input, sets `*bad_at` to the offset Go's CorruptInputError reports
// ("illegal base64 data at input byte N") and returns nullopt.
std::optional<std::string> GoBase64Decode(std::string_view text, size_t* bad_at);

}  // namespace sampan
