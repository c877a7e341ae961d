#include "pkg/api/protobuf.h"

#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <vector>

#include "pkg/util/base64.h"
#include "pkg/util/time_format.h"

namespace sampan::api {
namespace {

constexpr std::string_view kMagic{"k8s\0", 4};
constexpr int kMaxDepth = 64;  // hostile bodies must not exhaust the stack

enum WireType : int { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

Status Malformed(std::string_view what) {
  return Status::BadRequest(fmt::format("invalid protobuf body: {}", what));
}

// A cursor over protobuf bytes; every read checks bounds.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool done() const { return data_.empty(); }

  Result<uint64_t> Varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (data_.empty()) return Malformed("truncated varint");
      uint8_t byte = static_cast<uint8_t>(data_[0]);
      data_.remove_prefix(1);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    return Malformed("varint too long");
  }
  Result<std::string_view> Bytes() {
    ASSIGN_OR_RETURN(uint64_t length, Varint());
    if (length > data_.size()) return Malformed("truncated field");
    std::string_view out = data_.substr(0, length);
    data_.remove_prefix(length);
    return out;
  }
  Result<uint64_t> Fixed(size_t size) {
    if (data_.size() < size) return Malformed("truncated fixed-size field");
    uint64_t value = 0;
    std::memcpy(&value, data_.data(), size);  // little-endian hosts only (x86, arm)
    data_.remove_prefix(size);
    return value;
  }
  Status Skip(int wire_type) {
    switch (wire_type) {
      case kVarint: return Varint().status();
      case kFixed64: return Fixed(8).status();
      case kLengthDelimited: return Bytes().status();
      case kFixed32: return Fixed(4).status();
      default: return Malformed(fmt::format("unsupported wire type {}", wire_type));
    }
  }

 private:
  std::string_view data_;
};

struct Tag {
  int number;
  int wire_type;
};

Result<Tag> ReadTag(Reader& r) {
  ASSIGN_OR_RETURN(uint64_t key, r.Varint());
  int number = static_cast<int>(key >> 3);
  if (number <= 0) return Malformed("field number 0");
  return Tag{number, static_cast<int>(key & 7)};
}

// Reads the fields of a small well-known message into `visit(number, wire, reader)`.
template <typename Visit>
Status ForEachField(std::string_view bytes, Visit visit) {
  Reader r(bytes);
  while (!r.done()) {
    ASSIGN_OR_RETURN(Tag tag, ReadTag(r));
    RETURN_IF_ERROR(visit(tag, r));
  }
  return Status::Ok();
}

Result<Json> DecodeTime(std::string_view bytes, bool micro) {
  int64_t seconds = 0;
  int64_t nanos = 0;
  RETURN_IF_ERROR(ForEachField(bytes, [&](Tag tag, Reader& r) -> Status {
    if (tag.wire_type != kVarint) return r.Skip(tag.wire_type);
    ASSIGN_OR_RETURN(uint64_t v, r.Varint());
    if (tag.number == 1) seconds = static_cast<int64_t>(v);
    if (tag.number == 2) nanos = static_cast<int32_t>(v);
    return Status::Ok();
  }));
  if (seconds == 0 && nanos == 0) return Json(nullptr);  // Go's zero time marshals as null
  auto t = std::chrono::system_clock::time_point(std::chrono::seconds(seconds)) +
           std::chrono::duration_cast<std::chrono::system_clock::duration>(
               std::chrono::nanoseconds(nanos));
  return Json(micro ? FormatRfc3339Micro(t) : FormatRfc3339(t));
}

Result<Json> DecodeIntOrString(std::string_view bytes) {
  int64_t type = 0;
  int64_t int_value = 0;
  std::string str_value;
  RETURN_IF_ERROR(ForEachField(bytes, [&](Tag tag, Reader& r) -> Status {
    if (tag.number == 3 && tag.wire_type == kLengthDelimited) {
      ASSIGN_OR_RETURN(std::string_view s, r.Bytes());
      str_value = std::string(s);
      return Status::Ok();
    }
    if (tag.wire_type != kVarint) return r.Skip(tag.wire_type);
    ASSIGN_OR_RETURN(uint64_t v, r.Varint());
    if (tag.number == 1) type = static_cast<int64_t>(v);
    if (tag.number == 2) int_value = static_cast<int32_t>(v);
    return Status::Ok();
  }));
  return type == 1 ? Json(str_value) : Json(int_value);
}

// Single-field wrappers: Quantity {1: string}, RawExtension/FieldsV1 {1: bytes},
// Duration {1: int64}.
Result<std::string_view> WrappedBytes(std::string_view bytes) {
  std::string_view out;
  RETURN_IF_ERROR(ForEachField(bytes, [&](Tag tag, Reader& r) -> Status {
    if (tag.number != 1 || tag.wire_type != kLengthDelimited) return r.Skip(tag.wire_type);
    ASSIGN_OR_RETURN(out, r.Bytes());
    return Status::Ok();
  }));
  return out;
}

Result<int64_t> WrappedVarint(std::string_view bytes) {
  int64_t out = 0;
  RETURN_IF_ERROR(ForEachField(bytes, [&](Tag tag, Reader& r) -> Status {
    if (tag.number != 1 || tag.wire_type != kVarint) return r.Skip(tag.wire_type);
    ASSIGN_OR_RETURN(uint64_t v, r.Varint());
    out = static_cast<int64_t>(v);
    return Status::Ok();
  }));
  return out;
}

bool IsVarintKind(ValueKind kind) {
  return kind == ValueKind::kInt32 || kind == ValueKind::kInt64 || kind == ValueKind::kBool;
}

Result<Json> DecodeMessage(std::string_view bytes, const SchemaType& type, int depth);

// One value of `field`'s element kind, read from the cursor with the given wire type.
Result<Json> DecodeValue(Reader& r, int wire_type, const SchemaField& field, int depth) {
  if (IsVarintKind(field.kind)) {
    if (wire_type != kVarint) return Malformed("expected a varint");
    ASSIGN_OR_RETURN(uint64_t v, r.Varint());
    if (field.kind == ValueKind::kBool) return Json(v != 0);
    if (field.kind == ValueKind::kInt32) return Json(static_cast<int32_t>(v));
    return Json(static_cast<int64_t>(v));
  }
  if (field.kind == ValueKind::kDouble) {
    if (wire_type != kFixed64) return Malformed("expected a fixed64");
    ASSIGN_OR_RETURN(uint64_t bits, r.Fixed(8));
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return Json(d);
  }
  if (wire_type != kLengthDelimited) return Malformed("expected a length-delimited field");
  ASSIGN_OR_RETURN(std::string_view bytes, r.Bytes());
  switch (field.kind) {
    case ValueKind::kString: return Json(std::string(bytes));
    case ValueKind::kBytes: return Json(Base64Encode(bytes));
    case ValueKind::kTime: return DecodeTime(bytes, false);
    case ValueKind::kMicroTime: return DecodeTime(bytes, true);
    case ValueKind::kIntOrString: return DecodeIntOrString(bytes);
    case ValueKind::kQuantity: {
      ASSIGN_OR_RETURN(std::string_view q, WrappedBytes(bytes));
      return Json(std::string(q));
    }
    case ValueKind::kDuration: {
      ASSIGN_OR_RETURN(int64_t ns, WrappedVarint(bytes));
      return Json(FormatGoDuration(ns));
    }
    case ValueKind::kRaw: {
      ASSIGN_OR_RETURN(std::string_view raw, WrappedBytes(bytes));
      if (raw.empty()) return Json(nullptr);
      return ParseJson(raw);
    }
    case ValueKind::kStringList: {
      Json list = Json::array();
      RETURN_IF_ERROR(ForEachField(bytes, [&](Tag tag, Reader& r) -> Status {
        if (tag.number != 1 || tag.wire_type != kLengthDelimited) return r.Skip(tag.wire_type);
        ASSIGN_OR_RETURN(std::string_view item, r.Bytes());
        list.push_back(std::string(item));
        return Status::Ok();
      }));
      return list;
    }
    case ValueKind::kMessage: return DecodeMessage(bytes, *field.message, depth + 1);
    default: return Malformed("unexpected field kind");
  }
}

Json ZeroOf(ValueKind kind) {
  switch (kind) {
    case ValueKind::kInt32:
    case ValueKind::kInt64: return Json(0);
    case ValueKind::kBool: return Json(false);
    case ValueKind::kDouble: return Json(0.0);
    case ValueKind::kMessage: return Json::object();
    case ValueKind::kStringList: return Json::array();
    case ValueKind::kTime:
    case ValueKind::kMicroTime:
    case ValueKind::kRaw: return Json(nullptr);
    default: return Json("");
  }
}

Status DecodeMapEntry(std::string_view bytes, const SchemaField& field, int depth, Json& map) {
  std::string key;
  std::optional<Json> value;
  RETURN_IF_ERROR(ForEachField(bytes, [&](Tag tag, Reader& r) -> Status {
    if (tag.number == 1) {
      if (tag.wire_type != kLengthDelimited) return Malformed("map key must be a string");
      ASSIGN_OR_RETURN(std::string_view k, r.Bytes());
      key = std::string(k);
      return Status::Ok();
    }
    if (tag.number != 2) return r.Skip(tag.wire_type);
    ASSIGN_OR_RETURN(Json v, DecodeValue(r, tag.wire_type, field, depth));
    value = std::move(v);
    return Status::Ok();
  }));
  map[key] = value ? std::move(*value) : ZeroOf(field.kind);
  return Status::Ok();
}

// Go's encoding/json leaves these out of a struct with `omitempty`.
bool IsEmptyForOmit(const Json& v) {
  if (v.is_null()) return true;
  if (v.is_string()) return v.get_ref<const std::string&>().empty();
  if (v.is_boolean()) return !v.get<bool>();
  if (v.is_number_integer()) return v.get<int64_t>() == 0;
  if (v.is_number_float()) return v.get<double>() == 0.0;
  if (v.is_array()) return v.empty();
  if (v.is_object()) return false;  // structs are never omitted by encoding/json
  return false;
}

Result<Json> DecodeMessage(std::string_view bytes, const SchemaType& type, int depth) {
  if (depth > kMaxDepth) return Malformed("nested too deeply");
  std::vector<std::optional<Json>> values(type.fields.size());
  Reader r(bytes);
  while (!r.done()) {
    ASSIGN_OR_RETURN(Tag tag, ReadTag(r));
    const SchemaField* field = type.FieldByNumber(tag.number);
    if (field == nullptr) {  // a newer client's field: ignored, as protobuf does
      RETURN_IF_ERROR(r.Skip(tag.wire_type));
      continue;
    }
    std::optional<Json>& slot = values[field - type.fields.data()];
    if (field->map) {
      if (tag.wire_type != kLengthDelimited) return Malformed("map entry expected");
      ASSIGN_OR_RETURN(std::string_view entry, r.Bytes());
      if (!slot) slot = Json::object();
      RETURN_IF_ERROR(DecodeMapEntry(entry, *field, depth + 1, *slot));
    } else if (field->repeated) {
      if (!slot) slot = Json::array();
      if (tag.wire_type == kLengthDelimited && IsVarintKind(field->kind)) {  // packed
        ASSIGN_OR_RETURN(std::string_view packed, r.Bytes());
        Reader p(packed);
        while (!p.done()) {
          ASSIGN_OR_RETURN(Json v, DecodeValue(p, kVarint, *field, depth));
          slot->push_back(std::move(v));
        }
      } else {
        ASSIGN_OR_RETURN(Json v, DecodeValue(r, tag.wire_type, *field, depth));
        slot->push_back(std::move(v));
      }
    } else {
      ASSIGN_OR_RETURN(Json v, DecodeValue(r, tag.wire_type, *field, depth));
      slot = std::move(v);
    }
  }
  Json out = Json::object();
  for (size_t i = 0; i < type.fields.size(); ++i) {
    const SchemaField& field = type.fields[i];
    std::optional<Json>& value = values[i];
    if (!value) continue;
    if (field.inlined()) {
      if (value->is_object()) {
        for (auto& [k, v] : value->items()) out[k] = std::move(v);
      }
      continue;
    }
    if (field.omitempty && !field.pointer && IsEmptyForOmit(*value)) continue;
    if (field.pointer && value->is_null()) continue;
    out[field.json_name] = std::move(*value);
  }
  return out;
}

}  // namespace

Result<Json> DecodeProtobufMessage(std::string_view bytes, const SchemaType& type) {
  return DecodeMessage(bytes, type, 0);
}

Result<Json> DecodeProtobufObject(std::string_view body, const Schema& schema) {
  if (!body.starts_with(kMagic)) return Malformed("missing the k8s protobuf prefix");
  std::string api_version;
  std::string kind;
  std::string_view raw;
  std::string content_encoding;
  RETURN_IF_ERROR(ForEachField(body.substr(kMagic.size()), [&](Tag tag, Reader& r) -> Status {
    if (tag.wire_type != kLengthDelimited) return r.Skip(tag.wire_type);
    ASSIGN_OR_RETURN(std::string_view bytes, r.Bytes());
    if (tag.number == 1) {
      return ForEachField(bytes, [&](Tag t, Reader& tr) -> Status {
        if (t.wire_type != kLengthDelimited) return tr.Skip(t.wire_type);
        ASSIGN_OR_RETURN(std::string_view s, tr.Bytes());
        if (t.number == 1) api_version = std::string(s);
        if (t.number == 2) kind = std::string(s);
        return Status::Ok();
      });
    }
    if (tag.number == 2) raw = bytes;
    if (tag.number == 3) content_encoding = std::string(bytes);
    return Status::Ok();
  }));
  if (!content_encoding.empty()) {
    return Malformed(fmt::format("unsupported content encoding \"{}\"", content_encoding));
  }
  if (kind.empty()) return Malformed("the object has no kind");
  const SchemaType* type = schema.ForKind(api_version, kind);
  if (type == nullptr) {
    return Status(Code::kUnsupported,
                  fmt::format("protobuf is not supported for {} {}", api_version, kind));
  }
  ASSIGN_OR_RETURN(Json object, DecodeMessage(raw, *type, 0));
  Json out = Json::object();
  out["apiVersion"] = api_version;
  out["kind"] = kind;
  for (auto& [k, v] : object.items()) out[k] = std::move(v);
  return out;
}

std::string FormatGoDuration(int64_t nanoseconds) {
  if (nanoseconds == 0) return "0s";
  bool negative = nanoseconds < 0;
  uint64_t u = negative ? 0 - static_cast<uint64_t>(nanoseconds) : nanoseconds;
  // Fraction digits without trailing zeros: Go prints 1.5s, not 1.500000000s.
  auto fraction = [](uint64_t value, int digits) {
    std::string f = fmt::format("{:0{}}", value, digits);
    while (!f.empty() && f.back() == '0') f.pop_back();
    return f.empty() ? std::string() : "." + f;
  };
  std::string out;
  if (u < 1'000'000'000) {
    if (u < 1'000) {
      out = fmt::format("{}ns", u);
    } else if (u < 1'000'000) {
      out = fmt::format("{}{}µs", u / 1'000, fraction(u % 1'000, 3));
    } else {
      out = fmt::format("{}{}ms", u / 1'000'000, fraction(u % 1'000'000, 6));
    }
  } else {
    uint64_t seconds = u / 1'000'000'000;
    out = fmt::format("{}{}s", seconds % 60, fraction(u % 1'000'000'000, 9));
    uint64_t minutes = seconds / 60;
    if (minutes > 0) {
      out = fmt::format("{}m", minutes % 60) + out;
      uint64_t hours = minutes / 60;
      if (hours > 0) out = fmt::format("{}h", hours) + out;
    }
  }
  return negative ? "-" + out : out;
}

}  // namespace sampan::api
