package compiler

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/vm/num"
)

// TestHalfLineWhole checks the half-lines on a count at each form, on a
// whole and a fractional bound: each becomes the half-line that holds the
// same whole numbers, closed upward and open downward.
func TestHalfLineWhole(t *testing.T) {
	tests := []struct {
		op     lang.TierOp
		bound  string
		want   string
		closed bool
	}{
		{lang.TierAtLeast, "3", "3", true},
		{lang.TierAtLeast, "2.5", "3", true},
		{lang.TierAbove, "2", "3", true},
		{lang.TierAbove, "2.5", "3", true},
		{lang.TierAtMost, "2", "3", false},
		{lang.TierAtMost, "2.5", "3", false},
		{lang.TierBelow, "3", "3", false},
		{lang.TierBelow, "2.5", "3", false},
		{lang.TierAbove, "-1.5", "-1", true},
		{lang.TierAtMost, "-1.5", "-1", false},
	}
	for _, tt := range tests {
		t.Run(tt.op.String()+" "+tt.bound, func(t *testing.T) {
			in := tierHalf(tt.op, num.MustParse(tt.bound))
			h := in.whole()
			assert.True(t, h.valid)
			assert.Equal(t, in.up, h.up, "the direction stays")
			assert.Equal(t, tt.closed, h.closed)
			assert.Equal(t, tt.want, h.bound.String())
		})
	}
	assert.Equal(t, halfLine{}, halfLine{}.whole(), "a condition not understood stays so")
}

// TestCountChainCovered: on a count, at most 2 and then at least 3 leave
// nothing for an else; on an amount they leave the values between.
func TestCountChainCovered(t *testing.T) {
	var c chain
	c.add(onePart("n", tierHalf(lang.TierAtMost, num.MustParse("2")).whole()))
	c.add(onePart("n", tierHalf(lang.TierAtLeast, num.MustParse("3")).whole()))
	assert.True(t, c.covered(chainCond{always: true}))
	var d chain
	d.add(onePart("x", tierHalf(lang.TierAtMost, num.MustParse("2"))))
	d.add(onePart("x", tierHalf(lang.TierAtLeast, num.MustParse("3"))))
	assert.False(t, d.covered(chainCond{always: true}))
}

// onePart is the condition of one compared value, in no currency.
func onePart(base string, h halfLine) chainCond {
	return chainCond{parts: []condPart{{base: base, half: h}}}
}
