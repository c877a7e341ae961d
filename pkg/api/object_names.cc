#include "pkg/api/object_names.h"

namespace sampan::api {

std::string NameOf(const Json& object) {
  return GetString(ObjectField(object, "metadata"), "name");
}

std::string NamespaceOf(const Json& object) {
  return GetString(ObjectField(object, "metadata"), "namespace");
}

}  // namespace sampan::api
