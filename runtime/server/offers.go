package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// offerConfirmation is the body of POST /v1/offers/confirm: a point of
// sale confirms the assignment with its own code.
type offerConfirmation struct {
	Assignment string `json:"assignment"`
	Code       string `json:"code"`
}

// Assignment is an offer's assignment as the API writes it.
type Assignment struct {
	Ref          string    `json:"ref"`
	Offer        string    `json:"offer"` // the offer's reference
	Player       string    `json:"player"`
	Code         string    `json:"code,omitempty"`
	Synchronized bool      `json:"synchronized"`
	At           time.Time `json:"at"`
	Confirmation string    `json:"confirmation,omitempty"`
	Confirmed    time.Time `json:"confirmed,omitzero"`
}

// AssignmentOf is a stored assignment as the API writes it (promoc offers
// assignments --json too).
func AssignmentOf(a store.Assignment) Assignment {
	return Assignment{Ref: a.Ref, Offer: a.Offer, Player: a.Player, Code: a.Code, Synchronized: a.Synchronized,
		At: a.At, Confirmation: a.Confirmation, Confirmed: a.Confirmed}
}

// OfferConfirmed answers POST /v1/offers/confirm: the assignment as
// stored, and the outcomes of the offer_confirmed event the rules handled.
type OfferConfirmed struct {
	Assignment Assignment       `json:"assignment"`
	Outcomes   []engine.Outcome `json:"outcomes"`
}

// postOfferConfirm records a point of sale's confirmation of an assignment
// and handles it as an event of kind offer_confirmed (engine.Confirm):
// confirming again with the same code changes nothing and handles nothing
// twice, so a point of sale may retry.
func (s *Server) postOfferConfirm(ctx context.Context, q *request) (int, any, error) {
	var c offerConfirmation
	if err := decodeBody(q.body, &c); err != nil {
		return 0, nil, err
	}
	switch {
	case c.Assignment == "":
		return 0, nil, errorf(http.StatusBadRequest, CodeInvalidParameter, "assignment: missing: the reference of the assignment the point of sale confirms").with("field", "assignment")
	case c.Code == "":
		return 0, nil, errorf(http.StatusBadRequest, CodeInvalidParameter, "code: missing: the point of sale's own code for the confirmation").with("field", "code")
	}
	cur, done := s.use()
	a, outs, err := cur.eng.Confirm(ctx, c.Assignment, c.Code, s.now())
	done()
	switch {
	case errors.Is(err, store.ErrNoAssignment):
		return 0, nil, errorf(http.StatusNotFound, CodeNotFound, "assignment %q: no such assignment", c.Assignment).with("field", "assignment")
	case errors.Is(err, store.ErrConfirmed):
		return 0, nil, errorf(http.StatusConflict, CodeConfirmedOtherwise, "assignment %q was confirmed before with another code", c.Assignment).with("confirmation", a.Confirmation)
	case errors.Is(err, store.ErrCodeTaken):
		return 0, nil, errorf(http.StatusConflict, CodeCodeTaken, "code %q is another assignment's of the offer: a voucher code is never two players'; nothing was confirmed", store.TrimCode(c.Code)).
			with("field", "code")
	case errors.Is(err, store.ErrVoucherCode):
		return 0, nil, errorf(http.StatusBadRequest, CodeInvalidParameter, "code: %v", err).with("field", "code")
	case errors.As(err, new(*engine.EventError)):
		// Recorded, and its event refused for good (older than the
		// player's latest by more than the lateness bound).
		return 0, nil, errorf(http.StatusUnprocessableEntity, CodeInvalidEvent, "%v", err).with("assignment", a.Ref)
	case err != nil:
		return 0, nil, err
	}
	if outs == nil {
		outs = []engine.Outcome{}
	}
	s.met.logged(outs...)
	s.hooks.notify()
	return http.StatusOK, OfferConfirmed{Assignment: AssignmentOf(a), Outcomes: outs}, nil
}
