#pragma once
// Standard base64 (RFC 4648, with padding), for continue tokens, kubeconfigs and Secrets.

#include <optional>
#include <string>
#include <string_view>

namespace sampan {

std::string Base64Encode(std::string_view data);
// nullopt on malformed input. Whitespace is not accepted.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace sampan
