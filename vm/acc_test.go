package vm

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAccParts checks the split sums of a chunk (reducer.chunk and
// rangeOf) against big.Int, on full chunks of extreme values, where an
// int64 sum would overflow many times over.
func TestAccParts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	extremes := []int64{math.MinInt64, math.MinInt64 + 1, -1 << 32, -1, 0, 1, 1<<32 - 1, 1 << 32, math.MaxInt64}
	for trial := range 200 {
		var a acc128
		want := new(big.Int)
		for range 1 + rng.IntN(5) { // several chunks
			col := make([]int64, 1+rng.IntN(chunkRows))
			if trial < 2 {
				col = make([]int64, chunkRows)
			}
			for i := range col {
				switch {
				case trial == 0:
					col[i] = math.MaxInt64
				case trial == 1:
					col[i] = math.MinInt64
				case rng.IntN(2) == 0:
					col[i] = extremes[rng.IntN(len(extremes))]
				default:
					col[i] = int64(rng.Uint64())
				}
				want.Add(want, big.NewInt(col[i]))
			}
			rd := reducer{op: AggSum, col: &column{typ: KNumber, ints: col}, best: -1}
			rd.acc = a
			rd.rangeOf(0, len(col))
			sel := make([]int32, len(col))
			for i := range sel {
				sel[i] = int32(i)
			}
			rd2 := reducer{op: AggSum, col: rd.col, best: -1, acc: a}
			rd2.chunk(sel)
			require.Equal(t, rd.acc, rd2.acc, "chunk and rangeOf")
			a = rd.acc
		}
		got := new(big.Int).Lsh(big.NewInt(a.hi), 64)
		got.Add(got, new(big.Int).SetUint64(a.lo))
		require.Equal(t, want.String(), got.String(), "trial %d", trial)
	}
}
