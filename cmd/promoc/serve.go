package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime/server"
)

// defaultAddr is where serve listens when --addr is not given: the
// loopback address only, so that nothing is exposed by default.
const defaultAddr = "127.0.0.1:8080"

// notifyStop relays the signals that stop serve (SIGTERM, SIGINT) to ctx;
// tests cancel ctx instead.
func notifyStop(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
}

func newServeCmd() *cobra.Command {
	var db, addr, logFormat string
	var tick time.Duration
	var maxBody int64
	var maxEvents int
	cmd := &cobra.Command{
		Use:   "serve DIR [--db FILE|URL] [--addr HOST:PORT]",
		Short: "Serve the automation rules and campaigns of a rule set as an HTTP API",
		Long: `Serve compiles the rule set of DIR and serves its campaign engine as a JSON
API over HTTP on --addr (127.0.0.1:8080 by default; :0 picks a free port),
keeping the state in the database of --db (promoc.db in the working
directory, created when missing, or a postgres:// URL). It prints where it
listens, then logs one JSON line per request on stderr (--log-format text
for people); logs name API keys by their id, never by their secret.

Every endpoint but /healthz and /readyz needs an API key of a role allowed
to call it (viewer, operator, approver, admin), sent as
Authorization: Bearer KEY; promoc keys create makes one. The endpoints,
the roles they allow and the error codes are in the README.

A scheduler inside the server fires what is due (players' inactivity,
scheduled campaigns) every --tick, on the wall clock. SIGTERM or SIGINT
stops the server gracefully: it stops taking requests, finishes those in
flight, and exits 0.`,
		Args: oneArg("DIR", "the directory of the rule set"),
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			if _, err := server.ParseLogFormat(logFormat); err != nil {
				return usageErrorf("--log-format: %v", err)
			}
			switch {
			case tick <= 0:
				return usageErrorf("--tick %s: expected a positive duration such as 5s", tick)
			case maxBody <= 0:
				return usageErrorf("--max-body %d: expected a positive number of bytes", maxBody)
			case maxEvents <= 0:
				return usageErrorf("--max-events %d: expected a positive number", maxEvents)
			}
			p := paths{}
			rs, err := p.ruleSetOf(args[0])
			if err != nil {
				return err
			}
			prog, err := rs.compile(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			ctx, stop := notifyStop(cmd.Context())
			defer stop()
			st, err := openStore(ctx, db, true)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			log := server.NewLogger(cmd.ErrOrStderr(), logFormat)
			srv, err := server.New(ctx, server.Config{Program: prog, Store: st, Logger: log, Tick: tick, MaxBody: maxBody,
				MaxEvents: maxEvents, Clock: func() time.Time { return now() }})
			if err != nil {
				return failf("%s: %v", dbName(db), err)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return failf("--addr %s: %v", addr, err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "promoc serve: rule set %s (version %s) on %s\n", p.display(args[0]), prog.Version(), dbName(db))
			fmt.Fprintf(out, "promoc serve: listening on http://%s\n", ln.Addr())
			keys, err := st.Keys(ctx)
			if err != nil {
				ln.Close()
				return failf("%s: %v", dbName(db), err)
			}
			if len(keys) == 0 {
				fmt.Fprintf(out, "promoc serve: no API key yet: make the first with\n\tpromoc keys create --role admin --db %s\n", dbName(db))
			}
			log.Info("serving", slog.String("addr", ln.Addr().String()), slog.String("rule_set_version", prog.Version()))
			if err := srv.Serve(ctx, ln); err != nil {
				return failf("serve: %v", err)
			}
			log.Info("stopped")
			return nil
		}),
	}
	dbFlag(cmd, &db)
	cmd.Flags().StringVar(&addr, "addr", defaultAddr, "the `HOST:PORT` to listen on")
	cmd.Flags().DurationVar(&tick, "tick", 5*time.Second, "how often the scheduler fires what is due")
	cmd.Flags().Int64Var(&maxBody, "max-body", 8<<20, "the largest request body, in `BYTES`")
	cmd.Flags().IntVar(&maxEvents, "max-events", 10_000, "the most events in one request (one database transaction)")
	cmd.Flags().StringVar(&logFormat, "log-format", "json", "the log's format: json or text")
	return cmd
}
