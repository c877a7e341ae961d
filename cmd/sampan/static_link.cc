// Stand-ins for glibc functions that need NSS or the dynamic loader, which a static binary
// cannot use. The static link (SAMPAN_STATIC in CMakeLists.txt) redirects the libraries'
// references here with -Wl,--wrap=NAME, so glibc's versions and their link warnings stay out:
//   dlopen          SQLite's loadable extensions (sampan loads none)
//   getpwuid_r      libuv's uv_os_get_passwd / home directory lookup (sampan uses neither)
//   getservbyname   c-ares's service names (sampan resolves hosts only, ports are numeric)
//   getservbyport_r c-ares's ares_getnameinfo, linked along with ares_getaddrinfo, unused
//   getaddrinfo     OpenSSL's BIO_lookup and libuv's uv_getaddrinfo
//   gethostbyname   OpenSSL's BIO_gethostbyname
//   getprotobyname, getprotobynumber  libnl's protocol names (nl_str2ip_proto and
//                   nl_ip_proto2str fall back to numbers; net/ uses numbers only)
// sampan resolves host names with c-ares (pkg/util/resolver.h) and hands addresses to the
// libraries, so these stand-ins simply fail.
// The dynamic build links these too, unused.

#include <netdb.h>
#include <pwd.h>
#include <sys/types.h>

#include <cerrno>
#include <cstddef>

// NOLINTBEGIN(readability-identifier-naming): --wrap=NAME dictates the names.
extern "C" {

void* __wrap_dlopen(const char* /*file*/, int /*mode*/) { return nullptr; }

int __wrap_getpwuid_r(uid_t /*uid*/, passwd* /*pwd*/, char* /*buf*/, size_t /*size*/,
                      passwd** result) {
  *result = nullptr;
  return ENOENT;
}

servent* __wrap_getservbyname(const char* /*name*/, const char* /*proto*/) { return nullptr; }

int __wrap_getservbyport_r(int /*port*/, const char* /*proto*/, servent* /*result_buf*/,
                           char* /*buf*/, size_t /*size*/, servent** result) {
  *result = nullptr;
  return ENOENT;
}

int __wrap_getaddrinfo(const char* /*node*/, const char* /*service*/, const addrinfo* /*hints*/,
                       addrinfo** result) {
  *result = nullptr;
  return EAI_FAIL;
}

hostent* __wrap_gethostbyname(const char* /*name*/) {
  h_errno = NO_RECOVERY;
  return nullptr;
}

protoent* __wrap_getprotobyname(const char* /*name*/) { return nullptr; }

protoent* __wrap_getprotobynumber(int /*proto*/) { return nullptr; }

}  // extern "C"
// NOLINTEND(readability-identifier-naming)
