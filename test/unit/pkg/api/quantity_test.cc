#include "pkg/api/quantity.h"

#include <gtest/gtest.h>

#include <climits>
#include "pkg/api/json.h"
#include <string>
#include <vector>

namespace sampan::api {
namespace {

using F = QuantityFormat;

Quantity Q(std::string_view s) {
  auto q = Quantity::Parse(s);
  EXPECT_TRUE(q.ok()) << s << ": " << q.status().ToString();
  return q.ok() ? *q : Quantity();
}

constexpr const char* kFormatWrong =
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

// Upstream TestQuantityParse: value = mantissa * 10^scale, and the remembered format.
TEST(QuantityTest, ParseValuesAndFormats) {
  struct Case {
    const char* in;
    int64_t mantissa;
    int32_t scale;
    F format;
  };
  const Case cases[] = {
      {"0", 0, 0, F::kDecimalSI},
      {"0n", 0, 0, F::kDecimalSI},
      {"0u", 0, 0, F::kDecimalSI},
      {"0m", 0, 0, F::kDecimalSI},
      {"0Ki", 0, 0, F::kBinarySI},
      {"0k", 0, 0, F::kDecimalSI},
      {"0Mi", 0, 0, F::kBinarySI},
      {"0M", 0, 0, F::kDecimalSI},
      {"0Gi", 0, 0, F::kBinarySI},
      {"0G", 0, 0, F::kDecimalSI},
      {"0Ti", 0, 0, F::kBinarySI},
      {"0T", 0, 0, F::kDecimalSI},
      {"1", 1, 0, F::kDecimalSI},
      {"1Ki", 1024, 0, F::kBinarySI},
      {"8Ki", 8 * 1024, 0, F::kBinarySI},
      {"7Mi", 7 * 1024 * 1024, 0, F::kBinarySI},
      {"6Gi", 6LL << 30, 0, F::kBinarySI},
      {"5Ti", 5LL << 40, 0, F::kBinarySI},
      {"4Pi", 4LL << 50, 0, F::kBinarySI},
      {"3Ei", 3LL << 60, 0, F::kBinarySI},
      {"10Ti", 10LL << 40, 0, F::kBinarySI},
      {"100Ti", 100LL << 40, 0, F::kBinarySI},
      {"5n", 5, -9, F::kDecimalSI},
      {"4u", 4, -6, F::kDecimalSI},
      {"3m", 3, -3, F::kDecimalSI},
      {"9", 9, 0, F::kDecimalSI},
      {"8k", 8, 3, F::kDecimalSI},
      {"50k", 5, 4, F::kDecimalSI},
      {"7M", 7, 6, F::kDecimalSI},
      {"6G", 6, 9, F::kDecimalSI},
      {"5T", 5, 12, F::kDecimalSI},
      {"40T", 4, 13, F::kDecimalSI},
      {"300T", 3, 14, F::kDecimalSI},
      {"2P", 2, 15, F::kDecimalSI},
      {"1E", 1, 18, F::kDecimalSI},
      {"1E-3", 1, -3, F::kDecimalExponent},
      {"1e3", 1, 3, F::kDecimalExponent},
      {"1E6", 1, 6, F::kDecimalExponent},
      {"1e9", 1, 9, F::kDecimalExponent},
      {"1E12", 1, 12, F::kDecimalExponent},
      {"1e15", 1, 15, F::kDecimalExponent},
      {"1E18", 1, 18, F::kDecimalExponent},
      {"1e14", 1, 14, F::kDecimalExponent},
      {"1e13", 1, 13, F::kDecimalExponent},
      {"100.035k", 100035, 0, F::kDecimalSI},
      {"0.001", 1, -3, F::kDecimalSI},
      {"0.0005k", 5, -1, F::kDecimalSI},
      {"0.005", 5, -3, F::kDecimalSI},
      {"0.05", 5, -2, F::kDecimalSI},
      {"0.5", 5, -1, F::kDecimalSI},
      {"0.00050k", 5, -1, F::kDecimalSI},
      {"0.00500", 5, -3, F::kDecimalSI},
      {"0.05000", 5, -2, F::kDecimalSI},
      {"0.50000", 5, -1, F::kDecimalSI},
      {"0.5e0", 5, -1, F::kDecimalExponent},
      {"0.5e-1", 5, -2, F::kDecimalExponent},
      {"0.5e-2", 5, -3, F::kDecimalExponent},
      {"10.035M", 10035, 3, F::kDecimalSI},
      {"1.2e3", 12, 2, F::kDecimalExponent},
      {"1.3E+6", 13, 5, F::kDecimalExponent},
      {"1.40e9", 14, 8, F::kDecimalExponent},
      {"1.53E12", 153, 10, F::kDecimalExponent},
      {"1.6e15", 16, 14, F::kDecimalExponent},
      {"1.7E18", 17, 17, F::kDecimalExponent},
      {"9.01", 901, -2, F::kDecimalSI},
      {"8.1k", 81, 2, F::kDecimalSI},
      {"7.123456M", 7123456, 0, F::kDecimalSI},
      {"6.987654321G", 6987654321, 0, F::kDecimalSI},
      {"5.444T", 5444, 9, F::kDecimalSI},
      {"40.1T", 401, 11, F::kDecimalSI},
      {"300.2T", 3002, 11, F::kDecimalSI},
      {"2.5P", 25, 14, F::kDecimalSI},
      {"1.01E", 101, 16, F::kDecimalSI},
      // Things that saturate or round up to the nano scale.
      {"3.001n", 4, -9, F::kDecimalSI},
      {"1.1E-9", 2, -9, F::kDecimalExponent},
      {"0.0000000001", 1, -9, F::kDecimalSI},
      {"0.0000000005", 1, -9, F::kDecimalSI},
      {"0.00000000050", 1, -9, F::kDecimalSI},
      {"0.5e-9", 1, -9, F::kDecimalExponent},
      {"0.9n", 1, -9, F::kDecimalSI},
      {"0.00000012345", 124, -9, F::kDecimalSI},
      {"0.00000012354", 124, -9, F::kDecimalSI},
      {"9Ei", INT64_MAX, 0, F::kBinarySI},
      {"9223372036854775807Ki", INT64_MAX, 0, F::kBinarySI},
      {"12E", 12, 18, F::kDecimalSI},
      // Fractional binary values.
      {"100.035Ki", 10243584, -2, F::kBinarySI},
      {"0.5Mi", 512 * 1024, 0, F::kBinarySI},
      {"0.05Gi", 536870912, -1, F::kBinarySI},
      {"0.025Ti", 274877906944, -1, F::kBinarySI},
      // "Things written by trolls".
      {"0.000000000001Ki", 2, -9, F::kDecimalSI},  // rounds up, changes format
      {".001", 1, -3, F::kDecimalSI},
      {".0001k", 100, -3, F::kDecimalSI},
      {"1.", 1, 0, F::kDecimalSI},
      {"1.G", 1, 9, F::kDecimalSI},
  };
  for (const auto& c : cases) {
    for (std::string prefix : {"", "+", "-"}) {
      std::string in = prefix + c.in;
      auto q = Quantity::Parse(in);
      ASSERT_TRUE(q.ok()) << in << ": " << q.status().ToString();
      Quantity want = Quantity::FromScaled(c.mantissa, c.scale);
      if (prefix == "-") want.Neg();
      EXPECT_EQ(q->Cmp(want), 0) << in << " = " << q->ToString() << ", want " << want.ToString();
      EXPECT_EQ(q->format(), c.format) << in;
    }
  }
}

TEST(QuantityTest, ParseErrors) {
  struct Case {
    const char* in;
    const char* error;
  };
  const Case cases[] = {
      {"", kFormatWrong},
      {"1.1.M", kFormatWrong},
      {"1+1.0M", kFormatWrong},
      {"0.1mi", "unable to parse quantity's suffix"},
      {"0.1am", kFormatWrong},
      {"aoeu", kFormatWrong},
      {".5i", "unable to parse quantity's suffix"},
      {"1i", "unable to parse quantity's suffix"},
      {"-3.01i", "unable to parse quantity's suffix"},
      {"-3.01e-", "unable to parse quantity's suffix"},
      {"1ee5", "unable to parse quantity's suffix"},
      {"1e99999999999999999999", "unable to parse quantity's suffix"},
      {" 1", kFormatWrong},  // no whitespace in Parse (JSON strings are trimmed)
      {"1 ", kFormatWrong},
      {"1Gi ", kFormatWrong},
      {"abc", kFormatWrong},
      {"1KiB", kFormatWrong},
      {"e-10", "unable to parse numeric part of quantity"},  // off upstream's fast path
      {"-.e-10", "unable to parse numeric part of quantity"},
      {"Pi", "unable to parse numeric part of quantity"},
  };
  for (const auto& c : cases) {
    auto q = Quantity::Parse(c.in);
    ASSERT_FALSE(q.ok()) << c.in << " parsed as " << q->ToString();
    EXPECT_EQ(q.status().code(), Code::kBadRequest);
    EXPECT_EQ(q.status().message(), c.error) << c.in;
  }
}

TEST(QuantityTest, UpstreamQuirksParseAsZero) {
  // Upstream's scanner accepts these on its fast path; they are zero.
  for (const char* in : {"-", "+", ".", "-.", "m", "Ki", "00", "-0", "0.0"}) {
    auto q = Quantity::Parse(in);
    ASSERT_TRUE(q.ok()) << in;
    EXPECT_TRUE(q->IsZero()) << in;
  }
  EXPECT_EQ(Q("00").ToString(), "0");
  EXPECT_EQ(Q("-0").ToString(), "0");
}

// Upstream TestQuantityString: canonical output, and an alternate spelling that parses to it.
TEST(QuantityTest, CanonicalString) {
  struct Case {
    int64_t mantissa;
    int32_t scale;
    F format;
    const char* expect;
    const char* alternate;
  };
  const Case cases[] = {
      {1LL << 30, 0, F::kBinarySI, "1Gi", "1024Mi"},
      {300LL << 20, 0, F::kBinarySI, "300Mi", "307200Ki"},
      {6 * 1024, 0, F::kBinarySI, "6Ki", ""},
      {1001LL << 30, 0, F::kBinarySI, "1001Gi", "1025024Mi"},
      {1LL << 40, 0, F::kBinarySI, "1Ti", "1024Gi"},
      {5, 0, F::kBinarySI, "5", "5000m"},
      {500, -3, F::kBinarySI, "500m", "0.5"},
      {1, 9, F::kDecimalSI, "1G", "1000M"},
      {1000, 6, F::kDecimalSI, "1G", "0.001T"},
      {1000000, 3, F::kDecimalSI, "1G", ""},
      {1000000000, 0, F::kDecimalSI, "1G", ""},
      {1, -3, F::kDecimalSI, "1m", "1000u"},
      {80, -3, F::kDecimalSI, "80m", ""},
      {1080, -3, F::kDecimalSI, "1080m", "1.08"},
      {108, -2, F::kDecimalSI, "1080m", "1080000000n"},
      {10800, -4, F::kDecimalSI, "1080m", ""},
      {300, 6, F::kDecimalSI, "300M", ""},
      {1, 12, F::kDecimalSI, "1T", ""},
      {1234567, 6, F::kDecimalSI, "1234567M", ""},
      {1234567, -3, F::kBinarySI, "1234567m", ""},
      {3, 3, F::kDecimalSI, "3k", ""},
      {1025, 0, F::kBinarySI, "1025", ""},
      {0, 0, F::kDecimalSI, "0", ""},
      {0, 0, F::kBinarySI, "0", ""},
      {1, 9, F::kDecimalExponent, "1e9", ".001e12"},
      {1, -3, F::kDecimalExponent, "1e-3", "0.001e0"},
      {1, -9, F::kDecimalExponent, "1e-9", "1000e-12"},
      {80, -3, F::kDecimalExponent, "80e-3", ""},
      {300, 6, F::kDecimalExponent, "300e6", ""},
      {1, 12, F::kDecimalExponent, "1e12", ""},
      {1, 3, F::kDecimalExponent, "1e3", ""},
      {3, 3, F::kDecimalExponent, "3e3", ""},
      {3, 3, F::kDecimalSI, "3k", ""},
      {0, 0, F::kDecimalExponent, "0", "00"},
      {1, -9, F::kDecimalSI, "1n", ""},
      {80, -9, F::kDecimalSI, "80n", ""},
      {1080, -9, F::kDecimalSI, "1080n", ""},
      {108, -8, F::kDecimalSI, "1080n", ""},
      {10800, -10, F::kDecimalSI, "1080n", ""},
      {1, -6, F::kDecimalSI, "1u", ""},
      {80, -6, F::kDecimalSI, "80u", ""},
      {1080, -6, F::kDecimalSI, "1080u", ""},
  };
  for (const auto& c : cases) {
    Quantity q = Quantity::FromScaled(c.mantissa, c.scale);
    q.set_format(c.format);
    EXPECT_EQ(q.ToString(), c.expect);
    EXPECT_EQ(Q(c.expect).ToString(), c.expect);
    if (*c.alternate) {
      EXPECT_EQ(Q(c.alternate).ToString(), c.expect) << c.alternate;
    }
    if (!q.IsZero()) {
      q.Neg();
      EXPECT_EQ(q.ToString(), std::string("-") + c.expect);
    }
  }
}

// Upstream TestQuantityParseEmit plus everyday values from manifests.
TEST(QuantityTest, ParseThenEmit) {
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {"1Ki", "1Ki"},
      {"1Mi", "1Mi"},
      {"1Gi", "1Gi"},
      {"1024Mi", "1Gi"},
      {"1000M", "1G"},
      {".001Ki", "1024m"},
      {".000001Ki", "1024u"},
      {".000000001Ki", "1024n"},
      {".000000000001Ki", "2n"},
      {"100m", "100m"},
      {"0.5", "500m"},
      {"0.1", "100m"},
      {"1000m", "1"},
      {"1500m", "1500m"},
      {"1.5", "1500m"},
      {"2000m", "2"},
      {"1.5Gi", "1536Mi"},
      {"128Mi", "128Mi"},
      {"500Ki", "500Ki"},
      {"2k", "2k"},
      {"2000", "2k"},
      {"1M", "1M"},
      {"0.5Ki", "512"},
      {"1.1Ki", "1126400m"},
      {"1e14", "100e12"},
      {"1e18", "1e18"},
      {"1e21", "1e21"},
      {"12345678901234567890", "12345678901234567890"},
      {"123456789012345678901234567890", "123456789012345678901234567890"},
      {"7Ei", "7Ei"},
      {"8Ei", "9223372036854775807"},  // 2^63 is capped at int64
      {"9Ei", "9223372036854775807"},  // capped at int64, not a multiple of 1024
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Q(c.in).ToString(), c.out) << c.in;
    Quantity neg = Q(std::string("-") + c.in);
    EXPECT_EQ(neg.ToString(), std::string("-") + c.out) << "-" << c.in;
  }
}

TEST(QuantityTest, KeepsParsedTextWhenUpstreamDoes) {
  // Upstream remembers the input when it looks canonical and prints it back verbatim.
  EXPECT_EQ(Q("+1").ToString(), "+1");
  EXPECT_EQ(Q("01").ToString(), "01");
  EXPECT_EQ(Q("1E3").ToString(), "1E3");
  EXPECT_EQ(Q("1.500").ToString(), "1.500");
  EXPECT_EQ(Q("+1Ki").ToString(), "+1Ki");
  // ... but not after arithmetic.
  Quantity q = Q("+1");
  q.Add(Q("1"));
  EXPECT_EQ(q.ToString(), "2");
}

TEST(QuantityTest, UpstreamSuffixTableGaps) {
  // Upstream has no DecimalSI suffix beyond E and prints the bare mantissa (sic).
  EXPECT_EQ(Q("1000E").ToString(), "1");
  EXPECT_EQ(Quantity::FromScaled(1, -10).ToString(), "100");
}

TEST(QuantityTest, ValueAndMilliValue) {
  struct Case {
    const char* in;
    int64_t value;
    int64_t milli;
  };
  const Case cases[] = {
      {"0", 0, 0},
      {"100m", 1, 100},
      {"1", 1, 1000},
      {"1.5", 2, 1500},
      {"-1.5", -2, -1500},
      {"1001m", 2, 1001},
      {"1n", 1, 1},
      {"-1n", -1, -1},
      {"1Ki", 1024, 1024000},
      {"128Mi", 134217728, 134217728000},
      {"1e18", 1000000000000000000, INT64_MAX},  // milli value saturates
      {"9223372036854775807", INT64_MAX, INT64_MAX},
      {"1e19", INT64_MAX, INT64_MAX},
      {"-1e19", INT64_MIN, INT64_MIN},
      {"9Ei", INT64_MAX, INT64_MAX},
  };
  for (const auto& c : cases) {
    Quantity q = Q(c.in);
    EXPECT_EQ(q.Value(), c.value) << c.in;
    EXPECT_EQ(q.MilliValue(), c.milli) << c.in;
  }
  EXPECT_FALSE(Q("1e19").TryScaledValue(0).has_value());
  EXPECT_FALSE(Q("1e18").TryScaledValue(-3).has_value());
  EXPECT_EQ(*Q("-9223372036854775808").TryScaledValue(0), INT64_MIN);
}

TEST(QuantityTest, ScaledValueRoundsUp) {
  // Upstream TestScaledValue: NewScaledQuantity(1, from).ScaledValue(to).
  struct Case {
    int32_t from, to;
    int64_t expected;
  };
  const Case cases[] = {
      {-9, -9, 1}, {-9, -6, 1},    {-9, -3, 1},         {-9, 0, 1},        {-6, -9, 1000},
      {-6, -6, 1}, {-6, -3, 1},    {-6, 0, 1},          {-3, -9, 1000000}, {-3, -6, 1000},
      {-3, -3, 1}, {-3, 0, 1},     {0, -9, 1000000000}, {0, -6, 1000000},  {0, -3, 1000},
      {0, 0, 1},   {2, -2, 10000},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Quantity::FromScaled(1, c.from).ScaledValue(c.to), c.expected)
        << c.from << " -> " << c.to;
  }
}

TEST(QuantityTest, AsInt64) {
  EXPECT_EQ(*Q("1k").AsInt64(), 1000);
  EXPECT_EQ(*Q("-5").AsInt64(), -5);
  EXPECT_FALSE(Q("1.5").AsInt64().has_value());
  EXPECT_FALSE(Q("1e19").AsInt64().has_value());
  EXPECT_DOUBLE_EQ(Q("1.5Gi").AsApproximateDouble(), 1610612736.0);
  EXPECT_DOUBLE_EQ(Q("-250m").AsApproximateDouble(), -0.25);
}

TEST(QuantityTest, RoundUp) {
  // Upstream TestQuantityRoundUp.
  struct Case {
    const char* in;
    int32_t scale;
    int64_t mantissa;
    int32_t exp;
    bool exact;
  };
  const Case cases[] = {
      {"9.01", -3, 901, -2, true},   {"9.01", -2, 901, -2, true},   {"9.01", -1, 91, -1, false},
      {"9.01", 0, 10, 0, false},     {"9.01", 1, 10, 0, false},     {"9.01", 2, 100, 0, false},
      {"-9.01", -3, -901, -2, true}, {"-9.01", -2, -901, -2, true}, {"-9.01", -1, -91, -1, false},
      {"-9.01", 0, -10, 0, false},   {"-9.01", 1, -10, 0, false},   {"-9.01", 2, -100, 0, false},
  };
  for (const auto& c : cases) {
    Quantity q = Q(c.in);
    EXPECT_EQ(q.RoundUp(c.scale), c.exact) << c.in << " " << c.scale;
    EXPECT_EQ(q.Cmp(Quantity::FromScaled(c.mantissa, c.exp)), 0) << c.in << " " << c.scale;
  }
}

TEST(QuantityTest, Compare) {
  struct Case {
    const char* a;
    const char* b;
    int cmp;
  };
  const Case cases[] = {
      {"0", "0", 0},
      {"100m", "50m", 1},
      {"50m", "100m", -1},
      {"10000T", "100Gi", 1},
      {"1Ki", "1024", 0},
      {"1k", "1Ki", -1},
      {"-1", "1", -1},
      {"-2", "-1", -1},
      {"0", "-1n", 1},
      {"1e3", "1k", 0},
      {"1.5Gi", "1536Mi", 0},
      {"999m", "1", -1},
      {"123456789012345678901234567890", "123456789012345678901234567891", -1},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Q(c.a).Cmp(Q(c.b)), c.cmp) << c.a << " vs " << c.b;
    EXPECT_EQ(Q(c.b).Cmp(Q(c.a)), -c.cmp) << c.b << " vs " << c.a;
  }
  EXPECT_TRUE(Q("1Ki") == Q("1024"));
  EXPECT_TRUE(Q("100m") < Q("1"));
  EXPECT_TRUE(Q("2") >= Q("2000m"));
  EXPECT_EQ(Q("5").CmpInt64(5), 0);
  EXPECT_EQ(Q("5001m").CmpInt64(5), 1);
}

TEST(QuantityTest, AddSubNegMul) {
  Quantity q = Q("1Gi");
  q.Add(Q("512Mi"));
  EXPECT_EQ(q.ToString(), "1536Mi");

  q = Q("100m");
  q.Add(Q("900m"));
  EXPECT_EQ(q.ToString(), "1");

  q = Q("1");
  q.Sub(Q("1500m"));
  EXPECT_EQ(q.ToString(), "-500m");

  q = Q("10");
  q.Sub(Q("1Ki"));  // the receiver's format wins when it is non-zero
  EXPECT_EQ(q.ToString(), "-1014");

  q = Q("3");
  q.Sub(Q("3"));
  EXPECT_TRUE(q.IsZero());
  EXPECT_EQ(q.ToString(), "0");

  q = Q("250m");
  q.Mul(4);
  EXPECT_EQ(q.ToString(), "1");
  q.Mul(-3);
  EXPECT_EQ(q.ToString(), "-3");
  q.Neg();
  EXPECT_EQ(q.ToString(), "3");
  q.Mul(0);
  EXPECT_TRUE(q.IsZero());

  // Exact beyond int64.
  q = Q("9223372036854775807");
  q.Add(Q("1"));
  EXPECT_EQ(q.ToString(), "9223372036854775808");
  q.Mul(1000);
  EXPECT_EQ(q.ToString(), "9223372036854775808k");
  q.Sub(Q("9223372036854775808k"));
  EXPECT_TRUE(q.IsZero());
}

TEST(QuantityTest, AddOrSubZeroPreservesFormat) {
  // Upstream TestQuantityAddZeroPreservesSuffix / SubZeroPreservesSuffix.
  for (const char* v : {"100m", "1Gi"}) {
    Quantity a = Q(v);
    a.Add(Q("0"));
    EXPECT_EQ(a.ToString(), v);
    Quantity b = Q("0");
    b.Add(Q(v));
    EXPECT_EQ(b.ToString(), v);
    Quantity c = Q(v);
    c.Sub(Q("0"));
    EXPECT_EQ(c.ToString(), v);
    Quantity d = Q("0");
    d.Sub(Q(v));
    EXPECT_EQ(d.ToString(), std::string("-") + v);
  }
}

TEST(QuantityTest, AddSubRoundTripAcrossScales) {
  Quantity sum;
  std::vector<Quantity> parts;
  uint64_t x = 88172645463325252ULL;
  for (int i = 0; i < 100; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift: deterministic "random" values
    auto v = static_cast<int64_t>(x >> 1);
    parts.push_back(Quantity::FromScaled(v, static_cast<int32_t>(v % 20 - 10)));
    sum.Add(parts.back());
  }
  for (const auto& p : parts) sum.Sub(p);
  EXPECT_TRUE(sum.IsZero()) << sum.ToString();
}

TEST(QuantityTest, Constructors) {
  // Upstream TestNewSet, TestMilliNewSet, TestNewScaledSet.
  EXPECT_EQ(Quantity::FromInt64(1).ToString(), "1");
  EXPECT_EQ(Quantity::FromInt64(1000).ToString(), "1k");
  EXPECT_EQ(Quantity::FromInt64(1234000).ToString(), "1234k");
  EXPECT_EQ(Quantity::FromInt64(1024, F::kBinarySI).ToString(), "1Ki");
  EXPECT_EQ(Quantity::FromInt64(1000000, F::kDecimalExponent).ToString(), "1e6");
  EXPECT_EQ(Quantity::FromInt64(1024 * 1024, F::kBinarySI).ToString(), "1Mi");
  EXPECT_EQ(Quantity::FromInt64(INT64_MIN).ToString(), "-9223372036854775808");
  EXPECT_EQ(Quantity::FromMilli(1).ToString(), "1m");
  EXPECT_EQ(Quantity::FromMilli(1000).ToString(), "1");
  EXPECT_EQ(Quantity::FromMilli(1234000).ToString(), "1234");
  EXPECT_EQ(Quantity::FromMilli(1024, F::kBinarySI).ToString(), "1024m");
  EXPECT_EQ(Quantity::FromMilli(1000000, F::kDecimalExponent).ToString(), "1e3");
  EXPECT_EQ(Quantity::FromMilli(1024 * 1024, F::kBinarySI).ToString(), "1048576m");
  EXPECT_EQ(Quantity::FromScaled(1, -9).ToString(), "1n");
  EXPECT_EQ(Quantity::FromScaled(1000, -9).ToString(), "1u");
  EXPECT_EQ(Quantity::FromScaled(1000, -6).ToString(), "1m");
  EXPECT_EQ(Quantity::FromScaled(1000, -3).ToString(), "1");
  EXPECT_EQ(Quantity::FromScaled(0, -9).ToString(), "0");
  EXPECT_EQ(Quantity().ToString(), "0");
}

TEST(QuantityTest, FromJson) {
  using J = sampan::api::Json;
  struct Case {
    J in;
    const char* out;
  };
  const Case cases[] = {
      {J(" 1"), "1"},    {J("1 "), "1"},      {J(1), "1"},      {J(10), "10"},
      {J(-1), "-1"},     {J("100m"), "100m"}, {J(0.5), "500m"}, {J(nullptr), "0"},
      {J("1Gi"), "1Gi"}, {J(2.5), "2500m"},
  };
  for (const auto& c : cases) {
    auto q = Quantity::FromJson(c.in);
    ASSERT_TRUE(q.ok()) << c.in.dump() << ": " << q.status().ToString();
    EXPECT_EQ(q->ToString(), c.out) << c.in.dump();
  }
  for (const J& bad : {J(true), J("abc"), J::object(), J::array(), J("")}) {
    auto q = Quantity::FromJson(bad);
    ASSERT_FALSE(q.ok()) << bad.dump();
    EXPECT_EQ(q.status().message(), kFormatWrong);
  }
}

TEST(QuantityTest, RejectsAbsurdMagnitudes) {
  // Exact sums of such numbers would need gigabytes; upstream would try.
  EXPECT_FALSE(Quantity::Parse("1e2000000000").ok());
  EXPECT_TRUE(Quantity::Parse("1e4000").ok());
  EXPECT_EQ(Q("1e-2000000000").ToString(), "1e-9");  // rounds up to the smallest unit
  EXPECT_EQ(Q("0.0000000000000000000001").ToString(), "1n");
  EXPECT_TRUE(Q("0e2000000000").IsZero());
}

}  // namespace
}  // namespace sampan::api
