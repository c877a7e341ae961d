#pragma once
// Many watch streams over TLS, read by one thread with epoll: how an event-driven client
// (client-go's informers on Go's netpoller) reads them. A burst of deliveries then wakes
// the reader about once, not once per stream as with a thread per watch, so the figure is
// the server's delivery rather than the scheduling of a hundred client threads.
//
// Every stream sends `GET target`; each line of a body is handed to `on_line` with the
// time it was read. Benchmark code: on any setup error the process exits.

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "test/bench/bench_util.h"

namespace sampan::bench {

class MultiplexedWatches {
 public:
  using LineFn = std::function<void(std::string_view line, BenchClock::time_point read_at)>;

  MultiplexedWatches(const std::string& ca_file, const std::string& cert_file,
                     const std::string& key_file) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (ctx_ == nullptr || SSL_CTX_load_verify_locations(ctx_, ca_file.c_str(), nullptr) != 1 ||
        SSL_CTX_use_certificate_chain_file(ctx_, cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      Die("TLS client context");
    }
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    // One read() takes a whole record (and any behind it), as Go's TLS reads into a buffer;
    // without it OpenSSL reads each record's 5-byte header and its body separately.
    SSL_CTX_set_read_ahead(ctx_, 1);
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
  }
  ~MultiplexedWatches() {
    for (Stream& s : streams_) {
      SSL_free(s.ssl);
      close(s.fd);
    }
    close(epoll_);
    SSL_CTX_free(ctx_);
  }

  // Connects one more stream to 127.0.0.1:port and sends its request (blocking until sent).
  void Open(int port, const std::string& target) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) Die("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), "127.0.0.1");
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (SSL_connect(ssl) != 1 ||
        SSL_write(ssl, request.data(), static_cast<int>(request.size())) <= 0) {
      Die("TLS connect");
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    streams_.push_back(Stream{fd, ssl, {}});
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = streams_.size() - 1;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
  }

  // Reads every stream until `stop` is set, calling `on_line` for each complete line.
  void Run(const std::atomic<bool>& stop, const LineFn& on_line) {
    epoll_event events[64];
    char buf[64 * 1024];
    while (!stop.load()) {
      int n = epoll_wait(epoll_, events, 64, 50);
      for (int i = 0; i < n; ++i) {
        Stream& s = streams_[events[i].data.u64];
        for (;;) {
          int got = SSL_read(s.ssl, buf, sizeof(buf));
          if (got <= 0) {
            int err = SSL_get_error(s.ssl, got);
            if (err != SSL_ERROR_WANT_READ) epoll_ctl(epoll_, EPOLL_CTL_DEL, s.fd, nullptr);
            break;
          }
          auto read_at = BenchClock::now();
          s.pending.append(buf, static_cast<size_t>(got));
          size_t start = 0, nl;
          while ((nl = s.pending.find('\n', start)) != std::string::npos) {
            on_line(std::string_view(s.pending).substr(start, nl - start), read_at);
            start = nl + 1;
          }
          s.pending.erase(0, start);
        }
      }
    }
  }

 private:
  struct Stream {
    int fd;
    SSL* ssl;
    std::string pending;  // bytes after the last complete line
  };

  static void Die(const char* what) {
    std::fprintf(stderr, "watch streams: %s failed\n", what);
    ERR_print_errors_fp(stderr);
    std::exit(1);
  }

  SSL_CTX* ctx_ = nullptr;
  int epoll_ = -1;
  std::vector<Stream> streams_;
};

}  // namespace sampan::bench
