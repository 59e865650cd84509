package runtime

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Result.Input is the input error of a prepared input, also when an error
// wraps it: a host reads its path (tracking names a payout's fields by it)
// whatever added context to the message.
func TestResultInputWrapped(t *testing.T) {
	prog, err := CompileSources([]Source{{Name: "r.promo", Text: []byte("reward r: amount {\n\tgive 1 EUR\n}\n")}})
	require.NoError(t, err)
	ie := &InputError{Field: "transactions[1].amount", Msg: "bad", Path: []PathStep{{Key: "transactions"}, {Index: 1}, {Key: "amount"}}}
	in := &Prepared{prog: prog, err: fmt.Errorf("reading it: %w", ie)}
	r, err := prog.Reward("r")
	require.NoError(t, err)
	res, err := r.Evaluate(context.Background(), in)
	require.NoError(t, err)
	assert.Equal(t, "invalid-input", res.Reason)
	assert.Same(t, ie, res.Input)
}
