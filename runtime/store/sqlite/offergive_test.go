package sqlite_test

import (
	"testing"

	"github.com/promoc/promoc/runtime/store/storetest"
)

func TestOfferGiver(t *testing.T) { storetest.RunOfferGiver(t, driver) }
