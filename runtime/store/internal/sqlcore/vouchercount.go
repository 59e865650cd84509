package sqlcore

import (
	"context"
	"fmt"

	"github.com/promoc/promoc/runtime/store"
)

var _ store.VoucherCounter = (*Store)(nil)

// CountVouchers implements store.VoucherCounter: the offer and its codes
// are read in one transaction, so that the counts are of one moment.
func (s *Store) CountVouchers(ctx context.Context, offer string) (store.VoucherCount, error) {
	var c store.VoucherCount
	err := s.D.Read(ctx, func(ex Execer) error {
		c = store.VoucherCount{}
		o, err := offerIn(ctx, ex, offer)
		if s.D.NoRows(err) {
			return fmt.Errorf("offer %q: %w", offer, store.ErrNoOffer)
		}
		if err != nil {
			return err
		}
		if !o.RequiresVouchers {
			return fmt.Errorf("offer %q: %w", offer, store.ErrNotVoucherOffer)
		}
		return ex.QueryRow(ctx, `SELECT count(*), count(*) - count(assignment) FROM vouchers WHERE offer = $1`, offer).Scan(&c.Codes, &c.Unassigned)
	})
	return c, err
}
