package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/tracking"
)

// traceRequests is server.Config.Trace: nil but in a build with the tag
// promoc_pprof (trace.go).
var traceRequests func(server.RequestTrace)

// readSecret reads the tracking secret of a file: its bytes, without the
// white space around them; at least 16.
func readSecret(name string) ([]byte, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	b = []byte(strings.TrimSpace(string(b)))
	if len(b) < 16 {
		return nil, fmt.Errorf("%s: %d bytes: expected a secret of at least 16 bytes (head -c 32 /dev/urandom | base64 > FILE)", name, len(b))
	}
	return b, nil
}

// defaultAddr is where serve listens when --addr is not given: the
// loopback address only, so that nothing is exposed by default.
const defaultAddr = "127.0.0.1:8080"

// notifyStop relays the signals that stop serve (SIGTERM, SIGINT) to ctx;
// tests cancel ctx instead.
func notifyStop(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
}

func newServeCmd() *cobra.Command {
	var db, addr, logFormat, tlsCert, tlsKey, trackingSecret, durabilityArg string
	var tick, leaseTTL, poll time.Duration
	var maxBody int64
	var maxEvents, gc int
	var webhooks []string
	var webhookTimeout, retryMin, retryMax, staleRequest, webhookKeep, keyCache time.Duration
	var async, budgetSlices bool
	var kafkaBrokers []string
	var kafkaTopic, kafkaGroup, kafkaDeadLetter string
	cmd := &cobra.Command{
		Use:   "serve [DIR] [--db FILE|URL] [--addr HOST:PORT] [--tls-cert FILE --tls-key FILE] [--async]",
		Short: "Serve the automation rules and campaigns of a rule set as an HTTP API",
		Long: `Serve compiles the rule set of DIR and serves its campaign engine as a JSON
API over HTTP on --addr (127.0.0.1:8080 by default; :0 picks a free port),
keeping the state in the database of --db (promoc.db in the working
directory, created when missing, or a postgres:// URL). It prints where it
listens, then logs one JSON line per request on stderr (--log-format text
for people); logs name API keys by their id, never by their secret.

Every endpoint but /healthz, /readyz and /v1/openapi.json needs an API key of
a role allowed to call it (viewer, operator, approver, admin), sent as
Authorization: Bearer KEY; promoc keys create makes one. The endpoints,
the roles they allow and the error codes are in the README and in the
OpenAPI document the server serves at /v1/openapi.json.

The rule set that runs is DIR's, recorded in the database as a deployment,
unless a version was deployed through the API (POST /v1/rulesets, or a
rollback): the database's active version then wins over DIR, and serve
says so in its log. Without DIR, the database's active version runs. Every
--poll the server reads whether another process on the database deployed
a version or erased a player, and follows.

With --async every POST /v1/events is answered 202 once its events are
stored in the database's inbox, as with the header Prefer: respond-async;
a worker inside the server handles the inbox in order.

A scheduler inside the server fires what is due (players' inactivity,
scheduled campaigns) every --tick, on the wall clock. Several serve
processes may share one PostgreSQL database: each scheduled job (a
firing in a zone, the timers due) is run by the process holding its lease
in the database, renewed while it works; the job of a process that died
is taken over by another when its lease (--lease-ttl) expires. With --tls-cert and
--tls-key (PEM files) it serves HTTPS. Each flag not given is read from
the environment variable PROMOC_ and its name in capitals, - as _:
PROMOC_ADDR, PROMOC_DB, PROMOC_TLS_CERT...

With --webhook URL (repeated, or PROMOC_WEBHOOK with URLs separated by
spaces) every outcome is posted to each URL, at least once, in the order of
the log, signed with HMAC-SHA256 by the secret of the environment variable
PROMOC_WEBHOOK_SECRET (never a flag: a command line is visible to every
user of the machine). A failed try is tried again after a wait that doubles
from --webhook-retry-min to --webhook-retry-max.

With --kafka-brokers and --kafka-topic it also consumes events from Kafka:
one event a record (a line of promoc run's log), keyed by its player's id;
the servers of one --kafka-group share the topic's partitions, and each
commits a poll's offsets only once its outcomes are stored. A record that
is not a valid event is logged, counted and, with --kafka-dead-letter,
copied to that topic. SIGTERM or SIGINT
stops the server gracefully: it stops taking requests, finishes those in
flight, and exits 0.`,
		Args: maxOneArg("DIR", "the directory of the rule set"),
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			if err := flagsFromEnv(cmd); err != nil {
				return err
			}
			setGC(cmd, gc)
			if _, err := server.ParseLogFormat(logFormat); err != nil {
				return usageErrorf("--log-format: %v", err)
			}
			switch {
			case tick <= 0:
				return usageErrorf("--tick %s: expected a positive duration such as 5s", tick)
			case leaseTTL < time.Second:
				return usageErrorf("--lease-ttl %s: expected a duration of at least 1s, such as 30s", leaseTTL)
			case poll <= 0:
				return usageErrorf("--poll %s: expected a positive duration such as 2s", poll)
			case maxBody <= 0:
				return usageErrorf("--max-body %d: expected a positive number of bytes", maxBody)
			case maxEvents <= 0:
				return usageErrorf("--max-events %d: expected a positive number", maxEvents)
			case staleRequest <= 0:
				return usageErrorf("--stale-request %s: expected a positive duration such as 2m", staleRequest)
			case webhookTimeout <= 0 || retryMin <= 0 || retryMax < retryMin:
				return usageErrorf("--webhook-timeout %s, --webhook-retry-min %s, --webhook-retry-max %s: expected positive durations, the maximum not below the minimum",
					webhookTimeout, retryMin, retryMax)
			case keyCache < 0:
				return usageErrorf("--key-cache %s: expected a duration such as 5s, or 0 to read the key at every request", keyCache)
			case webhookKeep <= 0:
				return usageErrorf("--webhook-log-retention %s: expected a positive duration such as 168h", webhookKeep)
			case (len(kafkaBrokers) == 0) != (kafkaTopic == ""):
				return usageErrorf("--kafka-brokers and --kafka-topic go together: where the brokers are (HOST:PORT,...) and the topic of the events")
			case (tlsCert == "") != (tlsKey == ""):
				return usageErrorf("--tls-cert and --tls-key go together: a certificate and its key, PEM files")
			}
			dur, err := parseDurability(durabilityArg)
			if err != nil {
				return err
			}
			var tlsConfig *tls.Config
			if tlsCert != "" {
				cert, err := tls.LoadX509KeyPair(tlsCert, tlsKey)
				if err != nil {
					return usageErrorf("--tls-cert, --tls-key: %v", err)
				}
				tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
			}
			hooks := server.WebhookConfig{Timeout: webhookTimeout, RetryMin: retryMin, RetryMax: retryMax, Keep: webhookKeep}
			for _, w := range webhooks {
				hooks.URLs = append(hooks.URLs, strings.Fields(w)...)
			}
			// The secret signs the deliveries of --webhook and seals the
			// secrets of the webhooks added through the API.
			hooks.Secret = []byte(os.Getenv(webhookSecretEnv))
			if len(hooks.URLs) > 0 || len(hooks.Secret) > 0 {
				if len(hooks.Secret) < minWebhookSecret {
					return usageErrorf("--webhook: the deliveries are signed with the secret of %s: set it, of at least %d bytes (openssl rand -hex 32 makes one)",
						webhookSecretEnv, minWebhookSecret)
				}
			}
			var secret []byte
			if trackingSecret != "" {
				if secret, err = readSecret(trackingSecret); err != nil {
					return usageErrorf("--tracking-secret-file: %v", err)
				}
			}
			p := paths{}
			var prog *runtime.Program
			var seed []store.RuleSetFile
			if len(args) == 1 {
				if prog, err = compileRuleSet(cmd.ErrOrStderr(), args[0]); err != nil {
					return err
				}
				if seed, err = server.ReadRuleSetDir(args[0]); err != nil {
					return p.pathError(args[0], err)
				}
			}
			ctx, stop := notifyStop(cmd.Context())
			defer stop()
			if prog == nil && !isPostgres(db) {
				if _, err := os.Stat(db); errors.Is(err, os.ErrNotExist) {
					return usageErrorf("missing DIR: expected the directory of the rule set")
				}
			}
			st, err := openStoreWith(ctx, db, true, dur)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			returnSlices, err := useSlices(st, budgetSlices, leaseTTL)
			if err != nil {
				return err
			}
			defer returnSlices(&err)
			if rs, ok := st.(store.RuleSets); prog == nil && ok {
				if _, deployed, err := rs.ActiveRuleSet(ctx); err != nil {
					return failf("%s: %v", dbName(db), err)
				} else if !deployed {
					return usageErrorf("missing DIR: expected the directory of the rule set (%s has none deployed)", dbName(db))
				}
			}
			// The log's lines are written by a goroutine of their own, not
			// in the requests' path: a request log costs no system call.
			logw := server.NewLogWriter(cmd.ErrOrStderr())
			defer logw.Close()
			log := server.NewLogger(logw, logFormat)
			srv, err := server.New(ctx, server.Config{Program: prog, Seed: seed, Store: st, Logger: log, Tick: tick, MaxBody: maxBody,
				MaxEvents: maxEvents, Clock: func() time.Time { return now() }, Webhooks: hooks, LeaseTTL: leaseTTL,
				StaleRequest: staleRequest, KeyCache: cmp.Or(keyCache, -1), Tracking: tracking.Config{Secret: secret},
				Poll: poll, Async: async, Trace: traceRequests,
				Kafka: server.KafkaConfig{Brokers: kafkaBrokers, Topic: kafkaTopic, Group: kafkaGroup, DeadLetter: kafkaDeadLetter}})
			if err != nil {
				return failf("%s: %v", dbName(db), err)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return failf("--addr %s: %v", addr, err)
			}
			scheme := "http"
			if tlsConfig != nil {
				ln, scheme = tls.NewListener(ln, tlsConfig), "https"
			}
			out := cmd.OutOrStdout()
			switch running := srv.Version(); {
			case prog == nil:
				fmt.Fprintf(out, "promoc serve: rule set version %s, deployed in %s\n", running, dbName(db))
			case running != prog.Version():
				fmt.Fprintf(out, "promoc serve: rule set version %s, deployed in %s through the API (not %s, version %s)\n",
					running, dbName(db), p.display(args[0]), prog.Version())
			default:
				fmt.Fprintf(out, "promoc serve: rule set %s (version %s) on %s\n", p.display(args[0]), prog.Version(), dbName(db))
			}
			fmt.Fprintf(out, "promoc serve: listening on %s://%s\n", scheme, ln.Addr())
			// Not ctx: a SIGTERM here stops the server below, gracefully,
			// instead of failing this read with "context canceled".
			keys, err := st.Keys(context.WithoutCancel(ctx))
			if err != nil {
				ln.Close()
				return failf("%s: %v", dbName(db), err)
			}
			if len(keys) == 0 {
				fmt.Fprintf(out, "promoc serve: no API key yet: make the first with\n\tpromoc keys create --role admin --db %s\n", dbName(db))
			}
			log.Info("serving", slog.String("addr", ln.Addr().String()), slog.String("rule_set_version", srv.Version()))
			if err := srv.Serve(ctx, ln); err != nil {
				return failf("serve: %v", err)
			}
			log.Info("stopped")
			return nil
		}),
	}
	dbFlag(cmd, &db)
	durabilityFlag(cmd, &durabilityArg)
	budgetSlicesFlag(cmd, &budgetSlices)
	gcFlag(cmd, &gc)
	cmd.Flags().StringVar(&addr, "addr", defaultAddr, "the `HOST:PORT` to listen on")
	cmd.Flags().DurationVar(&tick, "tick", 5*time.Second, "how often the scheduler fires what is due")
	cmd.Flags().DurationVar(&leaseTTL, "lease-ttl", 30*time.Second, "how long a scheduled job's lease lasts unless renewed: how soon another process takes over the job of one that died")
	cmd.Flags().DurationVar(&poll, "poll", 2*time.Second, "how often to read whether another process deployed a rule set or erased a player")
	cmd.Flags().BoolVar(&async, "async", false, "answer every POST /v1/events with 202 once its events are in the inbox")
	cmd.Flags().Int64Var(&maxBody, "max-body", 8<<20, "the largest request body, in `BYTES`")
	cmd.Flags().IntVar(&maxEvents, "max-events", 10_000, "the most events in one request (one database transaction)")
	cmd.Flags().StringVar(&logFormat, "log-format", "json", "the log's format: json or text")
	cmd.Flags().StringVar(&tlsCert, "tls-cert", "", "serve HTTPS with the certificate of this PEM `FILE` (with --tls-key)")
	cmd.Flags().StringVar(&tlsKey, "tls-key", "", "the private key of --tls-cert, a PEM `FILE`")
	cmd.Flags().DurationVar(&staleRequest, "stale-request", 2*time.Minute, "how long a request may run before its Idempotency-Key is taken to be abandoned (its process died) and may be sent again")
	cmd.Flags().DurationVar(&keyCache, "key-cache", 5*time.Second, "how long an API key found valid is trusted without reading the database again: a revoked key is refused at most this long after (0: read at every request)")
	cmd.Flags().StringArrayVar(&webhooks, "webhook", nil, "post every outcome to this `URL`, signed with "+webhookSecretEnv+" (repeatable)")
	cmd.Flags().DurationVar(&webhookTimeout, "webhook-timeout", 10*time.Second, "how long one try of a webhook delivery may take")
	cmd.Flags().DurationVar(&retryMin, "webhook-retry-min", time.Second, "the wait after a webhook delivery's first failed try; it doubles with each")
	cmd.Flags().DurationVar(&retryMax, "webhook-retry-max", time.Hour, "the longest wait between two tries of a webhook delivery")
	cmd.Flags().DurationVar(&webhookKeep, "webhook-log-retention", 7*24*time.Hour, "how long the webhooks' delivery log keeps a try; older ones are dropped every hour")
	cmd.Flags().StringVar(&trackingSecret, "tracking-secret-file", "", "the key of the hash of clicks' IP addresses, read from `FILE` (at least 16 bytes); without it no address is kept")
	cmd.Flags().StringSliceVar(&kafkaBrokers, "kafka-brokers", nil, "consume events from the Kafka brokers at `HOST:PORT,...` (with --kafka-topic)")
	cmd.Flags().StringVar(&kafkaTopic, "kafka-topic", "", "the Kafka `TOPIC` of the events, keyed by player id")
	cmd.Flags().StringVar(&kafkaGroup, "kafka-group", "promoc", "the Kafka consumer `GROUP`: its servers share the topic's partitions")
	cmd.Flags().StringVar(&kafkaDeadLetter, "kafka-dead-letter", "", "copy records that are not valid events to this Kafka `TOPIC`")
	return cmd
}

// webhookSecretEnv holds the secret that signs webhook deliveries: an
// environment variable only, never a flag.
const webhookSecretEnv = "PROMOC_WEBHOOK_SECRET"

// minWebhookSecret is the shortest secret serve takes, in bytes.
const minWebhookSecret = 16

// envName is the environment variable of a flag of serve: PROMOC_ and the
// flag's name in capitals, - as _.
func envName(flag string) string {
	return "PROMOC_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// flagsFromEnv sets each flag of cmd not given on the command line from
// its environment variable, when set.
func flagsFromEnv(cmd *cobra.Command) error {
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Changed || f.Name == "help" || err != nil {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			if serr := cmd.Flags().Set(f.Name, v); serr != nil {
				err = usageErrorf("%s=%q: %v", envName(f.Name), v, serr)
			}
		}
	})
	return err
}
