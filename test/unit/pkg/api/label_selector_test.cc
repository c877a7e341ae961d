#include "pkg/api/label_selector.h"

#include <gtest/gtest.h>

#include <map>
#include "pkg/api/json.h"
#include <string>

namespace sampan::api {
namespace {

using Labels = std::map<std::string, std::string>;
using J = sampan::api::Json;

LabelSelector Sel(std::string_view s) {
  auto sel = LabelSelector::Parse(s);
  EXPECT_TRUE(sel.ok()) << s << ": " << sel.status().ToString();
  return sel.ok() ? *sel : LabelSelector::Nothing();
}

// The label-value message of upstream's IsValidLabelValue, as a suffix.
constexpr const char* kBadLabelValue =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
constexpr const char* kBadKeyName =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
    "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

// Upstream TestSelectorParse: good strings print back without their spaces.
TEST(LabelSelectorTest, ParseAndPrintBack) {
  for (const char* s : {"x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x",
                        "x>1", "x>1,z<5", "x==a", "a in (b,c)", "a notin (b)", "a,b,!c"}) {
    std::string want = s;
    std::erase(want, ' ');
    if (want == "ain(b,c)") want = "a in (b,c)";
    if (want == "anotin(b)") want = "a notin (b)";
    EXPECT_EQ(Sel(s).ToString(), want) << s;
  }
}

// Upstream TestSetSelectorParser: input -> canonical string.
TEST(LabelSelectorTest, SetBasedSyntax) {
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {"", ""},
      {"\rx", "x"},
      {"this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash"},
      {"this-is-another-dns.domain.com/key-with-dash in (so,what)",
       "this-is-another-dns.domain.com/key-with-dash in (so,what)"},
      {"0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
       "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)"},
      {"foo  in\t (abc)", "foo in (abc)"},
      {"x notin\n (abc)", "x notin (abc)"},
      {"x  notin\t\t(abc,def)", "x notin (abc,def)"},
      {"x in (abc,def)", "x in (abc,def)"},
      {"x in (def,abc)", "x in (abc,def)"},
      {"x in (abc,)", "x in (,abc)"},
      {"x in (abc,abc)", "x in (abc)"},
      {"x in ()", "x in ()"},
      {"x in (a,,)", "x in (,a)"},
      {"x in (a,,,)", "x in (,a)"},
      {"x in (a,,,,,,)", "x in (,a)"},
      {"x in (a,,a,,a,,a,,)", "x in (,a)"},
      {"x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()"},
      {"x,y in (a)", "x,y in (a)"},
      {"x=a", "x=a"},
      {"x>1", "x>1"},
      {"x<7", "x<7"},
      {"x=a,y!=b", "x=a,y!=b"},
      {"x=a,y!=b,z in (h,i,j)", "x=a,y!=b,z in (h,i,j)"},
      {"x notin ( )", "x notin ()"},
      {"x notin (, a)", "x notin (,a)"},
      {"a ", "a"},
      {"a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)"},
      {"a in (xyz abc)", ""},  // error, see below
      {"notin=in", "notin=in"},
      {"x=a,a=x", "a=x,x=a"},  // sorted by key
      {"  env  in ( prod , dev ) ,  tier  ", "env in (dev,prod),tier"},
  };
  for (const auto& c : cases) {
    auto sel = LabelSelector::Parse(c.in);
    if (std::string_view(c.in) == "a in (xyz abc)") {
      EXPECT_FALSE(sel.ok());
      continue;
    }
    ASSERT_TRUE(sel.ok()) << c.in << ": " << sel.status().ToString();
    EXPECT_EQ(sel->ToString(), c.out) << c.in;
  }
}

TEST(LabelSelectorTest, ParseErrors) {
  struct Case {
    std::string in;
    std::string error;
  };
  const Case cases[] = {
      {"x=a||y=b", std::string("unable to parse requirement: values[0][x]: Invalid value: "
                               "\"a||y\": ") +
                       kBadLabelValue},
      {"x==a==b", "found '==', expected: ',' or 'end of string'"},
      {"!x=a", "found '=', expected: ',' or 'end of string'"},
      {"x<a",
       "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, "
       "the value must be an integer"},
      {"x>",
       "unable to parse requirement: values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, "
       "the value must be an integer"},
      {"x nott in (y)",
       "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt"},
      {"a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"},
      {"x,,y", "found ',', expected: identifier after ','"},
      {",x,y", "found ',', expected: !, identifier, or 'end of string'"},
      {"a in (xyz),", "found '', expected: identifier after ','"},
      {"a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'"},
      {"a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'"},
      {"x in (a", "unable to parse requirement: found '', expected: ',' or ')'"},
      {"x in a", "unable to parse requirement: found 'a' expected: '('"},
      {"x in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"},
      {"x in (a,=)", "unable to parse requirement: found '=', expected: ',', or identifier"},
      {"x=(", "unable to parse requirement: found '(', expected: identifier"},
      {"x=a b", "found 'b', expected: ',' or 'end of string'"},
      {"!", "unable to parse requirement: found '', expected: identifier"},
      {"!=a", "found '!=', expected: !, identifier, or 'end of string'"},
      {"a@b=c",
       std::string("unable to parse requirement: <nil>: Invalid value: \"a@b\": ") + kBadKeyName},
      {"example.com/",
       "unable to parse requirement: <nil>: Invalid value: \"example.com/\": name part must be "
       "non-empty; " +
           std::string(kBadKeyName)},
      {"env=" + std::string(64, 'a'),
       "unable to parse requirement: values[0][env]: Invalid value: \"" + std::string(64, 'a') +
           "\": must be no more than 63 characters"},
  };
  for (const auto& c : cases) {
    auto sel = LabelSelector::Parse(c.in);
    ASSERT_FALSE(sel.ok()) << c.in << " parsed as " << sel->ToString();
    EXPECT_EQ(sel.status().code(), Code::kBadRequest);
    EXPECT_EQ(sel.status().message(), c.error) << c.in;
  }
}

TEST(LabelSelectorTest, Matches) {
  struct Case {
    const char* selector;
    Labels labels;
    bool match;
  };
  const Labels set = {{"foo", "bar"}, {"baz", "blah"}};
  const Case cases[] = {
      {"", {{"x", "y"}}, true},
      {"x=y", {{"x", "y"}}, true},
      {"x=y,z=w", {{"x", "y"}, {"z", "w"}}, true},
      {"x!=y,z!=w", {{"x", "z"}, {"z", "a"}}, true},
      {"notin=in", {{"notin", "in"}}, true},
      {"x", {{"x", "z"}}, true},
      {"!x", {{"y", "z"}}, true},
      {"x>1", {{"x", "2"}}, true},
      {"x<1", {{"x", "0"}}, true},
      {"x<1", {{"x", "-5"}}, true},
      {"x=z", {}, false},
      {"x=y", {{"x", "z"}}, false},
      {"x=y,z=w", {{"x", "w"}, {"z", "w"}}, false},
      {"x!=y,z!=w", {{"x", "z"}, {"z", "w"}}, false},
      {"x", {{"y", "z"}}, false},
      {"!x", {{"x", "z"}}, false},
      {"x>1", {{"x", "0"}}, false},
      {"x<1", {{"x", "2"}}, false},
      {"x>1", {{"x", "v2"}}, false},  // not an integer: no match
      {"x>1", {}, false},
      {"foo=bar", set, true},
      {"baz=blah", set, true},
      {"foo=bar,baz=blah", set, true},
      {"foo=blah", set, false},
      {"baz=bar", set, false},
      {"foo=bar,foobar=bar,baz=blah", set, false},
      {"x in (foo)", {{"x", "foo"}, {"y", "baz"}}, true},
      {"x in (foo),y notin (alpha)", {{"x", "foo"}, {"y", "baz"}}, true},
      {"x in (foo),y in (alpha)", {{"x", "foo"}, {"y", "baz"}}, false},
      {"x notin (),y", {{"y", ""}}, true},
      {"!x,y", {{"y", ""}}, true},
      {"x notin (),!y", {{"y", ""}}, false},
      {"x in ()", {{"y", "baz"}}, false},
      {"x in ()", {{"x", ""}}, true},
      {"x notin (a)", {}, true},  // notin matches objects without the label
      {"x!=a", {}, true},
  };
  for (const auto& c : cases) {
    LabelSelector sel = Sel(c.selector);
    EXPECT_EQ(sel.Matches(c.labels), c.match) << c.selector;
    J labels = J::object();
    for (const auto& [k, v] : c.labels) labels[k] = v;
    EXPECT_EQ(sel.MatchesJson(labels), c.match) << c.selector << " (json)";
  }
  EXPECT_TRUE(Sel("").MatchesJson(J()));  // no labels at all
  EXPECT_FALSE(Sel("a").MatchesJson(J()));
  EXPECT_TRUE(Sel("!a").MatchesJson(J()));
}

TEST(LabelSelectorTest, EverythingAndNothing) {
  EXPECT_TRUE(LabelSelector::Everything().Empty());
  EXPECT_TRUE(LabelSelector::Everything().Matches({{"x", "y"}}));
  EXPECT_TRUE(Sel("").Empty());
  EXPECT_TRUE(Sel("   ").Empty());
  EXPECT_FALSE(Sel("a").Empty());
  LabelSelector nothing = LabelSelector::Nothing();
  EXPECT_FALSE(nothing.Empty());
  EXPECT_TRUE(nothing.MatchesNothing());
  EXPECT_FALSE(nothing.Matches({}));
  EXPECT_EQ(nothing.ToString(), "");
}

TEST(LabelSelectorTest, FromSetAndAdd) {
  LabelSelector s = LabelSelector::FromSet({{"b", "2"}, {"a", "1"}});
  EXPECT_EQ(s.ToString(), "a=1,b=2");
  EXPECT_TRUE(s.Matches({{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  EXPECT_FALSE(s.Matches({{"a", "1"}}));
  EXPECT_TRUE(LabelSelector::FromSet({}).Empty());

  auto r = LabelRequirement::Make("0", SelectorOperator::kExists, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(s.Add(*r).ToString(), "0,a=1,b=2");
  EXPECT_TRUE(LabelSelector::Nothing().Add(*r).MatchesNothing());
}

TEST(LabelSelectorTest, RequirementConstructorErrors) {
  struct Case {
    std::string key;
    SelectorOperator op;
    std::vector<std::string> values;
    std::string error;  // "" = valid
  };
  const Case cases[] = {
      {"x1",
       SelectorOperator::kIn,
       {},
       "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be "
       "empty"},
      {"x2",
       SelectorOperator::kNotIn,
       {},
       "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be "
       "empty"},
      {"x3", SelectorOperator::kIn, {"foo"}, ""},
      {"x5",
       SelectorOperator::kEquals,
       {"bar", "foo"},
       "values: Invalid value: []string{\"bar\", \"foo\"}: exact-match compatibility requires "
       "one single value"},
      {"x6", SelectorOperator::kExists, {}, ""},
      {"x7", SelectorOperator::kDoesNotExist, {}, ""},
      {"x8",
       SelectorOperator::kExists,
       {"foo"},
       "values: Invalid value: []string{\"foo\"}: values set must be empty for exists and does "
       "not exist"},
      {"x11", SelectorOperator::kGreaterThan, {"1"}, ""},
      {"x12", SelectorOperator::kLessThan, {"6"}, ""},
      {"x13",
       SelectorOperator::kGreaterThan,
       {},
       "values: Invalid value: []string{}: for 'Gt', 'Lt' operators, exactly one value is "
       "required"},
      {"x14",
       SelectorOperator::kGreaterThan,
       {"bar"},
       "values[0]: Invalid value: \"bar\": for 'Gt', 'Lt' operators, the value must be an "
       "integer"},
      {std::string(254, 'a'),
       SelectorOperator::kExists,
       {},
       "key: Invalid value: \"" + std::string(254, 'a') +
           "\": name part must be no more than 63 characters"},
      {"x16",
       SelectorOperator::kEquals,
       {std::string(254, 'a')},
       "values[0][x16]: Invalid value: \"" + std::string(254, 'a') +
           "\": must be no more than 63 characters"},
      {"x17",
       SelectorOperator::kEquals,
       {"a b"},
       std::string("values[0][x17]: Invalid value: \"a b\": ") + kBadLabelValue},
      {"a b",
       SelectorOperator::kIn,
       {},
       std::string("[key: Invalid value: \"a b\": ") + kBadKeyName +
           ", values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't "
           "be empty]"},
  };
  for (const auto& c : cases) {
    auto r = LabelRequirement::Make(c.key, c.op, c.values);
    if (c.error.empty()) {
      EXPECT_TRUE(r.ok()) << c.key << ": " << r.status().ToString();
    } else {
      ASSERT_FALSE(r.ok()) << c.key;
      EXPECT_EQ(r.status().message(), c.error) << c.key;
    }
  }
}

TEST(LabelSelectorTest, RequirementToString) {
  auto str = [](std::string key, SelectorOperator op, std::vector<std::string> values) {
    auto r = LabelRequirement::Make(std::move(key), op, std::move(values));
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->ToString() : "";
  };
  EXPECT_EQ(str("x", SelectorOperator::kIn, {"def", "abc"}), "x in (abc,def)");
  EXPECT_EQ(str("y", SelectorOperator::kNotIn, {"jkl"}), "y notin (jkl)");
  EXPECT_EQ(str("z", SelectorOperator::kExists, {}), "z");
  EXPECT_EQ(str("z", SelectorOperator::kDoesNotExist, {}), "!z");
  EXPECT_EQ(str("z", SelectorOperator::kNotIn, {""}), "z notin ()");
  EXPECT_EQ(str("y", SelectorOperator::kDoubleEquals, {"jkl"}), "y==jkl");
  EXPECT_EQ(str("z", SelectorOperator::kNotEquals, {"a"}), "z!=a");
  EXPECT_EQ(str("x", SelectorOperator::kGreaterThan, {"2"}), "x>2");
  EXPECT_EQ(str("y", SelectorOperator::kLessThan, {"8"}), "y<8");
}

TEST(LabelSelectorTest, RequiresExactMatch) {
  EXPECT_EQ(Sel("a=1,b=2").RequiresExactMatch("b"), "2");
  EXPECT_EQ(Sel("a==1").RequiresExactMatch("a"), "1");
  EXPECT_EQ(Sel("a in (1)").RequiresExactMatch("a"), "1");
  EXPECT_FALSE(Sel("a in (1,2)").RequiresExactMatch("a").has_value());
  EXPECT_FALSE(Sel("a!=1").RequiresExactMatch("a").has_value());
  EXPECT_FALSE(Sel("a=1").RequiresExactMatch("b").has_value());
}

TEST(LabelSelectorTest, FromJson) {
  struct Case {
    J in;
    const char* out;
  };
  const Case cases[] = {
      {J::parse(R"({"matchLabels":{"app":"web"}})"), "app=web"},
      {J::parse(R"({"matchLabels":{"tier":"db","app":"web"}})"), "app=web,tier=db"},
      {J::parse(R"({"matchExpressions":[{"key":"env","operator":"In","values":["b","a"]}]})"),
       "env in (a,b)"},
      {J::parse(R"({"matchLabels":{"app":"web"},"matchExpressions":[
          {"key":"env","operator":"NotIn","values":["dev"]},
          {"key":"canary","operator":"DoesNotExist"},
          {"key":"app","operator":"Exists"}]})"),
       "app=web,app,!canary,env notin (dev)"},
      {J::parse(R"({})"), ""},
      {J::parse(R"({"matchLabels":{},"matchExpressions":[]})"), ""},
      {J::parse(R"({"matchLabels":null})"), ""},
  };
  for (const auto& c : cases) {
    auto sel = LabelSelector::FromJson(c.in);
    ASSERT_TRUE(sel.ok()) << c.in.dump() << ": " << sel.status().ToString();
    EXPECT_EQ(sel->ToString(), c.out) << c.in.dump();
    EXPECT_FALSE(sel->MatchesNothing());
  }
  auto everything = LabelSelector::FromJson(J::object());
  ASSERT_TRUE(everything.ok());
  EXPECT_TRUE(everything->Empty());
  EXPECT_TRUE(everything->Matches({{"any", "thing"}}));
  auto nothing = LabelSelector::FromJson(J());
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->MatchesNothing());
  EXPECT_FALSE(nothing->Matches({}));

  auto sel = LabelSelector::FromJson(J::parse(
      R"({"matchLabels":{"app":"web"},
          "matchExpressions":[{"key":"env","operator":"In","values":["prod","stage"]}]})"));
  ASSERT_TRUE(sel.ok());
  EXPECT_TRUE(sel->Matches({{"app", "web"}, {"env", "prod"}}));
  EXPECT_FALSE(sel->Matches({{"app", "web"}, {"env", "dev"}}));
  EXPECT_FALSE(sel->Matches({{"app", "web"}}));
}

TEST(LabelSelectorTest, FromJsonErrors) {
  struct Case {
    const char* in;
    std::string error;
  };
  const Case cases[] = {
      {R"({"matchExpressions":[{"key":"env","operator":"Foo","values":["a"]}]})",
       "\"Foo\" is not a valid label selector operator"},
      {R"({"matchExpressions":[{"key":"env","operator":"In"}]})",
       "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be "
       "empty"},
      {R"({"matchExpressions":[{"key":"env","operator":"NotIn","values":[]}]})",
       "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be "
       "empty"},
      {R"({"matchExpressions":[{"key":"env","operator":"Exists","values":["a"]}]})",
       "values: Invalid value: []string{\"a\"}: values set must be empty for exists and does not "
       "exist"},
      {R"({"matchLabels":{"a b":"x"}})",
       std::string("key: Invalid value: \"a b\": ") + kBadKeyName},
      {R"({"matchLabels":{"app":"a b"}})",
       std::string("values[0][app]: Invalid value: \"a b\": ") + kBadLabelValue},
      {R"({"matchLabels":{"app":1}})", "invalid label selector: matchLabels.app"},
      {R"([])", "invalid label selector: expected an object"},
  };
  for (const auto& c : cases) {
    auto sel = LabelSelector::FromJson(J::parse(c.in));
    ASSERT_FALSE(sel.ok()) << c.in;
    EXPECT_EQ(sel.status().code(), Code::kBadRequest);
    EXPECT_EQ(sel.status().message(), c.error) << c.in;
  }
}

}  // namespace
}  // namespace sampan::api
