package engine_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/promoc/promoc/runtime/engine"
)

func TestPieceLimit(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		piece, most, last, out int
		writing                bool
	}{
		{"idle: a piece", 64, 1024, 500, 64, false},
		{"writing a small call: still a piece", 64, 1024, 10, 64, true},
		{"writing: twice the call being written", 64, 1024, 100, 200, true},
		{"writing a large call: at most most", 64, 1024, 1000, 1024, true},
		{"most below the piece", 64, 16, 0, 16, false},
	} {
		assert.Equal(t, tc.out, engine.PieceLimit(tc.piece, tc.most, tc.last, tc.writing), tc.name)
	}
}
