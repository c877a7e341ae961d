#pragma once
// An SQLite VFS that gathers a transaction's WAL writes into one system call.
//
// SQLite writes each WAL frame as two pwrite calls (a 24-byte header, then the page), so a
// commit of 17 pages made 34 system calls before its fsync. This VFS wraps the default one
// and keeps consecutive writes to a WAL file in memory until something needs them on disk:
// a sync, a read, a size query, a truncate, a write elsewhere in the file, or close. Nothing
// becomes visible to readers before the commit's sync (SQLite publishes a commit in the WAL
// index only after syncing the WAL, with synchronous=FULL), so readers never miss bytes. A
// failed write surfaces at that later call, which fails the transaction as a failed pwrite
// would (a full disk is still SQLITE_FULL).
//
// Other files (the database, the journal) pass straight through.

namespace sampan::storage {

// Registers the VFS once (thread-safe) and returns its name for sqlite3_open_v2.
const char* WalWriteVfsName();

}  // namespace sampan::storage
