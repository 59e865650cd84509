package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

const kafkaTopic = "events"

// kafkaEvents are the events of players players: each registers, then
// bets bets times (amounts that make every group of three differ) with a
// deposit in the middle; the players' events interleave.
func kafkaEvents(players, bets int) []map[string]any {
	var out []map[string]any
	for i := range bets + 2 {
		for p := range players {
			id := fmt.Sprintf("p%03d", p)
			at := t0.Add(time.Duration(i) * time.Minute)
			switch {
			case i == 0:
				out = append(out, map[string]any{"id": id + "-reg", "player": id, "kind": "player", "time": at.Format(time.RFC3339), "currency": "EUR", "zone": "Europe/Malta"})
			case i == bets/2:
				out = append(out, ev(fmt.Sprintf("%s-d%d", id, i), id, "deposit", at, "amount", fmt.Sprintf("%d.00", 20+p)))
			default:
				out = append(out, ev(fmt.Sprintf("%s-b%d", id, i), id, "bet", at, "amount", fmt.Sprintf("%d.%02d", i, p)))
			}
		}
	}
	return out
}

// newKafka starts an in-process Kafka cluster (kfake) with the topics of
// partitions partitions each.
func newKafka(t *testing.T, partitions int32, topics ...string) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, topics...))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// kafkaRecord is an event as a record, keyed by its player.
func kafkaRecord(e map[string]any) *kgo.Record {
	b, _ := json.Marshal(e)
	return &kgo.Record{Topic: kafkaTopic, Key: []byte(e["player"].(string)), Value: b}
}

// produce writes records, in order.
func produce(t *testing.T, c *kfake.Cluster, recs ...*kgo.Record) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	require.NoError(t, err)
	defer cl.Close()
	require.NoError(t, cl.ProduceSync(context.Background(), recs...).FirstErr())
}

// kafkaServer serves a server consuming the topic in group on st until
// the test ends or stop is called.
func kafkaServer(t *testing.T, c *kfake.Cluster, st store.Store, group string, tweak ...func(*server.KafkaConfig)) (srv *server.Server, logs *syncBuffer, stop func() error) {
	t.Helper()
	prog, err := runtime.Compile(os.DirFS("testdata/kafka"))
	require.NoError(t, err)
	kc := server.KafkaConfig{Brokers: c.ListenAddrs(), Topic: kafkaTopic, Group: group, MaxPoll: 50,
		Options: []kgo.Opt{kgo.FetchMaxWait(100 * time.Millisecond), kgo.SessionTimeout(6 * time.Second), kgo.HeartbeatInterval(200 * time.Millisecond)}}
	for _, f := range tweak {
		f(&kc)
	}
	logs = &syncBuffer{}
	srv, err = server.New(context.Background(), server.Config{Program: prog, Store: st, Kafka: kc, Clock: func() time.Time { return t0 },
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	require.NoError(t, err)
	_, stop = serve(t, srv)
	return srv, logs, stop
}

func kafkaStore(t *testing.T, path string) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

// waitCommitted waits until the group has committed every record of the
// topic.
func waitCommitted(t *testing.T, c *kfake.Cluster, group string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	require.NoError(t, err)
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx := context.Background()
	deadline := time.Now().Add(time.Minute)
	for {
		ends, err := adm.ListEndOffsets(ctx, kafkaTopic)
		require.NoError(t, err)
		offs, err := adm.FetchOffsets(ctx, group)
		if err != nil {
			offs = nil // the group has no offsets yet
		}
		behind := int64(0)
		ends.Each(func(e kadm.ListedOffset) {
			o, ok := offs.Lookup(e.Topic, e.Partition)
			switch {
			case !ok || o.Err != nil:
				behind += e.Offset
			default:
				behind += e.Offset - o.At
			}
		})
		if behind == 0 {
			return
		}
		require.True(t, time.Now().Before(deadline), "group %s: %d records not committed after a minute", group, behind)
		time.Sleep(20 * time.Millisecond)
	}
}

// outcomeLines are outcomes as comparable lines, sorted.
func outcomeLines(outs []store.Outcome) []string {
	var s []string
	for _, o := range outs {
		s = append(s, fmt.Sprintf("%s/%s/%s/%s %s %s %s", o.Key.Rule, o.Key.Action, o.Key.Player, o.Key.TriggerHash, o.Status, o.Amount.String(), o.Reason))
	}
	sort.Strings(s)
	return s
}

func allOutcomes(t *testing.T, st store.Store) []store.Outcome {
	t.Helper()
	outs, err := st.Outcomes(context.Background(), 0, 100000)
	require.NoError(t, err)
	return outs
}

// reference is the outcome log of the events handled in order, in one
// call of an engine of its own.
func reference(t *testing.T, events []map[string]any) []string {
	t.Helper()
	ctx := context.Background()
	st := kafkaStore(t, filepath.Join(t.TempDir(), "reference.db"))
	prog, err := runtime.Compile(os.DirFS("testdata/kafka"))
	require.NoError(t, err)
	eng, err := engine.New(ctx, prog, st, engine.Options{})
	require.NoError(t, err)
	evs := make([]engine.Event, len(events))
	for i, e := range events {
		b, _ := json.Marshal(e)
		evs[i], err = engine.DecodeEvent(b)
		require.NoError(t, err)
	}
	_, err = eng.Handle(ctx, evs)
	require.NoError(t, err)
	return outcomeLines(allOutcomes(t, st))
}

// kafkaCount is a counter of the server's metrics: its value for a label.
func kafkaCount(t *testing.T, srv *server.Server, st store.Store, name, label string) int {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\{[a-z]+="` + regexp.QuoteMeta(label) + `"\} ([0-9.e+]+)$`)
	if label == "" {
		re = regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` ([0-9.e+]+)$`)
	}
	m := re.FindStringSubmatch(scrape(t, srv, st))
	if m == nil {
		return 0
	}
	f, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	return int(f)
}

// TestKafka: events of 30 players on four partitions, with records that
// are not valid events among them, give the outcomes of one in-order run;
// each bad record is counted, logged and sent to the dead-letter topic,
// and its partition goes on.
func TestKafka(t *testing.T) {
	c := newKafka(t, 4, kafkaTopic, "dead")
	events := kafkaEvents(30, 12)
	var recs []*kgo.Record
	for i, e := range events {
		recs = append(recs, kafkaRecord(e))
		if i == 40 {
			recs = append(recs,
				&kgo.Record{Topic: kafkaTopic, Key: []byte("p001"), Value: []byte(`{"id": "x1", "player": "p001", `)},
				kafkaRecord(ev("x2", "p002", "withdrawal", t0, "amount", "5.00")),
				&kgo.Record{Topic: kafkaTopic, Key: []byte("p004"), Value: kafkaRecord(ev("x3", "p003", "bet", t0.Add(time.Hour), "amount", "5.00")).Value})
		}
	}
	produce(t, c, recs...)
	st := kafkaStore(t, filepath.Join(t.TempDir(), "promoc.db"))
	srv, logs, stop := kafkaServer(t, c, st, "promoc", func(kc *server.KafkaConfig) { kc.DeadLetter = "dead" })
	waitCommitted(t, c, "promoc")
	require.NoError(t, stop())
	want := reference(t, events)
	assert.Equal(t, want, outcomeLines(allOutcomes(t, st)), "the outcomes of one in-order run")
	assert.Equal(t, len(events), kafkaCount(t, srv, st, "promoc_kafka_records_total", "handled"))
	kinds := map[string]int{}
	for _, e := range events {
		kinds[e["kind"].(string)]++
	}
	require.Greater(t, len(kinds), 1)
	for kind, n := range kinds { // the records handled, by kind, as POST /v1/events counts them
		assert.Equal(t, n, kafkaCount(t, srv, st, "promoc_events_total", kind), kind)
	}
	for _, r := range []string{"invalid-event", "refused", "invalid-key"} {
		assert.Equal(t, 1, kafkaCount(t, srv, st, "promoc_kafka_records_total", r), r)
	}
	assert.Contains(t, logs.String(), `"reason":"invalid-key"`)

	// The dead-letter topic holds the three, with why and whence.
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics("dead"), kgo.FetchMaxWait(100*time.Millisecond))
	require.NoError(t, err)
	defer cl.Close()
	var reasons []string
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for len(reasons) < 3 && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			h := map[string]string{}
			for _, x := range r.Headers {
				h[x.Key] = string(x.Value)
			}
			assert.Regexp(t, `^events/[0-3]/[0-9]+$`, h["promoc-source"])
			assert.NotEmpty(t, h["promoc-error"])
			reasons = append(reasons, h["promoc-reason"]+" "+string(r.Key))
		})
	}
	sort.Strings(reasons)
	assert.Equal(t, []string{"invalid-event p001", "invalid-key p004", "refused p002"}, reasons)
	t.Logf("%d events of 30 players and 3 bad records on 4 partitions: %d outcomes, those of one in-order run; the bad ones counted and in the dead-letter topic", len(events), len(want))
}

// TestKafkaRedelivery: a consumer handles every record but cannot commit
// (the broker refuses its commits); a consumer started after it in the
// same group gets every record again, and no outcome is given twice.
func TestKafkaRedelivery(t *testing.T) {
	c := newKafka(t, 4, kafkaTopic)
	events := kafkaEvents(20, 9)
	var recs []*kgo.Record
	for _, e := range events {
		recs = append(recs, kafkaRecord(e))
	}
	produce(t, c, recs...)
	want := reference(t, events)
	var refuse atomic.Bool
	refuse.Store(true)
	c.ControlKey(int16(kmsg.OffsetCommit), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if !refuse.Load() {
			return nil, nil, false
		}
		r := req.(*kmsg.OffsetCommitRequest)
		resp := r.ResponseKind().(*kmsg.OffsetCommitResponse)
		for _, rt := range r.Topics {
			st := kmsg.NewOffsetCommitResponseTopic()
			st.Topic = rt.Topic
			for _, rp := range rt.Partitions {
				sp := kmsg.NewOffsetCommitResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.ErrorCode = 29 // TOPIC_AUTHORIZATION_FAILED: not retried
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	path := filepath.Join(t.TempDir(), "promoc.db")
	st := kafkaStore(t, path)
	first, _, stop := kafkaServer(t, c, st, "promoc")
	deadline := time.Now().Add(time.Minute)
	for len(allOutcomes(t, st)) < len(want) {
		require.True(t, time.Now().Before(deadline), "the first consumer did not handle every event")
		time.Sleep(20 * time.Millisecond)
	}
	for kafkaCount(t, first, st, "promoc_kafka_errors_total", "commit") == 0 {
		require.True(t, time.Now().Before(deadline), "no commit refused")
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, stop())
	refuse.Store(false)
	assert.Equal(t, 0, kafkaCount(t, first, st, "promoc_kafka_batches_total", ""), "nothing committed")

	second, _, stop := kafkaServer(t, c, kafkaStore(t, path), "promoc")
	waitCommitted(t, c, "promoc")
	require.NoError(t, stop())
	assert.Equal(t, len(events), kafkaCount(t, second, st, "promoc_kafka_records_total", "duplicate"), "every record came again, handled before")
	assert.Equal(t, 0, kafkaCount(t, second, st, "promoc_kafka_records_total", "handled"))
	assert.Equal(t, want, outcomeLines(allOutcomes(t, st)), "no outcome twice")
	t.Logf("%d events handled, none committed; after the restart all %d came again: still the %d outcomes of one run", len(events), len(events), len(want))
}

// TestKafkaRebalance: one consumer starts, a second joins its group in
// the middle of the stream, then the first leaves: the partitions move
// twice, and the outcomes are those of one in-order run, none lost, none
// twice.
func TestKafkaRebalance(t *testing.T) {
	c := newKafka(t, 6, kafkaTopic)
	events := kafkaEvents(40, 12)
	want := reference(t, events)
	var recs []*kgo.Record
	for _, e := range events {
		recs = append(recs, kafkaRecord(e))
	}
	third := len(recs) / 3
	path := filepath.Join(t.TempDir(), "promoc.db")
	st := kafkaStore(t, path)
	produce(t, c, recs[:third]...)
	a, _, stopA := kafkaServer(t, c, st, "promoc")
	waitCommitted(t, c, "promoc")
	b, _, stopB := kafkaServer(t, c, kafkaStore(t, path), "promoc")
	deadline := time.Now().Add(time.Minute)
	for kafkaCount(t, b, st, "promoc_kafka_partitions", "") == 0 {
		require.True(t, time.Now().Before(deadline), "the second consumer got no partition")
		time.Sleep(20 * time.Millisecond)
	}
	produce(t, c, recs[third:2*third]...)
	for kafkaCount(t, b, st, "promoc_kafka_records_total", "handled") == 0 {
		require.True(t, time.Now().Before(deadline), "the second consumer handled nothing")
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, stopA())
	produce(t, c, recs[2*third:]...)
	waitCommitted(t, c, "promoc")
	require.NoError(t, stopB())
	count := func(srv *server.Server) int {
		return kafkaCount(t, srv, st, "promoc_kafka_records_total", "handled") + kafkaCount(t, srv, st, "promoc_kafka_records_total", "duplicate")
	}
	na, nb := count(a), count(b)
	assert.Equal(t, want, outcomeLines(allOutcomes(t, st)), "the outcomes of one in-order run")
	assert.GreaterOrEqual(t, na+nb, len(events))
	t.Logf("%d events on 6 partitions: the first consumer handled %d, the second %d (redelivered: %d); %d outcomes, those of one in-order run",
		len(events), na, nb, na+nb-len(events), len(want))
}

// scrape is the server's /metrics page, read with a viewer's key made
// for it in st.
func scrape(t *testing.T, srv *server.Server, st store.Store) string {
	t.Helper()
	secret, k, err := server.NewKey(server.Viewer, "scrape", t0)
	require.NoError(t, err)
	require.NoError(t, st.AddKey(context.Background(), k))
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	require.Equal(t, 200, rec.Code, "%s", rec.Body)
	return rec.Body.String()
}

// failingStore fails the first fails writes of events, as a database that
// is down would.
type failingStore struct {
	*sqlite.Store
	fails atomic.Int32
}

func (s *failingStore) Apply(ctx context.Context, changes []store.Change) ([]store.Applied, error) {
	if len(changes) > 0 && changes[0].Event != nil && s.fails.Add(-1) >= 0 {
		return nil, errors.New("the database is down")
	}
	return s.Store.Apply(ctx, changes)
}

// TestKafkaStoreDown: while the store refuses to write, the consumer
// tries the same poll again, commits nothing, and goes on once the store
// is back: no event lost, none twice.
func TestKafkaStoreDown(t *testing.T) {
	c := newKafka(t, 2, kafkaTopic)
	events := kafkaEvents(10, 9)
	var recs []*kgo.Record
	for _, e := range events {
		recs = append(recs, kafkaRecord(e))
	}
	produce(t, c, recs...)
	sq, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "promoc.db"))
	require.NoError(t, err)
	t.Cleanup(func() { sq.Close() })
	st := &failingStore{Store: sq}
	st.fails.Store(3)
	srv, _, stop := kafkaServer(t, c, st, "promoc")
	waitCommitted(t, c, "promoc")
	require.NoError(t, stop())
	assert.Equal(t, reference(t, events), outcomeLines(allOutcomes(t, st)))
	assert.Equal(t, 3, kafkaCount(t, srv, st, "promoc_kafka_errors_total", "store"), "three failed tries")
	assert.Equal(t, len(events), kafkaCount(t, srv, st, "promoc_kafka_records_total", "handled"))
}
