package sqlite

import (
	"context"
	"fmt"
)

// Options are the settings of a store that trade durability for speed.
// The zero value is the default: every commit on disk when Apply returns.
type Options struct {
	// Relaxed sets synchronous=NORMAL instead of FULL. In WAL mode a
	// commit then waits for no fsync: what returned survives a crash of
	// the process (the commit is in the WAL file, in the operating
	// system's hands), not a crash of the machine or a power loss, which
	// may lose the last commits (never half of one: the database stays
	// consistent). The WAL is synced at each checkpoint.
	Relaxed bool
}

// synchronous is the PRAGMA of the options' durability.
func (o Options) synchronous() string {
	if o.Relaxed {
		return "PRAGMA synchronous = NORMAL"
	}
	return "PRAGMA synchronous = FULL"
}

// OpenWith is [Open] with options.
func OpenWith(ctx context.Context, path string, o Options) (*Store, error) {
	s, err := open(ctx, path)
	if err != nil {
		return nil, err
	}
	if _, err := s.db.ExecContext(ctx, o.synchronous()); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %s: %w", path, o.synchronous(), err)
	}
	return s, nil
}
