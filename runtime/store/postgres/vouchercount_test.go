package postgres_test

import (
	"testing"

	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
	"github.com/promoc/promoc/runtime/store/storetest"
)

func TestVoucherCounter(t *testing.T) {
	pgtest.Server(t, "the store's tests")
	storetest.RunVoucherCounter(t, driver)
}
