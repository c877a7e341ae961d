// User and groups: names resolved in the container's /etc/passwd and /etc/group, then
// setgroups/setresgid/setresuid, keeping capabilities across the uid change.

#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "runtime/container/phases.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {
namespace {

std::vector<std::string> SplitColons(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ':')) out.push_back(field);
  if (!line.empty() && line.back() == ':') out.emplace_back();
  return out;
}

struct PasswdEntry {
  std::string name;
  uid_t uid;
  gid_t gid;
};

std::vector<PasswdEntry> ReadPasswd() {
  std::vector<PasswdEntry> out;
  std::ifstream in("/etc/passwd");
  std::string line;
  while (std::getline(in, line)) {
    auto f = SplitColons(line);
    if (f.size() < 4) continue;
    try {
      out.push_back(
          {f[0], static_cast<uid_t>(std::stoul(f[2])), static_cast<gid_t>(std::stoul(f[3]))});
    } catch (...) {
    }
  }
  return out;
}

struct GroupEntry {
  std::string name;
  gid_t gid;
  std::vector<std::string> members;
};

std::vector<GroupEntry> ReadGroups() {
  std::vector<GroupEntry> out;
  std::ifstream in("/etc/group");
  std::string line;
  while (std::getline(in, line)) {
    auto f = SplitColons(line);
    if (f.size() < 3) continue;
    GroupEntry g;
    g.name = f[0];
    try {
      g.gid = static_cast<gid_t>(std::stoul(f[2]));
    } catch (...) {
      continue;
    }
    if (f.size() > 3) {
      std::istringstream members(f[3]);
      std::string m;
      while (std::getline(members, m, ',')) g.members.push_back(m);
    }
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace

Status ResolveUser(InitContext& ctx) {
  const UserSpec& user = ctx.spec->process.user;
  std::vector<PasswdEntry> passwd = ReadPasswd();
  const PasswdEntry* entry = nullptr;
  if (user.uid) {
    ctx.uid = *user.uid;
    for (const PasswdEntry& e : passwd) {
      if (e.uid == ctx.uid) {
        entry = &e;
        break;
      }
    }
  } else if (!user.user_name.empty()) {
    for (const PasswdEntry& e : passwd) {
      if (e.name == user.user_name) {
        entry = &e;
        break;
      }
    }
    if (entry == nullptr) {
      return Status::NotFound("user: unable to find user " + user.user_name +
                              ": no matching entries in passwd file");
    }
    ctx.uid = entry->uid;
  } else {
    ctx.uid = 0;
    for (const PasswdEntry& e : passwd) {
      if (e.uid == 0) {
        entry = &e;
        break;
      }
    }
  }
  std::vector<GroupEntry> groups = ReadGroups();
  if (user.gid) {
    ctx.gid = *user.gid;
  } else if (!user.group_name.empty()) {
    const GroupEntry* g = nullptr;
    for (const GroupEntry& e : groups) {
      if (e.name == user.group_name) g = &e;
    }
    if (g == nullptr) {
      return Status::NotFound("user: unable to find group " + user.group_name +
                              ": no matching entries in group file");
    }
    ctx.gid = g->gid;
  } else {
    ctx.gid = entry != nullptr ? entry->gid : 0;
  }
  ctx.groups.clear();
  if (entry != nullptr) {
    for (const GroupEntry& g : groups) {
      for (const std::string& m : g.members) {
        if (m == entry->name && g.gid != ctx.gid) ctx.groups.push_back(g.gid);
      }
    }
  }
  for (gid_t g : user.additional_gids) ctx.groups.push_back(g);
  return Status::Ok();
}

Status SetupUser(InitContext& ctx) {
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
    return SyscallError("user", "prctl(KEEPCAPS)", errno);
  if (::setgroups(ctx.groups.size(), ctx.groups.data()) != 0) {
    return SyscallError("user", "setgroups", errno);
  }
  if (::setresgid(ctx.gid, ctx.gid, ctx.gid) != 0) return SyscallError("user", "setresgid", errno);
  if (::setresuid(ctx.uid, ctx.uid, ctx.uid) != 0) return SyscallError("user", "setresuid", errno);
  // The permitted set survived the uid change (KEEPCAPS); SetupCapabilities narrows it.
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0)
    return SyscallError("user", "prctl(KEEPCAPS)", errno);
  return Status::Ok();
}

}  // namespace sampan::runtime
