package store

import "time"

// APIKey is a key of promoc serve's API. The store keeps the SHA-256 hash
// of the key's secret, never the secret: a key is found by the hash of what
// a client presents.
type APIKey struct {
	ID      string    // public: names the key in lists and logs
	Hash    []byte    // SHA-256 of the secret; unique
	Role    string    // viewer, operator, approver or admin
	Name    string    // what the key is for, as its creator said
	Created time.Time // UTC
	Revoked time.Time // zero while the key is valid
}

// Request is a request to promoc serve sent with an Idempotency-Key: what
// was sent (a hash) and, once done, the response given, so that a repeat
// gets the first response and a reuse of the key with another request is
// told apart.
type Request struct {
	// Scope is who sent it and where (the API key and the endpoint); Key
	// is the client's Idempotency-Key. A request is unique per both.
	Scope, Key  string
	Fingerprint []byte    // a hash of the request
	Started     time.Time // UTC
	// Status is the response's HTTP status; 0 while the request runs.
	// Response is the response's body; empty with a Status when the end
	// was recorded with the request's events (RequestEnds): the response
	// is made again from what they stored.
	Status   int
	Response []byte
}

// AuditEntry is one change in the audit log of promoc serve: who made it
// (an API key's id, or "cli"), what (an action such as campaign.suspend, on
// a target such as the campaign's name), when, and the state before and
// after, as JSON.
type AuditEntry struct {
	Seq           int64 // set by the store: > 0, increasing
	At            time.Time
	Actor         string
	Action        string
	Target        string
	Before, After []byte // JSON; "null" when there was nothing
}
