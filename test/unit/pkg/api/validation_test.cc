#include "pkg/api/validation.h"

#include <gtest/gtest.h>

#include "pkg/api/json.h"
#include <string>
#include <vector>

namespace sampan::api {
namespace {

using J = sampan::api::Json;
using Validator = std::vector<std::string> (*)(std::string_view);

void ExpectValid(Validator fn, const std::vector<std::string>& values, const char* name) {
  for (const auto& v : values) {
    auto errs = fn(v);
    EXPECT_TRUE(errs.empty()) << name << "(" << v << "): " << (errs.empty() ? "" : errs[0]);
  }
}

void ExpectInvalid(Validator fn, const std::vector<std::string>& values, const char* name) {
  for (const auto& v : values) EXPECT_FALSE(fn(v).empty()) << name << "(" << v << ")";
}

// --- string validators: upstream's tables ------------------------------------------------------

TEST(ValidationTest, DNS1123Label) {
  ExpectValid(IsDNS1123Label,
              {"a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a",
               "1--a--b--2", std::string(63, 'a')},
              "IsDNS1123Label");
  ExpectInvalid(IsDNS1123Label, {"",    "A",
                                 "ABC", "aBc",
                                 "A1",  "A-1",
                                 "1-A", "-",
                                 "a-",  "-a",
                                 "1-",  "-1",
                                 "_",   "a_",
                                 "_a",  "a_b",
                                 "1_",  "_1",
                                 "1_2", ".",
                                 "a.",  ".a",
                                 "a.b", "1.",
                                 ".1",  "1.2",
                                 " ",   "a ",
                                 " a",  "a b",
                                 "1 ",  " 1",
                                 "1 2", std::string(64, 'a')},
                "IsDNS1123Label");
  EXPECT_EQ(IsDNS1123Label("a.b"), std::vector<std::string>{"must not contain dots"});
  EXPECT_EQ(IsDNS1123Label("Foo"),
            std::vector<std::string>{
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
                "or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  "
                "or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"});
  EXPECT_EQ(IsDNS1123Label(std::string(64, 'a')),
            std::vector<std::string>{"must be no more than 63 characters"});
}

TEST(ValidationTest, DNS1123Subdomain) {
  ExpectValid(IsDNS1123Subdomain,
              {"a",
               "ab",
               "abc",
               "a1",
               "a-1",
               "a--1--2--b",
               "0",
               "01",
               "012",
               "1a",
               "1-a",
               "1--a--b--2",
               "a.a",
               "ab.a",
               "abc.a",
               "a1.a",
               "a-1.a",
               "a--1--2--b.a",
               "a.1",
               "ab.1",
               "abc.1",
               "a1.1",
               "a-1.1",
               "a--1--2--b.1",
               "0.a",
               "01.a",
               "012.a",
               "1a.a",
               "1-a.a",
               "1--a--b--2",
               "0.1",
               "01.1",
               "012.1",
               "1a.1",
               "1-a.1",
               "1--a--b--2.1",
               "a.b.c.d.e",
               "aa.bb.cc.dd.ee",
               "1.2.3.4.5",
               "11.22.33.44.55",
               std::string(253, 'a')},
              "IsDNS1123Subdomain");
  ExpectInvalid(IsDNS1123Subdomain,
                {"",
                 "A",
                 "ABC",
                 "aBc",
                 "A1",
                 "A-1",
                 "1-A",
                 "-",
                 "a-",
                 "-a",
                 "1-",
                 "-1",
                 "_",
                 "a_",
                 "_a",
                 "a_b",
                 "1_",
                 "_1",
                 "1_2",
                 ".",
                 "a.",
                 ".a",
                 "a..b",
                 "1.",
                 ".1",
                 "1..2",
                 " ",
                 "a ",
                 " a",
                 "a b",
                 "1 ",
                 " 1",
                 "1 2",
                 "A.a",
                 "aB.a",
                 "ab.A",
                 "A1.a",
                 "a1.A",
                 "A.1",
                 "aB.1",
                 "A1.1",
                 "1A.1",
                 "0.A",
                 "01.A",
                 "012.A",
                 "1A.a",
                 "1a.A",
                 "A.B.C.D.E",
                 "AA.BB.CC.DD.EE",
                 "a.B.c.d.e",
                 "aa.bB.cc.dd.ee",
                 "a@b",
                 "a,b",
                 "a_b",
                 "a;b",
                 "a:b",
                 "a%b",
                 "a?b",
                 "a$b",
                 std::string(254, 'a')},
                "IsDNS1123Subdomain");
  EXPECT_EQ(IsDNS1123Subdomain(std::string(254, 'a')),
            std::vector<std::string>{"must be no more than 253 characters"});
}

TEST(ValidationTest, DNS1035Label) {
  ExpectValid(IsDNS1035Label, {"a", "ab", "abc", "a1", "a-1", "a--1--2--b", std::string(63, 'a')},
              "IsDNS1035Label");
  ExpectInvalid(
      IsDNS1035Label,
      {"0",  "01",  "012", "1a", "1-a", "1--a--b--2", "",   "A",  "ABC", "aBc",
       "A1", "A-1", "1-A", "-",  "a-",  "-a",         "1-", "-1", "_",   "a_",
       "_a", "a_b", "1_",  "_1", "1_2", ".",          "a.", ".a", "a.b", "1.",
       ".1", "1.2", " ",   "a ", " a",  "a b",        "1 ", " 1", "1 2", std::string(64, 'a')},
      "IsDNS1035Label");
  EXPECT_EQ(IsDNS1035Label("1a"),
            std::vector<std::string>{
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                "start with an alphabetic character, and end with an alphanumeric character "
                "(e.g. 'my-name',  or 'abc-123', regex used for validation is "
                "'[a-z]([-a-z0-9]*[a-z0-9])?')"});
}

TEST(ValidationTest, CIdentifierAndEnvVarNames) {
  ExpectValid(IsCIdentifier,
              {"a", "ab", "abc", "a1", "_a", "a_", "a_b", "a_1", "a__1__2__b", "__abc_123",
               "A", "AB", "AbC", "A1", "_A", "A_", "A_B", "A_1", "A__1__2__B", "__123_ABC"},
              "IsCIdentifier");
  ExpectInvalid(IsCIdentifier, {"",   "1",   "123", "1a",  "-",  "a-",  "-a",  "1-", "-1",
                                "1_", "1_2", ".",   "a.",  ".a", "a.b", "1.",  ".1", "1.2",
                                " ",  "a ",  " a",  "a b", "1 ", " 1",  "1 2", "#a#"},
                "IsCIdentifier");
  EXPECT_EQ(IsCIdentifier("1a"),
            std::vector<std::string>{
                "a valid C identifier must start with alphabetic character or '_', followed by a "
                "string of alphanumeric characters or '_' (e.g. 'my_name',  or 'MY_NAME',  or "
                "'MyName', regex used for validation is '[A-Za-z_][A-Za-z0-9_]*')"});

  ExpectValid(IsEnvVarName, {"A", "my.env-name", "MY_ENV.NAME", "MyEnvName1", "-x", "._a"},
              "IsEnvVarName");
  ExpectInvalid(IsEnvVarName, {"", "1a", "a b", "a=b", ".", "..", "..a"}, "IsEnvVarName");
  EXPECT_EQ(IsEnvVarName(".."), std::vector<std::string>{"must not be '..'"});
  EXPECT_EQ(IsEnvVarName("..a"), std::vector<std::string>{"must not start with '..'"});
  EXPECT_EQ(IsEnvVarName("1a"),
            std::vector<std::string>{
                "a valid environment variable name must consist of alphabetic characters, "
                "digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  "
                "or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is "
                "'[-._a-zA-Z][-._a-zA-Z0-9]*')"});

  ExpectValid(IsRelaxedEnvVarName,
              {"-",   ":",  "_",  "+a",  ">a", "<a", "a.", "a..", "*a", "%a",  "?a", "a:a", "a_a",
               "aAz", "~a", "|a", "a0a", "a9", "/a", "a ", "#a",  "0a", "0 a", "'a", "(a",  "@a"},
              "IsRelaxedEnvVarName");
  ExpectInvalid(IsRelaxedEnvVarName,
                {"", "=", "a=", "1=a", "a=b", "#%=&&",
                 "\x01"
                 "abc",
                 "\xc2\x82"
                 "abc",
                 "\xc3\x87 \xc3\xa7"},
                "IsRelaxedEnvVarName");
  EXPECT_EQ(IsRelaxedEnvVarName(""),
            std::vector<std::string>{"environment variable name must be non-empty"});
  EXPECT_EQ(IsRelaxedEnvVarName("a=b"),
            std::vector<std::string>{"a valid environment variable name must consist only of "
                                     "printable ASCII characters other than '='"});
}

TEST(ValidationTest, PortsAndRanges) {
  for (int64_t p : {1, 2, 1000, 16384, 32768, 65535}) EXPECT_TRUE(IsValidPortNum(p).empty()) << p;
  for (int64_t p : {0, -1, 65536, 100000}) {
    EXPECT_EQ(IsValidPortNum(p),
              std::vector<std::string>{"must be between 1 and 65535, inclusive"});
  }
  EXPECT_TRUE(IsInRange(1, 0, 10).empty());
  EXPECT_TRUE(IsInRange(25, 10, 25).empty());
  EXPECT_EQ(IsInRange(5, -4, 2), std::vector<std::string>{"must be between -4 and 2, inclusive"});

  ExpectValid(IsValidPortName,
              {"telnet", "re-mail-ck", "pop3", "a", "a-1", "1-a", "a-1-b-2-c", "1-a-2-b-3"},
              "IsValidPortName");
  ExpectInvalid(IsValidPortName,
                {"longerthan15characters", "", std::string(16, 'a'), "12345", "1-2-3-4", "-begin",
                 "end-", "two--hyphens", "whois++"},
                "IsValidPortName");
  EXPECT_EQ(IsValidPortName("-Web--"),
            (std::vector<std::string>{
                "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                "must not contain consecutive hyphens", "must not begin or end with a hyphen"}));
  EXPECT_EQ(IsValidPortName("12345"),
            std::vector<std::string>{"must contain at least one letter (a-z)"});
  EXPECT_EQ(IsValidPortName("longerthan15characters"),
            std::vector<std::string>{"must be no more than 15 characters"});
}

TEST(ValidationTest, QualifiedName) {
  ExpectValid(IsQualifiedName,
              {"simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple",
               "now-with-dashes/simple", "now-with-dashes/now-with-dashes", "now.with.dots/simple",
               "now-with.dashes-and.dots/simple", "1-num.2-num/3-num", "1234/5678", "1.2.3.4/5678",
               "Uppercase_Is_OK_123", "example.com/Uppercase_Is_OK_123", "requests.storage-foo",
               std::string(63, 'a'), std::string(253, 'a') + "/" + std::string(63, 'b')},
              "IsQualifiedName");
  ExpectInvalid(IsQualifiedName,
                {"nospecialchars%^=@", "cantendwithadash-", "-cantstartwithadash-",
                 "only/one/slash", "Example.com/abc", "example_com/abc", "example.com/", "/simple",
                 std::string(64, 'a'), std::string(254, 'a') + "/abc"},
                "IsQualifiedName");
  EXPECT_EQ(IsQualifiedName("only/one/slash"),
            std::vector<std::string>{
                "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and "
                "must start and end with an alphanumeric character (e.g. 'MyName',  or "
                "'my.name',  or '123-abc', regex used for validation is "
                "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain "
                "prefix and '/' (e.g. 'example.com/MyName')"});
  EXPECT_EQ(IsQualifiedName("/simple"), std::vector<std::string>{"prefix part must be non-empty"});
  auto errs = IsQualifiedName("Example.com/-x");
  ASSERT_EQ(errs.size(), 2u);
  EXPECT_EQ(errs[0].substr(0, 39), "prefix part a lowercase RFC 1123 subdom");
  EXPECT_EQ(errs[1].substr(0, 25), "name part must consist of");
}

TEST(ValidationTest, LabelValues) {
  ExpectValid(IsValidLabelValue,
              {"simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234",
               std::string(63, 'a'), ""},
              "IsValidLabelValue");
  ExpectInvalid(IsValidLabelValue,
                {"nospecialchars%^=@", "Tama-nui-te-r\xc4\x81.is.M\xc4\x81ori.sun",
                 "\\backslashes\\are\\bad", "-starts-with-dash", "ends-with-dash-",
                 ".starts.with.dot", "ends.with.dot.", std::string(64, 'a')},
                "IsValidLabelValue");
  EXPECT_EQ(IsValidLabelValue(std::string(64, '-')).size(), 2u);  // too long and bad characters
}

TEST(ValidationTest, MiscFormats) {
  ExpectValid(IsHTTPHeaderName,
              {"Accept-Encoding", "Host", "If-Modified-Since", "X-Forwarded-For", "a", "-a", "a-",
               "--abc-123", "A", "A--1--2--B"},
              "IsHTTPHeaderName");
  ExpectInvalid(IsHTTPHeaderName,
                {"Host:", "X-Forwarded-For:", "X-@Home", "", "_", "a_", "a.b", " ", "a b", "#a#",
                 "^", ",", ";", "=", "<", "?", "@", "{"},
                "IsHTTPHeaderName");
  ExpectValid(IsValidPercent, {"0%", "00000%", "1%", "01%", "99%", "100%", "101%"},
              "IsValidPercent");
  ExpectInvalid(
      IsValidPercent,
      {"", "0", "100", "0.0%", "99.9%", "hundred", " 1%", "1% ", "-0%", "-1%", "+1%", "%"},
      "IsValidPercent");
  ExpectValid(IsConfigMapKey,
              {"a", "good", "good-good", "still.good", "this.is.also.good", ".so.is.this",
               "THIS_IS_GOOD", "so_is_this_17"},
              "IsConfigMapKey");
  ExpectInvalid(IsConfigMapKey, {".", "..", "..bad", "b*d", "bad!&bad", ""}, "IsConfigMapKey");
  EXPECT_EQ(IsConfigMapKey("b*d"),
            std::vector<std::string>{
                "a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
                "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
                "'[-._a-zA-Z0-9]+')"});
  EXPECT_EQ(IsConfigMapKey("."), std::vector<std::string>{"must not be '.'"});
  ExpectValid(IsWildcardDNS1123Subdomain, {"*.example.com", "*.bar.com", "*.foo.bar.com"},
              "IsWildcardDNS1123Subdomain");
  ExpectInvalid(IsWildcardDNS1123Subdomain,
                {"*.*.bar.com", "*.foo.*.com", "*bar.com", "f*.bar.com", "*"},
                "IsWildcardDNS1123Subdomain");
  EXPECT_EQ(IsValidPathSegmentName(".."), std::vector<std::string>{"may not be '..'"});
  EXPECT_EQ(IsValidPathSegmentName("a/b%c"),
            (std::vector<std::string>{"may not contain '/'", "may not contain '%'"}));
  EXPECT_TRUE(IsValidPathSegmentName("Foo").empty());
}

TEST(ValidationTest, NameFunctions) {
  EXPECT_TRUE(NameIsDNSSubdomain("web-", true).empty());  // generateName may end in '-'
  EXPECT_FALSE(NameIsDNSSubdomain("web-", false).empty());
  EXPECT_TRUE(NameIsDNSLabel("web-", true).empty());
  EXPECT_TRUE(NameIsDNS1035Label("web-", true).empty());
  EXPECT_FALSE(NameIsDNS1035Label("1web-", true).empty());
  EXPECT_TRUE(NameIsDNSSubdomain("-", true).size() == 1);  // a lone dash is not masked
  // Upstream masks by dropping two characters (sic): "a.-" validates as "aa".
  EXPECT_TRUE(NameIsDNSSubdomain("a.-", true).empty());
}

TEST(ValidationTest, GoQuote) {
  EXPECT_EQ(GoQuote("Foo"), "\"Foo\"");
  EXPECT_EQ(GoQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(GoQuote("tab\there\nnl"), "\"tab\\there\\nnl\"");
  EXPECT_EQ(GoQuote(std::string("\x01\x7f", 2)), "\"\\x01\\x7f\"");
  EXPECT_EQ(GoQuote("r\xc4\x81"), "\"r\xc4\x81\"");  // valid UTF-8 is kept
  EXPECT_EQ(GoQuote("\xff"), "\"\\xff\"");
  EXPECT_EQ(GoQuote("\xed\xa0\x80"), "\"\\xed\\xa0\\x80\"");  // a surrogate is not a rune
  EXPECT_EQ(GoQuote(""), "\"\"");
}

// --- IP addresses (upstream TestIsValidIP) ----------------------------------------------------

TEST(ValidationTest, IPAddresses) {
  struct Case {
    const char* in;
    const char* err;         // IsValidIP
    const char* legacy_err;  // IsValidIPForLegacyField(strict=false)
  };
  constexpr const char* kBad = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
  const Case cases[] = {
      {"1.2.3.4", "", ""},
      {"0.0.0.0", "", ""},
      {"255.255.255.255", "", ""},
      {"1234::abcd", "", ""},
      {"::", "", ""},
      {"::1", "", ""},
      {"2001:db8::1:0:0:1", "", ""},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "", ""},
      {"0:0:0:0:0:0:0:0", "must be in canonical form (\"::\")", ""},
      {"0001:002:03:4::", "must be in canonical form (\"1:2:3:4::\")", ""},
      {"1234::ABCD", "must be in canonical form (\"1234::abcd\")", ""},
      {"2001:db8:0:0:1:0:0:1", "must be in canonical form (\"2001:db8::1:0:0:1\")", ""},
      {"1:0:2::", "", ""},
      {"1::2:0:3", "", ""},
      {"1.1.1.01", "must not have leading 0s", ""},
      {"::ffff:1.1.1.1", "must not be an IPv4-mapped IPv6 address", ""},
      {"", kBad, kBad},
      {"aaaaaaa", kBad, kBad},
      {"myhost.mydomain", kBad, kBad},
      {"1.2.3.0/24", kBad, kBad},
      {"1.2.3.400", kBad, kBad},
      {"-1.0.0.0", kBad, kBad},
      {"2001:db8::10005", kBad, kBad},
      {"1.2.3.4:80", kBad, kBad},
      {"[2001:db8::1]", kBad, kBad},
      {"[2001:db8::1]:80", kBad, kBad},
      {"example.com:80", kBad, kBad},
      {"1234::abcd%eth0", kBad, kBad},
      {"169.254.0.0%eth0", kBad, kBad},
      {"1.2.3", kBad, kBad},
      {"1:2:3:4:5:6:7:8:9", kBad, kBad},
      {"1::2::3", kBad, kBad},
      {"1:2:3:4:5:6:7::8", kBad, kBad},
  };
  FieldPath path("spec.clusterIP");
  for (const auto& c : cases) {
    FieldErrors errs = IsValidIP(path, c.in);
    if (*c.err == 0) {
      EXPECT_TRUE(errs.empty()) << c.in << ": " << errs.ToString();
    } else {
      ASSERT_EQ(errs.size(), 1u) << c.in;
      EXPECT_EQ(errs.errors()[0].detail, c.err) << c.in;
      EXPECT_EQ(errs.errors()[0].field, "spec.clusterIP");
    }
    FieldErrors legacy = IsValidIPForLegacyField(path, c.in, false);
    if (*c.legacy_err == 0) {
      EXPECT_TRUE(legacy.empty()) << c.in << ": " << legacy.ToString();
    } else {
      ASSERT_EQ(legacy.size(), 1u) << c.in;
      EXPECT_EQ(legacy.errors()[0].detail, c.legacy_err) << c.in;
    }
  }
  EXPECT_EQ(IsValidIPForLegacyField(path, "1.1.1.01", true).ToString(),
            "spec.clusterIP: Invalid value: \"1.1.1.01\": must not have leading 0s");
  EXPECT_EQ(IsValidIP(path, "x").ToString(),
            std::string("spec.clusterIP: Invalid value: \"x\": ") + kBad);
}

// --- field errors ------------------------------------------------------------------------------

TEST(FieldErrorsTest, PathRendering) {
  EXPECT_EQ(FieldPath().String(), "<nil>");
  EXPECT_EQ(FieldPath().Child("key").String(), "key");
  EXPECT_EQ(FieldPath().Child("values").Index(0).Key("env").String(), "values[0][env]");
  EXPECT_EQ(FieldPath("spec").Child("containers").Index(0).Child("image").String(),
            "spec.containers[0].image");
  EXPECT_EQ(FieldPath("metadata").Child("labels").Key("app").String(), "metadata.labels[app]");
}

TEST(FieldErrorsTest, ErrorStrings) {
  FieldErrors errs;
  FieldPath p("spec");
  errs.Required(p.Child("containers"), "");
  errs.Required(p.Child("selector"), "must be specified");
  errs.Invalid(p.Child("replicas"), int64_t{-1}, "must be greater than or equal to 0");
  errs.Invalid(p.Child("hostNetwork"), true, "not allowed");
  errs.Invalid(p.Child("image"), "", "must not be empty");
  errs.NotSupported(p.Child("restartPolicy"), "Sometimes", {"Always", "OnFailure", "Never"});
  errs.NotSupported(p.Child("x"), "y", {});
  errs.Duplicate(p.Child("ports").Index(1).Child("name"), "http");
  errs.Forbidden(p.Child("nodeName"), "may not be set on create");
  errs.TooLong(FieldPath("metadata").Child("annotations"), 262144);
  errs.TooLong(p.Child("x"), -1);
  errs.TooMany(p.Child("items"), 5, 4);
  errs.TooMany(p.Child("items"), -1, 4);
  errs.NotFound(p.Child("volumes"), "data");
  errs.Internal(p, "oops");
  errs.InvalidRendered(p.Child("values"), RenderBadValue(std::vector<std::string>{"a", "b"}),
                       "bad");
  errs.InvalidRendered(p.Child("values"), RenderBadValue({}, /*is_nil=*/true), "bad");
  const char* want[] = {
      "spec.containers: Required value",
      "spec.selector: Required value: must be specified",
      "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
      "spec.hostNetwork: Invalid value: true: not allowed",
      "spec.image: Invalid value: \"\": must not be empty",
      "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", "
      "\"OnFailure\", \"Never\"",
      "spec.x: Unsupported value: \"y\"",
      "spec.ports[1].name: Duplicate value: \"http\"",
      "spec.nodeName: Forbidden: may not be set on create",
      "metadata.annotations: Too long: may not be more than 262144 bytes",
      "spec.x: Too long: value is too long",
      "spec.items: Too many: 5: must have at most 4 items",
      "spec.items: Too many: must have at most 4 items",
      "spec.volumes: Not found: \"data\"",
      "spec: Internal error: oops",
      "spec.values: Invalid value: []string{\"a\", \"b\"}: bad",
      "spec.values: Invalid value: []string(nil): bad",
  };
  ASSERT_EQ(errs.size(), std::size(want));
  for (size_t i = 0; i < errs.size(); ++i) EXPECT_EQ(errs.errors()[i].ToString(), want[i]);

  const std::string_view reasons[] = {
      "FieldValueRequired",     "FieldValueRequired",  "FieldValueInvalid",
      "FieldValueInvalid",      "FieldValueInvalid",   "FieldValueNotSupported",
      "FieldValueNotSupported", "FieldValueDuplicate", "FieldValueForbidden",
      "FieldValueTooLong",      "FieldValueTooLong",   "FieldValueTooMany",
      "FieldValueTooMany",      "FieldValueNotFound",  "InternalError",
      "FieldValueInvalid",      "FieldValueInvalid"};
  for (size_t i = 0; i < errs.size(); ++i) EXPECT_EQ(errs.errors()[i].Reason(), reasons[i]);
}

TEST(FieldErrorsTest, InvalidMessageAndCauses) {
  FieldErrors errs;
  errs.InvalidEach(FieldPath("metadata").Child("name"), "Foo", IsDNS1123Subdomain("Foo"));
  const std::string cause =
      "metadata.name: Invalid value: \"Foo\": a lowercase RFC 1123 subdomain must consist of "
      "lower case alphanumeric characters, '-' or '.', and must start and end with an "
      "alphanumeric character (e.g. 'example.com', regex used for validation is "
      "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  EXPECT_EQ(errs.ToString(), cause);
  EXPECT_EQ(errs.InvalidMessage("Pod", "Foo"), "Pod \"Foo\" is invalid: " + cause);

  errs.Required(FieldPath("spec").Child("containers"), "");
  EXPECT_EQ(errs.InvalidMessage("Deployment.apps", "Foo"),
            "Deployment.apps \"Foo\" is invalid: [" + cause + ", spec.containers: Required value]");
  Status st = errs.ToStatus("Pod", "Foo");
  EXPECT_EQ(st.code(), Code::kInvalid);
  EXPECT_EQ(st.message(), errs.InvalidMessage("Pod", "Foo"));

  J causes = errs.CausesJson();
  ASSERT_EQ(causes.size(), 2u);
  EXPECT_EQ(causes[0]["reason"], "FieldValueInvalid");
  EXPECT_EQ(causes[0]["field"], "metadata.name");
  EXPECT_EQ(causes[0]["message"], cause.substr(std::string("metadata.name: ").size()));
  EXPECT_EQ(
      causes[1].dump(),
      R"({"reason":"FieldValueRequired","message":"Required value","field":"spec.containers"})");

  // Identical messages are reported once; causes keep every error.
  FieldErrors dup;
  dup.Required(FieldPath("a"), "");
  dup.Required(FieldPath("a"), "");
  EXPECT_EQ(dup.ToString(), "a: Required value");
  EXPECT_EQ(dup.CausesJson().size(), 2u);
  dup.Required(FieldPath("b"), "");
  EXPECT_EQ(dup.ToString(), "[a: Required value, b: Required value]");

  EXPECT_EQ(FieldErrors().InvalidMessage("Pod", "x"), "Pod \"x\" is invalid");
}

// --- object-level validators -------------------------------------------------------------------

TEST(ObjectValidationTest, Labels) {
  FieldErrors errs;
  ValidateLabels(J::parse(R"({"app":"web","a b":"x","tier":"-bad"})"),
                 FieldPath("metadata").Child("labels"), &errs);
  ASSERT_EQ(errs.size(), 2u);
  EXPECT_EQ(errs.errors()[0].field, "metadata.labels");
  EXPECT_EQ(errs.errors()[0].bad_value, "\"a b\"");
  EXPECT_EQ(errs.errors()[1].bad_value, "\"-bad\"");
  FieldErrors none;
  ValidateLabels(J(), FieldPath("metadata").Child("labels"), &none);
  ValidateLabels(J::object(), FieldPath("metadata").Child("labels"), &none);
  EXPECT_TRUE(none.empty());
}

TEST(ObjectValidationTest, Annotations) {
  FieldErrors errs;
  // Keys are checked case-insensitively; values are free-form.
  ValidateAnnotations(J::parse(R"({"Example.com/Key":"any value at all","bad key":"x"})"),
                      FieldPath("metadata").Child("annotations"), &errs);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs.errors()[0].bad_value, "\"bad key\"");

  J big = J::object();
  big["a"] = std::string(kTotalAnnotationSizeLimitBytes - 1, 'x');  // exactly at the limit
  FieldErrors ok;
  ValidateAnnotations(big, FieldPath("metadata").Child("annotations"), &ok);
  EXPECT_TRUE(ok.empty());
  big["b"] = "";
  FieldErrors too_long;
  ValidateAnnotations(big, FieldPath("metadata").Child("annotations"), &too_long);
  EXPECT_EQ(too_long.ToString(),
            "metadata.annotations: Too long: may not be more than 262144 bytes");
}

TEST(ObjectValidationTest, LabelSelector) {
  FieldErrors errs;
  ValidateLabelSelector(J::parse(R"({
      "matchLabels": {"app": "web"},
      "matchExpressions": [
        {"key": "env", "operator": "In"},
        {"key": "tier", "operator": "Exists", "values": ["a"]},
        {"key": "x", "operator": "Foo"},
        {"key": "bad key", "operator": "NotIn", "values": ["ok", "not ok"]}
      ]})"),
                        FieldPath("spec").Child("selector"), &errs);
  std::vector<std::string> got;
  for (const auto& e : errs.errors()) got.push_back(e.ToString());
  EXPECT_EQ(got, (std::vector<std::string>{
                     "spec.selector.matchExpressions[0].values: Required value: must be specified "
                     "when `operator` is 'In' or 'NotIn'",
                     "spec.selector.matchExpressions[1].values: Forbidden: may not be specified "
                     "when `operator` is 'Exists' or 'DoesNotExist'",
                     "spec.selector.matchExpressions[2].operator: Invalid value: \"Foo\": not a "
                     "valid selector operator",
                     "spec.selector.matchExpressions[3].key: Invalid value: \"bad key\": name "
                     "part must consist of alphanumeric characters, '-', '_' or '.', and must "
                     "start and end with an alphanumeric character (e.g. 'MyName',  or "
                     "'my.name',  or '123-abc', regex used for validation is "
                     "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
                     "spec.selector.matchExpressions[3].values[1]: Invalid value: \"not ok\": a "
                     "valid label must be an empty string or consist of alphanumeric characters, "
                     "'-', '_' or '.', and must start and end with an alphanumeric character "
                     "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                     "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
                 }));
}

}  // namespace
}  // namespace sampan::api
