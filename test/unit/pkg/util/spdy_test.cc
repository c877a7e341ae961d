#include "pkg/util/spdy.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace sampan::spdy {
namespace {

// Parses everything in `bytes`, expecting whole frames only.
std::vector<Frame> ParseAll(FrameParser& parser, std::string_view bytes) {
  parser.Feed(bytes);
  std::vector<Frame> frames;
  while (true) {
    Result<std::optional<Frame>> next = parser.Next();
    EXPECT_TRUE(next.ok()) << next.status().message();
    if (!next.ok() || !next->has_value()) break;
    frames.push_back(std::move(**next));
  }
  return frames;
}

// A SYN_REPLY frame of stream 1 whose header block is `plain` deflated with `dictionary`
// (the parser knows only the SPDY one).
std::string SynReplyDeflatedWith(std::string_view dictionary, std::string plain) {
  z_stream z{};
  EXPECT_EQ(deflateInit(&z, Z_DEFAULT_COMPRESSION), Z_OK);
  deflateSetDictionary(&z, reinterpret_cast<const Bytef*>(dictionary.data()),
                       static_cast<uInt>(dictionary.size()));
  char out[256];
  z.next_in = reinterpret_cast<Bytef*>(plain.data());
  z.avail_in = static_cast<uInt>(plain.size());
  z.next_out = reinterpret_cast<Bytef*>(out);
  z.avail_out = sizeof out;
  EXPECT_EQ(deflate(&z, Z_SYNC_FLUSH), Z_OK);
  std::string block(out, sizeof out - z.avail_out);
  deflateEnd(&z);
  std::string payload("\x00\x00\x00\x01", 4);
  payload += block;
  std::string frame("\x80\x03\x00\x02\x00\x00\x00", 7);
  frame.push_back(static_cast<char>(payload.size()));
  return frame + payload;
}

TEST(SpdyDictionary, HasTheSpecSizeAndEnds) {
  std::string_view d = HeaderDictionary();
  EXPECT_EQ(d.size(), 1423u);
  EXPECT_EQ(d.substr(0, 11), std::string_view("\0\0\0\x07options", 11));
  EXPECT_TRUE(d.ends_with(",*,enq=0."));
}

TEST(SpdyFrames, SynStreamRoundTripsHeadersThroughOneCompressionContext) {
  FrameWriter writer;
  FrameParser parser;
  HeaderBlock h1 = {{"streamType", "error"}, {"port", "8080"}, {"requestid", "0"}};
  HeaderBlock h2 = {{"streamtype", "data"}, {"port", "8080"}, {"requestid", "0"}};
  // One statement per frame: the compression context makes their order matter.
  std::string bytes = writer.SynStream(1, h1, false, 0, 2);
  bytes += writer.SynStream(3, h2, true);
  std::vector<Frame> frames = ParseAll(parser, bytes);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].type, FrameType::kSynStream);
  EXPECT_EQ(frames[0].stream_id, 1u);
  EXPECT_EQ(frames[0].priority, 2);
  EXPECT_FALSE(frames[0].fin());
  // Names go out lowercase; lookups ignore case.
  EXPECT_EQ(frames[0].headers[0].first, "streamtype");
  EXPECT_EQ(HeaderValue(frames[0].headers, "StreamType"), "error");
  EXPECT_EQ(HeaderValue(frames[1].headers, "streamtype"), "data");
  EXPECT_EQ(HeaderValue(frames[1].headers, "requestID"), "0");
  EXPECT_EQ(HeaderValue(frames[1].headers, "missing"), "");
  EXPECT_TRUE(frames[1].fin());
}

TEST(SpdyFrames, EveryControlFrameRoundTrips) {
  FrameWriter writer;
  FrameParser parser;
  std::string bytes = writer.SynReply(5, {});
  bytes += writer.Headers(5, {{"a", "b"}}, true);
  bytes += writer.RstStream(7, kRstCancel) + writer.Ping(9) + writer.GoAway(11, 0) +
           writer.WindowUpdate(5, 1000) + writer.EmptySettings();
  std::vector<Frame> f = ParseAll(parser, bytes);
  ASSERT_EQ(f.size(), 7u);
  EXPECT_EQ(f[0].type, FrameType::kSynReply);
  EXPECT_EQ(f[0].stream_id, 5u);
  EXPECT_TRUE(f[0].headers.empty());
  EXPECT_EQ(f[1].type, FrameType::kHeaders);
  EXPECT_TRUE(f[1].fin());
  EXPECT_EQ(HeaderValue(f[1].headers, "a"), "b");
  EXPECT_EQ(f[2].type, FrameType::kRstStream);
  EXPECT_EQ(f[2].stream_id, 7u);
  EXPECT_EQ(f[2].value, kRstCancel);
  EXPECT_EQ(f[3].type, FrameType::kPing);
  EXPECT_EQ(f[3].value, 9u);
  EXPECT_EQ(f[4].type, FrameType::kGoAway);
  EXPECT_EQ(f[4].stream_id, 11u);
  EXPECT_EQ(f[5].type, FrameType::kWindowUpdate);
  EXPECT_EQ(f[5].value, 1000u);
  EXPECT_EQ(f[6].type, FrameType::kSettings);
}

TEST(SpdyFrames, DataFramesCarryPayloadAndFin) {
  FrameWriter writer;
  FrameParser parser;
  std::string big(100000, 'x');
  std::vector<Frame> f = ParseAll(
      parser, writer.Data(3, "hello") + writer.Data(3, big, true) + writer.Data(3, "", true));
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].type, FrameType::kData);
  EXPECT_EQ(f[0].stream_id, 3u);
  EXPECT_EQ(f[0].data, "hello");
  EXPECT_FALSE(f[0].fin());
  EXPECT_EQ(f[1].data, big);
  EXPECT_TRUE(f[1].fin());
  EXPECT_TRUE(f[2].data.empty());
  EXPECT_TRUE(f[2].fin());
}

TEST(SpdyFrames, BytesArrivingOneAtATimeMakeTheSameFrames) {
  FrameWriter writer;
  FrameParser parser;
  std::string bytes = writer.SynStream(1, {{"streamtype", "stdin"}});
  bytes += writer.Data(1, "abc", true);
  std::vector<Frame> frames;
  for (char c : bytes) {
    parser.Feed(std::string_view(&c, 1));
    Result<std::optional<Frame>> next = parser.Next();
    ASSERT_TRUE(next.ok());
    if (next->has_value()) frames.push_back(std::move(**next));
  }
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(HeaderValue(frames[0].headers, "streamtype"), "stdin");
  EXPECT_EQ(frames[1].data, "abc");
}

TEST(SpdyFrames, UnknownControlFramesAreSkipped) {
  FrameWriter writer;
  FrameParser parser;
  // Type 0x0a (CREDENTIAL in the draft, unknown here), 2 bytes of payload.
  std::string unknown("\x80\x03\x00\x0a\x00\x00\x00\x02xy", 10);
  std::vector<Frame> f = ParseAll(parser, unknown + writer.Ping(1));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].type, FrameType::kPing);
}

TEST(SpdyFrames, TruncatedFrameWaitsForMore) {
  FrameWriter writer;
  FrameParser parser;
  std::string bytes = writer.Data(1, "hello");
  parser.Feed(bytes.substr(0, bytes.size() - 1));
  Result<std::optional<Frame>> next = parser.Next();
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
}

TEST(SpdyFrames, WrongVersionIsAnError) {
  FrameParser parser;
  parser.Feed(std::string("\x80\x02\x00\x06\x00\x00\x00\x04\x00\x00\x00\x01", 12));
  Result<std::optional<Frame>> next = parser.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), Code::kBadRequest);
  // And the parser stays failed.
  EXPECT_FALSE(parser.Next().ok());
}

TEST(SpdyFrames, HugeLengthIsRejectedBeforeBuffering) {
  FrameParser parser(1024);
  parser.Feed(std::string("\x00\x00\x00\x01\x00\xff\xff\xff", 8));
  Result<std::optional<Frame>> next = parser.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), Code::kTooLarge);
}

TEST(SpdyFrames, MalformedControlPayloadsAreErrors) {
  // PING with 3 bytes instead of 4.
  FrameParser ping;
  ping.Feed(std::string("\x80\x03\x00\x06\x00\x00\x00\x03\x00\x00\x01", 11));
  EXPECT_FALSE(ping.Next().ok());
  // SYN_STREAM too short for its fixed fields.
  FrameParser syn;
  syn.Feed(std::string("\x80\x03\x00\x01\x00\x00\x00\x04\x00\x00\x00\x01", 12));
  EXPECT_FALSE(syn.Next().ok());
  // SETTINGS claiming 5 entries with none there.
  FrameParser settings;
  settings.Feed(std::string("\x80\x03\x00\x04\x00\x00\x00\x04\x00\x00\x00\x05", 12));
  EXPECT_FALSE(settings.Next().ok());
}

TEST(SpdyFrames, GarbageHeaderBlockIsAnError) {
  FrameParser parser;
  std::string payload("\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00", 10);
  payload += "this is not zlib";
  std::string frame("\x80\x03\x00\x01\x00\x00\x00", 7);
  frame.push_back(static_cast<char>(payload.size()));
  parser.Feed(frame + payload);
  Result<std::optional<Frame>> next = parser.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), Code::kBadRequest);
}

// A header block compressed without the SPDY dictionary (or with another one) fails.
TEST(SpdyFrames, HeaderBlockWithAnotherDictionaryIsAnError) {
  const char dict[] = "not the spdy dictionary";
  FrameParser parser;
  parser.Feed(SynReplyDeflatedWith({dict, sizeof dict}, std::string("\x00\x00\x00\x00", 4)));
  EXPECT_FALSE(parser.Next().ok());
}

// A well-compressed block whose contents lie about their lengths fails cleanly.
TEST(SpdyFrames, HeaderBlockWithBadLengthsIsAnError) {
  // One pair whose name claims 1000 bytes.
  FrameParser parser;
  parser.Feed(SynReplyDeflatedWith(HeaderDictionary(),
                                   std::string("\x00\x00\x00\x01\x00\x00\x03\xe8name", 12)));
  Result<std::optional<Frame>> next = parser.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), Code::kBadRequest);
}

TEST(SpdyFrames, HeaderBlockOverTheLimitIsTooLarge) {
  FrameWriter writer;
  FrameParser parser(1024 * 1024, 1000);
  parser.Feed(writer.SynReply(1, {{"big", std::string(5000, 'v')}}));
  Result<std::optional<Frame>> next = parser.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), Code::kTooLarge);
}

}  // namespace
}  // namespace sampan::spdy
