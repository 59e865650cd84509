package sqlcore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/promoc/promoc/runtime/store"
)

// voucherBatch is the number of codes one INSERT of an import writes, in
// the order given, so that codes are assigned in import order.
const voucherBatch = 10000

func flag(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// PutOffer implements store.Store.
func (s *Store) PutOffer(ctx context.Context, o store.Offer) error {
	if o.Ref == "" {
		return fmt.Errorf("offer: a reference is required")
	}
	return s.D.Begin(ctx, func(ex Execer) error {
		_, err := ex.Exec(ctx, `INSERT INTO offers (ref, name, description, requires_vouchers, needs_sync, image_url, web_page)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (ref) DO UPDATE SET name = $2, description = $3, requires_vouchers = $4, needs_sync = $5, image_url = $6, web_page = $7`,
			o.Ref, o.Name, o.Description, flag(o.RequiresVouchers), flag(o.NeedsSync), o.ImageURL, o.WebPage)
		return err
	})
}

func offerIn(ctx context.Context, ex Execer, ref string) (store.Offer, error) {
	o := store.Offer{Ref: ref}
	var req, sync int64
	err := ex.QueryRow(ctx, `SELECT name, description, requires_vouchers, needs_sync, image_url, web_page FROM offers WHERE ref = $1`, ref).
		Scan(&o.Name, &o.Description, &req, &sync, &o.ImageURL, &o.WebPage)
	o.RequiresVouchers, o.NeedsSync = req != 0, sync != 0
	return o, err
}

// Offer implements store.Store.
func (s *Store) Offer(ctx context.Context, ref string) (store.Offer, bool, error) {
	var o store.Offer
	err := s.D.Read(ctx, func(ex Execer) error {
		var err error
		o, err = offerIn(ctx, ex, ref)
		return err
	})
	if err != nil {
		if s.D.NoRows(err) {
			return store.Offer{}, false, nil
		}
		return store.Offer{}, false, err
	}
	return o, true, nil
}

// offerFor reads the offer of a writing transaction; ErrNoOffer when none.
func (s *Store) offerFor(ctx context.Context, ex Execer, ref string) (store.Offer, error) {
	o, err := offerIn(ctx, ex, ref)
	if s.D.NoRows(err) {
		return o, fmt.Errorf("offer %q: %w", ref, store.ErrNoOffer)
	}
	return o, err
}

// ImportVouchers implements store.Store.
func (s *Store) ImportVouchers(ctx context.Context, offer string, codes []string, at time.Time) (store.VoucherImport, error) {
	// Spaces around a code are not part of it (" A1" is A1), as Confirm
	// and promoc vouchers import have it; the caller's slice is kept.
	codes = slices.Clone(codes)
	for i, c := range codes {
		codes[i] = trimCode(c)
		if err := checkCode(codes[i]); err != nil {
			return store.VoucherImport{}, fmt.Errorf("code %d: %w", i+1, err)
		}
	}
	var r store.VoucherImport
	err := s.D.Begin(ctx, func(ex Execer) error {
		r = store.VoucherImport{}
		o, err := s.offerFor(ctx, ex, offer)
		if err != nil {
			return err
		}
		if !o.RequiresVouchers {
			return fmt.Errorf("offer %q: %w", offer, store.ErrNotVoucherOffer)
		}
		// A code an assignment of the offer was confirmed with is the
		// offer's already: ignored, as a duplicate. The offer's row, locked,
		// makes an import and a confirmation of the offer take turns
		// (Confirm), so that neither misses the other's code.
		if err := s.lockOffer(ctx, ex, offer); err != nil {
			return err
		}
		for i := 0; i < len(codes); i += voucherBatch {
			batch := codes[i:min(i+voucherBatch, len(codes))]
			// One statement text for every batch (the codes are one
			// parameter on SQLite, one array on PostgreSQL), so that it is
			// parsed once, not once a batch; WHERE true keeps SQLite from
			// reading ON CONFLICT as a join's ON.
			from, args := s.D.Tuples(batch)
			n, err := ex.Exec(ctx, `INSERT INTO vouchers (offer, code, imported_ns) SELECT $2, q.c1, $3 FROM `+from+`
				WHERE NOT EXISTS (SELECT 1 FROM offer_assignments a WHERE a.offer = $2 AND a.confirmation = q.c1 AND a.confirmation <> '')
				ORDER BY q.i ON CONFLICT DO NOTHING`, append(args, offer, nanos(at))...)
			if err != nil {
				return err
			}
			r.Imported += n
			r.Ignored += int64(len(batch)) - n
		}
		return ex.QueryRow(ctx, `SELECT count(*) FROM vouchers WHERE offer = $1 AND assignment IS NULL`, offer).Scan(&r.Unassigned)
	})
	return r, err
}

// freeCodes reads up to limit unassigned codes of an offer, oldest first,
// locked until the transaction ends (limit < 0: all of them). Where rows
// are locked (PostgreSQL), skip says to pass over those another
// transaction holds instead of waiting for it.
func (s *Store) freeCodes(ctx context.Context, ex Execer, offer string, limit int, skip bool) (seqs []int64, codes []string, err error) {
	q := `SELECT v.seq, v.code FROM vouchers v WHERE v.offer = $1 AND v.assignment IS NULL ORDER BY v.seq`
	args := []any{offer}
	if limit >= 0 {
		q += ` LIMIT $2`
		args = append(args, limit)
	}
	if fu := s.D.ForUpdate("v"); fu != "" {
		q += fu
		if skip {
			q += " SKIP LOCKED"
		}
	}
	rows, err := ex.Query(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var c string
		if err := rows.Scan(&seq, &c); err != nil {
			return nil, nil, err
		}
		seqs, codes = append(seqs, seq), append(codes, c)
	}
	return seqs, codes, rows.Err()
}

// assignmentRef is a random reference: 128 bits, hex.
func assignmentRef() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// Assign implements store.Store. On PostgreSQL the codes are taken with
// FOR UPDATE SKIP LOCKED, so that assignments running at once take
// different codes without waiting for each other; when that finds too few,
// some may be held by transactions that will roll back, so it reads again,
// waiting for them, before it says there are not enough. SQLite has one
// writer: there, assignments asked for at once are committed together
// (assignGroup), each all or nothing within the shared transaction. The
// update of a code is conditional, and the unique (offer, code) of the
// assignments refuses a code given twice whatever happens.
func (s *Store) Assign(ctx context.Context, offer string, players []string, at time.Time) ([]store.Assignment, error) {
	if s.D.OneWriter() {
		return s.assigns.do(ctx, s, assignReq{ctx: ctx, offer: offer, players: players, at: at})
	}
	var out []store.Assignment
	err := s.D.Begin(ctx, func(ex Execer) error {
		var err error
		out, err = s.assignIn(ctx, ex, offer, players, at)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// assignIn gives an offer to players in the caller's transaction, all or
// none: an error may leave some written, for the caller to roll back.
func (s *Store) assignIn(ctx context.Context, ex Execer, offer string, players []string, at time.Time) ([]store.Assignment, error) {
	var out []store.Assignment
	o, err := s.offerFor(ctx, ex, offer)
	if err != nil {
		return nil, err
	}
	var seqs []int64
	var codes []string
	if o.RequiresVouchers && len(players) > 0 {
		seqs, codes, err = s.freeCodes(ctx, ex, offer, len(players), true)
		if err == nil && len(codes) < len(players) && !s.D.OneWriter() {
			seqs, codes, err = s.freeCodes(ctx, ex, offer, -1, false)
		}
		if err != nil {
			return nil, err
		}
		if len(codes) < len(players) {
			return nil, fmt.Errorf("offer %q: %s for %s: %w", offer, counted(len(codes), "unassigned code"), counted(len(players), "player"), store.ErrNoVouchers)
		}
	}
	for i, p := range players {
		ref, err := assignmentRef()
		if err != nil {
			return nil, err
		}
		a := store.Assignment{Ref: ref, Offer: offer, Player: p, Synchronized: !o.NeedsSync, At: fromNanos(nanos(at))}
		var code any
		if o.RequiresVouchers {
			a.Code, code = codes[i], codes[i]
			n, err := ex.Exec(ctx, `UPDATE vouchers SET assignment = $2 WHERE seq = $1 AND assignment IS NULL`, seqs[i], ref)
			if err != nil {
				return nil, err
			}
			if n != 1 {
				return nil, fmt.Errorf("offer %q: code %q was taken meanwhile", offer, codes[i])
			}
		}
		if _, err := ex.Exec(ctx, `INSERT INTO offer_assignments (ref, offer, player, code, synchronized, at_ns) VALUES ($1, $2, $3, $4, $5, $6)`,
			ref, offer, p, code, flag(a.Synchronized), nanos(at)); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func scanAssignment(r Row) (store.Assignment, error) {
	var a store.Assignment
	var code *string
	var sync, at, confirmed int64
	if err := r.Scan(&a.Ref, &a.Offer, &a.Player, &code, &sync, &at, &a.Confirmation, &confirmed); err != nil {
		return a, err
	}
	if code != nil {
		a.Code = *code
	}
	a.Synchronized, a.At, a.Confirmed = sync != 0, fromNanos(at), fromNanos(confirmed)
	return a, nil
}

const assignmentCols = `ref, offer, player, code, synchronized, at_ns, confirmation, confirmed_ns`

// Assignments implements store.Store.
func (s *Store) Assignments(ctx context.Context, offer string) ([]store.Assignment, error) {
	var out []store.Assignment
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		a, err := scanAssignment(r)
		out = append(out, a)
		return err
	}, `SELECT `+assignmentCols+` FROM offer_assignments WHERE offer = $1 ORDER BY at_ns, player, ref`, offer)
	return out, err
}

// Confirm implements store.Store.
func (s *Store) Confirm(ctx context.Context, ref, code string, at time.Time) (store.Assignment, error) {
	// Spaces around the code are dropped, as an import drops them from a
	// line (" A1" is A1); a line break or a tab is refused by checkCode.
	code = trimCode(code)
	if err := checkCode(code); err != nil {
		return store.Assignment{}, fmt.Errorf("confirmation code: %w", err)
	}
	var a store.Assignment
	taken := false
	err := s.D.Begin(ctx, func(ex Execer) error {
		taken = false
		var err error
		a, err = scanAssignment(ex.QueryRow(ctx, `SELECT `+assignmentCols+` FROM offer_assignments a WHERE ref = $1`+s.D.ForUpdate("a"), ref))
		if s.D.NoRows(err) {
			return fmt.Errorf("assignment %q: %w", ref, store.ErrNoAssignment)
		}
		if err != nil {
			return err
		}
		// By the index erasures_pseudonym (SQLite 0026, PostgreSQL 0023).
		var n int64
		if err := ex.QueryRow(ctx, `SELECT count(*) FROM erasures WHERE pseudonym = $1`, a.Player).Scan(&n); err != nil {
			return err
		}
		a.Erased = n > 0
		switch {
		case a.Confirmation == code, trimCode(a.Confirmation) == code:
			// The same code; one stored with spaces around it, before
			// Confirm dropped them, is returned as stored.
			return nil
		case a.Confirmation != "":
			return fmt.Errorf("assignment %q: confirmed with %q, now %q: %w", ref, a.Confirmation, code, store.ErrConfirmed)
		}
		// The code is a voucher code of the offer: never two assignments'.
		// The offer's row, locked, makes confirmations of one offer take
		// their turns (PostgreSQL; SQLite has one writer), so that two with
		// one code at once do not both find it free. By the indexes
		// (offer, code) and offer_assignments_confirmation (SQLite 0027,
		// PostgreSQL 0024).
		if err := s.lockOffer(ctx, ex, a.Offer); err != nil {
			return err
		}
		// An imported code, given to another assignment or to none yet (it
		// would be given later), or another assignment's confirmation.
		var other string
		err = ex.QueryRow(ctx, `SELECT coalesce(assignment, '') FROM vouchers WHERE offer = $1 AND code = $2 AND coalesce(assignment, '') <> $3
			UNION ALL SELECT ref FROM offer_assignments WHERE offer = $1 AND confirmation = $2 AND confirmation <> '' AND ref <> $3
			LIMIT 1`, a.Offer, code, ref).Scan(&other)
		switch {
		case err == nil && other == "":
			taken = true
			return fmt.Errorf("assignment %q: code %q is a voucher code of the offer, not given yet: %w", ref, code, store.ErrCodeTaken)
		case err == nil:
			taken = true
			return fmt.Errorf("assignment %q: code %q is assignment %q's: %w", ref, code, other, store.ErrCodeTaken)
		case !s.D.NoRows(err):
			return err
		}
		a.Confirmation, a.Confirmed, a.Synchronized = code, fromNanos(max(nanos(at), 1)), true
		_, err = ex.Exec(ctx, `UPDATE offer_assignments SET confirmation = $2, confirmed_ns = $3, synchronized = 1 WHERE ref = $1`,
			ref, code, nanos(a.Confirmed))
		return err
	})
	switch {
	case taken:
		return store.Assignment{}, err // nothing confirmed
	case errors.Is(err, store.ErrConfirmed):
		return a, err // as stored: the point of sale learns the code it confirmed with
	case err != nil:
		return store.Assignment{}, err
	}
	return a, nil
}

// lockOffer locks the row of an offer until the transaction ends
// (PostgreSQL; SQLite has one writer): confirmations and imports of one
// offer take their turns, so that each sees the codes of the others. The
// lock is PostgreSQL's FOR NO KEY UPDATE, not FOR UPDATE: it does not
// conflict with the key share lock that an insert referring to the offer
// takes for its foreign key (a give's assignment, a tracking link's
// session, a conversion), so that these go on during a long import
// rather than wait for its end (TestImportLetsGivesBy).
func (s *Store) lockOffer(ctx context.Context, ex Execer, offer string) error {
	lock := ""
	if s.D.ForUpdate("offers") != "" {
		lock = " FOR NO KEY UPDATE OF offers"
	}
	var ref string
	return ex.QueryRow(ctx, `SELECT ref FROM offers WHERE ref = $1`+lock, offer).Scan(&ref)
}

// trimCode drops the spaces around a code (store.TrimCode: a line break or
// a tab stays, and checkCode refuses it).
func trimCode(c string) string { return store.TrimCode(c) }

// counted writes n things, in the singular for one: "1 player", "3 players".
func counted(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// checkCode holds a voucher code, imported or a point of sale's own, to
// what a person can read and type: not blank, UTF-8, at most
// VoucherCodeChars characters, no control character (a line break, a tab,
// the NUL that PostgreSQL cannot store), no invisible character (a byte
// order mark, a zero-width space, a variation selector: "\ufeffA1" looks
// like "A1" and is another code; store.Invisible), in normal form C.
func checkCode(c string) error {
	switch {
	case strings.TrimSpace(c) == "":
		return fmt.Errorf("%w: empty or blank", store.ErrVoucherCode)
	case !utf8.ValidString(c):
		return fmt.Errorf("%w: not UTF-8", store.ErrVoucherCode)
	case utf8.RuneCountInString(c) > store.VoucherCodeChars:
		return fmt.Errorf("%w: over %d characters", store.ErrVoucherCode, store.VoucherCodeChars)
	}
	for _, r := range c {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: control character %U", store.ErrVoucherCode, r)
		}
		if store.Invisible(r) {
			return fmt.Errorf("%w: invisible character %U", store.ErrVoucherCode, r)
		}
	}
	if !store.NormalCode(c) {
		return fmt.Errorf("%w: not in Unicode normal form C", store.ErrVoucherCode)
	}
	return nil
}
