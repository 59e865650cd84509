package server_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
)

// envChild makes the test binary, started again by a test, a child
// process of it: a promoc serve of its own (see leases_test.go).
const envChild = "PROMOC_SERVER_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(envChild); mode != "" {
		if err := child(mode); err != nil {
			fmt.Fprintf(os.Stderr, "child %s: %v\n", mode, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	if err := pgtest.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "dropping the PostgreSQL schemas of pgtest.Fresh:", err)
	}
	os.Exit(code)
}

// child runs the work of a child process.
func child(mode string) error {
	switch mode {
	case "scheduler":
		return schedulerChild()
	case "kafka":
		return kafkaChild()
	}
	return fmt.Errorf("unknown mode %q", mode)
}
