#pragma once
// The options of a write (CreateOptions, UpdateOptions, PatchOptions, DeleteOptions) that
// every verb checks alike, refused as upstream refuses them.

#include <optional>
#include <string_view>

#include "pkg/api/json.h"
#include "pkg/apiserver/api_error.h"
#include "pkg/apiserver/request_info.h"

namespace sampan::apiserver {

// `<Kind>.meta.k8s.io "" is invalid: <field>: <message>` (422); `kind` is the verb's
// options kind: CreateOptions, UpdateOptions, PatchOptions or DeleteOptions.
ApiError OptionsInvalid(std::string_view kind, Cause cause);

// Sets `*dry_run` from a write's `dryRun` values (the query's, and those of a DeleteOptions
// body `options`): none -> false; every value "All" -> true. Any other value is refused as
// upstream does, with OptionsInvalid(kind) (`dryRun: Unsupported value: []string{"x"}:
// supported values: "All"`), rather than written for real.
std::optional<ApiError> ParseDryRun(const Query& query, std::string_view kind, bool* dry_run,
                                    const api::Json* options = nullptr);

}  // namespace sampan::apiserver
