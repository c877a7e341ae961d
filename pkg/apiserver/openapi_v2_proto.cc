#include "pkg/apiserver/openapi_v2_proto.h"

#include <cstdint>
#include <cstring>
#include <string_view>

namespace sampan::apiserver {
namespace {

using api::Json;

// Field numbers are those of gnostic's openapiv2/OpenAPIv2.proto.
enum Wire : uint8_t { kVarint = 0, kFixed64 = 1, kBytes = 2 };

class Message {
 public:
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void Tag(int field, Wire wire) { Varint((static_cast<uint64_t>(field) << 3) | wire); }
  void String(int field, std::string_view s) {
    Tag(field, kBytes);
    Varint(s.size());
    out_.append(s);
  }
  void Sub(int field, const Message& m) { String(field, m.out_); }
  void Bool(int field, bool b) {
    Tag(field, kVarint);
    Varint(b ? 1 : 0);
  }
  void Int64(int field, int64_t v) {
    Tag(field, kVarint);
    Varint(static_cast<uint64_t>(v));
  }
  void Double(int field, double d) {
    Tag(field, kFixed64);
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  }
  // Helpers reading a JSON object member when present and of the right type.
  void StringOf(int field, const Json& j, const char* key) {
    auto it = j.find(key);
    if (it != j.end() && it->is_string()) String(field, it->get_ref<const std::string&>());
  }
  void BoolOf(int field, const Json& j, const char* key) {
    auto it = j.find(key);
    if (it != j.end() && it->is_boolean()) Bool(field, it->get<bool>());
  }
  void Int64Of(int field, const Json& j, const char* key) {
    auto it = j.find(key);
    if (it != j.end() && it->is_number()) Int64(field, it->get<int64_t>());
  }
  void DoubleOf(int field, const Json& j, const char* key) {
    auto it = j.find(key);
    if (it != j.end() && it->is_number()) Double(field, it->get<double>());
  }
  void StringsOf(int field, const Json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_array()) return;
    for (const Json& s : *it) {
      if (s.is_string()) String(field, s.get_ref<const std::string&>());
    }
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Any {yaml = 2}: JSON text is YAML, which is what client-go parses.
Message AnyOf(const Json& value) {
  Message m;
  m.String(2, value.dump());
  return m;
}

Message NamedAny(const std::string& name, const Json& value) {
  Message m;
  m.String(1, name);
  m.Sub(2, AnyOf(value));
  return m;
}

void VendorExtensions(Message& m, int field, const Json& j) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key().starts_with("x-")) m.Sub(field, NamedAny(it.key(), it.value()));
  }
}

Message Schema(const Json& s);

void SchemaOf(Message& m, int field, const Json& j, const char* key) {
  auto it = j.find(key);
  if (it != j.end() && it->is_object()) m.Sub(field, Schema(*it));
}

Message Schema(const Json& s) {
  Message m;
  m.StringOf(1, s, "$ref");
  m.StringOf(2, s, "format");
  m.StringOf(3, s, "title");
  m.StringOf(4, s, "description");
  if (s.contains("default")) m.Sub(5, AnyOf(s["default"]));
  m.DoubleOf(6, s, "multipleOf");
  m.DoubleOf(7, s, "maximum");
  m.BoolOf(8, s, "exclusiveMaximum");
  m.DoubleOf(9, s, "minimum");
  m.BoolOf(10, s, "exclusiveMinimum");
  m.Int64Of(11, s, "maxLength");
  m.Int64Of(12, s, "minLength");
  m.StringOf(13, s, "pattern");
  m.Int64Of(14, s, "maxItems");
  m.Int64Of(15, s, "minItems");
  m.BoolOf(16, s, "uniqueItems");
  m.Int64Of(17, s, "maxProperties");
  m.Int64Of(18, s, "minProperties");
  m.StringsOf(19, s, "required");
  if (auto it = s.find("enum"); it != s.end() && it->is_array()) {
    for (const Json& e : *it) m.Sub(20, AnyOf(e));
  }
  if (auto it = s.find("additionalProperties"); it != s.end()) {
    Message item;  // AdditionalPropertiesItem {schema = 1 | boolean = 2}
    if (it->is_object()) {
      item.Sub(1, Schema(*it));
    } else if (it->is_boolean()) {
      item.Bool(2, it->get<bool>());
    }
    m.Sub(21, item);
  }
  if (auto it = s.find("type"); it != s.end()) {
    Message type;  // TypeItem {repeated value = 1}
    if (it->is_string()) type.String(1, it->get_ref<const std::string&>());
    if (it->is_array()) type.StringsOf(1, s, "type");
    m.Sub(22, type);
  }
  if (auto it = s.find("items"); it != s.end()) {
    Message items;  // ItemsItem {repeated Schema schema = 1}
    if (it->is_object()) items.Sub(1, Schema(*it));
    if (it->is_array()) {
      for (const Json& i : *it) items.Sub(1, Schema(i));
    }
    m.Sub(23, items);
  }
  if (auto it = s.find("allOf"); it != s.end() && it->is_array()) {
    for (const Json& i : *it) m.Sub(24, Schema(i));
  }
  if (auto it = s.find("properties"); it != s.end() && it->is_object()) {
    Message props;  // Properties {repeated NamedSchema additional_properties = 1}
    for (auto p = it->begin(); p != it->end(); ++p) {
      Message named;
      named.String(1, p.key());
      named.Sub(2, Schema(p.value()));
      props.Sub(1, named);
    }
    m.Sub(25, props);
  }
  m.StringOf(26, s, "discriminator");
  m.BoolOf(27, s, "readOnly");
  if (s.contains("example")) m.Sub(30, AnyOf(s["example"]));
  VendorExtensions(m, 31, s);
  return m;
}

// ParametersItem {parameter = 1 | json_reference = 2}.
Message Parameter(const Json& p) {
  Message item;
  if (p.contains("$ref")) {
    Message ref;
    ref.StringOf(1, p, "$ref");
    item.Sub(2, ref);
    return item;
  }
  std::string in = p.value("in", "");
  Message parameter;  // Parameter {body_parameter = 1 | non_body_parameter = 2}
  if (in == "body") {
    Message body;
    body.StringOf(1, p, "description");
    body.StringOf(2, p, "name");
    body.StringOf(3, p, "in");
    body.BoolOf(4, p, "required");
    SchemaOf(body, 5, p, "schema");
    VendorExtensions(body, 6, p);
    parameter.Sub(1, body);
  } else {
    // Header, query and path sub-schemas share their first fields; query and form data
    // have allowEmptyValue at 5, which shifts the rest by one.
    Message sub;
    sub.BoolOf(1, p, "required");
    sub.StringOf(2, p, "in");
    sub.StringOf(3, p, "description");
    sub.StringOf(4, p, "name");
    int shift = in == "query" ? 1 : 0;
    if (shift) sub.BoolOf(5, p, "allowEmptyValue");
    sub.StringOf(5 + shift, p, "type");
    sub.StringOf(6 + shift, p, "format");
    sub.BoolOf(19 + shift, p, "uniqueItems");
    VendorExtensions(sub, 22 + shift, p);
    int which = in == "header" ? 1 : in == "query" ? 3 : 4;  // NonBodyParameter oneof
    Message non_body;
    non_body.Sub(which, sub);
    parameter.Sub(2, non_body);
  }
  item.Sub(1, parameter);
  return item;
}

void Parameters(Message& m, int field, const Json& j) {
  auto it = j.find("parameters");
  if (it == j.end() || !it->is_array()) return;
  for (const Json& p : *it) m.Sub(field, Parameter(p));
}

Message Operation(const Json& op) {
  Message m;
  m.StringsOf(1, op, "tags");
  m.StringOf(2, op, "summary");
  m.StringOf(3, op, "description");
  m.StringOf(5, op, "operationId");
  m.StringsOf(6, op, "produces");
  m.StringsOf(7, op, "consumes");
  Parameters(m, 8, op);
  if (auto it = op.find("responses"); it != op.end() && it->is_object()) {
    Message responses;
    for (auto r = it->begin(); r != it->end(); ++r) {
      Message response;
      response.StringOf(1, r.value(), "description");
      if (auto s = r.value().find("schema"); s != r.value().end() && s->is_object()) {
        Message schema_item;  // SchemaItem {schema = 1}
        schema_item.Sub(1, Schema(*s));
        response.Sub(2, schema_item);
      }
      Message value;  // ResponseValue {response = 1}
      value.Sub(1, response);
      Message named;
      named.String(1, r.key());
      named.Sub(2, value);
      responses.Sub(1, named);
    }
    m.Sub(9, responses);
  }
  m.StringsOf(10, op, "schemes");
  m.BoolOf(11, op, "deprecated");
  VendorExtensions(m, 13, op);
  return m;
}

Message PathItem(const Json& item) {
  Message m;
  m.StringOf(1, item, "$ref");
  static constexpr std::pair<const char*, int> kMethods[] = {
      {"get", 2},     {"put", 3},  {"post", 4}, {"delete", 5},
      {"options", 6}, {"head", 7}, {"patch", 8}};
  for (const auto& [method, field] : kMethods) {
    if (auto it = item.find(method); it != item.end() && it->is_object()) {
      m.Sub(field, Operation(*it));
    }
  }
  Parameters(m, 9, item);
  VendorExtensions(m, 10, item);
  return m;
}

}  // namespace

std::string EncodeOpenApiV2Protobuf(const Json& doc) {
  Message m;
  m.StringOf(1, doc, "swagger");
  if (auto it = doc.find("info"); it != doc.end() && it->is_object()) {
    Message info;
    info.StringOf(1, *it, "title");
    info.StringOf(2, *it, "version");
    info.StringOf(3, *it, "description");
    m.Sub(2, info);
  }
  m.StringOf(3, doc, "host");
  m.StringOf(4, doc, "basePath");
  m.StringsOf(5, doc, "schemes");
  m.StringsOf(6, doc, "consumes");
  m.StringsOf(7, doc, "produces");
  if (auto it = doc.find("paths"); it != doc.end() && it->is_object()) {
    Message paths;
    for (auto p = it->begin(); p != it->end(); ++p) {
      if (p.key().starts_with("x-")) {
        paths.Sub(1, NamedAny(p.key(), p.value()));
        continue;
      }
      Message named;
      named.String(1, p.key());
      named.Sub(2, PathItem(p.value()));
      paths.Sub(2, named);
    }
    m.Sub(8, paths);
  }
  if (auto it = doc.find("definitions"); it != doc.end() && it->is_object()) {
    Message definitions;
    for (auto d = it->begin(); d != it->end(); ++d) {
      Message named;
      named.String(1, d.key());
      named.Sub(2, Schema(d.value()));
      definitions.Sub(1, named);
    }
    m.Sub(9, definitions);
  }
  VendorExtensions(m, 16, doc);
  return m.Take();
}

}  // namespace sampan::apiserver
