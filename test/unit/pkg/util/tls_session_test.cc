#include "pkg/util/tls_session.h"

#include <gtest/gtest.h>

#include <string>

#include "test/unit/pkg/util/test_certs.h"

namespace sampan::http {
namespace {

// A client and a server session wired to each other in memory: what one side writes is fed
// to the other, as a connection would.
class TlsPairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server_ctx =
        NewServerSslContext(pki_.server_cert_file, pki_.server_key_file, pki_.ca_file);
    auto client_ctx = NewClientSslContext(pki_.ca_file, "", "", false);
    ASSERT_TRUE(server_ctx.ok() && client_ctx.ok());
    server_ctx_ = std::move(*server_ctx);
    client_ctx_ = std::move(*client_ctx);
    auto server = TlsSession::NewServer(server_ctx_.get());
    auto client = TlsSession::NewClient(client_ctx_.get(), "localhost");
    ASSERT_TRUE(server.ok() && client.ok());
    server_ = std::move(*server);
    client_ = std::move(*client);
    for (int round = 0; round < 10 && !(server_->HandshakeDone() && client_->HandshakeDone());
         ++round) {
      ASSERT_TRUE(client_->Handshake().ok());
      Carry(*client_, *server_);
      ASSERT_TRUE(server_->Handshake().ok());
      Carry(*server_, *client_);
    }
    ASSERT_TRUE(server_->HandshakeDone() && client_->HandshakeDone());
  }

  // Moves what `from` has to send into `to`; returns how many bytes.
  static size_t Carry(TlsSession& from, TlsSession& to) {
    std::string wire;
    size_t n = from.TakeOutput(&wire);
    EXPECT_EQ(n, wire.size());
    to.Feed(wire);
    return n;
  }

  static std::string ReadAll(TlsSession& s) {
    std::string plain;
    bool closed = false;
    EXPECT_TRUE(s.Read(&plain, &closed).ok());
    return plain;
  }

  testing::TestPki pki_;
  SslCtxPtr server_ctx_, client_ctx_;
  std::unique_ptr<TlsSession> server_, client_;
};

TEST_F(TlsPairTest, LargeAndSmallWritesArriveWhole) {
  std::string big(3 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
  ASSERT_TRUE(server_->Write(big).ok());
  ASSERT_TRUE(server_->Write("tail").ok());
  // Records of at most 16 KiB each, with their overhead: more bytes than the plaintext.
  EXPECT_GT(Carry(*server_, *client_), big.size() + 4);
  EXPECT_EQ(ReadAll(*client_), big + "tail");
  // Nothing is left to send once taken.
  std::string none;
  EXPECT_EQ(server_->TakeOutput(&none), 0u);
  EXPECT_TRUE(none.empty());
}

// Ciphertext arrives in pieces that cut records anywhere: what is complete is read, the
// rest waits for the next piece.
TEST_F(TlsPairTest, InputFedInPiecesIsReadAsRecordsComplete) {
  std::string big(600 * 1024, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 % 253);
  for (size_t piece : {size_t{1000}, size_t{100000}}) {
    ASSERT_TRUE(server_->Write(big).ok());
    std::string wire;
    server_->TakeOutput(&wire);
    std::string got;
    for (size_t at = 0; at < wire.size(); at += piece) {
      client_->Feed(std::string_view(wire).substr(at, piece));
      got += ReadAll(*client_);
    }
    EXPECT_EQ(got.size(), big.size()) << "pieces of " << piece;
    EXPECT_TRUE(got == big) << "pieces of " << piece;
  }
}

TEST_F(TlsPairTest, TakeOutputAppendsToWhatTheCallerHolds) {
  ASSERT_TRUE(client_->Write("first").ok());
  std::string wire;
  size_t first = client_->TakeOutput(&wire);
  ASSERT_GT(first, 0u);
  ASSERT_TRUE(client_->Write("second").ok());
  size_t second = client_->TakeOutput(&wire);  // appended after the first record
  ASSERT_GT(second, 0u);
  EXPECT_EQ(wire.size(), first + second);
  server_->Feed(wire);
  EXPECT_EQ(ReadAll(*server_), "firstsecond");
}

TEST_F(TlsPairTest, CloseNotifyReachesThePeer) {
  server_->Shutdown();
  ASSERT_GT(Carry(*server_, *client_), 0u);
  std::string plain;
  bool closed = false;
  ASSERT_TRUE(client_->Read(&plain, &closed).ok());
  EXPECT_TRUE(closed);
  EXPECT_TRUE(plain.empty());
}

}  // namespace
}  // namespace sampan::http
