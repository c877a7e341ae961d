#!/usr/bin/env python3
"""Regenerates pkg/api/schema/*.schema: the field tables of the built-in API types.

The tables are interface facts every Kubernetes client depends on: JSON names, protobuf field
numbers and wire kinds, pointer/omitempty (which zero values a client leaves out), and the
patch metadata (strategic merge keys, list types). They are read from the Go type
definitions of a checkout of k8s.io/api and k8s.io/apimachinery:

  scripts/gen_api_schema.py --api DIR --apimachinery DIR --out pkg/api/schema

Only field facts are extracted (no documentation text): descriptions are written by hand in
pkg/api/schema/*.doc (format in pkg/api/schema_docs.h), which this script never touches.
Only types reachable from the served kinds (ROOTS) are written. The format is described in pkg/api/schema.h.
"""
import argparse
import os
import re
import sys

# Go package directory (relative to the api checkout) -> our package key.
API_PACKAGES = [
    "core/v1", "apps/v1", "batch/v1", "autoscaling/v1", "autoscaling/v2", "storage/v1",
    "coordination/v1", "discovery/v1", "events/v1", "networking/v1", "policy/v1", "rbac/v1",
    "authentication/v1", "authorization/v1", "scheduling/v1",
]
META = "meta/v1"

# Types with their own JSON form (not a plain struct).
SPECIAL = {
    ("meta/v1", "Time"): "@time",
    ("meta/v1", "MicroTime"): "@microtime",
    ("meta/v1", "Duration"): "@duration",
    ("meta/v1", "FieldsV1"): "@raw",
    ("resource", "Quantity"): "@quantity",
    ("intstr", "IntOrString"): "@intorstr",
    ("runtime", "RawExtension"): "@raw",
    ("types", "UID"): "string",
    ("types", "NodeName"): "string",
}
SCALARS = {"string": "string", "int32": "int32", "int64": "int64", "bool": "bool",
           "float64": "double", "[]byte": "bytes", "int": "int64", "uint64": "int64"}

# Kinds clients send or the server serves; everything they reach is written.
ROOTS = [
    ("core/v1", k) for k in [
        "Namespace", "Pod", "Service", "Endpoints", "ConfigMap", "Secret", "Node", "Event",
        "ServiceAccount", "PersistentVolume", "PersistentVolumeClaim", "ReplicationController",
        "ResourceQuota", "LimitRange", "PodTemplate", "Binding", "ComponentStatus"]
] + [
    ("apps/v1", k) for k in ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet",
                             "ControllerRevision"]
] + [("batch/v1", "Job"), ("batch/v1", "CronJob"),
     ("autoscaling/v1", "HorizontalPodAutoscaler"), ("autoscaling/v1", "Scale"),
     ("autoscaling/v2", "HorizontalPodAutoscaler"),
     ("storage/v1", "StorageClass"), ("coordination/v1", "Lease"),
     ("discovery/v1", "EndpointSlice"), ("events/v1", "Event"),
     ("networking/v1", "Ingress"), ("networking/v1", "IngressClass"),
     ("networking/v1", "NetworkPolicy"),
     ("policy/v1", "PodDisruptionBudget"), ("policy/v1", "Eviction"),
     ("rbac/v1", "Role"), ("rbac/v1", "RoleBinding"), ("rbac/v1", "ClusterRole"),
     ("rbac/v1", "ClusterRoleBinding"),
     ("authentication/v1", "TokenRequest"), ("authentication/v1", "TokenReview"),
     ("authentication/v1", "SelfSubjectReview"),
     ("authorization/v1", "SelfSubjectAccessReview"),
     ("authorization/v1", "SubjectAccessReview"),
     ("authorization/v1", "SelfSubjectRulesReview"),
     ("scheduling/v1", "PriorityClass"),
     ("meta/v1", "DeleteOptions"), ("meta/v1", "Status"), ("meta/v1", "CreateOptions"),
     ("meta/v1", "UpdateOptions"), ("meta/v1", "PatchOptions")]

FIELD_RE = re.compile(r'^\t(\w+)\s+([^`\s]+)\s+`([^`]*)`')
EMBED_RE = re.compile(r'^\t([\w.*]+)\s+`([^`]*)`')
TAG_RE = re.compile(r'(\w+):"([^"]*)"')
IMPORT_RE = re.compile(r'^\s*(\w+\s+)?"([^"]+)"')


def package_key(import_path):
    """Maps a Go import path to our package key, or a short name for special packages."""
    m = re.match(r"k8s\.io/api/(\w+)/(v\w+)$", import_path)
    if m:
        return f"{m.group(1)}/{m.group(2)}"
    if import_path.endswith("apis/meta/v1"):
        return META
    return import_path.rsplit("/", 1)[-1]  # resource, intstr, runtime, types


class Package:
    def __init__(self, key):
        self.key = key
        self.structs = {}  # name -> (markers, [field dicts])
        self.aliases = {}  # name -> go type expression
        self.imports = {}  # alias -> package key


def parse_file(pkg, path):
    imports = {}
    in_import = False
    struct = None
    comments = []
    with open(path) as f:
        lines = f.read().split("\n")
    for line in lines:
        if line.startswith("import ("):
            in_import = True
            continue
        if in_import:
            if line.startswith(")"):
                in_import = False
                continue
            m = IMPORT_RE.match(line)
            if m:
                key = package_key(m.group(2))
                alias = (m.group(1) or "").strip() or m.group(2).rsplit("/", 1)[-1]
                imports[alias] = key
            continue
        stripped = line.strip()
        if stripped.startswith("//"):
            comments.append(stripped[2:].strip())
            continue
        if struct is not None:
            if line.startswith("}"):
                struct = None
                comments = []
                continue
            m = FIELD_RE.match(line)
            embedded = None
            if not m:
                embedded = EMBED_RE.match(line)
            if m or embedded:
                if m:
                    go_name, go_type, tags = m.group(1), m.group(2), m.group(3)
                else:
                    go_type, tags = embedded.group(1), embedded.group(2)
                    go_name = go_type.lstrip("*").rsplit(".", 1)[-1]
                tagmap = dict(TAG_RE.findall(tags))
                struct[1].append({"go_name": go_name, "go_type": go_type, "tags": tagmap,
                                  "embedded": embedded is not None,
                                  "markers": markers_of(comments), "imports": imports})
            comments = [] if stripped == "" or m or embedded else comments
            continue
        m = re.match(r"^type (\w+) struct \{", line)
        if m:
            struct = (markers_of(comments), [])
            pkg.structs[m.group(1)] = struct
            comments = []
            continue
        m = re.match(r"^type (\w+) (=\s*)?([\w.\[\]*]+)\s*(//.*)?$", line)
        if m and m.group(3) != "struct":
            pkg.aliases[m.group(1)] = (m.group(3), imports, markers_of(comments))
        comments = []
    pkg.imports.update(imports)


def markers_of(comments):
    out = {}
    for c in comments:
        m = re.match(r"^\+([\w.-]+)(=(.*))?$", c)
        if m:
            name = m.group(1)
            value = m.group(3) or ""
            if name in out and name == "listMapKey":
                out[name] += "," + value
            else:
                out[name] = value
    return out


class Generator:
    def __init__(self, packages):
        self.packages = packages
        self.wanted = []  # (pkg, type) in discovery order
        self.seen = set()

    def resolve(self, pkg, go_type, imports):
        """Returns the schema type expression for a Go type in package pkg."""
        if go_type.startswith("*"):
            return self.resolve(pkg, go_type[1:], imports)
        if go_type == "[]byte":
            return "bytes"
        if go_type.startswith("[]"):
            return "[]" + self.resolve(pkg, go_type[2:], imports)
        m = re.match(r"^map\[([\w.]+)\](.+)$", go_type)
        if m:
            key = self.resolve(pkg, m.group(1), imports)
            value = self.resolve(pkg, m.group(2), imports)
            if value == "[]string":  # ExtraValue: a message {1: repeated string}
                value = "@strings"
            return f"map[{key}]" + value
        if go_type in SCALARS:
            return SCALARS[go_type]
        if "." in go_type:
            alias, name = go_type.split(".", 1)
            target = imports.get(alias, alias)
        else:
            target, name = pkg.key, go_type
        if (target, name) in SPECIAL:
            return SPECIAL[(target, name)]
        tpkg = self.packages.get(target)
        if tpkg is None:
            raise KeyError(f"{pkg.key}: unknown package for {go_type}")
        if name in tpkg.aliases:
            aliased, alias_imports, _ = tpkg.aliases[name]
            return self.resolve(tpkg, aliased, {**tpkg.imports, **alias_imports})
        if name not in tpkg.structs:
            raise KeyError(f"{pkg.key}: unknown type {go_type}")
        self.want(target, name)
        return name if target == pkg.key else f"{target}.{name}"

    def want(self, key, name):
        if (key, name) not in self.seen:
            self.seen.add((key, name))
            self.wanted.append((key, name))

    def field_line(self, pkg, field):
        tags = field["tags"]
        json_tag = tags.get("json")
        proto = tags.get("protobuf")
        if json_tag is None or json_tag == "-" or proto is None:
            return None
        json_parts = json_tag.split(",")
        json_name = json_parts[0] or "-"  # "-" in our format: inlined into the parent
        proto_parts = proto.split(",")
        number = int(proto_parts[1])
        type_expr = self.resolve(pkg, field["go_type"], field["imports"])
        flags = []
        if field["go_type"].startswith("*"):
            flags.append("ptr")
        if "omitempty" in json_parts[1:]:
            flags.append("omit")
        markers = field["markers"]
        strategy = tags.get("patchStrategy")
        if strategy:
            flags.append("strategy=" + strategy)
        if tags.get("patchMergeKey"):
            flags.append("merge=" + tags["patchMergeKey"])
        if "listType" in markers:
            flags.append("list=" + markers["listType"])
        if "listMapKey" in markers:
            flags.append("keys=" + markers["listMapKey"])
        if "mapType" in markers:
            flags.append("map=" + markers["mapType"])
        if "structType" in markers:
            flags.append("struct=" + markers["structType"])
        return " ".join([json_name, str(number), type_expr] + flags)

    def run(self, out_dir):
        for key, name in ROOTS:
            self.want(key, name)
        lines_by_pkg = {}
        i = 0
        while i < len(self.wanted):
            key, name = self.wanted[i]
            i += 1
            pkg = self.packages[key]
            markers, fields = pkg.structs[name]
            has_type_meta = any(f["embedded"] and f["go_type"].endswith("TypeMeta")
                                for f in fields)
            header = f"type {name}" + (" kind" if has_type_meta else "")
            body = []
            for field in fields:
                line = self.field_line(pkg, field)
                if line:
                    body.append("  " + line)
            lines_by_pkg.setdefault(key, []).append((name, [header] + body))
        os.makedirs(out_dir, exist_ok=True)
        for key, types in sorted(lines_by_pkg.items()):
            path = os.path.join(out_dir, key.replace("/", "_") + ".schema")
            with open(path, "w") as f:
                f.write("# Generated by scripts/gen_api_schema.py; format in pkg/api/schema.h.\n")
                f.write(f"package {key}\n")
                for _, block in sorted(types):
                    f.write("\n".join(block) + "\n")
            print(f"{path}: {len(types)} types", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True)
    parser.add_argument("--apimachinery", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    packages = {}
    dirs = [(k, os.path.join(args.api, k)) for k in API_PACKAGES]
    dirs.append((META, os.path.join(args.apimachinery, "pkg/apis/meta/v1")))
    for key, directory in dirs:
        pkg = Package(key)
        for name in sorted(os.listdir(directory)):
            if name.endswith(".go") and not name.endswith("_test.go") and \
                    not name.startswith("zz_") and "generated" not in name:
                parse_file(pkg, os.path.join(directory, name))
        packages[key] = pkg
    Generator(packages).run(args.out)


if __name__ == "__main__":
    main()
