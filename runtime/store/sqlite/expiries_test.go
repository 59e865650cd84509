package sqlite_test

import (
	"testing"

	"github.com/promoc/promoc/runtime/store/storetest"
)

func TestExpiries(t *testing.T) { storetest.RunExpiries(t, driver) }
