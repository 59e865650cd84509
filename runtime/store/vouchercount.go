package store

import "context"

// VoucherCounter counts the voucher codes of an offer: how many were
// imported and how many no assignment took yet, as an operator checks
// before giving an offer to many players at once. Both drivers implement
// it beside [Store].
type VoucherCounter interface {
	// CountVouchers counts the codes of an offer that requires vouchers.
	// [ErrNoOffer] when no offer has the reference; [ErrNotVoucherOffer]
	// when the offer takes no codes.
	CountVouchers(ctx context.Context, offer string) (VoucherCount, error)
}

// VoucherCount is what [VoucherCounter.CountVouchers] counted.
type VoucherCount struct {
	Codes      int64 // imported into the offer
	Unassigned int64 // of those, taken by no assignment
}
