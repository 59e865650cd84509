package promotest_test

import (
	"bytes"
	"errors"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/promotest"
)

// TestLoadRuleSetBytes refuses a rule set whose files, each within
// limits.FileBytes, are larger than limits.RuleSetBytes together, before
// parsing any of them.
func TestLoadRuleSetBytes(t *testing.T) {
	big := bytes.Repeat([]byte("\n"), limits.FileBytes)
	fsys := fstest.MapFS{
		"rs/a.promo":      {Data: big},
		"rs/b_test.promo": {Data: []byte("\n")},
	}
	_, err := promotest.Load(fsys, "rs")
	var rerr *runtime.Error
	require.True(t, errors.As(err, &rerr), "Load: %v", err)
	assert.Equal(t, "read rs: larger than 32 MiB, the limit of limits.RuleSetBytes", rerr.Msg)
}
