#include "net/nftables.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

#include "net/netlink.h"
#include "pkg/util/log.h"

namespace sampan::net {
namespace {

const log::Logger kLog("net");

// One nf_tables transaction: BATCH_BEGIN, the messages (each asking for an ack), BATCH_END,
// sent in a single datagram. The kernel processes it synchronously in sendmsg and answers
// every message that asked for an ack, with an error code or 0.
class NftBatch {
 public:
  NftBatch() : seq_(static_cast<uint32_t>(time(nullptr)) << 8) {}

  // Starts a message of nf_tables `type` for family NFPROTO_IPV4; attributes go into the
  // returned message. `what` names it in errors.
  nl_msg* Add(int type, int flags, std::string what) {
    NlMsg msg(Message(NFNL_SUBSYS_NFTABLES << 8 | type, NLM_F_REQUEST | NLM_F_ACK | flags,
                      NFPROTO_IPV4, 0));
    nl_msg* raw = msg.get();
    acked_.push_back({nlmsg_hdr(raw)->nlmsg_seq, std::move(what)});
    msgs_.push_back(std::move(msg));
    return raw;
  }

  Status Commit(nl_sock* sock) {
    std::vector<char> buf;
    auto append = [&buf](nl_msg* m) {
      nlmsghdr* h = nlmsg_hdr(m);
      size_t at = buf.size();
      buf.resize(at + NLMSG_ALIGN(h->nlmsg_len), 0);
      memcpy(buf.data() + at, h, h->nlmsg_len);
    };
    NlMsg begin(Message(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, AF_UNSPEC, NFNL_SUBSYS_NFTABLES));
    NlMsg end(Message(NFNL_MSG_BATCH_END, NLM_F_REQUEST, AF_UNSPEC, NFNL_SUBSYS_NFTABLES));
    append(begin.get());
    for (const NlMsg& m : msgs_) append(m.get());
    append(end.get());

    int fd = nl_socket_get_fd(sock);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (sendto(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) <
        0) {
      return Status::FromErrno(errno, "nftables: send batch");
    }
    Status first_error;
    size_t answered = 0;
    std::vector<char> in(64 * 1024);
    while (answered < acked_.size()) {
      pollfd p{fd, POLLIN, 0};
      // The kernel answers within sendmsg, so the answers are queued already; the timeout only
      // guards against a kernel that leaves a message unanswered (after a fatal error).
      int ready = poll(&p, 1, 1000);
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) {
        if (!first_error.ok()) return first_error;
        return Status::Unavailable("nftables: no answer from the kernel for " +
                                   std::to_string(acked_.size() - answered) + " messages");
      }
      ssize_t n = recv(fd, in.data(), in.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::FromErrno(errno, "nftables: receive");
      int len = static_cast<int>(n);
      for (auto* h = reinterpret_cast<nlmsghdr*>(in.data()); NLMSG_OK(h, len);
           h = NLMSG_NEXT(h, len)) {
        if (h->nlmsg_type != NLMSG_ERROR) continue;
        ++answered;
        auto* e = static_cast<nlmsgerr*>(NLMSG_DATA(h));
        if (e->error == 0 || !first_error.ok()) continue;
        std::string what = "message";
        for (const auto& [seq, name] : acked_) {
          if (seq == h->nlmsg_seq) what = name;
        }
        first_error = Status::FromErrno(-e->error, "nftables: " + what);
      }
    }
    return first_error;
  }

 private:
  NlMsg Message(int type, int flags, int family, int res_id) {
    NlMsg msg(nlmsg_alloc());
    nlmsghdr* h = nlmsg_put(msg.get(), 0, ++seq_, type, sizeof(nfgenmsg), flags);
    auto* g = static_cast<nfgenmsg*>(nlmsg_data(h));
    g->nfgen_family = static_cast<uint8_t>(family);
    g->version = NFNETLINK_V0;
    g->res_id = htons(static_cast<uint16_t>(res_id));
    return msg;
  }

  uint32_t seq_;
  std::vector<NlMsg> msgs_;
  std::vector<std::pair<uint32_t, std::string>> acked_;
};

void PutBe32(nl_msg* m, int type, uint32_t v) { nla_put_u32(m, type, htonl(v)); }

// Expressions of a rule, each NFTA_LIST_ELEM { NFTA_EXPR_NAME, NFTA_EXPR_DATA { ... } }.
class Expressions {
 public:
  explicit Expressions(nl_msg* m) : m_(m), list_(nla_nest_start(m, NFTA_RULE_EXPRESSIONS)) {}
  ~Expressions() { nla_nest_end(m_, list_); }

  // reg1 = `len` bytes of the network header at `offset`.
  void Payload(uint32_t offset, uint32_t len) {
    Expr e(m_, "payload");
    PutBe32(m_, NFTA_PAYLOAD_DREG, NFT_REG_1);
    PutBe32(m_, NFTA_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
    PutBe32(m_, NFTA_PAYLOAD_OFFSET, offset);
    PutBe32(m_, NFTA_PAYLOAD_LEN, len);
  }
  // reg1 = (reg1 & mask) ^ 0 over `len` bytes.
  void Mask(const void* mask, uint32_t len) {
    Expr e(m_, "bitwise");
    PutBe32(m_, NFTA_BITWISE_SREG, NFT_REG_1);
    PutBe32(m_, NFTA_BITWISE_DREG, NFT_REG_1);
    PutBe32(m_, NFTA_BITWISE_LEN, len);
    std::vector<char> zero(len, 0);
    Data(NFTA_BITWISE_MASK, mask, len);
    Data(NFTA_BITWISE_XOR, zero.data(), len);
  }
  void Compare(uint32_t op, const void* value, uint32_t len) {
    Expr e(m_, "cmp");
    PutBe32(m_, NFTA_CMP_SREG, NFT_REG_1);
    PutBe32(m_, NFTA_CMP_OP, op);
    Data(NFTA_CMP_DATA, value, len);
  }
  // `ip saddr|daddr [!=] prefix` the way nft encodes it: a byte-aligned prefix loads only its
  // bytes, any other loads the address and masks it.
  void MatchPrefix(uint32_t offset, Ipv4Prefix p, bool equal) {
    uint32_t op = equal ? NFT_CMP_EQ : NFT_CMP_NEQ;
    uint32_t net = htonl(p.address);
    if (p.length % 8 == 0) {
      Payload(offset, p.length / 8);
      Compare(op, &net, p.length / 8);
    } else {
      uint32_t mask = htonl(p.Mask());
      Payload(offset, 4);
      Mask(&mask, 4);
      Compare(op, &net, 4);
    }
  }
  void Masquerade() { Expr e(m_, "masq"); }
  void Accept() {
    Expr e(m_, "immediate");
    PutBe32(m_, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
    nlattr* data = nla_nest_start(m_, NFTA_IMMEDIATE_DATA);
    nlattr* verdict = nla_nest_start(m_, NFTA_DATA_VERDICT);
    PutBe32(m_, NFTA_VERDICT_CODE, NF_ACCEPT);
    nla_nest_end(m_, verdict);
    nla_nest_end(m_, data);
  }

 private:
  class Expr {
   public:
    Expr(nl_msg* m, const char* name) : m_(m), elem_(nla_nest_start(m, NFTA_LIST_ELEM)) {
      nla_put_string(m, NFTA_EXPR_NAME, name);
      data_ = nla_nest_start(m, NFTA_EXPR_DATA);
    }
    ~Expr() {
      nla_nest_end(m_, data_);
      nla_nest_end(m_, elem_);
    }

   private:
    nl_msg* m_;
    nlattr* elem_;
    nlattr* data_;
  };
  void Data(int type, const void* value, uint32_t len) {
    nlattr* d = nla_nest_start(m_, type);
    nla_put(m_, NFTA_DATA_VALUE, static_cast<int>(len), value);
    nla_nest_end(m_, d);
  }

  nl_msg* m_;
  nlattr* list_;
};

constexpr uint32_t kSaddrOffset = 12;  // offsetof(struct iphdr, saddr)
constexpr uint32_t kDaddrOffset = 16;

void AddTable(NftBatch& batch, const std::string& table) {
  nl_msg* m = batch.Add(NFT_MSG_NEWTABLE, NLM_F_CREATE, "add table ip " + table);
  nla_put_string(m, NFTA_TABLE_NAME, table.c_str());
}

void DeleteTable(NftBatch& batch, const std::string& table) {
  nl_msg* m = batch.Add(NFT_MSG_DELTABLE, 0, "delete table ip " + table);
  nla_put_string(m, NFTA_TABLE_NAME, table.c_str());
}

void AddBaseChain(NftBatch& batch, const std::string& table, const char* chain, const char* type,
                  uint32_t hook, int32_t priority) {
  nl_msg* m =
      batch.Add(NFT_MSG_NEWCHAIN, NLM_F_CREATE, "add chain ip " + table + " " + std::string(chain));
  nla_put_string(m, NFTA_CHAIN_TABLE, table.c_str());
  nla_put_string(m, NFTA_CHAIN_NAME, chain);
  nlattr* h = nla_nest_start(m, NFTA_CHAIN_HOOK);
  PutBe32(m, NFTA_HOOK_HOOKNUM, hook);
  PutBe32(m, NFTA_HOOK_PRIORITY, static_cast<uint32_t>(priority));
  nla_nest_end(m, h);
  PutBe32(m, NFTA_CHAIN_POLICY, NF_ACCEPT);
  nla_put_string(m, NFTA_CHAIN_TYPE, type);
}

nl_msg* AddRule(NftBatch& batch, const std::string& table, const char* chain,
                const std::string& what) {
  nl_msg* m = batch.Add(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
                        "add rule ip " + table + " " + chain + " " + what);
  nla_put_string(m, NFTA_RULE_TABLE, table.c_str());
  nla_put_string(m, NFTA_RULE_CHAIN, chain);
  return m;
}

Result<NlSocket> OpenNetfilter() {
  auto sock = OpenNetlinkSocket(NETLINK_NETFILTER);
  if (!sock.ok()) return sock.status().WithContext("nftables");
  return sock;
}

}  // namespace

Status InstallPodNatTable(const std::string& table, Ipv4Prefix cluster) {
  ASSIGN_OR_RETURN(NlSocket sock, OpenNetfilter());
  NftBatch batch;
  // add + delete + add: replaces the table whether or not it existed.
  AddTable(batch, table);
  DeleteTable(batch, table);
  AddTable(batch, table);
  AddBaseChain(batch, table, "forward", "filter", NF_INET_FORWARD, 0);
  AddBaseChain(batch, table, "postrouting", "nat", NF_INET_POST_ROUTING, 100);
  std::string c = cluster.ToString();
  {
    Expressions e(AddRule(batch, table, "forward", "ip saddr " + c + " accept"));
    e.MatchPrefix(kSaddrOffset, cluster, true);
    e.Accept();
  }
  {
    Expressions e(AddRule(batch, table, "forward", "ip daddr " + c + " accept"));
    e.MatchPrefix(kDaddrOffset, cluster, true);
    e.Accept();
  }
  {
    Expressions e(AddRule(batch, table, "postrouting",
                          "ip saddr " + c + " ip daddr != " + c + " masquerade"));
    e.MatchPrefix(kSaddrOffset, cluster, true);
    e.MatchPrefix(kDaddrOffset, cluster, false);
    e.Masquerade();
  }
  RETURN_IF_ERROR(batch.Commit(sock.get()));
  kLog.Debug("nftables: table ip {} installed for {}", table, c);
  return Status::Ok();
}

Status DeleteNftTable(const std::string& table) {
  ASSIGN_OR_RETURN(NlSocket sock, OpenNetfilter());
  NftBatch batch;
  AddTable(batch, table);
  DeleteTable(batch, table);
  return batch.Commit(sock.get());
}

}  // namespace sampan::net
