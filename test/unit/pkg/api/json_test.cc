#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "pkg/api/json.h"

namespace sampan::api {
namespace {

std::string NlohmannDump(const Json& v) {
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// The types of every node, in document order: 5 and 5u are equal as values, not as types.
std::string Types(const Json& v) {
  std::string out(1, "nobiufsa?"[static_cast<int>(v.type()) % 9]);
  if (v.is_structured()) {
    for (const Json& child : v) out += Types(child);
  }
  return out;
}

// Random documents of every kind of value, strings with escapes and invalid bytes included.
class RandomDocuments {
 public:
  explicit RandomDocuments(uint32_t seed) : rng_(seed) {}

  Json Next() { return Value(0); }
  uint32_t Number() { return rng_(); }

 private:
  std::string Text() {
    static const std::vector<std::string> pieces = {
        "a", "Z", "9", " ", "\"", "\\", "/", "\n", "\t", std::string(1, '\0'), "\x1b", "\x7f",
        "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xff", "\xc0", "\xe2\x82", "\xed\xa0\x80"};
    std::string s;
    for (int n = rng_() % 8; n > 0; --n) s += pieces[rng_() % pieces.size()];
    return s;
  }
  Json Value(int depth) {
    switch (rng_() % (depth > 3 ? 6 : 8)) {
      case 0: return Text();
      case 1: return static_cast<int64_t>(rng_()) - (1ll << 31);
      case 2: return static_cast<uint64_t>(rng_()) << 20;
      case 3: return std::ldexp(static_cast<double>(rng_()), static_cast<int>(rng_() % 80) - 40);
      case 4: return rng_() % 2 == 0;
      case 5: return nullptr;
      case 6: {
        Json o = Json::object();
        for (int n = rng_() % 5; n > 0; --n) o[Text()] = Value(depth + 1);
        return o;
      }
      default: {
        Json a = Json::array();
        for (int n = rng_() % 5; n > 0; --n) a.push_back(Value(depth + 1));
        return a;
      }
    }
  }
  std::mt19937 rng_;
};

TEST(JsonDumpTest, EscapesAsNlohmannDoes) {
  Json v = Json::object();
  v["plain"] = "hello/world";
  v["quote\"key"] = "a\"b\\c";
  v["controls"] = std::string("\b\t\n\f\r\x01\x1f\x7f", 8);
  v["nul"] = std::string("a\0b", 3);
  v["utf8"] = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
  EXPECT_EQ(Dump(v), NlohmannDump(v));
  EXPECT_EQ(Dump(v["controls"]), R"("\b\t\n\f\r\u0001\u001f)" "\x7f\"");
  EXPECT_EQ(Dump(v["nul"]), R"("a\u0000b")");
}

TEST(JsonDumpTest, InvalidUtf8IsReplacedAsNlohmannDoes) {
  for (std::string s : {"\xff", "a\xc0\xafz", "\xe2\x82", "x\xed\xa0\x80y", "\xf4\x90\x80\x80",
                        "\xc1\xbf", "ok\xe2\x82\xac\xe2", "\xf0\x9f\x98"}) {
    Json v = s;
    EXPECT_EQ(Dump(v), NlohmannDump(v)) << testing::PrintToString(s);
  }
}

TEST(JsonDumpTest, NumbersAndLiterals) {
  Json v = Json::array({0, -1, 42u, std::numeric_limits<int64_t>::min(),
                        std::numeric_limits<uint64_t>::max(), 1.0, 0.1, -0.0, 1e300, 2.5e-8,
                        std::nan(""), true, false, nullptr, Json::object(), Json::array()});
  EXPECT_EQ(Dump(v), NlohmannDump(v));
  EXPECT_EQ(Dump(Json::parse("[1,-2,3.5]")), "[1,-2,3.5]");
}

TEST(JsonDumpTest, RandomDocumentsMatchNlohmann) {
  RandomDocuments docs(20261128);
  for (int i = 0; i < 3000; ++i) {
    Json v = docs.Next();
    ASSERT_EQ(Dump(v), NlohmannDump(v)) << "document " << i;
    std::string appended = "prefix:";
    DumpTo(appended, v);
    ASSERT_EQ(appended, "prefix:" + NlohmannDump(v));
  }
}

// ParseJson gives nlohmann's value (types included) for what nlohmann accepts and an
// error for what it refuses, also for texts damaged at random.
TEST(JsonParseTest, RandomAndDamagedDocumentsParseAsNlohmann) {
  RandomDocuments docs(7);
  const std::string noise = "{}[]\",:\\ 0-1.eE+tfnu\x01\x80\xc3";
  int accepted = 0, refused = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string text = NlohmannDump(docs.Next());
    if (i % 2 == 1 && !text.empty()) {  // damage: drop, insert or replace a byte
      size_t at = docs.Number() % text.size();
      char c = noise[docs.Number() % noise.size()];
      switch (docs.Number() % 3) {
        case 0: text.erase(at, 1); break;
        case 1: text.insert(at, 1, c); break;
        default: text[at] = c;
      }
    }
    Json expected = Json::parse(text, nullptr, false);
    Result<Json> got = ParseJson(text);
    ASSERT_EQ(got.ok(), !expected.is_discarded()) << text;
    if (!got.ok()) {
      ++refused;
      continue;
    }
    ++accepted;
    ASSERT_EQ(*got, expected) << text;
    ASSERT_EQ(Types(*got), Types(expected)) << text;
  }
  EXPECT_GT(accepted, 2000);
  EXPECT_GT(refused, 300);
}

TEST(JsonParseTest, ErrorsAreNlohmanns) {
  for (std::string text : {"", "{", "{\"a\":}", "[1,]", "01", "1.", "-", "tru", "\"\\x\"",
                           "\"\\ud800\"", "\"\\udc00\"", "\"a\x01\"", "\"\xff\"", "{} x", "+1"}) {
    Result<Json> got = ParseJson(text);
    ASSERT_FALSE(got.ok()) << text;
    EXPECT_EQ(got.status().code(), Code::kBadRequest);
    std::string expected;
    try {
      Json ignored = Json::parse(text);
      ADD_FAILURE() << "nlohmann accepted " << ignored.dump();
    } catch (const Json::exception& e) {
      expected = std::string("invalid JSON in request body: ") + e.what();
    }
    EXPECT_EQ(got.status().message(), expected) << text;
  }
}

TEST(JsonParseTest, EscapesNumbersAndWhatOnlyNlohmannReads) {
  auto parse = [](const std::string& text) {
    Result<Json> r = ParseJson(text);
    EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
    return r.ok() ? *r : Json();
  };
  EXPECT_EQ(parse(R"("a\"\\\/\b\f\n\r\t\u00e9\u20ac\ud83d\ude00")"),
            "a\"\\/\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  EXPECT_TRUE(parse("5").is_number_unsigned());
  EXPECT_TRUE(parse("-5").is_number_integer() && !parse("-5").is_number_unsigned());
  EXPECT_TRUE(parse("-0").is_number_integer());
  EXPECT_TRUE(parse("1.5e3").is_number_float());
  // Out of the integer range: a double, as nlohmann makes it.
  EXPECT_TRUE(parse("18446744073709551616").is_number_float());
  EXPECT_TRUE(parse("-9223372036854775809").is_number_float());
  EXPECT_EQ(parse("\xef\xbb\xbf{\"bom\":1}"), Json({{"bom", 1}}));
  std::string deep = std::string(5000, '[') + std::string(5000, ']');
  EXPECT_TRUE(parse(deep).is_array());
  EXPECT_EQ(parse(" \n\t{ \"a\" : [ 1 , true , null ] }\r\n"),
            Json::parse(R"({"a":[1,true,null]})"));
}

TEST(JsonParseTest, RepeatedKeysKeepTheFirstPlaceAndTheLastValueOrAreRefused) {
  const std::string text = R"({"a":1,"b":{"x":1,"x":2},"a":3})";
  Result<Json> allowed = ParseJson(text);
  ASSERT_TRUE(allowed.ok());
  EXPECT_EQ(Dump(*allowed), R"({"a":3,"b":{"x":2}})");
  EXPECT_EQ(Dump(*allowed), NlohmannDump(Json::parse(text)));
  Result<Json> strict = ParseJson(text, DuplicateFields::kReject);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().message(), "strict decoding error: json: duplicate field \"x\"");
}

}  // namespace
}  // namespace sampan::api
