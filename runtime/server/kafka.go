package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/promoc/promoc/runtime/engine"
)

// KafkaConfig makes the server consume events from a Kafka topic besides
// POST /v1/events. Each record is one event, the JSON object of a line of
// promoc run's log, keyed by its player's id: one consumer then owns all
// of a player's events, in order.
type KafkaConfig struct {
	Brokers []string // none: no Kafka
	Topic   string
	// Group is the consumer group; servers of one group share the topic's
	// partitions. Default "promoc".
	Group string
	// DeadLetter, when set, is the topic a record that is not a valid
	// event is copied to (with headers saying why and whence) before its
	// offset is committed; it is logged and counted either way.
	DeadLetter string
	// MaxPoll bounds the records handled together (one Engine.Handle);
	// default 1,000, at most Config.MaxEvents.
	MaxPoll int
	// Options are more options of the client (franz-go's kgo), for tests
	// and for what the flags do not cover (TLS, SASL).
	Options []kgo.Opt
}

// The reasons a record is not handled, as the metric and the dead-letter
// header name them.
const (
	badJSON       = "invalid-event" // not an event: JSON, a field, a type
	badKey        = "invalid-key"   // the key is not the event's player
	refused       = "refused"       // the engine refused it (unknown kind, lateness, an id reused)
	kafkaRetryMin = 100 * time.Millisecond
	kafkaRetryMax = 10 * time.Second
)

// kafkaConsumer runs the server's engine over the records of a topic.
type kafkaConsumer struct {
	s       *Server
	cfg     KafkaConfig
	cl      *kgo.Client
	records *prometheus.CounterVec // result: handled, duplicate, invalid-event, invalid-key, refused
	batches prometheus.Counter
	owned   prometheus.Gauge       // the partitions this consumer owns now
	errs    *prometheus.CounterVec // what: fetch, store, commit, dead-letter
}

func (s *Server) newKafka(cfg KafkaConfig) (*kafkaConsumer, error) {
	if cfg.Topic == "" {
		return nil, errors.New("kafka: a topic is required")
	}
	if cfg.Group == "" {
		cfg.Group = "promoc"
	}
	if cfg.MaxPoll <= 0 {
		cfg.MaxPoll = 1000
	}
	cfg.MaxPoll = min(cfg.MaxPoll, s.cfg.MaxEvents)
	k := &kafkaConsumer{s: s, cfg: cfg,
		records: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "promoc_kafka_records_total",
			Help: "Records consumed from Kafka, by result: handled (its event went through the engine), duplicate (its event was handled before: a redelivery after a crash or a failed commit; its outcomes are in the log already), or why not: invalid-event, invalid-key, refused."},
			[]string{"result"}),
		batches: prometheus.NewCounter(prometheus.CounterOpts{Name: "promoc_kafka_batches_total",
			Help: "Polls of records handled by one Engine.Handle and committed."}),
		owned: prometheus.NewGauge(prometheus.GaugeOpts{Name: "promoc_kafka_partitions",
			Help: "Partitions of the topic this server's consumer owns now."}),
		errs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "promoc_kafka_errors_total",
			Help: "Errors of the Kafka consumer, by what failed: fetch, store (the batch is tried again), commit (its records come again), dead-letter."},
			[]string{"what"}),
	}
	s.met.reg.MustRegister(k.records, k.batches, k.owned, k.errs)
	return k, nil
}

// runKafka consumes the topic of Config.Kafka, when there is one, until
// ctx is done.
func (s *Server) runKafka(ctx context.Context) {
	if s.kafka == nil {
		return
	}
	if err := s.kafka.connect(); err != nil {
		s.log.Error("kafka: no consumer", slog.String("error", err.Error()))
		return
	}
	s.log.Info("kafka: consuming", slog.String("topic", s.kafka.cfg.Topic), slog.String("group", s.kafka.cfg.Group))
	s.kafka.run(ctx)
}

// connect makes the client, which joins the group at once.
func (k *kafkaConsumer) connect() error {
	opts := []kgo.Opt{
		kgo.SeedBrokers(k.cfg.Brokers...),
		kgo.ConsumerGroup(k.cfg.Group),
		kgo.ConsumeTopics(k.cfg.Topic),
		// Offsets are committed by hand, once the outcomes of the records
		// are stored; no rebalance comes between a poll and its commit.
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.ClientID("promoc"),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, ps map[string][]int32) { k.moved("assigned", ps, +1) }),
		kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, ps map[string][]int32) { k.moved("revoked", ps, -1) }),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, ps map[string][]int32) { k.moved("lost", ps, -1) }),
	}
	cl, err := kgo.NewClient(append(opts, k.cfg.Options...)...)
	if err != nil {
		return fmt.Errorf("kafka: %w", err)
	}
	k.cl = cl
	return nil
}

// moved logs and counts partitions assigned to this consumer or taken
// from it. Nothing is committed here: every batch is committed before the
// next poll, and no rebalance comes between the two.
func (k *kafkaConsumer) moved(how string, ps map[string][]int32, sign float64) {
	n := 0
	for _, p := range ps {
		n += len(p)
	}
	if n == 0 {
		return
	}
	k.owned.Add(sign * float64(n))
	k.s.log.Info("kafka: partitions "+how, slog.Any("partitions", ps[k.cfg.Topic]))
}

// run consumes until ctx is done: poll, handle, commit, again. A batch
// whose outcomes could not be stored is tried again, with backoff, before
// anything after it: its offsets are not committed until it is stored.
// At the end the client leaves the group, committing nothing more.
func (k *kafkaConsumer) run(ctx context.Context) {
	defer k.cl.CloseAllowingRebalance()
	for ctx.Err() == nil {
		fs := k.cl.PollRecords(ctx, k.cfg.MaxPoll)
		if fs.IsClientClosed() || ctx.Err() != nil {
			return
		}
		fs.EachError(func(topic string, p int32, err error) {
			if errors.Is(err, context.Canceled) {
				return
			}
			k.errs.WithLabelValues("fetch").Inc()
			k.s.log.Error("kafka: fetch", slog.String("topic", topic), slog.Int("partition", int(p)), slog.String("error", err.Error()))
		})
		recs := fs.Records()
		if len(recs) > 0 && k.handle(ctx, recs) {
			k.commit(ctx, recs)
		}
		k.cl.AllowRebalance()
	}
}

// handle runs the records' events through the engine in one call: a
// record that is not an event, or whose key is not its player, is
// reported and left out; so is an event the engine refuses, and the
// others are handled again without it (the engine stored nothing of a
// call it refused). A failure to store is tried again, with backoff,
// until the events are stored or ctx is done: then it returns false,
// nothing is committed, and the records come again to whoever owns their
// partitions next.
func (k *kafkaConsumer) handle(ctx context.Context, recs []*kgo.Record) bool {
	evs := make([]engine.Event, 0, len(recs))
	from := make([]*kgo.Record, 0, len(recs))
	for _, r := range recs {
		ev, err := engine.DecodeEvent(r.Value)
		switch {
		case err != nil:
			if !k.bad(ctx, r, badJSON, err.Error()) {
				return false
			}
		case string(r.Key) != ev.Player:
			if !k.bad(ctx, r, badKey, fmt.Sprintf("the record's key %q is not the event's player %q: a player's events must all have its id as their key, so that one partition keeps them in order", r.Key, ev.Player)) {
				return false
			}
		default:
			evs, from = append(evs, ev), append(from, r)
		}
	}
	for len(evs) > 0 {
		var outs []engine.Outcome
		var seen []bool
		var ee *engine.EventError
		ok := k.retry(ctx, "store", func() error {
			var err error
			cur, done := k.s.use()
			defer done()
			outs, seen, err = cur.eng.HandleSeen(context.WithoutCancel(ctx), evs) // a batch begun is stored whole
			if errors.As(err, &ee) && ee.Index >= 0 && ee.Index < len(evs) {
				return nil
			}
			ee = nil
			return err
		})
		if !ok {
			return false
		}
		if ee == nil {
			// As POST /v1/events and the inbox tell an event handled
			// before apart (replay.go), so does the count: a record
			// redelivered after a crash is a duplicate, its outcomes those
			// the log holds, counted when they were given.
			dups := 0
			for _, s := range seen {
				if s {
					dups++
				}
			}
			k.s.met.accepted(evs)
			k.s.met.logged(outs...)
			k.records.WithLabelValues("handled").Add(float64(len(evs) - dups))
			k.records.WithLabelValues("duplicate").Add(float64(dups))
			break
		}
		if !k.bad(ctx, from[ee.Index], refused, ee.Error()) {
			return false
		}
		evs = append(evs[:ee.Index:ee.Index], evs[ee.Index+1:]...)
		from = append(from[:ee.Index:ee.Index], from[ee.Index+1:]...)
	}
	return true
}

// retry calls fn until it succeeds, waiting longer after each failure
// (logged and counted as what), or until ctx is done (false).
func (k *kafkaConsumer) retry(ctx context.Context, what string, fn func() error) bool {
	wait := kafkaRetryMin
	for {
		err := fn()
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		k.errs.WithLabelValues(what).Inc()
		k.s.log.Error("kafka: "+what+" failed; trying again", slog.Duration("in", wait), slog.String("error", err.Error()))
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
		wait = min(2*wait, kafkaRetryMax)
	}
}

// bad reports a record that is not handled: logged, counted, and copied to
// the dead-letter topic when there is one, tried again until it is there
// (the record must not be lost), or until ctx is done (false).
func (k *kafkaConsumer) bad(ctx context.Context, r *kgo.Record, reason, msg string) bool {
	k.records.WithLabelValues(reason).Inc()
	k.s.log.Warn("kafka: a record is not handled", slog.String("reason", reason), slog.String("topic", r.Topic),
		slog.Int("partition", int(r.Partition)), slog.Int64("offset", r.Offset), slog.String("error", msg))
	if k.cfg.DeadLetter == "" {
		return true
	}
	dl := &kgo.Record{Topic: k.cfg.DeadLetter, Key: r.Key, Value: r.Value, Headers: []kgo.RecordHeader{
		{Key: "promoc-reason", Value: []byte(reason)},
		{Key: "promoc-error", Value: []byte(msg)},
		{Key: "promoc-source", Value: []byte(r.Topic + "/" + strconv.Itoa(int(r.Partition)) + "/" + strconv.FormatInt(r.Offset, 10))},
	}}
	return k.retry(ctx, "dead-letter", func() error { return k.cl.ProduceSync(ctx, dl).FirstErr() })
}

// commit commits the offsets of records handled. It runs even when ctx
// is done (shutdown): what is stored should not come again. A failure is
// logged: the records come again, and the engine knows them.
func (k *kafkaConsumer) commit(ctx context.Context, recs []*kgo.Record) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := k.cl.CommitRecords(cctx, recs...); err != nil {
		k.errs.WithLabelValues("commit").Inc()
		k.s.log.Error("kafka: committing offsets; their records will come again", slog.Int("records", len(recs)), slog.String("error", err.Error()))
		return
	}
	k.batches.Inc()
}
