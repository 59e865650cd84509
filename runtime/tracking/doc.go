// Package tracking is the affiliate tracking of promoc serve: clicks on
// tracking links open sessions, and conversions reported by advertisers
// are attributed to them (spec/semantics.md, "Tracking and attribution").
// A [Tracker] checks what a link or a report carries, keeps the client's
// address only as a keyed hash, asks the store ([store.Tracking]) to
// record, and prices conversions with a [store.Pricer]: [Prices] prices with
// a rule set's payouts, and [Windows] reads its attribution windows.
// [ReportOf] and its writers make the report of promoc report tracking
// and GET /v1/reports/tracking; runtime/tracking/chart draws it.
//
// # Group commit
//
// Each click and conversion is acknowledged only once it is committed. To
// take thousands a second on a database that syncs every commit, the
// requests waiting at one moment are written in one transaction: the first
// request to arrive writes the batch it finds (its own included), and
// hands the next batch to one of the requests that arrived meanwhile. No
// goroutine runs in the background; a request waits at most for the batch
// before its own and its own (a click also for the rest of the gap below).
// A batch that fails is written again one request at a time, so that one
// bad request fails alone. A batch of clicks starts at least
// Config.ClickGap (by default 500 µs) after the one before: a commit (its
// WAL write and fsync) costs far more than its rows, so under load a click
// waits up to that long for others to share its commit; a click after a
// quiet spell is written at once.
package tracking
