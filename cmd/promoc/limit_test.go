package main

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
)

// TestLimitedReader reads up to the limit, and says when the input goes on
// past it, whatever the size of the reads.
func TestLimitedReader(t *testing.T) {
	tests := []struct {
		in       string
		n        int64
		wantOver bool
	}{
		{"", 4, false},
		{"abc", 4, false},
		{"abcd", 4, false},
		{"abcde", 4, true},
		{strings.Repeat("x", 100), 4, true},
	}
	for _, tt := range tests {
		for _, one := range []bool{false, true} {
			var r io.Reader = strings.NewReader(tt.in)
			if one {
				r = iotest.OneByteReader(r)
			}
			lr := &limitedReader{r: r, n: tt.n}
			got, err := io.ReadAll(lr)
			if tt.wantOver {
				assert.Error(t, err, "read %q within %d", tt.in, tt.n)
				assert.LessOrEqual(t, int64(len(got)), tt.n)
			} else {
				assert.NoError(t, err)
				assert.Equal(t, tt.in, string(got))
			}
			assert.Equal(t, tt.wantOver, lr.over, "over reading %q within %d", tt.in, tt.n)
		}
	}
}
