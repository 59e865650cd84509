package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/tracking"
)

// ConversionResponse is the answer to a conversion report: recorded (201),
// a repeat of one recorded before (200, the first conversion).
type ConversionResponse struct {
	Status     string                `json:"status"` // recorded or repeat
	Conversion tracking.RecordedJSON `json:"conversion"`
}

// PayoutCurrency is the currency of the payouts of a conversion without an
// amount when the rule set declares no currencies; one that does prices
// such a conversion in the first it declares.
const PayoutCurrency = "EUR"

// newTracker makes the tracker of a store that keeps tracking; nil for
// one that does not. The windows, payouts and currencies are those of the
// rule set running, which a deployment through the API changes.
func (s *Server) newTracker(cfg Config) (*tracking.Tracker, error) {
	ts, ok := cfg.Store.(tracking.Store)
	if !ok {
		return nil, nil
	}
	tc := cfg.Tracking
	tc.Store = ts
	if tc.Clock == nil {
		tc.Clock = cfg.Clock
	}
	if tc.Window == nil {
		tc.Window = func(offer string) time.Duration { return tracking.Windows(s.program())(offer) }
	}
	if tc.Currencies == nil {
		tc.Currencies = func() []string { return s.program().Currencies() }
	}
	if tc.Price == nil {
		tc.Price = func(c *store.Conversion, r store.ConversionReader) error { return s.prices().Price(c, r) }
		tc.Forget = func() { s.prices().Forget() }
	}
	return tracking.New(tc)
}

// forgetTracked drops the offers and publishers the tracker keeps: they
// changed (a publisher put, a rule set deployed with its offers).
func (s *Server) forgetTracked() {
	if s.trk != nil {
		s.trk.Forget()
	}
}

// pricing is the prices of one rule set's payouts.
type pricing struct {
	prog   *runtime.Program
	prices *tracking.Prices
}

// prices are the prices of the rule set running, made again when it
// changes.
func (s *Server) prices() *tracking.Prices {
	prog := s.program()
	if p := s.pricing.Load(); p != nil && p.prog == prog {
		return p.prices
	}
	p := &pricing{prog: prog, prices: tracking.NewPrices(prog, PayoutCurrency)}
	s.pricing.Store(p)
	return p.prices
}

func (s *Server) tracker() (*tracking.Tracker, error) {
	if s.trk == nil {
		return nil, errorf(http.StatusNotImplemented, CodeNoTracking, "this server's store keeps no tracking")
	}
	return s.trk, nil
}

// inputError turns a tracking input error into the API's error: an
// unknown offer or publisher is 404, the rest 400 (the link or report is
// malformed) or 422 (an amount).
func inputError(err error) error {
	var pe *tracking.PriceError
	if errors.As(err, &pe) {
		return errorf(http.StatusUnprocessableEntity, CodeInvalidConversion, "%s", pe.Error()).with("payout", pe.Payout).with("reason", pe.Reason)
	}
	var ie *tracking.InputError
	if !errors.As(err, &ie) {
		return err
	}
	status, code := http.StatusBadRequest, CodeInvalidParameter
	switch ie.Code {
	case tracking.UnknownOffer, tracking.UnknownPublisher:
		status, code = http.StatusNotFound, CodeNotFound
	case tracking.InvalidAmount:
		status, code = http.StatusUnprocessableEntity, CodeInvalidAmount
	case tracking.NoLandingPage:
		status, code = http.StatusConflict, CodeNoLandingPage
	case tracking.InvalidConversion:
		status, code = http.StatusUnprocessableEntity, CodeInvalidConversion
	case "invalid-json":
		code = CodeInvalidJSON
	}
	e := errorf(status, code, "%s", ie.Message)
	if ie.Field != "" {
		e = e.with("field", ie.Field)
	}
	return e
}

// clientIP is the address a request came from (the proxy's, behind one).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if a, err := netip.ParseAddr(host); err == nil && a.Is4() {
		return host // written as net.IP writes it: nothing to allocate
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.String()
	}
	return ""
}

// trackingLinkRoute is the route of the tracking links, which people
// follow: the request log does not write their address.
const trackingLinkRoute = "/t/{offer}"

// click answers a tracking link, GET /t/{offer}?pub=...: a 302 to the
// offer's landing page with the session id, once the session is stored.
func (s *Server) click() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr, err := s.tracker()
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		c, err := tracking.ParseClick(r.PathValue("offer"), r.URL.RawQuery, r.UserAgent(), clientIP(r))
		if err != nil {
			s.writeError(w, r, inputError(err))
			return
		}
		_, landing, err := tr.Click(r.Context(), c)
		if err != nil {
			s.writeError(w, r, inputError(err))
			return
		}
		h := w.Header()
		h["Location"] = []string{landing}
		h["Cache-Control"] = noStore
		h["Referrer-Policy"] = noReferrer
		w.WriteHeader(http.StatusFound)
	})
}

// The values of a redirect's fixed headers, shared by every click (the
// server only reads them).
var (
	noStore    = []string{"no-store"}
	noReferrer = []string{"no-referrer"}
)

// convert records a conversion and answers: 201 recorded, 200 a repeat,
// 422 rejected (logged with its reason).
func (s *Server) convert(ctx context.Context, c tracking.Conversion) (int, any, error) {
	tr, err := s.tracker()
	if err != nil {
		return 0, nil, err
	}
	r, err := tr.Convert(ctx, c)
	if err != nil {
		return 0, nil, inputError(err)
	}
	if r.Rejected != "" {
		s.log.WarnContext(ctx, "conversion rejected", slog.String("reason", string(r.Rejected)), slog.String("session", c.Session),
			slog.String("offer", c.Offer), slog.String("kind", c.Kind), slog.String("ref", c.Ref))
		return 0, nil, errorf(http.StatusUnprocessableEntity, CodeConversionRejected, "conversion rejected: %s", rejectionText(r.Rejected)).
			with("reason", string(r.Rejected))
	}
	if r.Repeat {
		return http.StatusOK, ConversionResponse{Status: "repeat", Conversion: tracking.RecordedOf(r.Conversion)}, nil
	}
	return http.StatusCreated, ConversionResponse{Status: "recorded", Conversion: tracking.RecordedOf(r.Conversion)}, nil
}

func rejectionText(r store.Rejection) string {
	switch r {
	case store.RejectUnknownSession:
		return "no session has this id"
	case store.RejectExpired:
		return "the session's click is older than the offer's attribution window"
	case store.RejectBeforeClick:
		return "the conversion happened before the session's click"
	case store.RejectNoClick:
		return "the player has no click on the offer within its attribution window"
	case store.RejectOtherPlayer:
		return "the session is tied to another player"
	case store.RejectOtherOffer:
		return "the session is of another offer"
	}
	return string(r)
}

// postConversion is POST /v1/conversions: one conversion, as JSON.
func (s *Server) postConversion(ctx context.Context, q *request) (int, any, error) {
	c, err := tracking.ParseConversionJSON(q.body)
	if err != nil {
		return 0, nil, inputError(err)
	}
	return s.convert(ctx, c)
}

// getPostback is GET /v1/postback, the form affiliate networks call: the
// conversion in the query, and the API key (operator or admin) as key=,
// since a postback URL cannot carry a header. The key is never logged.
func (s *Server) getPostback(ctx context.Context, q *request) (int, any, error) {
	key := q.URL.Query().Get("key")
	if key == "" && q.Header.Get("Authorization") == "" {
		return 0, nil, errorf(http.StatusUnauthorized, CodeUnauthenticated, "missing API key: send it as key=KEY or Authorization: Bearer KEY")
	}
	r := q.Request
	if key != "" {
		r = q.Request.Clone(ctx)
		r.Header.Set("Authorization", "Bearer "+key)
	}
	who, err := s.authenticate(r)
	if err != nil {
		return 0, nil, err
	}
	infoOf(ctx).key = who.id
	if !allows(operator, who.role) {
		return 0, nil, errorf(http.StatusForbidden, CodeForbidden, "GET /v1/postback: role %s may not do this: allowed %s", who.role, rolesText(operator)).
			with("role", who.role).with("allowed", []Role{Operator, Admin})
	}
	c, err := tracking.ParseConversionQuery(q.URL.Query(), "key")
	if err != nil {
		return 0, nil, inputError(err)
	}
	return s.convert(ctx, c)
}

// PublisherJSON is a publisher as the API writes it.
type PublisherJSON struct {
	Ref     string    `json:"ref"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
}

// getPublishers lists the publishers.
func (s *Server) getPublishers(ctx context.Context, q *request) (int, any, error) {
	if p := queryOf(q); p.err != nil {
		return 0, nil, p.err
	}
	ts, ok := s.st.(store.Tracking)
	if !ok {
		return 0, nil, errorf(http.StatusNotImplemented, CodeNoTracking, "this server's store keeps no tracking")
	}
	ps, err := ts.Publishers(ctx)
	if err != nil {
		return 0, nil, err
	}
	out := make([]PublisherJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, PublisherJSON{Ref: p.Ref, Name: p.Name, Created: p.Created})
	}
	return http.StatusOK, map[string]any{"publishers": out}, nil
}

// putPublisher registers a publisher, or renames one ({"name"}).
func (s *Server) putPublisher(ctx context.Context, q *request) (int, any, error) {
	var body struct {
		Name string `json:"name"`
	}
	if err := decodeBody(q.body, &body); err != nil {
		return 0, nil, err
	}
	ref := q.PathValue("ref")
	if err := tracking.CheckRef("ref", ref); err != nil {
		return 0, nil, inputError(err)
	}
	if len(body.Name) > tracking.SubIDBytes {
		return 0, nil, errorf(http.StatusBadRequest, CodeInvalidParameter, "name: over %d bytes", tracking.SubIDBytes).with("field", "name")
	}
	ts, ok := s.st.(store.Tracking)
	if !ok {
		return 0, nil, errorf(http.StatusNotImplemented, CodeNoTracking, "this server's store keeps no tracking")
	}
	if err := ts.PutPublisher(ctx, store.Publisher{Ref: ref, Name: body.Name, Created: s.now()}); err != nil {
		return 0, nil, err
	}
	s.forgetTracked()
	p, _, err := ts.Publisher(ctx, ref)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, PublisherJSON{Ref: p.Ref, Name: p.Name, Created: p.Created}, nil
}
