package sqlite_test

import (
	"testing"

	"github.com/promoc/promoc/runtime/store/storetest"
)

func TestVoucherCounter(t *testing.T) { storetest.RunVoucherCounter(t, driver) }
