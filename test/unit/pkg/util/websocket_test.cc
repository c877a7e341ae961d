#include "pkg/util/websocket.h"

#include <gtest/gtest.h>

namespace sampan::ws {
namespace {

TEST(WebSocketTest, AcceptKeyFromTheRfc) {
  EXPECT_EQ(AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebSocketTest, UnmaskedFrameFromTheRfc) {
  EXPECT_EQ(EncodeFrame(Opcode::kText, "Hello"), std::string("\x81\x05Hello", 7));
}

TEST(WebSocketTest, MaskedFrameFromTheRfc) {
  std::string frame = EncodeFrame(Opcode::kText, "Hello", 0x37fa213d);
  EXPECT_EQ(frame, std::string("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11));
  FrameParser parser;
  parser.Feed(frame);
  auto m = parser.Next();
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->has_value());
  EXPECT_EQ((*m)->opcode, Opcode::kText);
  EXPECT_EQ((*m)->payload, "Hello");
}

TEST(WebSocketTest, FragmentsWithAPingInBetween) {
  // RFC 6455 5.7: "Hel" + "lo" with a ping between them.
  FrameParser parser;
  parser.Feed(std::string("\x01\x03Hel", 5));
  parser.Feed(std::string("\x89\x02hi", 4));
  parser.Feed(std::string("\x80\x02lo", 4));
  auto ping = parser.Next();
  ASSERT_TRUE(ping.ok() && ping->has_value());
  EXPECT_EQ((*ping)->opcode, Opcode::kPing);
  EXPECT_EQ((*ping)->payload, "hi");
  auto text = parser.Next();
  ASSERT_TRUE(text.ok() && text->has_value());
  EXPECT_EQ((*text)->opcode, Opcode::kText);
  EXPECT_EQ((*text)->payload, "Hello");
  auto none = parser.Next();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(WebSocketTest, LengthEncodingsRoundTripByteByByte) {
  for (size_t size : {0u, 125u, 126u, 65535u, 65536u, 200000u}) {
    std::string payload(size, 'x');
    for (size_t i = 0; i < size; ++i) payload[i] = static_cast<char>(i * 7);
    std::string frame = EncodeFrame(Opcode::kBinary, payload, size % 2 ? 0x01020304u : 0xa1b2c3d4u);
    FrameParser parser;
    // Partial input yields nothing until the frame is whole.
    parser.Feed(frame.substr(0, frame.size() - 1));
    auto partial = parser.Next();
    ASSERT_TRUE(partial.ok());
    EXPECT_FALSE(partial->has_value()) << size;
    parser.Feed(frame.substr(frame.size() - 1));
    auto m = parser.Next();
    ASSERT_TRUE(m.ok() && m->has_value()) << size;
    EXPECT_EQ((*m)->payload, payload) << size;
  }
}

TEST(WebSocketTest, TwoMessagesInOneRead) {
  FrameParser parser;
  parser.Feed(EncodeFrame(Opcode::kBinary, std::string("\x01one", 4)) +
              EncodeFrame(Opcode::kClose, ClosePayload(kCloseNormal, "bye")));
  auto a = parser.Next();
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->payload, std::string("\x01one", 4));
  auto b = parser.Next();
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->opcode, Opcode::kClose);
  EXPECT_EQ((*b)->payload, std::string("\x03\xe8"
                                       "bye",
                                       5));
}

TEST(WebSocketTest, ProtocolViolations) {
  auto error_of = [](std::string bytes, size_t limit = 1 << 20) {
    FrameParser parser(limit);
    parser.Feed(bytes);
    return parser.Next().status().code();
  };
  EXPECT_EQ(error_of(std::string("\xc1\x00", 2)), Code::kBadRequest);          // RSV1
  EXPECT_EQ(error_of(std::string("\x83\x00", 2)), Code::kBadRequest);          // opcode 3
  EXPECT_EQ(error_of(std::string("\x09\x00", 2)), Code::kBadRequest);          // fragmented ping
  EXPECT_EQ(error_of(std::string("\x89\x7e\x00\x80", 4)), Code::kBadRequest);  // 128-byte ping
  EXPECT_EQ(error_of(std::string("\x80\x00", 2)), Code::kBadRequest);          // stray continuation
  EXPECT_EQ(error_of(std::string("\x01\x00\x01\x00", 4)), Code::kBadRequest);  // nested start
  EXPECT_EQ(error_of(EncodeFrame(Opcode::kBinary, std::string(100, 'x')), 50), Code::kTooLarge);
}

}  // namespace
}  // namespace sampan::ws
