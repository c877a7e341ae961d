#include "pkg/api/field_selector.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace sampan::api {
namespace {

FieldSelector Sel(std::string_view s) {
  auto sel = FieldSelector::Parse(s);
  EXPECT_TRUE(sel.ok()) << s << ": " << sel.status().ToString();
  return sel.ok() ? *sel : FieldSelector();
}

FieldSelector::Getter FromMap(std::map<std::string, std::string> m) {
  return [m = std::move(m)](std::string_view field) -> std::optional<std::string> {
    auto it = m.find(std::string(field));
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
}

// Upstream TestSelectorParse: good strings print back unchanged.
TEST(FieldSelectorTest, ParseAndPrintBack) {
  for (const char* s : {"x=a,y=b,z=c", "", "x!=a,y=b", "x=a||y\\=b", "x=a\\=\\=b",
                        "metadata.name=foo", "spec.nodeName=", "a=\\,\\\\"}) {
    EXPECT_EQ(Sel(s).ToString(), s);
  }
  // "==" is the same requirement as "=" and prints as "=".
  EXPECT_EQ(Sel("x==a").ToString(), "x=a");
  // Terms are sorted by their text; empty terms are skipped.
  EXPECT_EQ(Sel("b=1,a=2").ToString(), "a=2,b=1");
  EXPECT_EQ(Sel("x=a,y=b").ToString(), Sel("y=b,x=a").ToString());
  EXPECT_EQ(Sel(",a=1,,").ToString(), "a=1");
  EXPECT_TRUE(Sel(",").Empty());
  EXPECT_TRUE(Sel("").Empty());
  EXPECT_FALSE(Sel("a=b").Empty());
}

TEST(FieldSelectorTest, ParseErrors) {
  struct Case {
    const char* in;
    const char* error;
  };
  const Case cases[] = {
      {"x=a||y=b", "invalid field selector: unescaped character in value: 61"},
      {"x==a==b", "invalid field selector: unescaped character in value: 61"},
      {"x=a,b", "invalid selector: 'x=a,b'; can't understand 'b'"},
      {"x in (a)", "invalid selector: 'x in (a)'; can't understand 'x in (a)'"},
      {"x in (a,b,c)", "invalid selector: 'x in (a,b,c)'; can't understand 'b'"},
      {"x", "invalid selector: 'x'; can't understand 'x'"},
      {"k=\\a\\b\\", "invalid field selector: invalid escape sequence: \\a"},
      {"k=\\", "invalid field selector: invalid escape sequence: \\"},
      {"k=\\\\\\", "invalid field selector: invalid escape sequence: \\"},
      {"k=\\\xc3\xa9", "invalid field selector: invalid escape sequence: \\\xc3\xa9"},
  };
  for (const auto& c : cases) {
    auto sel = FieldSelector::Parse(c.in);
    ASSERT_FALSE(sel.ok()) << c.in << " parsed as " << sel->ToString();
    EXPECT_EQ(sel.status().code(), Code::kBadRequest);
    EXPECT_EQ(sel.status().message(), c.error) << c.in;
  }
}

TEST(FieldSelectorTest, SplitsOnlyOnUnescapedCommasAndFirstOperator) {
  // Terms are sorted by their text, so "k2=v2" comes before "k=...".
  auto reqs = Sel("k=\\,,k2=v2").requirements();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].field, "k2");
  EXPECT_EQ(reqs[0].value, "v2");
  EXPECT_EQ(reqs[1].field, "k");
  EXPECT_EQ(reqs[1].value, ",");

  reqs = Sel("k=\\\\,k2=v2").requirements();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].value, "\\");

  reqs = Sel("k=\\\\\\,,k2=v2").requirements();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].value, "\\,");

  reqs = Sel("\xed\x95\xa8=\xec\x88\x98,\xeb\xaa\xa9=\xeb\xa1\x9d").requirements();  // 함=수,목=록
  ASSERT_EQ(reqs.size(), 2u);

  reqs = Sel("a!=b").requirements();  // "!=" wins over "=" at the same position
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].field, "a");
  EXPECT_TRUE(reqs[0].not_equals);
  EXPECT_EQ(reqs[0].value, "b");

  reqs = Sel("a=!b").requirements();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_FALSE(reqs[0].not_equals);
  EXPECT_EQ(reqs[0].value, "!b");

  reqs = Sel("=b").requirements();  // an empty field name is a (unsupported) field
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].field, "");

  reqs = Sel(" a = b").requirements();  // no trimming, as upstream
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].field, " a ");
  EXPECT_EQ(reqs[0].value, " b");
}

TEST(FieldSelectorTest, EscapeAndUnescape) {
  struct Case {
    const char* raw;
    const char* escaped;
  };
  const Case cases[] = {
      {"", ""},     {"a", "a"},     {"=", "\\="},
      {",", "\\,"}, {"\\", "\\\\"}, {"\\=\\,\\", "\\\\\\=\\\\\\,\\\\"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(EscapeFieldValue(c.raw), c.escaped);
    auto back = UnescapeFieldValue(c.escaped);
    ASSERT_TRUE(back.ok()) << c.escaped;
    EXPECT_EQ(*back, c.raw);
  }
  for (const char* bad : {"\\", "\\\\\\", "\\a"}) {
    auto r = UnescapeFieldValue(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("invalid escape sequence"), std::string::npos);
  }
  auto r = UnescapeFieldValue("a,b");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "invalid field selector: unescaped character in value: 44");
}

TEST(FieldSelectorTest, Matches) {
  struct Case {
    const char* selector;
    std::map<std::string, std::string> fields;
    bool match;
  };
  const Case cases[] = {
      {"", {{"x", "y"}}, true},
      {"x=y", {{"x", "y"}}, true},
      {"x=y,z=w", {{"x", "y"}, {"z", "w"}}, true},
      {"x!=y,z!=w", {{"x", "z"}, {"z", "a"}}, true},
      {"x=y", {{"x", "z"}}, false},
      {"x=y,z=w", {{"x", "w"}, {"z", "w"}}, false},
      {"x!=y,z!=w", {{"x", "z"}, {"z", "w"}}, false},
      {"x=", {}, true},  // absent fields read as ""
      {"x!=", {}, false},
      {"x!=a", {}, true},
      {"x=a", {}, false},
      {"metadata.name=web-0,status.phase!=Running",
       {{"metadata.name", "web-0"}, {"status.phase", "Pending"}},
       true},
      {"metadata.name=web-0,status.phase!=Running",
       {{"metadata.name", "web-0"}, {"status.phase", "Running"}},
       false},
      {"a=x\\,y", {{"a", "x,y"}}, true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Sel(c.selector).Matches(FromMap(c.fields)), c.match) << c.selector;
  }
  EXPECT_TRUE(FieldSelector::Everything().Matches(FromMap({})));
  EXPECT_TRUE(FieldSelector::OneTermEqual("a", "b").Matches(FromMap({{"a", "b"}})));
  EXPECT_EQ(FieldSelector::OneTermEqual("a", "=").ToString(), "a=\\=");
}

TEST(FieldSelectorTest, FieldsAndSupport) {
  FieldSelector s = Sel("spec.nodeName=n1,metadata.name!=a,spec.nodeName!=n2");
  EXPECT_EQ(s.Fields(), (std::vector<std::string>{"metadata.name", "spec.nodeName"}));
  EXPECT_EQ(s.FirstUnsupported({"metadata.name", "metadata.namespace", "spec.nodeName"}),
            std::nullopt);
  EXPECT_EQ(Sel("metadata.name=a,foo=bar,zoo=1").FirstUnsupported({"metadata.name"}), "foo");
  EXPECT_EQ(FieldSelector().FirstUnsupported({}), std::nullopt);
}

TEST(FieldSelectorTest, Transform) {
  // A conversion like upstream's pod field label conversion: rename, reject, drop.
  auto fn = [](const std::string& field,
               const std::string& value) -> Result<std::pair<std::string, std::string>> {
    if (field == "spec.host") return std::pair<std::string, std::string>{"spec.nodeName", value};
    if (field == "drop") return std::pair<std::string, std::string>{"", ""};
    if (field == "metadata.name" || field == "spec.nodeName") return std::pair{field, value};
    return Status::BadRequest("field label not supported: " + field);
  };
  auto t = Sel("spec.host=n1,metadata.name!=x,drop=1").Transform(fn);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->ToString(), "metadata.name!=x,spec.nodeName=n1");
  auto bad = Sel("foo=1").Transform(fn);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "field label not supported: foo");
}

TEST(FieldSelectorTest, RequiresExactMatch) {
  EXPECT_EQ(Sel("a=1,b=2").RequiresExactMatch("b"), "2");
  EXPECT_EQ(Sel("a==1").RequiresExactMatch("a"), "1");
  EXPECT_FALSE(Sel("a!=1").RequiresExactMatch("a").has_value());
  EXPECT_EQ(Sel("a!=1,a=2").RequiresExactMatch("a"), "2");
  EXPECT_FALSE(Sel("").RequiresExactMatch("a").has_value());
}

}  // namespace
}  // namespace sampan::api
