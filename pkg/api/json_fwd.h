#pragma once
// Declares api::Json without nlohmann's full header (json.h defines it).

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <memory>
#include <utility>

namespace sampan::api {

template <class Key, class T, class IgnoredLess = std::less<Key>,
          class Allocator = std::allocator<std::pair<const Key, T>>>
struct JsonObjectMap;

using Json = nlohmann::basic_json<JsonObjectMap>;

}  // namespace sampan::api
