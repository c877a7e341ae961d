#include "pkg/util/resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <fmt/core.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include "pkg/util/ascii.h"

namespace sampan {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

int ToAf(AddressFamily family) {
  switch (family) {
    case AddressFamily::kIPv4: return AF_INET;
    case AddressFamily::kIPv6: return AF_INET6;
    case AddressFamily::kAny: break;
  }
  return AF_UNSPEC;
}

bool FamilyMatches(AddressFamily family, int af) {
  return family == AddressFamily::kAny || ToAf(family) == af;
}

void AddUnique(std::vector<std::string>& out, std::string address) {
  if (std::find(out.begin(), out.end(), address) == out.end()) out.push_back(std::move(address));
}

// Normalized text of a literal IPv4/IPv6 address, or "" with *af = AF_UNSPEC.
std::string ParseLiteral(std::string_view text, int* af) {
  std::string s(text);
  if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  unsigned char buf[sizeof(struct in6_addr)];
  char out[INET6_ADDRSTRLEN];
  for (int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, s.c_str(), buf) == 1 && inet_ntop(family, buf, out, sizeof(out))) {
      *af = family;
      return out;
    }
  }
  *af = AF_UNSPEC;
  return "";
}

// c-ares 1.18 has no option for another hosts file (only a process-wide environment
// variable), so a custom one is read here, with the same format: "IP name alias... # note".
Result<std::vector<std::string>> LookupHostsFile(const std::string& path, const std::string& host,
                                                 AddressFamily family) {
  std::ifstream in(path);
  if (!in) return Status::FromErrno(errno ? errno : ENOENT, "cannot read hosts file " + path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream fields(line);
    std::string ip;
    if (!(fields >> ip)) continue;
    int af;
    std::string address = ParseLiteral(ip, &af);
    if (af == AF_UNSPEC || !FamilyMatches(family, af)) continue;
    std::string name;
    while (fields >> name) {
      if (EqualsIgnoreCase(name, host)) {
        AddUnique(out, address);
        break;
      }
    }
  }
  return out;
}

void InitAresOnce() {
  static std::once_flag once;
  std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

struct ChannelDeleter {
  void operator()(ares_channeldata* channel) const { ares_destroy(channel); }
};
using Channel = std::unique_ptr<ares_channeldata, ChannelDeleter>;

struct Query {
  bool done = false;
  int status = ARES_SUCCESS;
  std::vector<std::string> addresses;
};

void OnAddrInfo(void* arg, int status, int /*timeouts*/, struct ares_addrinfo* result) {
  auto* query = static_cast<Query*>(arg);
  query->done = true;
  query->status = status;
  if (result == nullptr) return;
  for (ares_addrinfo_node* node = result->nodes; node != nullptr; node = node->ai_next) {
    char text[INET6_ADDRSTRLEN];
    const void* addr = nullptr;
    if (node->ai_family == AF_INET) {
      addr = &reinterpret_cast<const sockaddr_in*>(node->ai_addr)->sin_addr;
    } else if (node->ai_family == AF_INET6) {
      addr = &reinterpret_cast<const sockaddr_in6*>(node->ai_addr)->sin6_addr;
    }
    if (addr && inet_ntop(node->ai_family, addr, text, sizeof(text))) {
      AddUnique(query->addresses, text);
    }
  }
  ares_freeaddrinfo(result);
}

// Runs the channel until the query is done or the deadline passes (then cancels it).
void Drive(ares_channel channel, const Query& query, SteadyTime deadline) {
  while (!query.done) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      ares_cancel(channel);  // runs the callback with ARES_ECANCELLED
      return;
    }
    ares_socket_t sockets[ARES_GETSOCK_MAXNUM];
    int bits = ares_getsock(channel, sockets, ARES_GETSOCK_MAXNUM);
    pollfd fds[ARES_GETSOCK_MAXNUM];
    nfds_t count = 0;
    for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
      short events = 0;
      if (ARES_GETSOCK_READABLE(bits, i)) events |= POLLIN;
      if (ARES_GETSOCK_WRITABLE(bits, i)) events |= POLLOUT;
      if (events == 0) continue;
      fds[count++] = pollfd{sockets[i], events, 0};
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    timeval max_wait{left.count() / 1000, static_cast<suseconds_t>(left.count() % 1000 * 1000)};
    timeval buffer;
    const timeval* wait = ares_timeout(channel, &max_wait, &buffer);  // the sooner of the two
    int wait_ms = static_cast<int>(wait->tv_sec * 1000 + (wait->tv_usec + 999) / 1000);
    int ready = ::poll(fds, count, std::max(wait_ms, 1));
    if (ready < 0 && errno != EINTR) {
      ares_cancel(channel);
      return;
    }
    if (ready <= 0) {
      ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // retries and timeouts
      continue;
    }
    for (nfds_t i = 0; i < count && !query.done; ++i) {
      ares_socket_t rd =
          (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) ? fds[i].fd : ARES_SOCKET_BAD;
      ares_socket_t wr = (fds[i].revents & POLLOUT) ? fds[i].fd : ARES_SOCKET_BAD;
      if (rd != ARES_SOCKET_BAD || wr != ARES_SOCKET_BAD) ares_process_fd(channel, rd, wr);
    }
  }
}

Result<std::vector<std::string>> AresLookup(const std::string& host, SteadyTime deadline,
                                            std::chrono::milliseconds timeout,
                                            const ResolverOptions& options, std::string lookups) {
  InitAresOnce();
  ares_options opts{};
  int mask = ARES_OPT_LOOKUPS;
  opts.lookups = lookups.data();
  std::string resolv_conf = options.resolv_conf;
  if (!resolv_conf.empty()) {
    opts.resolvconf_path = resolv_conf.data();
    mask |= ARES_OPT_RESOLVCONF;
  }
  ares_channel raw = nullptr;
  int rc = ares_init_options(&raw, &opts, mask);
  Channel channel(raw);
  if (rc != ARES_SUCCESS) {
    return Status::Unavailable(fmt::format("cannot set up the resolver: {}", ares_strerror(rc)));
  }
  if (!options.servers.empty()) {
    std::string csv;
    for (const std::string& server : options.servers) csv += (csv.empty() ? "" : ",") + server;
    rc = ares_set_servers_ports_csv(channel.get(), csv.c_str());
    if (rc != ARES_SUCCESS) {
      return Status::Invalid(fmt::format("bad nameserver list \"{}\": {}", csv, ares_strerror(rc)));
    }
  }

  Query query;
  ares_addrinfo_hints hints{};
  hints.ai_family = ToAf(options.family);
  hints.ai_socktype = SOCK_STREAM;  // one entry per address instead of one per socket type
  ares_getaddrinfo(channel.get(), host.c_str(), nullptr, &hints, OnAddrInfo, &query);
  Drive(channel.get(), query, deadline);

  // Without 'b', c-ares reports a name missing from the hosts file as its initial error
  // code, ECONNREFUSED, although no server was asked.
  if (query.status == ARES_ECONNREFUSED && lookups.find('b') == std::string::npos) {
    query.status = ARES_ENOTFOUND;
  }
  switch (query.status) {
    case ARES_SUCCESS:
      if (query.addresses.empty()) break;
      return std::move(query.addresses);
    case ARES_ENOTFOUND:
    case ARES_ENODATA:
    case ARES_ENONAME: break;
    case ARES_ECANCELLED:
    case ARES_ETIMEOUT:
      return Status::Unavailable(
          fmt::format("resolving \"{}\" timed out after {}ms", host, timeout.count()));
    case ARES_EBADNAME: return Status::Invalid(fmt::format("invalid host name \"{}\"", host));
    default:
      return Status::Unavailable(
          fmt::format("cannot resolve \"{}\": {}", host, ares_strerror(query.status)));
  }
  return Status::NotFound(fmt::format("cannot resolve \"{}\": no such host", host));
}

}  // namespace

Result<std::vector<std::string>> ResolveHost(const std::string& host,
                                             std::chrono::milliseconds timeout,
                                             const ResolverOptions& options) {
  if (host.empty() || host.size() > 255 || host.find('\0') != std::string::npos) {
    return Status::Invalid(fmt::format("invalid host name \"{}\"", host));
  }
  if (options.lookups.empty() || options.lookups.find_first_not_of("fb") != std::string::npos) {
    return Status::Invalid(fmt::format(
        "resolver lookups \"{}\": want 'f' (hosts file) and/or 'b' (DNS)", options.lookups));
  }
  int af;
  std::string literal = ParseLiteral(host, &af);
  if (af != AF_UNSPEC) {
    if (!FamilyMatches(options.family, af)) {
      return Status::NotFound(fmt::format("address {} is not of the wanted family", host));
    }
    return std::vector<std::string>{literal};
  }

  SteadyTime deadline = std::chrono::steady_clock::now() + timeout;
  if (options.hosts_file.empty()) {
    return AresLookup(host, deadline, timeout, options, options.lookups);
  }

  // A custom hosts file: 'f' is read here, 'b' still goes to c-ares (DNS only).
  for (char source : options.lookups) {
    Result<std::vector<std::string>> found =
        source == 'f' ? LookupHostsFile(options.hosts_file, host, options.family)
                      : AresLookup(host, deadline, timeout, options, "b");
    if (found.ok() && !found->empty()) return found;
    if (!found.ok() && !found.status().IsNotFound()) return found;
  }
  // RFC 6761: localhost is loopback even when the hosts file forgets it (as c-ares does).
  if (EqualsIgnoreCase(host, "localhost")) {
    std::vector<std::string> loopback;
    if (FamilyMatches(options.family, AF_INET)) loopback.push_back("127.0.0.1");
    if (FamilyMatches(options.family, AF_INET6)) loopback.push_back("::1");
    return loopback;
  }
  return Status::NotFound(fmt::format("cannot resolve \"{}\": no such host", host));
}

}  // namespace sampan
