// Headers: an ordered list; lookups are linear because requests carry few headers.

#include <algorithm>
#include <cctype>

#include "pkg/util/http.h"

namespace sampan::http {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

void Headers::Add(std::string name, std::string value) {
  headers_.push_back(Header{std::move(name), std::move(value)});
}

void Headers::Set(std::string name, std::string value) {
  Remove(name);
  Add(std::move(name), std::move(value));
}

void Headers::Remove(std::string_view name) {
  std::erase_if(headers_, [&](const Header& h) { return EqualsIgnoreCase(h.name, name); });
}

std::string_view Headers::Get(std::string_view name) const {
  for (const Header& h : headers_) {
    if (EqualsIgnoreCase(h.name, name)) return h.value;
  }
  return {};
}

bool Headers::Has(std::string_view name) const {
  return std::any_of(headers_.begin(), headers_.end(),
                     [&](const Header& h) { return EqualsIgnoreCase(h.name, name); });
}

}  // namespace sampan::http
