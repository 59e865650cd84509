package sqlcore

import (
	"context"
	"fmt"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

const inboxCols = `seq, ref, actor, body, accepted_ns, status, result, finished_ns`

func scanInbox(r Row) (store.InboxEntry, error) {
	var e store.InboxEntry
	var acc, fin int64
	var status string
	if err := r.Scan(&e.Seq, &e.Ref, &e.Actor, &e.Body, &acc, &status, &e.Result, &fin); err != nil {
		return e, err
	}
	e.Accepted, e.Finished, e.Status = fromNanos(acc), fromNanos(fin), store.InboxStatus(status)
	return e, nil
}

// Accept implements store.Inbox.
func (s *Store) Accept(ctx context.Context, e store.InboxEntry) (store.InboxEntry, error) {
	if e.Ref == "" || len(e.Body) == 0 {
		return store.InboxEntry{}, fmt.Errorf("inbox: a reference and a body are required")
	}
	e.Status, e.Result, e.Finished = store.InboxPending, nil, time.Time{}
	e.Accepted = fromNanos(nanos(e.Accepted))
	err := s.D.Begin(ctx, func(ex Execer) error {
		return ex.QueryRow(ctx, `INSERT INTO inbox (ref, actor, body, accepted_ns, status) VALUES ($1, $2, $3, $4, 'pending') RETURNING seq`,
			e.Ref, e.Actor, e.Body, nanos(e.Accepted)).Scan(&e.Seq)
	})
	if err != nil {
		return store.InboxEntry{}, err
	}
	return e, nil
}

func (s *Store) inbox(ctx context.Context, q string, args ...any) ([]store.InboxEntry, error) {
	var out []store.InboxEntry
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		e, err := scanInbox(r)
		out = append(out, e)
		return err
	}, q, args...)
	return out, err
}

// InboxEntry implements store.Inbox.
func (s *Store) InboxEntry(ctx context.Context, ref string) (store.InboxEntry, bool, error) {
	es, err := s.inbox(ctx, `SELECT `+inboxCols+` FROM inbox WHERE ref = $1`, ref)
	if err != nil || len(es) == 0 {
		return store.InboxEntry{}, false, err
	}
	return es[0], true, nil
}

// PendingInbox implements store.Inbox.
func (s *Store) PendingInbox(ctx context.Context, limit int) ([]store.InboxEntry, error) {
	return s.inbox(ctx, `SELECT `+inboxCols+` FROM inbox WHERE status = 'pending' ORDER BY seq LIMIT $1`, limit)
}

// ClaimInbox implements store.Inbox: one conditional UPDATE of the lease's
// row, so that two processes claiming at once cannot both win.
func (s *Store) ClaimInbox(ctx context.Context, holder string, now, until time.Time) (bool, error) {
	if holder == "" {
		return false, fmt.Errorf("inbox: a holder is required")
	}
	var n int64
	err := s.D.Begin(ctx, func(ex Execer) error {
		var err error
		n, err = ex.Exec(ctx, `UPDATE inbox_lease SET holder = $1, until_ns = $2 WHERE id = 1 AND (holder = $1 OR until_ns < $3)`,
			holder, nanos(until), nanos(now))
		return err
	})
	return n == 1, err
}

// FinishInbox implements store.Inbox.
func (s *Store) FinishInbox(ctx context.Context, seq int64, status store.InboxStatus, result []byte, at time.Time) error {
	if status != store.InboxDone && status != store.InboxFailed {
		return fmt.Errorf("inbox: entry %d: finished as %q: expected done or failed", seq, status)
	}
	return s.D.Begin(ctx, func(ex Execer) error {
		_, err := ex.Exec(ctx, `UPDATE inbox SET status = $2, result = $3, finished_ns = $4 WHERE seq = $1 AND status = 'pending'`,
			seq, string(status), nonNil(result), max(nanos(at), 1))
		return err
	})
}

// PruneInbox implements store.Inbox.
func (s *Store) PruneInbox(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.D.Begin(ctx, func(ex Execer) error {
		var err error
		n, err = ex.Exec(ctx, `DELETE FROM inbox WHERE status <> 'pending' AND finished_ns < $1`, nanos(before))
		return err
	})
	return n, err
}
