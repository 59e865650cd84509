package sqlite

import (
	"os"
	"sync"
)

// This file holds the checkpointer's own handles on the database file and
// its WAL, through which it starts the write-back of the pages its
// rounds copied (kick) and syncs them (datasync) outside SQLite's
// checkpoints, which run without syncing (checkpoint.go says why and how
// that stays safe).
//
// A handle on the database file is shared by every store of the process
// on that file and closed with the last of them: closing any descriptor
// of a file drops every POSIX lock the process holds on it, and SQLite
// keeps such locks on the database file for as long as its connections
// are open (its WAL file it does not lock: a store's handle on it is its
// own).

// dbFiles are the open handles on database files, by fileKey.
var dbFiles = struct {
	sync.Mutex
	m map[any]*sharedFile
}{m: map[any]*sharedFile{}}

type sharedFile struct {
	f    *os.File
	refs int
}

// syncFiles are a store's handles: the database file (shared) and its
// WAL (opened when first needed: SQLite creates it with the first
// connection in WAL mode and removes it with the last one).
type syncFiles struct {
	path string
	key  any
	db   *os.File
	wal  *os.File
}

// openSyncFiles opens, or shares, a handle on the database file at path.
func openSyncFiles(path string) (*syncFiles, error) {
	dbFiles.Lock()
	defer dbFiles.Unlock()
	key, err := fileKey(path)
	if err != nil {
		return nil, err
	}
	if sf, ok := dbFiles.m[key]; ok {
		sf.refs++
		return &syncFiles{path: path, key: key, db: sf.f}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	dbFiles.m[key] = &sharedFile{f: f, refs: 1}
	return &syncFiles{path: path, key: key, db: f}, nil
}

// syncWAL syncs the WAL's data: the frames a checkpoint is about to copy
// must be on disk before the database file's pages they replace are
// overwritten (a commit in synchronous=FULL already synced them; with
// NORMAL, or a bulk load's OFF, it did not).
func (s *syncFiles) syncWAL() error {
	if s.wal == nil {
		f, err := os.Open(s.path + "-wal")
		if err != nil {
			return err
		}
		s.wal = f
	}
	return datasync(s.wal)
}

// syncDB syncs the database file's data: every page a round copied.
func (s *syncFiles) syncDB() error { return datasync(s.db) }

// kickDB starts the write-back of the database file's pages a round
// copied, without waiting for it, so that the sync before the WAL may
// start again finds little left to write (one sync of a checkpoint's
// tens of megabytes held the writer's commits behind it).
func (s *syncFiles) kickDB() { kick(s.db) }

// close closes the WAL's handle, and the database file's when this was
// its last store: after the store's connections are closed (Store.Close
// closes it last).
func (s *syncFiles) close() error {
	if s == nil {
		return nil
	}
	var err error
	if s.wal != nil {
		err = s.wal.Close()
	}
	dbFiles.Lock()
	defer dbFiles.Unlock()
	sf := dbFiles.m[s.key]
	if sf == nil {
		return err
	}
	if sf.refs--; sf.refs > 0 {
		return err
	}
	delete(dbFiles.m, s.key)
	if cerr := sf.f.Close(); err == nil {
		err = cerr
	}
	return err
}
