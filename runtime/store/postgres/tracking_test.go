package postgres_test

import (
	"testing"

	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
	"github.com/promoc/promoc/runtime/store/storetest"
)

func TestTracking(t *testing.T) {
	pgtest.Server(t, "the store's tests")
	storetest.RunTracking(t, driver)
}

func TestTrackingParallelPublishers(t *testing.T) {
	pgtest.Server(t, "the store's tests")
	storetest.ParallelPublishers(t, driver)
}
