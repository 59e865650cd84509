package storetest

import (
	"context"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store"
)

// Driver is what a store implementation gives the suite.
type Driver struct {
	// Name names the driver in messages ("sqlite", "postgres").
	Name string
	// New makes a database for one test, removed when the test ends, and
	// returns its address (a file path, a connection string). It holds no
	// data: it is empty, or already at the driver's newest schema as Open
	// leaves an empty one (postgres: pgtest.Fresh, a copy of a database
	// migrated once), which Open then opens without migrating.
	New func(t testing.TB) string
	// Open opens the store at an address; opening one address twice, in
	// one process or several, gives the same state.
	Open func(ctx context.Context, addr string) (store.Store, error)
	// Fresh, when set, opens a store at the address of an empty database
	// New made, as Open would, by a quicker way (sqlite.OpenFresh: a copy
	// of a database migrated once); the tests that start from an empty
	// store use it.
	Fresh func(ctx context.Context, addr string) (store.Store, error)
}

// open opens a store at addr and closes it when the test ends.
func (d Driver) open(t testing.TB, addr string) store.Store {
	t.Helper()
	s, err := d.Open(context.Background(), addr)
	if err != nil {
		t.Fatalf("%s: open %s: %v", d.Name, addr, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fresh opens a new empty store.
func (d Driver) fresh(t testing.TB) store.Store {
	if d.Fresh == nil {
		return d.open(t, d.New(t))
	}
	t.Helper()
	addr := d.New(t)
	s, err := d.Fresh(context.Background(), addr)
	if err != nil {
		t.Fatalf("%s: open a new store at %s: %v", d.Name, addr, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// implements is s as the concern T, the test failing when s does not
// implement it.
func implements[T any](t testing.TB, s store.Store) T {
	t.Helper()
	x, ok := s.(T)
	require.True(t, ok, "%T implements %s", s, reflect.TypeFor[T]())
	return x
}
