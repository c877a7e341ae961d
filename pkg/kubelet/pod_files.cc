#include "pkg/kubelet/pod_files.h"

#include <fmt/format.h>

#include <sstream>

#include "pkg/util/fs.h"

namespace sampan::kubelet {
namespace {

// Upstream's limits for resolv.conf (validation rejects more in dnsConfig).
constexpr size_t kMaxNameservers = 3;
constexpr size_t kMaxSearches = 32;

struct Resolv {
  std::vector<std::string> nameservers;
  std::vector<std::string> searches;
  std::vector<std::string> options;
};

Resolv ParseResolvConf(const std::string& text) {
  Resolv r;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key, word;
    words >> key;
    if (key.empty() || key[0] == '#' || key[0] == ';') continue;
    std::vector<std::string> values;
    while (words >> word) values.push_back(word);
    if (key == "nameserver" && !values.empty()) {
      r.nameservers.push_back(values[0]);
    } else if (key == "search" || key == "domain") {
      r.searches = values;  // the last one wins, as in the resolver
    } else if (key == "options") {
      r.options.insert(r.options.end(), values.begin(), values.end());
    }
  }
  return r;
}

void AddUnique(std::vector<std::string>& to, const std::string& value) {
  for (const std::string& v : to) {
    if (v == value) return;
  }
  to.push_back(value);
}

// Options merge by name ("ndots:5" replaces "ndots:1").
void MergeOption(std::vector<std::string>& options, const std::string& option) {
  std::string name = option.substr(0, option.find(':'));
  for (std::string& o : options) {
    if (o.substr(0, o.find(':')) == name) {
      o = option;
      return;
    }
  }
  options.push_back(option);
}

std::string Render(const Resolv& r) {
  std::string out;
  for (size_t i = 0; i < r.nameservers.size() && i < kMaxNameservers; ++i) {
    out += "nameserver " + r.nameservers[i] + "\n";
  }
  if (!r.searches.empty()) {
    out += "search";
    for (size_t i = 0; i < r.searches.size() && i < kMaxSearches; ++i) out += " " + r.searches[i];
    out += "\n";
  }
  if (!r.options.empty()) {
    out += "options";
    for (const std::string& o : r.options) out += " " + o;
    out += "\n";
  }
  return out;
}

}  // namespace

std::string PodHostname(const api::Json& pod) {
  std::string name = api::GetString(api::ObjectField(pod, "spec"), "hostname");
  if (name.empty()) name = api::GetString(api::ObjectField(pod, "metadata"), "name");
  if (name.size() > 63) {
    name.resize(63);
    while (!name.empty() && (name.back() == '-' || name.back() == '.')) name.pop_back();
  }
  return name;
}

std::string PodFqdn(const api::Json& pod, const std::string& cluster_domain) {
  std::string subdomain = api::GetString(api::ObjectField(pod, "spec"), "subdomain");
  if (subdomain.empty()) return "";
  return fmt::format("{}.{}.{}.svc.{}", PodHostname(pod), subdomain,
                     api::GetString(api::ObjectField(pod, "metadata"), "namespace"),
                     cluster_domain);
}

std::string HostsFile(const api::Json& pod, const std::string& pod_ip,
                      const std::string& cluster_domain) {
  std::string out =
      "# Kubernetes-managed hosts file.\n"
      "127.0.0.1\tlocalhost\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\n"
      "fe00::0\tip6-mcastprefix\n"
      "fe00::1\tip6-allnodes\n"
      "fe00::2\tip6-allrouters\n";
  if (!pod_ip.empty()) {
    std::string fqdn = PodFqdn(pod, cluster_domain);
    out += pod_ip + "\t" + (fqdn.empty() ? "" : fqdn + "\t") + PodHostname(pod) + "\n";
  }
  const api::Json* aliases = api::Find(api::ObjectField(pod, "spec"), "hostAliases");
  if (aliases != nullptr && aliases->is_array() && !aliases->empty()) {
    out += "\n# Entries added by HostAliases.\n";
    for (const api::Json& alias : *aliases) {
      std::string line = api::GetString(alias, "ip");
      const api::Json* names = api::Find(alias, "hostnames");
      if (names == nullptr || !names->is_array()) continue;
      for (const api::Json& n : *names) {
        if (n.is_string()) line += "\t" + n.get<std::string>();
      }
      out += line + "\n";
    }
  }
  return out;
}

Result<std::string> ResolvConf(const api::Json& pod, const DnsSettings& dns,
                               const std::string& host_resolv_conf) {
  const api::Json& spec = api::ObjectField(pod, "spec");
  std::string policy = api::GetString(spec, "dnsPolicy", "ClusterFirst");
  bool host_network = api::GetBool(spec, "hostNetwork");
  // ClusterFirst falls back to Default for host-network pods (upstream).
  if (policy == "ClusterFirst" && host_network) policy = "Default";

  Resolv host = ParseResolvConf(host_resolv_conf);
  Resolv r;
  if (policy == "ClusterFirst" || policy == "ClusterFirstWithHostNet") {
    std::string ns = api::GetString(api::ObjectField(pod, "metadata"), "namespace", "default");
    r.nameservers = {dns.cluster_dns};
    r.searches = {ns + ".svc." + dns.cluster_domain, "svc." + dns.cluster_domain,
                  dns.cluster_domain};
    for (const std::string& s : host.searches) AddUnique(r.searches, s);
    r.options = {"ndots:5"};
  } else if (policy == "Default") {
    r = host;
  } else if (policy != "None") {
    return Status::Invalid("unsupported dnsPolicy \"" + policy + "\"");
  }
  if (const api::Json* config = api::Find(spec, "dnsConfig"); config && config->is_object()) {
    if (const api::Json* ns = api::Find(*config, "nameservers"); ns && ns->is_array()) {
      for (const api::Json& v : *ns) {
        if (v.is_string()) AddUnique(r.nameservers, v.get<std::string>());
      }
    }
    if (const api::Json* s = api::Find(*config, "searches"); s && s->is_array()) {
      for (const api::Json& v : *s) {
        if (v.is_string()) AddUnique(r.searches, v.get<std::string>());
      }
    }
    if (const api::Json* o = api::Find(*config, "options"); o && o->is_array()) {
      for (const api::Json& v : *o) {
        std::string name = api::GetString(v, "name");
        if (name.empty()) continue;
        std::string value = api::GetString(v, "value");
        MergeOption(r.options, value.empty() ? name : name + ":" + value);
      }
    }
  }
  return Render(r);
}

Result<PodFiles> WritePodFiles(const std::string& pod_dir, const api::Json& pod,
                               const std::string& pod_ip, const DnsSettings& dns) {
  RETURN_IF_ERROR(MakeDirs(pod_dir, 0750));
  std::string host_resolv;
  if (Result<std::string> text = ReadFileToString(dns.host_resolv_conf); text.ok()) {
    host_resolv = *text;
  }
  ASSIGN_OR_RETURN(std::string resolv, ResolvConf(pod, dns, host_resolv));
  PodFiles files{pod_dir + "/etc-hosts", pod_dir + "/etc-hostname", pod_dir + "/resolv.conf"};
  RETURN_IF_ERROR(ReplaceFile(files.hosts, HostsFile(pod, pod_ip, dns.cluster_domain), 0644));
  RETURN_IF_ERROR(ReplaceFile(files.hostname, PodHostname(pod) + "\n", 0644));
  RETURN_IF_ERROR(ReplaceFile(files.resolv_conf, resolv, 0644));
  return files;
}

}  // namespace sampan::kubelet
