#pragma once
// Facts about the machine a node agent runs on, for the Node object's capacity, nodeInfo
// and pressure conditions. ReadMachine() reads them from /proc, uname, /etc and statvfs;
// tests pass their own MachineFacts instead.

#include <cstdint>
#include <string>

#include "pkg/util/status.h"

namespace sampan::kubelet {

struct MachineFacts {
  int64_t cpus = 0;
  int64_t memory_bytes = 0;            // MemTotal
  int64_t memory_available_bytes = 0;  // MemAvailable
  int64_t fs_bytes = 0;                // the file system holding the data dir
  int64_t fs_available_bytes = 0;
  int64_t pids_max = 0;        // kernel.pid_max
  int64_t pids_used = 0;       // processes now
  std::string kernel_version;  // uname -r
  std::string os_image;        // PRETTY_NAME of /etc/os-release
  std::string architecture;    // "amd64", "arm64", ...
  std::string machine_id;
  std::string boot_id;
  std::string hostname;
};

// `data_dir` decides which file system's space is reported.
Result<MachineFacts> ReadMachine(const std::string& data_dir);

}  // namespace sampan::kubelet
