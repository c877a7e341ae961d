// The server's HTTP wire pieces: response heads, header lookup, Date, percent-decoding.

#include "pkg/util/http_wire.h"

#include <gtest/gtest.h>

#include <regex>

namespace sampan::http {
namespace {

TEST(HttpWireTest, ResponseHeadHasStatusLineHeadersAndBlankLine) {
  Headers h;
  h.Add("Content-Type", "application/json");
  h.Add("Content-Length", "2");
  std::string out = "earlier";
  AppendResponseHead(404, h, &out);
  EXPECT_EQ(out,
            "earlierHTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
            "Content-Length: 2\r\n\r\n");
  out.clear();
  AppendResponseHead(299, Headers(), &out);
  EXPECT_EQ(out, "HTTP/1.1 299 Unknown\r\n\r\n");
}

TEST(HttpWireTest, ResponseHeadDropsHeadersThatWouldSplitTheResponse) {
  Headers h;
  h.Add("X-Ok", "fine");
  h.Add("X-Value", "a\r\nSet-Cookie: evil=1");
  h.Add("X-Name\n", "v");
  h.Add("X-Nul", std::string("a\0b", 3));
  h.Add("", "no name");
  std::string out;
  AppendResponseHead(200, h, &out);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nX-Ok: fine\r\n\r\n");
}

TEST(HttpWireTest, HeaderNamesMatchWithoutRegardToCase) {
  Headers h;
  h.Add("Content-Type", "text/plain");
  h.Add("X-1", "one");
  EXPECT_EQ(h.Get("content-type"), "text/plain");
  EXPECT_EQ(h.Get("CONTENT-TYPE"), "text/plain");
  EXPECT_TRUE(h.Has("x-1"));
  EXPECT_FALSE(h.Has("Content-Typ"));  // a prefix is another name
  EXPECT_FALSE(h.Has("Content-Types"));
  EXPECT_FALSE(h.Has("X-\x11"));  // '1' and 0x11 differ by the case bit, but are not letters
  h.Remove("CONTENT-type");
  EXPECT_FALSE(h.Has("Content-Type"));
  EXPECT_EQ(h.Get("X-1"), "one");
}

TEST(HttpWireTest, DateIsAnImfFixdate) {
  std::string date = HttpDate();
  EXPECT_TRUE(std::regex_match(
      date, std::regex("(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] "
                       "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
                       "[0-2][0-9]:[0-5][0-9]:[0-6][0-9] GMT")))
      << date;
}

TEST(HttpWireTest, PercentDecodingOfPaths) {
  std::string out = "stale";
  EXPECT_TRUE(PercentDecode("/api/v1/pods", &out));
  EXPECT_EQ(out, "/api/v1/pods");
  EXPECT_TRUE(PercentDecode("/a%20b%2Fc+d", &out));
  EXPECT_EQ(out, "/a b/c+d");
  EXPECT_FALSE(PercentDecode("/bad%2", &out));
  EXPECT_FALSE(PercentDecode("/bad%zz", &out));
}

}  // namespace
}  // namespace sampan::http
