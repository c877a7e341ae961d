// Headers: an ordered list; lookups are linear because requests carry few headers.

#include <algorithm>

#include "pkg/util/ascii.h"
#include "pkg/util/http.h"

namespace sampan::http {

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
