#include "storage/wal_write_vfs.h"

#include <sqlite3.h>

#include <mutex>
#include <new>
#include <string>

namespace sampan::storage {
namespace {

constexpr const char* kVfsName = "sampan-wal-write";
// One write of the wrapped unix VFS must stay below 128 KiB (it masks the length with
// 0x1ffff), and a huge transaction need not sit in memory: write out before passing this.
constexpr size_t kMaxBuffered = 120 * 1024;

// Our sqlite3_file; the wrapped VFS's file follows it in the same allocation.
struct File {
  sqlite3_file base;
  sqlite3_file* real;
  std::string* pending;      // bytes not yet written; null for files other than a WAL
  sqlite3_int64 pending_at;  // their offset in the file
};

sqlite3_vfs* real_vfs = nullptr;
sqlite3_vfs vfs;

File* Of(sqlite3_file* f) { return reinterpret_cast<File*>(f); }

int Flush(File* f) {
  if (!f->pending || f->pending->empty()) return SQLITE_OK;
  int rc = f->real->pMethods->xWrite(f->real, f->pending->data(),
                                     static_cast<int>(f->pending->size()), f->pending_at);
  f->pending->clear();
  return rc;
}

int Close(sqlite3_file* p) {
  File* f = Of(p);
  int flushed = Flush(f);
  int rc = f->real->pMethods->xClose(f->real);
  delete f->pending;
  f->pending = nullptr;
  return flushed != SQLITE_OK ? flushed : rc;
}

int Read(sqlite3_file* p, void* out, int n, sqlite3_int64 off) {
  File* f = Of(p);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xRead(f->real, out, n, off);
}

int Write(sqlite3_file* p, const void* data, int n, sqlite3_int64 off) {
  File* f = Of(p);
  if (!f->pending) return f->real->pMethods->xWrite(f->real, data, n, off);
  std::string& pending = *f->pending;
  bool follows = !pending.empty() &&
                 off == f->pending_at + static_cast<sqlite3_int64>(pending.size());
  if (!follows || pending.size() + static_cast<size_t>(n) > kMaxBuffered) {
    if (int rc = Flush(f); rc != SQLITE_OK) return rc;
    f->pending_at = off;
  }
  if (static_cast<size_t>(n) > kMaxBuffered) {
    return f->real->pMethods->xWrite(f->real, data, n, off);  // too large to gather
  }
  pending.append(static_cast<const char*>(data), static_cast<size_t>(n));
  return SQLITE_OK;
}

int Truncate(sqlite3_file* p, sqlite3_int64 size) {
  File* f = Of(p);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xTruncate(f->real, size);
}

int Sync(sqlite3_file* p, int flags) {
  File* f = Of(p);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xSync(f->real, flags);
}

int FileSize(sqlite3_file* p, sqlite3_int64* size) {
  File* f = Of(p);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileSize(f->real, size);
}

// The rest pass through unchanged.
int Lock(sqlite3_file* p, int level) { return Of(p)->real->pMethods->xLock(Of(p)->real, level); }
int Unlock(sqlite3_file* p, int level) {
  return Of(p)->real->pMethods->xUnlock(Of(p)->real, level);
}
int CheckReservedLock(sqlite3_file* p, int* out) {
  return Of(p)->real->pMethods->xCheckReservedLock(Of(p)->real, out);
}
int FileControl(sqlite3_file* p, int op, void* arg) {
  return Of(p)->real->pMethods->xFileControl(Of(p)->real, op, arg);
}
int SectorSize(sqlite3_file* p) { return Of(p)->real->pMethods->xSectorSize(Of(p)->real); }
int DeviceCharacteristics(sqlite3_file* p) {
  return Of(p)->real->pMethods->xDeviceCharacteristics(Of(p)->real);
}
int ShmMap(sqlite3_file* p, int region, int size, int extend, void volatile** out) {
  return Of(p)->real->pMethods->xShmMap(Of(p)->real, region, size, extend, out);
}
int ShmLock(sqlite3_file* p, int offset, int n, int flags) {
  return Of(p)->real->pMethods->xShmLock(Of(p)->real, offset, n, flags);
}
void ShmBarrier(sqlite3_file* p) { Of(p)->real->pMethods->xShmBarrier(Of(p)->real); }
int ShmUnmap(sqlite3_file* p, int del) {
  return Of(p)->real->pMethods->xShmUnmap(Of(p)->real, del);
}
int Fetch(sqlite3_file* p, sqlite3_int64 off, int n, void** out) {
  File* f = Of(p);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFetch(f->real, off, n, out);
}
int Unfetch(sqlite3_file* p, sqlite3_int64 off, void* page) {
  return Of(p)->real->pMethods->xUnfetch(Of(p)->real, off, page);
}

const sqlite3_io_methods kMethods = {
    3,        Close,      Read,      Write,       Truncate,   Sync,
    FileSize, Lock,       Unlock,    CheckReservedLock,       FileControl,
    SectorSize,           DeviceCharacteristics,  ShmMap,     ShmLock,
    ShmBarrier,           ShmUnmap,  Fetch,       Unfetch,
};

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* p, int flags, int* out_flags) {
  File* f = Of(p);
  f->base.pMethods = nullptr;
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->pending = nullptr;
  f->pending_at = 0;
  int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  // The unix VFS only has version-3 methods; anything older would lack the calls above.
  if (f->real->pMethods->iVersion < 3) {
    f->real->pMethods->xClose(f->real);
    return SQLITE_CANTOPEN;
  }
  if (flags & SQLITE_OPEN_WAL) {
    f->pending = new (std::nothrow) std::string;
    if (!f->pending) {
      f->real->pMethods->xClose(f->real);
      return SQLITE_NOMEM;
    }
  }
  f->base.pMethods = &kMethods;
  return SQLITE_OK;
}

// Everything about paths, randomness and time is the wrapped VFS's.
int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return real_vfs->xDelete(real_vfs, name, sync_dir);
}
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return real_vfs->xAccess(real_vfs, name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return real_vfs->xFullPathname(real_vfs, name, n, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) { return real_vfs->xDlOpen(real_vfs, name); }
void DlError(sqlite3_vfs*, int n, char* out) { real_vfs->xDlError(real_vfs, n, out); }
void (*DlSym(sqlite3_vfs*, void* h, const char* sym))(void) {
  return real_vfs->xDlSym(real_vfs, h, sym);
}
void DlClose(sqlite3_vfs*, void* h) { real_vfs->xDlClose(real_vfs, h); }
int Randomness(sqlite3_vfs*, int n, char* out) { return real_vfs->xRandomness(real_vfs, n, out); }
int Sleep(sqlite3_vfs*, int us) { return real_vfs->xSleep(real_vfs, us); }
int CurrentTime(sqlite3_vfs*, double* out) { return real_vfs->xCurrentTime(real_vfs, out); }
int GetLastError(sqlite3_vfs*, int n, char* out) {
  return real_vfs->xGetLastError ? real_vfs->xGetLastError(real_vfs, n, out) : 0;
}
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

}  // namespace

const char* WalWriteVfsName() {
  static std::once_flag once;
  std::call_once(once, [] {
    real_vfs = sqlite3_vfs_find(nullptr);
    vfs = sqlite3_vfs{};
    vfs.iVersion = 2;
    vfs.szOsFile = static_cast<int>(sizeof(File)) + real_vfs->szOsFile;
    vfs.mxPathname = real_vfs->mxPathname;
    vfs.zName = kVfsName;
    vfs.xOpen = Open;
    vfs.xDelete = Delete;
    vfs.xAccess = Access;
    vfs.xFullPathname = FullPathname;
    vfs.xDlOpen = DlOpen;
    vfs.xDlError = DlError;
    vfs.xDlSym = DlSym;
    vfs.xDlClose = DlClose;
    vfs.xRandomness = Randomness;
    vfs.xSleep = Sleep;
    vfs.xCurrentTime = CurrentTime;
    vfs.xGetLastError = GetLastError;
    vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    sqlite3_vfs_register(&vfs, 0);
  });
  return kVfsName;
}

}  // namespace sampan::storage
