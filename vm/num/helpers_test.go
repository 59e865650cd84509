package num

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// checkForm fails when d breaks the representation's invariants: a
// non-negative scale, and a big coefficient only when it does not fit an int64.
func checkForm(t testing.TB, d Dec) {
	t.Helper()
	require.GreaterOrEqual(t, d.scale, int32(0), "scale of %v", d)
	if d.big != nil {
		require.False(t, d.big.IsInt64(), "big coefficient %v fits an int64", d.big)
		require.Zero(t, d.coef, "coef set beside big")
	}
}
