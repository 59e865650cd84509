package sqlcore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/promoc/promoc/runtime/store"
	"github.com/shopspring/decimal"
)

// sessionColCount is the number of sessionCols.
var sessionColCount = strings.Count(sessionCols, ",") + 1

// day is a UTC day in nanoseconds; the report's SQL writes it literally.
const day = int64(24 * time.Hour)

// PutPublisher implements store.Tracking.
func (s *Store) PutPublisher(ctx context.Context, p store.Publisher) error {
	if p.Ref == "" || len(p.Ref) > store.RefBytes || !utf8.ValidString(p.Ref) {
		return fmt.Errorf("publisher %q: a reference of 1 to %d bytes of UTF-8 is required", p.Ref, store.RefBytes)
	}
	return s.D.Begin(ctx, func(ex Execer) error {
		_, err := ex.Exec(ctx, `INSERT INTO publishers (ref, name, created_ns) VALUES ($1, $2, $3)
			ON CONFLICT (ref) DO UPDATE SET name = $2`, p.Ref, p.Name, nanos(p.Created))
		return err
	})
}

func (s *Store) publishers(ctx context.Context, q string, args ...any) ([]store.Publisher, error) {
	var out []store.Publisher
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		var p store.Publisher
		var created int64
		if err := r.Scan(&p.Ref, &p.Name, &created); err != nil {
			return err
		}
		p.Created = fromNanos(created)
		out = append(out, p)
		return nil
	}, q, args...)
	return out, err
}

// Publisher implements store.Tracking.
func (s *Store) Publisher(ctx context.Context, ref string) (store.Publisher, bool, error) {
	ps, err := s.publishers(ctx, `SELECT ref, name, created_ns FROM publishers WHERE ref = $1`, ref)
	if err != nil || len(ps) == 0 {
		return store.Publisher{}, false, err
	}
	return ps[0], true, nil
}

// Publishers implements store.Tracking.
func (s *Store) Publishers(ctx context.Context) ([]store.Publisher, error) {
	return s.publishers(ctx, `SELECT ref, name, created_ns FROM publishers ORDER BY ref`)
}

func validSession(se *store.Session) error {
	if se.ID == "" || len(se.ID) > store.RefBytes {
		return fmt.Errorf("session %q: %w: an id of 1 to %d bytes is required", se.ID, store.ErrSession, store.RefBytes)
	}
	if !storable(se.At) || se.At.IsZero() {
		return fmt.Errorf("session %q: %w: time %s out of range", se.ID, store.ErrSession, se.At)
	}
	strs := [...]string{se.Sub[0], se.Sub[1], se.Sub[2], se.Sub[3], se.Sub[4], se.Region, se.Device, se.Browser} // not append(se.Sub[:], ...), which allocates an array per session
	for _, v := range strs {
		if len(v) > store.SubBytes || !utf8.ValidString(v) {
			return fmt.Errorf("session %q: %w: a sub id, region, device or browser over %d bytes or not UTF-8", se.ID, store.ErrSession, store.SubBytes)
		}
	}
	return nil
}

// refsMissing finds the references of a table (offers or publishers):
// for the first it does not hold it returns the reference and the
// driver's no-rows error.
func refsMissing(ctx context.Context, ex Execer, table string, refs map[string]bool) (string, error) {
	list := make([]string, 0, len(refs))
	for r := range refs {
		list = append(list, r)
	}
	sort.Strings(list)
	for _, r := range list {
		var got string
		err := ex.QueryRow(ctx, `SELECT ref FROM `+table+` WHERE ref = $1`, r).Scan(&got)
		if err != nil {
			return r, err
		}
	}
	return "", nil
}

// Clicks implements store.Tracking: the sessions are written by many-row
// INSERTs; an id stored before makes one write nothing, and the
// transaction is rolled back. The sessions' offers and publishers are
// checked by the table's foreign keys; only a batch that fails reads
// them, to name one that is missing (which wins over the other faults of
// the batch).
func (s *Store) Clicks(ctx context.Context, sessions []store.Session) error {
	for i := range sessions {
		if err := validSession(&sessions[i]); err != nil {
			return err
		}
	}
	if len(sessions) == 0 {
		return nil
	}
	err := s.D.Begin(ctx, func(ex Execer) error {
		args := make([]any, 0, sessionColCount*rowChunk(len(sessions)))
		// The offer and the publisher, boxed once while the rows repeat
		// them (a batch's clicks are mostly of a few links).
		var offer, pub any
		for rest := sessions; len(rest) > 0; {
			n := rowChunk(len(rest))
			args = args[:0]
			for _, se := range rest[:n] {
				if s, _ := offer.(string); offer == nil || s != se.Offer {
					offer = se.Offer
				}
				if s, _ := pub.(string); pub == nil || s != se.Publisher {
					pub = se.Publisher
				}
				args = append(args, se.ID, offer, pub, se.Sub[0], se.Sub[1], se.Sub[2], se.Sub[3], se.Sub[4],
					se.Region, se.Device, se.Browser, nilBytes(se.IPHash), nanos(se.At), nilString(se.Player))
			}
			got, err := ex.Exec(ctx, insertStmt(`INSERT INTO sessions (`+sessionCols+`) VALUES `, ` ON CONFLICT DO NOTHING`, sessionColCount, n), args...)
			if err != nil {
				return err
			}
			if got != int64(n) {
				return fmt.Errorf("%w: a session id stored before", store.ErrSession)
			}
			rest = rest[n:]
		}
		return nil
	})
	if err != nil {
		if missing := s.sessionRefsMissing(ctx, sessions); errors.Is(missing, store.ErrNoOffer) || errors.Is(missing, store.ErrNoPublisher) {
			return missing
		}
	}
	return err
}

// sessionRefsMissing is ErrNoOffer or ErrNoPublisher for a batch of
// sessions whose offer or publisher the store lacks, the error of reading
// them, or nil when it has them all.
func (s *Store) sessionRefsMissing(ctx context.Context, sessions []store.Session) error {
	offers, pubs := map[string]bool{}, map[string]bool{}
	for _, se := range sessions {
		offers[se.Offer] = true
		pubs[se.Publisher] = true
	}
	return s.D.Read(ctx, func(ex Execer) error {
		if r, err := refsMissing(ctx, ex, "offers", offers); err != nil {
			if s.D.NoRows(err) {
				return fmt.Errorf("offer %q: %w", r, store.ErrNoOffer)
			}
			return err
		}
		if r, err := refsMissing(ctx, ex, "publishers", pubs); err != nil {
			if s.D.NoRows(err) {
				return fmt.Errorf("publisher %q: %w", r, store.ErrNoPublisher)
			}
			return err
		}
		return nil
	})
}

// exact is a decimal's text with every decimal it has: 25.50 stays 25.50.
func exact(d decimal.Decimal) string {
	return d.StringFixed(max(0, -d.Exponent()))
}

func nilBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

func nilString(v string) any {
	if v == "" {
		return nil
	}
	return v
}

const sessionCols = `id, offer, publisher, sub1, sub2, sub3, sub4, sub5, region, device, browser, ip_hash, at_ns, player`

func scanSession(r Row) (store.Session, error) {
	var se store.Session
	var at int64
	var player *string
	var ip []byte
	err := r.Scan(&se.ID, &se.Offer, &se.Publisher, &se.Sub[0], &se.Sub[1], &se.Sub[2], &se.Sub[3], &se.Sub[4],
		&se.Region, &se.Device, &se.Browser, &ip, &at, &player)
	if len(ip) > 0 {
		se.IPHash = ip
	}
	se.At = fromNanos(at)
	if player != nil {
		se.Player = *player
	}
	return se, err
}

// Session implements store.Tracking.
func (s *Store) Session(ctx context.Context, id string) (store.Session, bool, error) {
	var se store.Session
	err := s.D.Read(ctx, func(ex Execer) error {
		var err error
		se, err = scanSession(ex.QueryRow(ctx, `SELECT `+sessionCols+` FROM sessions WHERE id = $1`, id))
		return err
	})
	if err != nil {
		if s.D.NoRows(err) {
			return store.Session{}, false, nil
		}
		return store.Session{}, false, err
	}
	return se, true, nil
}

func validConversion(i int, c *store.ConversionRequest) error {
	bad := func(why string) error {
		return fmt.Errorf("conversion %d: %w: %s", i+1, store.ErrConversion, why)
	}
	switch {
	case c.Session == "" && c.Player == "":
		return bad("a session or a player is required")
	case c.Session == "" && c.Offer == "":
		return bad("a conversion naming only a player must name the offer")
	case c.Kind == "":
		return bad("a kind is required")
	case c.Window < 0 || (c.Window == 0 && c.WindowOf == nil):
		return bad("an attribution window is required")
	case c.At.IsZero() || !storable(c.At):
		return bad(fmt.Sprintf("time %s out of range", c.At))
	case c.Currency == "" && !c.Amount.IsZero():
		return bad("an amount without a currency")
	}
	for _, v := range []string{c.Session, c.Player, c.Kind, c.AdvertiserRef, c.Currency} {
		if len(v) > store.RefBytes || !utf8.ValidString(v) {
			return bad(fmt.Sprintf("a string over %d bytes or not UTF-8", store.RefBytes))
		}
	}
	if len(c.Offer) > store.OfferRefBytes || !utf8.ValidString(c.Offer) {
		return bad(fmt.Sprintf("an offer's reference over %d bytes or not UTF-8", store.OfferRefBytes))
	}
	return nil
}

const conversionCols = `c.seq, c.session, c.offer, c.publisher, c.player, c.kind, c.amount, c.currency, c.advertiser_ref, c.at_ns, c.click_ns,
	c.payout, c.payout_currency, c.revenue, c.revenue_currency, s.sub1, s.sub2, s.sub3, s.sub4, s.sub5`

const conversionFrom = ` FROM conversions c JOIN sessions s ON s.id = c.session`

func scanConversion(r Row) (store.Conversion, error) {
	var c store.Conversion
	var player *string
	var amount, payout, revenue string
	var at, click int64
	err := r.Scan(&c.Seq, &c.Session, &c.Offer, &c.Publisher, &player, &c.Kind, &amount, &c.Currency, &c.AdvertiserRef, &at, &click,
		&payout, &c.PayoutCurrency, &revenue, &c.RevenueCurrency, &c.Sub[0], &c.Sub[1], &c.Sub[2], &c.Sub[3], &c.Sub[4])
	if err != nil {
		return c, err
	}
	if player != nil {
		c.Player = *player
	}
	c.At, c.Click = fromNanos(at), fromNanos(click)
	for _, p := range []struct {
		s string
		d *decimal.Decimal
	}{{amount, &c.Amount}, {payout, &c.Payout}, {revenue, &c.Revenue}} {
		if *p.d, err = decimal.NewFromString(p.s); err != nil {
			return c, fmt.Errorf("conversion %d: stored amount %q: %w", c.Seq, p.s, err)
		}
	}
	return c, nil
}

func queryConversions(ctx context.Context, ex Execer, q string, args ...any) ([]store.Conversion, error) {
	rows, err := ex.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Conversion
	for rows.Next() {
		c, err := scanConversion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Conversions implements store.Tracking.
func (s *Store) Conversions(ctx context.Context, after int64, limit int) ([]store.Conversion, error) {
	var out []store.Conversion
	err := s.D.Read(ctx, func(ex Execer) error {
		var err error
		out, err = queryConversions(ctx, ex, `SELECT `+conversionCols+conversionFrom+` WHERE c.seq > $1 ORDER BY c.seq LIMIT $2`, after, limit)
		return err
	})
	return out, err
}

// reader is the ConversionReader of one attempt of a Convert
// transaction.
type reader struct {
	ctx     context.Context
	ex      Execer
	noRows  func(error) bool
	attempt uint64
}

// attempts numbers the attempts of Convert's transactions.
var attempts atomic.Uint64

func (r reader) Attempt() uint64 { return r.attempt }

func (r reader) Recorded(seq int64) (bool, error) {
	var one int
	err := r.ex.QueryRow(r.ctx, `SELECT 1 FROM conversions WHERE seq = $1`, seq).Scan(&one)
	if r.noRows(err) {
		return false, nil
	}
	return err == nil, err
}

func (r reader) PublisherConversions(publisher string, from, to time.Time) ([]store.Conversion, error) {
	return queryConversions(r.ctx, r.ex, `SELECT `+conversionCols+conversionFrom+
		` WHERE c.publisher = $1 AND c.at_ns >= $2 AND c.at_ns < $3 ORDER BY c.at_ns, c.seq`, publisher, nanos(from), nanos(to))
}

// PublisherSince reads by the index of (publisher, seq) when it reads
// after a sequence number, by that of (publisher, at_ns) from the start.
func (r reader) PublisherSince(publisher string, after int64, from time.Time) ([]store.Conversion, error) {
	if after > 0 {
		return queryConversions(r.ctx, r.ex, `SELECT `+conversionCols+conversionFrom+
			` WHERE c.publisher = $1 AND c.seq > $2 AND c.at_ns >= $3 ORDER BY c.seq`, publisher, after, nanos(from))
	}
	return queryConversions(r.ctx, r.ex, `SELECT `+conversionCols+conversionFrom+
		` WHERE c.publisher = $1 AND c.at_ns >= $2 ORDER BY c.seq`, publisher, nanos(from))
}

// Convert implements store.Tracking. A conversion's outcome depends on
// the conversions of its publisher (tiered prices, sequence numbers in
// commit order) and of its player (the sessions tied to the player, which
// a conversion naming only the player is attributed among); conversions
// that share neither are independent. SQLite has one writer. On
// PostgreSQL a transaction takes an advisory lock per publisher and per
// player it touches, held until it commits: it first finds them (the
// named session's publisher and player, the player's last click's
// publisher) and locks them in one order, so that transactions do not
// wait on each other in a cycle; one found only later (a session tied
// meanwhile) is locked then, and the conversion considered again from
// the start (a deadlock that this may cause is detected by the database,
// and the transaction run again). Conversions of
// different publishers and players are recorded in parallel, and any two
// that share one are recorded one after the other, as a sequential run
// records them.
func (s *Store) Convert(ctx context.Context, cs []store.ConversionRequest, price store.Pricer) ([]store.ConversionResult, error) {
	for i := range cs {
		if err := validConversion(i, &cs[i]); err != nil {
			return nil, err
		}
	}
	var out []store.ConversionResult
	err := s.D.Begin(ctx, func(ex Execer) error {
		out = make([]store.ConversionResult, len(cs))
		rd := reader{ctx: ctx, ex: ex, noRows: s.D.NoRows, attempt: attempts.Add(1)}
		var lk *locks
		if !s.D.OneWriter() {
			lk = &locks{held: map[string]bool{}}
			var keys []string
			for i := range cs {
				k, err := s.lockKeys(ctx, ex, &cs[i])
				if err != nil {
					return fmt.Errorf("conversion %d: %w", i+1, err)
				}
				keys = append(keys, k...)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if err := lk.lock(ctx, ex, k); err != nil {
					return err
				}
			}
		}
		for i := range cs {
			r, err := s.convert(ctx, ex, &cs[i], price, lk, rd)
			for errors.Is(err, errRelock) {
				r, err = s.convert(ctx, ex, &cs[i], price, lk, rd)
			}
			if err != nil {
				return fmt.Errorf("conversion %d: %w", i+1, err)
			}
			out[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// locks are the advisory locks a PostgreSQL transaction of Convert holds,
// by key: "publisher:REF" or "player:ID". nil on SQLite.
type locks struct {
	held map[string]bool
}

// lockClass is the first half of the two-integer advisory locks of
// tracking (the key's hash is the second): a key space apart from the
// one-bigint locks of the rest of the store.
const lockClass = 0x7472616b // "trak"

// lock takes the advisory lock of key, once per transaction; nil locks
// take none. Two keys of one hash share a lock: they wait on each other,
// nothing worse.
func (l *locks) lock(ctx context.Context, ex Execer, key string) error {
	if l == nil || l.held[key] {
		return nil
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	if _, err := ex.Exec(ctx, `SELECT pg_advisory_xact_lock(CAST($1 AS INTEGER), CAST($2 AS INTEGER))`, int32(lockClass), int32(h.Sum32())); err != nil {
		return err
	}
	l.held[key] = true
	return nil
}

// errRelock: convert had to take a lock it had not found before (what it
// read before may have changed meanwhile): it runs again, holding it.
var errRelock = errors.New("a lock taken late")

// late takes the lock of key in convert: errRelock when it was not held
// yet. convert takes every lock before it writes.
func (l *locks) late(ctx context.Context, ex Execer, key string) error {
	if l == nil || l.held[key] {
		return nil
	}
	if err := l.lock(ctx, ex, key); err != nil {
		return err
	}
	return errRelock
}

// windowOf is the attribution window of a conversion of offer: the
// request's, or when it gives none its WindowOf's for the offer.
func windowOf(c *store.ConversionRequest, offer string) time.Duration {
	if c.Window != 0 {
		return c.Window
	}
	return c.WindowOf(offer)
}

// lockKeys finds, before any lock is taken, what a conversion will lock:
// the named session's publisher, the player (named, or the session's), and
// the publisher of the player's last click on the offer in its window.
func (s *Store) lockKeys(ctx context.Context, ex Execer, c *store.ConversionRequest) ([]string, error) {
	var keys []string
	player, offer := c.Player, c.Offer
	if c.Session != "" {
		var pub string
		var tied *string
		err := ex.QueryRow(ctx, `SELECT offer, publisher, player FROM sessions WHERE id = $1`, c.Session).Scan(&offer, &pub, &tied)
		if s.D.NoRows(err) {
			return nil, nil // rejected as unknown: nothing to lock
		}
		if err != nil {
			return nil, err
		}
		keys = append(keys, "publisher:"+pub)
		if player == "" && tied != nil {
			player = *tied
		}
	}
	if player == "" {
		return keys, nil
	}
	keys = append(keys, "player:"+player)
	window := windowOf(c, offer)
	if window <= 0 {
		return keys, nil // refused by convert
	}
	at := nanos(c.At)
	var pub string
	err := ex.QueryRow(ctx, `SELECT publisher FROM sessions
		WHERE (player = $1 OR id = $2) AND offer = $3 AND at_ns <= $4 AND at_ns > $5
		ORDER BY at_ns DESC, id DESC LIMIT 1`, player, c.Session, offer, at, at-int64(window)).Scan(&pub)
	if s.D.NoRows(err) {
		return keys, nil
	}
	if err != nil {
		return nil, err
	}
	return append(keys, "publisher:"+pub), nil
}

// firstConversion reads the first conversion a query's condition finds;
// ok is false when there is none.
func firstConversion(ctx context.Context, ex Execer, where string, args ...any) (store.Conversion, bool, error) {
	got, err := queryConversions(ctx, ex, `SELECT `+conversionCols+conversionFrom+` WHERE `+where+` ORDER BY c.seq LIMIT 1`, args...)
	if err != nil || len(got) == 0 {
		return store.Conversion{}, false, err
	}
	return got[0], true, nil
}

// convert attributes and records one conversion in the transaction.
func (s *Store) convert(ctx context.Context, ex Execer, c *store.ConversionRequest, price store.Pricer, lk *locks, rd reader) (store.ConversionResult, error) {
	reject := func(why store.Rejection) (store.ConversionResult, error) {
		return store.ConversionResult{Rejected: why}, nil
	}
	at := nanos(c.At)
	player, offer := c.Player, c.Offer
	var named store.Session
	var claim string
	if c.Session != "" {
		var err error
		named, err = scanSession(ex.QueryRow(ctx, `SELECT `+sessionCols+` FROM sessions WHERE id = $1`, c.Session))
		if s.D.NoRows(err) {
			return reject(store.RejectUnknownSession)
		}
		if err != nil {
			return store.ConversionResult{}, err
		}
		// The session's ties are made under its publisher's lock.
		if err := lk.late(ctx, ex, "publisher:"+named.Publisher); err != nil {
			return store.ConversionResult{}, err
		}
		if offer != "" && offer != named.Offer {
			return reject(store.RejectOtherOffer)
		}
		offer = named.Offer
		if named.Player != "" && player != "" && named.Player != player {
			return reject(store.RejectOtherPlayer)
		}
		if player == "" {
			player = named.Player
		}
		claim = "session:" + c.Session
	} else {
		claim = "player:" + player
	}
	if player != "" {
		// Locked before unless the session was tied since.
		if err := lk.late(ctx, ex, "player:"+player); err != nil {
			return store.ConversionResult{}, err
		}
	}
	// What the report named, reported again: a repeat, whatever clicks
	// came since.
	if first, ok, err := firstConversion(ctx, ex, `c.claim = $1 AND c.offer = $2 AND c.kind = $3 AND c.advertiser_ref = $4`,
		claim, offer, c.Kind, c.AdvertiserRef); err != nil || ok {
		return store.ConversionResult{Conversion: first, Repeat: ok}, err
	}

	// The last click of the player on the offer within the window: the
	// session named counts as the player's, since the conversion ties it.
	var click store.Session
	window := windowOf(c, offer)
	if window <= 0 {
		return store.ConversionResult{}, fmt.Errorf("%w: offer %q: no attribution window", store.ErrConversion, offer)
	}
	from := at - int64(window)
	var err error
	if player != "" {
		click, err = scanSession(ex.QueryRow(ctx, `SELECT `+sessionCols+` FROM sessions
			WHERE (player = $1 OR id = $2) AND offer = $3 AND at_ns <= $4 AND at_ns > $5
			ORDER BY at_ns DESC, id DESC LIMIT 1`, player, c.Session, offer, at, from))
	} else {
		click, err = scanSession(ex.QueryRow(ctx, `SELECT `+sessionCols+` FROM sessions
			WHERE id = $1 AND at_ns <= $2 AND at_ns > $3`, c.Session, at, from))
	}
	if s.D.NoRows(err) {
		switch {
		case c.Session == "":
			return reject(store.RejectNoClick)
		case nanos(named.At) > at:
			return reject(store.RejectBeforeClick)
		default:
			return reject(store.RejectExpired)
		}
	}
	if err != nil {
		return store.ConversionResult{}, err
	}
	if err := lk.late(ctx, ex, "publisher:"+click.Publisher); err != nil {
		return store.ConversionResult{}, err
	}
	if first, ok, err := firstConversion(ctx, ex, `c.session = $1 AND c.kind = $2 AND c.advertiser_ref = $3`,
		click.ID, c.Kind, c.AdvertiserRef); err != nil || ok {
		return store.ConversionResult{Conversion: first, Repeat: ok}, err
	}

	conv := store.Conversion{Session: click.ID, Offer: offer, Publisher: click.Publisher, Player: player, Kind: c.Kind,
		Amount: c.Amount, Currency: c.Currency, AdvertiserRef: c.AdvertiserRef, At: c.At.UTC(), Click: click.At, Sub: click.Sub}
	if c.Session != "" && named.Player == "" && player != "" {
		if _, err := ex.Exec(ctx, `UPDATE sessions SET player = $1 WHERE id = $2`, player, c.Session); err != nil {
			return store.ConversionResult{}, err
		}
	}
	// Recorded, then priced: the price sees the conversion among the
	// publisher's, with its sequence number.
	err = ex.QueryRow(ctx, `INSERT INTO conversions (session, claim, offer, publisher, player, kind, amount, currency, advertiser_ref,
			at_ns, click_ns, payout, payout_currency, revenue, revenue_currency)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '0', '', '0', '') RETURNING seq`,
		conv.Session, claim, conv.Offer, conv.Publisher, nilString(player), conv.Kind, exact(conv.Amount), conv.Currency, conv.AdvertiserRef,
		at, nanos(conv.Click)).Scan(&conv.Seq)
	if err != nil {
		return store.ConversionResult{}, err
	}
	if price != nil {
		if err := price(&conv, rd); err != nil {
			return store.ConversionResult{}, err
		}
		if conv.PayoutCurrency != "" || conv.RevenueCurrency != "" || !conv.Payout.IsZero() || !conv.Revenue.IsZero() {
			if _, err := ex.Exec(ctx, `UPDATE conversions SET payout = $1, payout_currency = $2, revenue = $3, revenue_currency = $4 WHERE seq = $5`,
				exact(conv.Payout), conv.PayoutCurrency, exact(conv.Revenue), conv.RevenueCurrency, conv.Seq); err != nil {
				return store.ConversionResult{}, err
			}
		}
	}
	return store.ConversionResult{Conversion: conv}, nil
}

// ErasePlayer implements store.Tracking: the player leaves sessions and
// conversions, and the claims that named the player are replaced by one
// naming only the conversion.
func (s *Store) ErasePlayer(ctx context.Context, player string) (int64, error) {
	var n int64
	err := s.D.Begin(ctx, func(ex Execer) error {
		var err error
		n, err = untrack(ctx, ex, player)
		return err
	})
	return n, err
}

// untrack is ErasePlayer in a transaction of the caller's (store.Eraser's
// erasure runs it too); it returns the sessions untied.
func untrack(ctx context.Context, ex Execer, player string) (int64, error) {
	n, err := ex.Exec(ctx, `UPDATE sessions SET player = NULL WHERE player = $1`, player)
	if err != nil {
		return 0, err
	}
	if _, err = ex.Exec(ctx, `UPDATE conversions SET player = NULL WHERE player = $1`, player); err != nil {
		return 0, err
	}
	_, err = ex.Exec(ctx, `UPDATE conversions SET claim = 'erased:' || CAST(seq AS TEXT) WHERE claim = $1`, "player:"+player)
	return n, err
}

type reportKey struct {
	day              int64
	offer, publisher string
}

// TrackingReport implements store.Tracking: one query counts the clicks
// per day, offer and publisher; another reads the conversions, whose
// amounts are summed here, exactly, and which are counted per kind and
// per the currency of their money.
func (s *Store) TrackingReport(ctx context.Context, from, to time.Time) ([]store.ReportRow, error) {
	rows := map[reportKey]*store.ReportRow{}
	type money struct {
		payout, revenue map[string]decimal.Decimal
		counts          map[string]map[string]int64 // currency, kind
	}
	sums := map[reportKey]*money{}
	row := func(k reportKey) *store.ReportRow {
		r := rows[k]
		if r == nil {
			r = &store.ReportRow{Day: time.Unix(0, k.day*day).UTC(), Offer: k.offer, Publisher: k.publisher, Conversions: map[string]int64{}}
			rows[k] = r
			sums[k] = &money{map[string]decimal.Decimal{}, map[string]decimal.Decimal{}, map[string]map[string]int64{}}
		}
		return r
	}
	err := s.D.Read(ctx, func(ex Execer) error {
		clear(rows)
		clear(sums)
		q, err := ex.Query(ctx, `SELECT at_ns / 86400000000000, offer, publisher, count(*), count(DISTINCT ip_hash), count(*) - count(ip_hash)
			FROM sessions WHERE at_ns >= $1 AND at_ns < $2 GROUP BY at_ns / 86400000000000, offer, publisher`, nanos(from), nanos(to))
		if err != nil {
			return err
		}
		defer q.Close()
		for q.Next() {
			var k reportKey
			var clicks, distinct, anonymous int64
			if err := q.Scan(&k.day, &k.offer, &k.publisher, &clicks, &distinct, &anonymous); err != nil {
				return err
			}
			r := row(k)
			r.Clicks, r.Unique, r.Unhashed = clicks, distinct, anonymous
		}
		if err := q.Err(); err != nil {
			return err
		}
		q.Close()
		cq, err := ex.Query(ctx, `SELECT at_ns / 86400000000000, offer, publisher, kind, payout, payout_currency, revenue, revenue_currency
			FROM conversions WHERE at_ns >= $1 AND at_ns < $2`, nanos(from), nanos(to))
		if err != nil {
			return err
		}
		defer cq.Close()
		for cq.Next() {
			var k reportKey
			var kind, payout, pcur, revenue, rcur string
			if err := cq.Scan(&k.day, &k.offer, &k.publisher, &kind, &payout, &pcur, &revenue, &rcur); err != nil {
				return err
			}
			r := row(k)
			r.Conversions[kind]++
			m := sums[k]
			// Counted in the currency of its payout, or of its revenue
			// without one: once, whatever its two currencies.
			if cur := cmp.Or(pcur, rcur); cur != "" {
				if m.counts[cur] == nil {
					m.counts[cur] = map[string]int64{}
				}
				m.counts[cur][kind]++
			}
			for _, a := range []struct {
				v, cur string
				to     map[string]decimal.Decimal
			}{{payout, pcur, m.payout}, {revenue, rcur, m.revenue}} {
				d, err := decimal.NewFromString(a.v)
				if err != nil {
					return fmt.Errorf("stored amount %q: %w", a.v, err)
				}
				if a.cur != "" {
					a.to[a.cur] = a.to[a.cur].Add(d)
				}
			}
		}
		return cq.Err()
	})
	if err != nil {
		return nil, err
	}
	out := make([]store.ReportRow, 0, len(rows))
	for k, r := range rows {
		m := sums[k]
		curs := map[string]bool{}
		for c := range m.payout {
			curs[c] = true
		}
		for c := range m.revenue {
			curs[c] = true
		}
		for c := range curs {
			p, v := m.payout[c], m.revenue[c]
			n := m.counts[c]
			if n == nil {
				n = map[string]int64{}
			}
			r.Money = append(r.Money, store.ReportMoney{Currency: c, Payout: p, Revenue: v, Margin: v.Sub(p), Conversions: n})
		}
		sort.Slice(r.Money, func(i, j int) bool { return r.Money[i].Currency < r.Money[j].Currency })
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Day.Equal(b.Day) {
			return a.Day.Before(b.Day)
		}
		if a.Offer != b.Offer {
			return a.Offer < b.Offer
		}
		return a.Publisher < b.Publisher
	})
	return out, nil
}
