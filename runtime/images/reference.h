#pragma once
// Image references with Docker's normalisation: "redis" -> docker.io/library/redis:latest,
// "ghcr.io/a/b@sha256:..." keeps its digest. Plain data.

#include <string>
#include <string_view>

#include "pkg/util/status.h"

namespace sampan::images {

struct Reference {
  std::string domain;      // "docker.io", "127.0.0.1:5000"
  std::string repository;  // "library/redis"
  std::string tag;         // "latest" unless a digest alone was given
  std::string digest;      // "sha256:..." or ""

  // Parses and normalises. Invalid for empty or malformed names (upper case, bad digest).
  static Result<Reference> Parse(std::string_view text);
  // "docker.io/library/redis:latest" (or "...@sha256:..." / "...:tag@sha256:...").
  std::string str() const;
  // "docker.io/library/redis"
  std::string name() const { return domain + "/" + repository; }
  // The tag or digest to ask the registry for.
  std::string manifest_ref() const { return digest.empty() ? tag : digest; }
};

}  // namespace sampan::images
