package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// runLeaseName is the lease a promoc run holds on its database for the
// whole run. Two runs on one database would each follow the clock of their
// own log (a firing between two events of one log is not between the
// events of the other), so the second is refused rather than interleaved.
const runLeaseName = "promoc-run"

// runLeaseTTL is how long the run lease lasts unrenewed: a run killed
// without releasing it (SIGKILL, a power cut) blocks the next run on
// another host at most this long. On the same host a holder whose process
// is gone is taken over at once.
var runLeaseTTL = 15 * time.Second

// errRunLeaseLost ends a run whose lease passed to another process (this
// one stalled past its end) or could not be renewed before it expired.
var errRunLeaseLost = errors.New("the database's run lease was lost: another promoc run may be writing; this run stopped")

// runHolder names this process among those that may run on a database:
// host, process id, random bytes.
func runHolder() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// deadHolder reports whether holder names a process of this host that no
// longer exists.
func deadHolder(holder string) bool {
	parts := strings.Split(holder, ":")
	if len(parts) != 3 {
		return false
	}
	host, _ := os.Hostname()
	pid, err := strconv.Atoi(parts[1])
	if parts[0] != host || err != nil || pid <= 0 {
		return false
	}
	return !processAlive(pid)
}

// holdRunLease takes the run lease of st for the run, or refuses with the
// holder's name when another process holds it. The lease is renewed every
// third of its length; the returned context is cancelled, with cause
// errRunLeaseLost, when it is lost. release gives it up at once, so the
// next run need not wait.
func holdRunLease(ctx context.Context, ls store.Leases, db string) (context.Context, func(), error) {
	holder := runHolder()
	got, ok, err := ls.Acquire(ctx, runLeaseName, holder, time.Now(), runLeaseTTL)
	if err != nil {
		return nil, nil, failf("%s: taking the run lease: %v", dbName(db), err)
	}
	if !ok && deadHolder(got.Holder) {
		// The holder died on this host without releasing: take it over as
		// if it had expired. Acquire is one conditional update, so of two
		// runs doing this at once one wins.
		got, ok, err = ls.Acquire(ctx, runLeaseName, holder, got.Expires, runLeaseTTL)
		if err == nil && ok {
			got, ok, err = ls.Renew(ctx, got, time.Now(), runLeaseTTL)
		}
		if err != nil {
			return nil, nil, failf("%s: taking the run lease: %v", dbName(db), err)
		}
	}
	if !ok {
		return nil, nil, failf("%s: another promoc run is running on this database (%s, lease until %s); wait for it to finish, then run again",
			dbName(db), got.Holder, got.Expires.UTC().Format(time.RFC3339))
	}
	held, cancel := context.WithCancelCause(ctx)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(runLeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			now := time.Now()
			renewed, ok, err := ls.Renew(held, got, now, runLeaseTTL)
			switch {
			case err == nil && ok:
				got = renewed
			case err == nil || !now.Before(got.Expires):
				cancel(errRunLeaseLost)
				return
			}
		}
	})
	release := func() {
		close(stop)
		wg.Wait()
		lost := errors.Is(context.Cause(held), errRunLeaseLost)
		cancel(nil)
		if lost {
			return
		}
		rctx, done := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer done()
		_ = ls.Release(rctx, got) // unreleased, it expires within runLeaseTTL
	}
	return held, release, nil
}
