#pragma once
// The files the kubelet makes for each pod and mounts into its containers: /etc/hosts,
// /etc/hostname and /etc/resolv.conf, written under the pod's directory
// (<data-dir>/pods/<uid>/) as upstream's kubelet does (etc-hosts, resolv.conf per dnsPolicy).
// Pure functions of the pod plus a writer; no threads.

#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/util/status.h"

namespace sampan::kubelet {

struct DnsSettings {
  std::string cluster_dns = "10.43.0.10";
  std::string cluster_domain = "cluster.local";
  std::string host_resolv_conf = "/etc/resolv.conf";  // for dnsPolicy Default
};

// The pod's host name: spec.hostname or the pod name, cut to 63 characters (as upstream,
// without a trailing '-' or '.').
std::string PodHostname(const api::Json& pod);
// "<hostname>.<subdomain>.<ns>.svc.<domain>" with a subdomain, else "".
std::string PodFqdn(const api::Json& pod, const std::string& cluster_domain);

// /etc/hosts: localhost entries, the pod's IP with its names, spec.hostAliases.
std::string HostsFile(const api::Json& pod, const std::string& pod_ip,
                      const std::string& cluster_domain);
// /etc/resolv.conf per spec.dnsPolicy (ClusterFirst, ClusterFirstWithHostNet, Default,
// None) and spec.dnsConfig. `host_resolv_conf` is the text of the node's resolv.conf.
Result<std::string> ResolvConf(const api::Json& pod, const DnsSettings& dns,
                               const std::string& host_resolv_conf);

struct PodFiles {
  std::string hosts;  // host paths of the files, for bind mounts
  std::string hostname;
  std::string resolv_conf;
};

// Writes the three files (atomically: temp + rename) into `pod_dir`.
Result<PodFiles> WritePodFiles(const std::string& pod_dir, const api::Json& pod,
                               const std::string& pod_ip, const DnsSettings& dns);

}  // namespace sampan::kubelet
