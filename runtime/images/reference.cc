#include "runtime/images/reference.h"

#include "runtime/images/digest.h"

namespace sampan::images {
namespace {

bool ValidRepoChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
         c == '/';
}

bool ValidTag(std::string_view t) {
  if (t.empty() || t.size() > 128 || t[0] == '.' || t[0] == '-') return false;
  for (char c : t) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '.' || c == '-')) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<Reference> Reference::Parse(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Status::Invalid("invalid image reference \"" + std::string(text.substr(0, 200)) +
                           "\": " + std::string(why));
  };
  if (text.empty()) return bad("empty");
  Reference r;
  std::string_view rest = text;
  size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    Result<Digest> d = Digest::Parse(rest.substr(at + 1));
    if (!d.ok()) return bad("bad digest");
    r.digest = d->str();
    rest = rest.substr(0, at);
  }
  size_t slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    r.tag = std::string(rest.substr(colon + 1));
    if (!ValidTag(r.tag)) return bad("bad tag");
    rest = rest.substr(0, colon);
  }
  size_t first = rest.find('/');
  std::string_view head = rest.substr(0, first);
  if (first != std::string_view::npos &&
      (head.find('.') != std::string_view::npos || head.find(':') != std::string_view::npos ||
       head == "localhost")) {
    r.domain = std::string(head);
    rest = rest.substr(first + 1);
  } else {
    r.domain = "docker.io";
  }
  if (r.domain == "index.docker.io" || r.domain == "registry-1.docker.io") r.domain = "docker.io";
  if (rest.empty()) return bad("no repository");
  for (char c : rest) {
    if (!ValidRepoChar(c)) return bad("repository must be lower-case letters, digits, . _ - /");
  }
  if (rest.front() == '/' || rest.back() == '/' || rest.find("//") != std::string_view::npos) {
    return bad("empty path component");
  }
  r.repository = std::string(rest);
  if (r.domain == "docker.io" && r.repository.find('/') == std::string::npos) {
    r.repository = "library/" + r.repository;
  }
  if (r.tag.empty() && r.digest.empty()) r.tag = "latest";
  return r;
}

std::string Reference::str() const {
  std::string out = name();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

}  // namespace sampan::images
