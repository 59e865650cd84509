package storetest

import (
	"context"
	"fmt"
	"os"
	"strconv"
)

// The environment that makes the test binary a child of the suite.
const (
	envMode  = "PROMOC_STORETEST_CHILD" // race, assign, give or crash
	envAddr  = "PROMOC_STORETEST_ADDR"
	envFrom  = "PROMOC_STORETEST_FROM"
	envTo    = "PROMOC_STORETEST_TO"
	envBatch = "PROMOC_STORETEST_BATCH"
	envName  = "PROMOC_STORETEST_NAME"
	// envProgress: a race child prints "progress N" after each batch.
	envProgress = "PROMOC_STORETEST_PROGRESS"
)

// Child runs the work of a child process when the test binary was started
// as one by [RaceProcesses], [AssignProcesses], [GiveOfferProcesses] or [Crash], and then exits; otherwise it
// returns at once. A driver's TestMain calls it before m.Run.
func Child(d Driver) {
	mode := os.Getenv(envMode)
	if mode == "" {
		return
	}
	if err := child(d, mode); err != nil {
		fmt.Fprintf(os.Stderr, "storetest child %s: %v\n", mode, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func child(d Driver, mode string) error {
	ctx := context.Background()
	atoi := func(name string) int {
		n, _ := strconv.Atoi(os.Getenv(name))
		return n
	}
	s, err := d.Open(ctx, os.Getenv(envAddr))
	if err != nil {
		return err
	}
	defer s.Close()
	switch mode {
	case "race":
		if err := childSlices(s); err != nil {
			return err
		}
		if os.Getenv(envProgress) != "" {
			for i := atoi(envFrom); i < atoi(envTo); i += atoi(envBatch) {
				if _, err := reserveRange(ctx, s, os.Getenv(envName), i, min(i+atoi(envBatch), atoi(envTo)), atoi(envBatch)); err != nil {
					return err
				}
				fmt.Printf("progress %d\n", min(i+atoi(envBatch), atoi(envTo)))
			}
			return nil
		}
		issued, err := reserveRange(ctx, s, os.Getenv(envName), atoi(envFrom), atoi(envTo), atoi(envBatch))
		if err != nil {
			return err
		}
		fmt.Printf("issued %d\n", issued)
		return nil
	case "assign":
		taken, short, err := assignRange(ctx, s, os.Getenv(envName), atoi(envFrom), atoi(envTo), 1)
		if err != nil {
			return err
		}
		fmt.Printf("short %d\n", short)
		for _, c := range taken {
			fmt.Printf("code %s\n", c)
		}
		return nil
	case "give":
		return giveKeys(ctx, s, atoi(envTo))
	case "crash":
		return crashWriter(ctx, s, atoi(envTo), func() { fmt.Println("progress") })
	}
	return fmt.Errorf("unknown mode %q", mode)
}
