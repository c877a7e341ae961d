#pragma once
// metadata.name and metadata.namespace of an object ("" if it has none), beside
// api::UidOf (json.h): the accessors controllers and handlers use to key objects.

#include <string>

#include "pkg/api/json.h"

namespace sampan::api {

std::string NameOf(const Json& object);
std::string NamespaceOf(const Json& object);

}  // namespace sampan::api
