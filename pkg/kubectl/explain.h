#pragma once
// `kubectl explain`'s plaintext rendering of an OpenAPI v3 group-version document, laid out
// as kubectl 1.33 prints it (its "plaintext" template): GROUP/KIND/VERSION header lines,
// then either the DESCRIPTION and FIELDS of the kind, or FIELD: <type> and the same blocks
// for a field path; `<string>`, `<Object>`, `<[]Container>`, `<map[string]string>` type
// hints, `-required-`, enum values; descriptions wrapped at kubectl's widths (word-wrapped
// on spaces, keeping existing line breaks) and indented two columns per level.
//
// Thread-safety: pure functions.

#include <string>
#include <string_view>
#include <vector>

#include "pkg/api/json.h"

namespace sampan::kubectl {

struct ExplainRequest {
  std::string group;                    // "" for the core group
  std::string version;                  // "v1"
  std::string resource;                 // "deployments"
  std::vector<std::string> field_path;  // "spec", "strategy"
  bool recursive = false;
};

struct ExplainOutput {
  std::string text;   // for stdout; kubectl prints the header even when a field is missing
  std::string error;  // kubectl's message ("error: field \"x\" does not exist"), or empty
};

// What kubectl prints for `request` from `document` (the /openapi/v3 document of the
// request's group-version).
ExplainOutput RenderExplain(const api::Json& document, const ExplainRequest& request);

// Word-wraps `text` at `limit` columns on whitespace, keeping line breaks and never
// splitting words (as kubectl's wrap, after mitchellh/go-wordwrap).
std::string WordWrap(std::string_view text, size_t limit);

}  // namespace sampan::kubectl
