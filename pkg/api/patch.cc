#include "pkg/api/patch.h"

#include <fmt/core.h>

namespace sampan::api {

Json MergePatch(const Json& target, const Json& patch) {
  if (!patch.is_object()) return patch;
  Json result = target.is_object() ? target : Json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it.value().is_null()) {
      result.erase(it.key());
    } else {
      result[it.key()] = MergePatch(result.contains(it.key()) ? result[it.key()] : Json(), it.value());
    }
  }
  return result;
}

namespace {

// A JSON Pointer (RFC 6901) split into unescaped tokens.
Result<std::vector<std::string>> ParsePointer(const std::string& path) {
  std::vector<std::string> tokens;
  if (path.empty()) return tokens;
  if (path[0] != '/') return Status::BadRequest(fmt::format("invalid JSON pointer \"{}\"", path));
  size_t i = 1;
  for (;;) {
    size_t j = path.find('/', i);
    std::string raw = path.substr(i, j == std::string::npos ? std::string::npos : j - i);
    std::string token;
    for (size_t k = 0; k < raw.size(); ++k) {
      if (raw[k] == '~' && k + 1 < raw.size() && (raw[k + 1] == '0' || raw[k + 1] == '1')) {
        token += raw[k + 1] == '0' ? '~' : '/';
        ++k;
      } else {
        token += raw[k];
      }
    }
    tokens.push_back(token);
    if (j == std::string::npos) break;
    i = j + 1;
  }
  return tokens;
}

Result<size_t> ArrayIndex(const Json& array, const std::string& token, bool allow_end) {
  if (token == "-" && allow_end) return array.size();
  if (token.empty() || token.find_first_not_of("0123456789") != std::string::npos) {
    return Status::Invalid(fmt::format("invalid array index \"{}\"", token));
  }
  size_t idx = std::stoul(token);
  if (idx > array.size() || (!allow_end && idx == array.size())) {
    return Status::Invalid(fmt::format("array index {} out of bounds", idx));
  }
  return idx;
}

// The parent container of the pointed-to location.
Result<Json*> Parent(Json& doc, const std::vector<std::string>& tokens, const std::string& path) {
  Json* cur = &doc;
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (cur->is_object()) {
      auto it = cur->find(tokens[i]);
      if (it == cur->end()) {
        return Status::Invalid(fmt::format("doc is missing path: \"{}\": missing value", path));
      }
      cur = &*it;
    } else if (cur->is_array()) {
      ASSIGN_OR_RETURN(size_t idx, ArrayIndex(*cur, tokens[i], false));
      cur = &(*cur)[idx];
    } else {
      return Status::Invalid(fmt::format("doc is missing path: \"{}\": missing value", path));
    }
  }
  return cur;
}

Result<Json> Get(Json& doc, const std::string& path) {
  ASSIGN_OR_RETURN(auto tokens, ParsePointer(path));
  if (tokens.empty()) return doc;
  ASSIGN_OR_RETURN(Json * parent, Parent(doc, tokens, path));
  if (parent->is_object()) {
    auto it = parent->find(tokens.back());
    if (it == parent->end()) {
      return Status::Invalid(fmt::format("doc is missing key: {}: missing value", path));
    }
    return *it;
  }
  if (parent->is_array()) {
    ASSIGN_OR_RETURN(size_t idx, ArrayIndex(*parent, tokens.back(), false));
    return (*parent)[idx];
  }
  return Status::Invalid(fmt::format("doc is missing path: \"{}\": missing value", path));
}

Status Remove(Json& doc, const std::string& path) {
  ASSIGN_OR_RETURN(auto tokens, ParsePointer(path));
  if (tokens.empty()) return Status::Invalid("cannot remove the whole document");
  ASSIGN_OR_RETURN(Json * parent, Parent(doc, tokens, path));
  if (parent->is_object()) {
    if (!parent->contains(tokens.back())) {
      return Status::Invalid(fmt::format("Unable to remove nonexistent key: {}: missing value",
                                         tokens.back()));
    }
    parent->erase(tokens.back());
    return Status();
  }
  if (parent->is_array()) {
    ASSIGN_OR_RETURN(size_t idx, ArrayIndex(*parent, tokens.back(), false));
    parent->erase(parent->begin() + static_cast<long>(idx));
    return Status();
  }
  return Status::Invalid(fmt::format("doc is missing path: \"{}\": missing value", path));
}

Status Add(Json& doc, const std::string& path, Json value, bool replace) {
  ASSIGN_OR_RETURN(auto tokens, ParsePointer(path));
  if (tokens.empty()) {
    doc = std::move(value);
    return Status();
  }
  ASSIGN_OR_RETURN(Json * parent, Parent(doc, tokens, path));
  if (parent->is_object()) {
    if (replace && !parent->contains(tokens.back())) {
      return Status::Invalid(fmt::format("replace operation does not apply: doc is missing key: {}: missing value", path));
    }
    (*parent)[tokens.back()] = std::move(value);
    return Status();
  }
  if (parent->is_array()) {
    ASSIGN_OR_RETURN(size_t idx, ArrayIndex(*parent, tokens.back(), !replace));
    if (replace) {
      (*parent)[idx] = std::move(value);
    } else {
      parent->insert(parent->begin() + static_cast<long>(idx), std::move(value));
    }
    return Status();
  }
  return Status::Invalid(fmt::format("doc is missing path: \"{}\": missing value", path));
}

}  // namespace

Result<Json> JsonPatch(const Json& target, const Json& operations) {
  if (!operations.is_array()) {
    return Status::BadRequest("json patch must be a list of operations");
  }
  Json doc = target;
  for (const auto& op : operations) {
    if (!op.is_object()) return Status::BadRequest("json patch operation must be an object");
    std::string kind = GetString(op, "op");
    std::string path = GetString(op, "path");
    if (kind == "add" || kind == "replace") {
      if (!op.contains("value")) return Status::BadRequest("missing value for " + kind);
      RETURN_IF_ERROR(Add(doc, path, op["value"], kind == "replace"));
    } else if (kind == "remove") {
      RETURN_IF_ERROR(Remove(doc, path));
    } else if (kind == "move" || kind == "copy") {
      std::string from = GetString(op, "from");
      ASSIGN_OR_RETURN(Json value, Get(doc, from));
      if (kind == "move") RETURN_IF_ERROR(Remove(doc, from));
      RETURN_IF_ERROR(Add(doc, path, std::move(value), false));
    } else if (kind == "test") {
      ASSIGN_OR_RETURN(Json value, Get(doc, path));
      if (value != op.value("value", Json())) {
        return Status::Invalid(fmt::format("testing value {} failed: test failed", path));
      }
    } else {
      return Status::BadRequest(fmt::format("Unexpected kind: {}", kind));
    }
  }
  return doc;
}

}  // namespace sampan::api
