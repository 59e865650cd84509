package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/promoc/promoc/runtime/store"
)

// errLeaseLost ends a job whose lease passed to another process (this one
// stalled past the lease's end) or could not be renewed before it expired.
var errLeaseLost = errors.New("the lease of the job was lost")

// leaser takes, renews and releases the leases of the scheduler's jobs in
// the store, for the engine (engine.Options.Lease). Leases run on the wall
// clock, not on Config.Clock: they measure whether a process is alive.
type leaser struct {
	ls     store.Leases
	holder string
	ttl    time.Duration
	log    *slog.Logger
	jobs   *prometheus.CounterVec // result: ran, held-elsewhere, lost
}

// holderName names this process among those sharing a database: the host,
// the process id and random bytes (a restarted process is a new holder).
func holderName() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

func newLeaser(ls store.Leases, holder string, ttl time.Duration, log *slog.Logger, reg prometheus.Registerer) *leaser {
	l := &leaser{ls: ls, holder: holder, ttl: ttl, log: log,
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "promoc_scheduler_jobs_total",
			Help: "Jobs of the scheduler (a scheduled firing in a zone, the timers due) by result: ran here, held-elsewhere (another process holds the lease) or lost (the lease lapsed during the job)."},
			[]string{"result"})}
	reg.MustRegister(l.jobs)
	return l
}

// lease is engine.Options.Lease: it takes the job's lease, or reports
// that another process holds it. While the job runs, the lease is renewed
// every third of its length; when a renewal finds it taken, or none
// succeeds before it expires, the job's context is cancelled.
func (l *leaser) lease(ctx context.Context, job string) (context.Context, func(), bool, error) {
	name := "scheduler/" + job
	got, ok, err := l.ls.Acquire(ctx, name, l.holder, time.Now(), l.ttl)
	if err != nil {
		return nil, nil, false, fmt.Errorf("lease %s: %w", name, err)
	}
	if !ok {
		l.jobs.WithLabelValues("held-elsewhere").Inc()
		l.log.Debug("scheduler: job held elsewhere", slog.String("job", job), slog.String("holder", got.Holder))
		return nil, nil, false, nil
	}
	held, cancel := context.WithCancelCause(ctx)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(l.ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-held.Done():
				return
			case <-t.C:
			}
			now := time.Now()
			renewed, ok, err := l.ls.Renew(held, got, now, l.ttl)
			switch {
			case err == nil && ok:
				got = renewed
			case err == nil || !now.Before(got.Expires):
				l.jobs.WithLabelValues("lost").Inc()
				l.log.Error("scheduler: lease lost; the job stops", slog.String("job", job), slog.Any("renewal_error", err))
				cancel(errLeaseLost)
				return
			default:
				l.log.Warn("scheduler: renewing a lease", slog.String("job", job), slog.String("error", err.Error()))
			}
		}
	}()
	release := func() {
		close(stop)
		wg.Wait()
		lost := errors.Is(context.Cause(held), errLeaseLost)
		cancel(nil)
		if lost {
			return
		}
		l.jobs.WithLabelValues("ran").Inc()
		// Released even at shutdown, so that another process takes the
		// job at once rather than when the lease expires.
		rctx, done := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer done()
		if err := l.ls.Release(rctx, got); err != nil {
			l.log.Warn("scheduler: releasing a lease", slog.String("job", job), slog.String("error", err.Error()))
		}
	}
	return held, release, true, nil
}
