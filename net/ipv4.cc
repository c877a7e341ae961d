#include "net/ipv4.h"

#include <arpa/inet.h>

#include <charconv>

namespace sampan::net {

std::optional<uint32_t> ParseIpv4(std::string_view text) {
  std::string s(text);
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

std::string FormatIpv4(uint32_t address) {
  in_addr a{htonl(address)};
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

Result<Ipv4Prefix> Ipv4Prefix::Parse(std::string_view cidr) {
  size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) {
    return Status::Invalid("CIDR \"" + std::string(cidr) + "\" has no /length");
  }
  auto address = ParseIpv4(cidr.substr(0, slash));
  std::string_view len_text = cidr.substr(slash + 1);
  int length = -1;
  auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), length);
  if (!address || ec != std::errc() || end != len_text.data() + len_text.size() || length < 0 ||
      length > 32) {
    return Status::Invalid("malformed IPv4 CIDR \"" + std::string(cidr) + "\"");
  }
  Ipv4Prefix p{*address, length};
  if ((p.address & p.Mask()) != p.address) {
    return Status::Invalid("CIDR \"" + std::string(cidr) + "\" has host bits set");
  }
  return p;
}

std::string Ipv4Prefix::ToString() const {
  return FormatIpv4(address) + "/" + std::to_string(length);
}

}  // namespace sampan::net
