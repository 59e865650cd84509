package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// BenchmarkReads measures the reads the engine makes for each player of
// a batch (States, History) and the check of a batch's events (Seen), on
// 500 players with 10 events of 200 bytes each.
func BenchmarkReads(b *testing.B) {
	ctx := context.Background()
	st, err := driver.Open(ctx, driver.New(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var changes []store.Change
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5000 {
		p := fmt.Sprint("p", i%500)
		changes = append(changes, store.Change{Event: &store.Event{Player: p, ID: fmt.Sprint(i), At: t0.Add(time.Duration(i) * time.Second), Body: make([]byte, 200)},
			States: []store.State{{Player: p, Rule: fmt.Sprint("r", i/500), Data: []byte("state")}}})
	}
	if _, err := st.Apply(ctx, changes); err != nil {
		b.Fatal(err)
	}
	b.Run("States", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			if _, err := st.States(ctx, fmt.Sprint("p", i%500)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("History", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			if _, err := st.History(ctx, fmt.Sprint("p", i%500), time.Time{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Seen512", func(b *testing.B) {
		evs := make([]store.Event, 512)
		for i := range evs {
			evs[i] = *changes[i*3].Event
		}
		for b.Loop() {
			if _, err := st.Seen(ctx, evs); err != nil {
				b.Fatal(err)
			}
		}
	})
}
