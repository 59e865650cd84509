package sqlite_test

import (
	"testing"

	"github.com/promoc/promoc/runtime/store/storetest"
)

func TestTracking(t *testing.T) { storetest.RunTracking(t, driver) }
