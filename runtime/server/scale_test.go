package server_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store/postgres"
	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
)

// The environment of a Kafka child: the brokers, the topic and the rule
// set (besides the database of envAddr).
const (
	envBrokers = "PROMOC_SERVER_CHILD_BROKERS"
	envTopic   = "PROMOC_SERVER_CHILD_TOPIC"
	envRules   = "PROMOC_SERVER_CHILD_RULES"
	envGroup   = "PROMOC_SERVER_CHILD_GROUP"
)

// kafkaChild is a promoc serve on PostgreSQL consuming a topic until
// SIGTERM.
func kafkaChild() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	st, err := postgres.Open(ctx, os.Getenv(envAddr))
	if err != nil {
		return err
	}
	defer st.Close()
	prog, err := runtime.Compile(os.DirFS(os.Getenv(envRules)))
	if err != nil {
		return err
	}
	srv, err := server.New(ctx, server.Config{Program: prog, Store: st, Clock: func() time.Time { return t0 },
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Kafka:  server.KafkaConfig{Brokers: strings.Split(os.Getenv(envBrokers), ","), Topic: os.Getenv(envTopic), Group: os.Getenv(envGroup)}})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	return srv.Serve(ctx, ln)
}

// TestScaleSimulation measures events/s through Kafka (kfake, in this
// process) and K promoc serve processes on one PostgreSQL database, for K
// = 1, 2, 4, with and without a campaign budget (one row every reward
// reserves on). A measurement, not a check: it runs when
// PROMOC_SCALE_SIM is set (to the number of events; 40000 when "1") and
// prints a table for spec/scaling.md.
func TestScaleSimulation(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("PROMOC_SCALE_SIM"))
	if n == 0 {
		t.Skip("a measurement: set PROMOC_SCALE_SIM=1 (or a number of events)")
	}
	if n == 1 {
		n = 40000
	}
	pgtest.Server(t, "the scaling simulation")
	const partitions, perPlayer = 8, 20
	players := n / perPlayer
	events := kafkaEvents(players, perPlayer-2)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, "sim"))
	require.NoError(t, err)
	defer c.Close()
	var recs []*kgo.Record
	for _, e := range events {
		r := kafkaRecord(e)
		r.Topic = "sim"
		recs = append(recs, r)
	}
	produce(t, c, recs...)
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("%d events of %d players on %d partitions; load average before: %s", len(events), players, partitions, strings.TrimSpace(string(load)))
	t.Logf("| rules | processes | events/s | outcomes | seconds |")
	t.Logf("| --- | --- | --- | --- | --- |")
	for _, rules := range []string{"testdata/kafka", "testdata/scale"} {
		var first []string // the outcomes of one process: every run gives them
		for _, k := range []int{1, 2, 4} {
			addr := pgtest.Schema(t, "the scaling simulation", "promoc_sim")
			group := fmt.Sprintf("g-%s-%d", strings.TrimPrefix(rules, "testdata/"), k)
			var cmds []*exec.Cmd
			var outs []*bytes.Buffer
			for range k {
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), envChild+"=kafka", envAddr+"="+addr, envBrokers+"="+strings.Join(c.ListenAddrs(), ","),
					envTopic+"=sim", envRules+"="+rules)
				cmd.Env = append(cmd.Env, envGroup+"="+group) // each run a group of its own
				out := &bytes.Buffer{}
				cmd.Stdout, cmd.Stderr = out, out
				require.NoError(t, cmd.Start())
				cmds, outs = append(cmds, cmd), append(outs, out)
			}
			secs, from := waitAll(t, c, group, len(events))
			for i, cmd := range cmds {
				require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
				require.NoError(t, cmd.Wait(), "%s", outs[i])
			}
			st, err := postgres.Open(context.Background(), addr)
			require.NoError(t, err)
			got := outcomeLines(allOutcomes(t, st))
			nouts := len(got)
			require.NoError(t, st.Audit(context.Background()))
			st.Close()
			assert.Positive(t, nouts)
			if first == nil {
				first = got
			} else {
				assert.Equal(t, first, got, "%s with %d processes: the outcomes of one", rules, k)
			}
			t.Logf("| %s | %d | %.0f | %d | %.1f |", strings.TrimPrefix(rules, "testdata/"), k, float64(len(events)-from)/secs, nouts, secs)
		}
	}
	load, _ = os.ReadFile("/proc/loadavg")
	t.Logf("load average after: %s", strings.TrimSpace(string(load)))
}

// waitAll waits until group committed every one of total records, and
// gives the seconds from its first commit to its last and the records
// committed at the first (the start, group joins and rebalances, is left
// out).
func waitAll(t *testing.T, c *kfake.Cluster, group string, total int) (secs float64, from int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	require.NoError(t, err)
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx := context.Background()
	var first time.Time
	deadline := time.Now().Add(10 * time.Minute)
	for {
		offs, err := adm.FetchOffsets(ctx, group)
		done := 0
		if err == nil {
			offs.Each(func(o kadm.OffsetResponse) {
				if o.Err == nil {
					done += int(o.At)
				}
			})
		}
		if done > 0 && first.IsZero() {
			first, from = time.Now(), done
		}
		if done >= total {
			return time.Since(first).Seconds(), from
		}
		require.True(t, time.Now().Before(deadline), "%d of %d committed after 10 minutes", done, total)
		time.Sleep(25 * time.Millisecond)
	}
}
