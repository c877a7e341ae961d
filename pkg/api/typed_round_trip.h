#pragma once
// What upstream's typed decoding and encoding do to a built-in object. The API server reads
// a body into a Go struct and writes the struct back, which
// - drops a field tagged `omitempty` whose value is empty (`{}`, `[]`, `""`, `0`, `false`)
//   or null (a nil map, list or pointer; the zero value of a scalar), so
//   `"annotations": {}` or `"hostPort": 0` in a request never reaches etcd; clients that
//   diff what they sent against what the server returns (kubectl diff, helm) count on that;
// - writes []byte values (a Secret's `data`, a ConfigMap's `binaryData`) in canonical
//   base64: line breaks are gone, unused bits zero (Go's decoder accepts both). Values
//   that do not decode are left as they are (CheckFields refuses them first).
//
// Not dropped, as in Go: fields without omitempty; structs, null or not (a non-pointer
// struct is never "empty"), which includes the types with their own JSON form (times,
// quantities, int-or-strings, durations, raw extensions: `"creationTimestamp": null`
// stays); a pointer to a zero value (`"replicas": 0` where replicas is *int32); a
// value of the wrong JSON type (validation reports it). Undeclared fields are left to
// CheckFields; values the schema leaves open (raw JSON) are not looked into.

#include "pkg/api/json.h"
#include "pkg/api/schema.h"

namespace sampan::api {

void RoundTripAsTyped(Json& object, const SchemaType& type);

}  // namespace sampan::api
