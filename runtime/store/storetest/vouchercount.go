package storetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store"
)

// RunVoucherCounter runs the conformance cases of store.VoucherCounter.
func RunVoucherCounter(t *testing.T, d Driver) {
	t.Run("CountVouchers", func(t *testing.T) { testCountVouchers(t, d) })
}

// testCountVouchers: the codes imported (duplicates not counted) and those
// no assignment took, after imports and assignments; an unknown offer and
// one without vouchers are errors.
func testCountVouchers(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	c := implements[store.VoucherCounter](t, s)
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "spa", RequiresVouchers: true}))
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "news"}))

	got, err := c.CountVouchers(ctx, "spa")
	require.NoError(t, err)
	assert.Equal(t, store.VoucherCount{}, got, "no code yet")
	_, err = s.ImportVouchers(ctx, "spa", []string{"A", "B", "C", "A"}, t0)
	require.NoError(t, err)
	_, err = s.Assign(ctx, "spa", []string{"p1", "p2"}, t0)
	require.NoError(t, err)
	got, err = c.CountVouchers(ctx, "spa")
	require.NoError(t, err)
	assert.Equal(t, store.VoucherCount{Codes: 3, Unassigned: 1}, got)
	_, err = s.ImportVouchers(ctx, "spa", []string{"C", "D"}, t0)
	require.NoError(t, err)
	got, err = c.CountVouchers(ctx, "spa")
	require.NoError(t, err)
	assert.Equal(t, store.VoucherCount{Codes: 4, Unassigned: 2}, got)

	_, err = c.CountVouchers(ctx, "news")
	assert.ErrorIs(t, err, store.ErrNotVoucherOffer)
	_, err = c.CountVouchers(ctx, "golf")
	assert.ErrorIs(t, err, store.ErrNoOffer)
}
