#pragma once
// Pieces kubectl 1.33's describers share, writing through a PrefixWriter in kubectl's
// layout: multi-line labels, annotations (last-applied left out, long values wrapped),
// taints and tolerations, resource lists, events, and its time formats.

#include <chrono>
#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/kubectl/tab_writer.h"

namespace sampan::kubectl {

// obj[key] when it is an array, else an empty array.
const api::Json& ArrayField(const api::Json& obj, std::string_view key);

// A timestamp in Go's RFC1123Z layout in local time: "Mon, 02 Jan 2006 15:04:05 -0700";
// "" stays "" (kubectl prints Go's zero time then; callers decide).
std::string Rfc1123z(const std::string& rfc3339);
// The age of a timestamp as kubectl's describe prints it ("5m"); "<unknown>" when unset.
std::string Since(const std::string& rfc3339, std::chrono::system_clock::time_point now);

// "Title:\tk=v\n\tk2=v2\n" or "Title:\t<none>\n".
void PrintLabels(PrefixWriter& w, const std::string& title, const api::Json& labels);
void PrintAnnotations(PrefixWriter& w, const std::string& title, const api::Json& annotations);
void PrintTaints(PrefixWriter& w, const std::string& title, const api::Json& taints);
void PrintTolerations(PrefixWriter& w, const std::string& title, const api::Json& tolerations);
// "name:\tquantity\n" per resource at `level`, sorted by name.
void PrintResources(PrefixWriter& w, int level, const api::Json& list);
// The Events: table (sorted by first/last time, as kubectl) or "Events:\t<none>".
void PrintEvents(PrefixWriter& w, std::vector<api::Json> events,
                 std::chrono::system_clock::time_point now);
// "Kind/name" of the controller owner reference, or "".
std::string ControllerOf(const api::Json& obj);
// A quantity in canonical form ("100m", "64Mi").
std::string CanonicalQuantity(const api::Json& value);

}  // namespace sampan::kubectl
