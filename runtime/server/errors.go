package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// Error is the body of every response that is not a success: a stable code,
// a message for people and, where it helps, details (the field at fault,
// the allowed methods, ...).
type Error struct {
	Status  int            `json:"-"`
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// The codes of errors. They are API: never renamed, only added to.
const (
	CodeInvalidJSON           = "invalid-json"            // 400: not JSON, or not the shape expected
	CodeInvalidParameter      = "invalid-parameter"       // 400: a query parameter or path value
	CodeMissingIdempotencyKey = "missing-idempotency-key" // 400
	CodeInvalidIdempotencyKey = "invalid-idempotency-key" // 400: empty, too long, not printable ASCII
	CodeUnauthenticated       = "unauthenticated"         // 401: no key, or a key unknown or revoked
	CodeForbidden             = "forbidden"               // 403: the key's role may not do this
	CodeNotFound              = "not-found"               // 404
	CodeMethodNotAllowed      = "method-not-allowed"      // 405
	CodeIdempotencyKeyInUse   = "idempotency-key-in-use"  // 409: the first request with the key still runs
	CodeNotWaiting            = "not-waiting"             // 409: no result of the key waits for approval
	CodeBudgetBelowSpent      = "budget-below-spent"      // 409
	CodeTooLarge              = "too-large"               // 413: a body over the limit, too many events
	CodeUnsupportedMediaType  = "unsupported-media-type"  // 415: a body that is not application/json
	CodeInvalidEvent          = "invalid-event"           // 422: an event the engine refuses
	CodeIdempotencyKeyReused  = "idempotency-key-reused"  // 422: the key came with another request
	CodeInvalidInput          = "invalid-input"           // 422: an evaluation's input document
	CodeInvalidAmount         = "invalid-amount"          // 422: an amount or currency
	CodeInvalidRuleSet        = "invalid-rule-set"        // 422: a rule set that does not parse or check (details: diagnostics)
	CodeRuleSetTestsFailed    = "rule-set-tests-failed"   // 422: a rule set whose tests fail (details: failures, report)
	CodeInvalidArchive        = "invalid-archive"         // 400: a tar archive that cannot be read, or holds more than files
	CodeInternal              = "internal"                // 500
	CodeUnavailable           = "unavailable"             // 503: shutting down, or the database unreachable
	CodeInvalidBonusEvent     = "invalid-bonus-event"     // 422: a status event of a bonus that is not valid
	CodeMissingReferences     = "missing-references"      // 400: a Fast Track request without its references
	CodeConversionRejected    = "conversion-rejected"     // 422: an unknown or expired session, no click, ... (details.reason)
	CodeNoTracking            = "no-tracking"             // 501: the store keeps no tracking
	CodeInvalidConversion     = "invalid-conversion"      // 422: names no session and no player, or a player without the offer
	CodeNoLandingPage         = "no-landing-page"         // 409: the offer's web page is not an absolute URL
	CodeConfirmedOtherwise    = "confirmed-otherwise"     // 409: an assignment confirmed before with another code
	CodeCodeTaken             = "code-taken"              // 409: a confirmation with a code another assignment of the offer holds
	CodeInvalidWebhook        = "invalid-webhook"         // 422: a webhook's URL or secret that is not valid
	CodeWebhookExists         = "webhook-exists"          // 409: a webhook has the id already
	CodeWebhookConfigured     = "webhook-configured"      // 409: a webhook of the --webhook flag cannot be removed through the API
	CodeNoWebhookAdmin        = "no-webhook-admin"        // 501: the store keeps no webhooks, or the server has no secret to seal theirs
)

func errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// with adds a detail.
func (e *Error) with(name string, v any) *Error {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details[name] = v
	return e
}

// writeError renders err: an *Error as it is, anything else as a 500 whose
// message says nothing of the cause (it is logged, not sent).
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		s.log.ErrorContext(r.Context(), "request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("error", err.Error()))
		e = errorf(http.StatusInternalServerError, CodeInternal, "the request failed on the server; it is logged")
	}
	writeJSON(w, e.Status, e)
}

// rawBody is a response that is not JSON: body, of contentType, with
// header.
type rawBody struct {
	contentType string
	header      http.Header
	body        []byte
}

// The values of the headers of every JSON response, shared by them: a
// header's values are replaced (Header.Set) or grown by a copy (Add: a
// slice literal's length is its capacity), never written in place.
var (
	jsonType = []string{"application/json"}
	noSniff  = []string{"nosniff"}
)

// writeJSON writes v as the JSON body of a response with status; a
// rawBody as it is.
func writeJSON(w http.ResponseWriter, status int, v any) {
	if rb, ok := v.(rawBody); ok {
		for k, vs := range rb.header {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Type", rb.contentType)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(status)
		w.Write(rb.body)
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"code":"internal","message":"the response could not be encoded"}`)
	}
	setHeaders(w, v)
	h := w.Header()
	h["Content-Type"], h["X-Content-Type-Options"] = jsonType, noSniff
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
