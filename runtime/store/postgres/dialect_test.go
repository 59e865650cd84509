package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/promoc/promoc/runtime/store/internal/sqlcore"
	"github.com/promoc/promoc/runtime/store/postgres"
	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestQueuedFailure: a transaction whose queued statements fail at the
// Nth (an error of the server, or a row count its check refuses) returns
// that statement's error, and nothing of the transaction is written: not
// the statements before it, not those after it, not the one run after
// the queue. A statement run after a failed queue is not sent.
func TestQueuedFailure(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgtest.Schema(t, "the store's tests", "promoc_test"))
	require.NoError(t, err)
	defer pool.Close()
	_, err = pool.Exec(ctx, `CREATE TABLE q (k INTEGER PRIMARY KEY); INSERT INTO q VALUES (0)`)
	require.NoError(t, err)
	d := postgres.NewDialect(pool)
	short := errors.New("a row count short")
	insert := func(k int) (string, []any) { return `INSERT INTO q (k) VALUES ($1)`, []any{k} }

	cases := []struct {
		name string
		keys []int // queued INSERTs; 0 is there already: a duplicate key
		// the check that refuses a row count, at this index (-1: none)
		refuse int
		then   string // run after the queue, in the same transaction
		want   string // the error
		// the checks called with an error, by index, and without
		failed, ran []int
	}{
		{name: "one", keys: []int{0}, refuse: -1, want: "23505", failed: []int{0}},
		{name: "first", keys: []int{0, 1, 2}, refuse: -1, want: "23505", failed: []int{0, 1, 2}},
		{name: "middle", keys: []int{1, 0, 2}, refuse: -1, want: "23505", failed: []int{1, 2}, ran: []int{0}},
		{name: "last", keys: []int{1, 2, 0}, refuse: -1, want: "23505", failed: []int{2}, ran: []int{0, 1}},
		{name: "refused", keys: []int{1, 2, 3}, refuse: 1, want: short.Error(), ran: []int{0, 1, 2}},
		{name: "then", keys: []int{1, 0}, refuse: -1, then: `INSERT INTO q (k) VALUES (9)`, want: "23505", failed: []int{1}, ran: []int{0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var failed, ran []int
			err := d.Begin(ctx, func(ex sqlcore.Execer) error {
				qr := ex.(sqlcore.Queuer)
				for i, k := range c.keys {
					q, args := insert(k)
					qr.Queue(q, args, func(n int64, err error) error {
						if err != nil {
							failed = append(failed, i)
							return err
						}
						ran = append(ran, i)
						if i == c.refuse {
							return short
						}
						return nil
					})
				}
				if c.then != "" {
					_, err := ex.Exec(ctx, c.then)
					return err
				}
				return nil
			})
			assert.ErrorContains(t, err, c.want)
			assert.Equal(t, c.failed, failed, "checks given an error")
			assert.Equal(t, c.ran, ran, "checks given a row count")
			var n int
			require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM q`).Scan(&n))
			assert.Equal(t, 1, n, "nothing of the transaction is written")
		})
	}

	// A function that fails after queueing sends nothing.
	boom := errors.New("boom")
	err = d.Begin(ctx, func(ex sqlcore.Execer) error {
		q, args := insert(5)
		ex.(sqlcore.Queuer).Queue(q, args, func(int64, error) error { t.Error("a dropped statement was checked"); return nil })
		return boom
	})
	assert.ErrorIs(t, err, boom)

	// A query after a failed queue reports the queue's error, unsent.
	err = d.Begin(ctx, func(ex sqlcore.Execer) error {
		q, args := insert(0)
		ex.(sqlcore.Queuer).Queue(q, args, nil)
		var k int
		return ex.QueryRow(ctx, `SELECT k FROM q`).Scan(&k)
	})
	assert.ErrorContains(t, err, "23505")
	err = d.Begin(ctx, func(ex sqlcore.Execer) error {
		q, args := insert(0)
		ex.(sqlcore.Queuer).Queue(q, args, nil)
		_, err := ex.Query(ctx, `SELECT k FROM q`)
		return err
	})
	assert.ErrorContains(t, err, "23505")
}

// TestBeginLazy: a lazy transaction runs with synchronous_commit off, for
// itself only: the next transaction has the server's setting again.
func TestBeginLazy(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgtest.Schema(t, "the store's tests", "promoc_test"))
	require.NoError(t, err)
	defer pool.Close()
	d := postgres.NewDialect(pool)
	var inside, after string
	require.NoError(t, d.BeginLazy(ctx, func(ex sqlcore.Execer) error {
		return ex.QueryRow(ctx, "SHOW synchronous_commit").Scan(&inside)
	}))
	require.NoError(t, d.Begin(ctx, func(ex sqlcore.Execer) error {
		return ex.QueryRow(ctx, "SHOW synchronous_commit").Scan(&after)
	}))
	assert.Equal(t, "off", inside)
	assert.Equal(t, "on", after)
}
