#include "pkg/util/status.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

namespace sampan {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Code::kOk);
  EXPECT_EQ(s.err(), 0);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(StatusTest, FactoriesSetCodeAndMessage) {
  struct Case {
    Status status;
    Code code;
    const char* name;
  };
  const Case cases[] = {
      {Status::NotFound("m"), Code::kNotFound, "NotFound"},
      {Status::AlreadyExists("m"), Code::kAlreadyExists, "AlreadyExists"},
      {Status::Conflict("m"), Code::kConflict, "Conflict"},
      {Status::Invalid("m"), Code::kInvalid, "Invalid"},
      {Status::BadRequest("m"), Code::kBadRequest, "BadRequest"},
      {Status::Gone("m"), Code::kGone, "Gone"},
      {Status::Unauthorized("m"), Code::kUnauthorized, "Unauthorized"},
      {Status::Forbidden("m"), Code::kForbidden, "Forbidden"},
      {Status::Unavailable("m"), Code::kUnavailable, "Unavailable"},
      {Status::Internal("m"), Code::kInternal, "Internal"},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(c.status.ok()) << c.name;
    EXPECT_EQ(c.status.code(), c.code) << c.name;
    EXPECT_EQ(CodeName(c.code), c.name);
    EXPECT_EQ(c.status.message(), "m") << c.name;
    EXPECT_EQ(c.status.err(), 0) << c.name;
    EXPECT_EQ(c.status.ToString(), std::string(c.name) + ": m");
  }
  EXPECT_EQ(CodeName(Code::kOk), "OK");
}

TEST(StatusTest, PredicatesMatchCodes) {
  EXPECT_TRUE(Status::NotFound("x").IsNotFound());
  EXPECT_TRUE(Status::AlreadyExists("x").IsAlreadyExists());
  EXPECT_TRUE(Status::Conflict("x").IsConflict());
  EXPECT_TRUE(Status::Gone("x").IsGone());
  EXPECT_FALSE(Status::Conflict("x").IsNotFound());
  EXPECT_FALSE(Status().IsNotFound());
}

TEST(StatusTest, CarriesErrno) {
  EXPECT_EQ(Status::Unavailable("disk", ENOSPC).err(), ENOSPC);
  EXPECT_EQ(Status::Internal("io", EIO).err(), EIO);
  // An OK code makes an OK status whatever else is given.
  EXPECT_TRUE(Status(Code::kOk, "ignored", EIO).ok());
}

TEST(StatusTest, WithContextPrefixesAndKeepsCodeAndErrno) {
  Status s = Status::Unavailable("no space", ENOSPC).WithContext("write pod default/web-0");
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(s.err(), ENOSPC);
  EXPECT_EQ(s.message(), "write pod default/web-0: no space");
  EXPECT_EQ(s.WithContext("outer").message(), "outer: write pod default/web-0: no space");
  EXPECT_TRUE(Status().WithContext("ctx").ok());
}

TEST(StatusTest, FromErrnoMapsToClosestCode) {
  const struct {
    int err;
    Code code;
  } cases[] = {
      {ENOENT, Code::kNotFound},    {EEXIST, Code::kAlreadyExists}, {EACCES, Code::kForbidden},
      {EPERM, Code::kForbidden},    {EINVAL, Code::kInvalid},       {ENOSPC, Code::kUnavailable},
      {EDQUOT, Code::kUnavailable}, {EAGAIN, Code::kUnavailable},   {EBUSY, Code::kUnavailable},
      {EIO, Code::kInternal},       {EBADF, Code::kInternal},
  };
  for (const auto& c : cases) {
    Status s = Status::FromErrno(c.err, "open /var/lib/sampan/db");
    EXPECT_EQ(s.code(), c.code) << std::strerror(c.err);
    EXPECT_EQ(s.err(), c.err);
    EXPECT_EQ(s.message(), std::string("open /var/lib/sampan/db: ") + std::strerror(c.err));
  }
}

TEST(StatusTest, CopiesShareTheError) {
  Status a = Status::Conflict("stale");
  Status b = a;  // NOLINT(performance-unnecessary-copy-initialization): the copy is tested
  EXPECT_EQ(b.code(), Code::kConflict);
  EXPECT_EQ(&a.message(), &b.message());  // immutable and shared, so copying is cheap
}

TEST(StatusTest, ResultHoldsValue) {
  Result<std::string> r = std::string("web-0");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.status().ok());
  EXPECT_EQ(r.value(), "web-0");
  EXPECT_EQ(*r, "web-0");
  EXPECT_EQ(r->size(), 5u);
  r.value() += "!";
  EXPECT_EQ(*r, "web-0!");
  std::string moved = std::move(r).value();
  EXPECT_EQ(moved, "web-0!");
}

TEST(StatusTest, ResultHoldsError) {
  Result<int> r = Status::NotFound("pod default/web-0");
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound());
  EXPECT_EQ(r.status().message(), "pod default/web-0");
}

TEST(StatusTest, ResultFromOkStatusIsInternalError) {
  Result<int> r = Status();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInternal);
}

// --- macros -----------------------------------------------------------------

Status Check(bool fail, int* reached) {
  RETURN_IF_ERROR(fail ? Status::Invalid("bad") : Status());
  ++*reached;
  return Status();
}

TEST(StatusTest, ReturnIfErrorReturnsOnlyErrors) {
  int reached = 0;
  EXPECT_TRUE(Check(false, &reached).ok());
  EXPECT_EQ(reached, 1);
  Status s = Check(true, &reached);
  EXPECT_EQ(s.code(), Code::kInvalid);
  EXPECT_EQ(reached, 1);
}

TEST(StatusTest, ReturnIfErrorEvaluatesOnce) {
  int calls = 0;
  auto f = [&]() -> Status {
    RETURN_IF_ERROR((++calls, Status::Gone("compacted")));
    return Status();
  };
  EXPECT_TRUE(f().IsGone());
  EXPECT_EQ(calls, 1);
}

Result<std::unique_ptr<int>> MakeInt(bool fail, int v) {
  if (fail) return Status::Unavailable("shutting down");
  return std::make_unique<int>(v);
}

Result<int> Twice(bool fail) {
  // A move-only value, declared twice in one scope: the macro's temporaries must not clash.
  ASSIGN_OR_RETURN(std::unique_ptr<int> a, MakeInt(fail, 20));
  ASSIGN_OR_RETURN(auto b, MakeInt(false, 1));
  return *a * 2 + *b;
}

TEST(StatusTest, AssignOrReturnAssignsValueOrReturnsStatus) {
  Result<int> ok = Twice(false);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 41);
  Result<int> err = Twice(true);
  EXPECT_EQ(err.status().code(), Code::kUnavailable);
  EXPECT_EQ(err.status().message(), "shutting down");
}

Status AssignIntoStatus(bool fail, int* out) {
  Result<int> r = fail ? Result<int>(Status::Forbidden("no")) : Result<int>(7);
  ASSIGN_OR_RETURN(*out, std::move(r));
  return Status();
}

TEST(StatusTest, AssignOrReturnWorksInStatusFunctionsAndExistingVariables) {
  int out = 0;
  EXPECT_TRUE(AssignIntoStatus(false, &out).ok());
  EXPECT_EQ(out, 7);
  out = 0;
  EXPECT_EQ(AssignIntoStatus(true, &out).code(), Code::kForbidden);
  EXPECT_EQ(out, 0);
}

}  // namespace
}  // namespace sampan
