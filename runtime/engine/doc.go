// Package engine runs automation rules and campaigns: it takes players'
// events, in order per player, and gives outcomes, keeping the state that
// must survive (counters, anchors, budgets, idempotency keys, the outcome
// log) in a [store.Store].
//
// # The flow
//
//	events ──> Submit ──> check ──> decide ──> store.Apply ──> outcomes
//	             │     (kinds, types,  (per player and   (one transaction
//	             │      seen before,    rule: trigger,    per batch: events
//	             │      lateness)       entrance, segment, seen, states,
//	             │                      qualification,     outcomes, budget
//	             │                      split, limits,     reservations,
//	             │                      reward, budget)    timers, players)
//	clock ──> Advance ──> inactivity timers, schedules per zone ──> decide ──> store.Apply
//	                 └──> approval timeouts (expire.go) ──> store.Expiries.Expire
//
// Each event is checked first (a declared kind or "player", attributes of
// the declared types, an id not seen with another meaning, within the
// lateness bound); a bad event stops the call before anything is written.
// Then, per player, the engine holds the player's data, its state in each
// rule and the history of events its rewards' windows need (cached between
// calls, read from the store when missing) and decides each event in turn:
// a pure function of the rules, the state, the event and its time. The
// decisions of a batch are written by one [store.Store.Apply]: every
// change whole or not at all. A change that loses to another writer (a
// second engine on the same PostgreSQL database) is decided again from the
// stored state.
//
// # The pipeline
//
// [Engine.Submit] checks and decides a call and returns; the store writes
// its batches after those submitted before, while the engine decides the
// next (Options.InFlight batches at most). [Engine.Handle] is Submit and
// its wait. [Engine.Writing] says when the store's writer has taken every
// batch submitted: a host with calls outstanding submits the events that
// waited then, so they are decided while the last call is written. A batch is
// decided on the players as cached, with the changes
// of the batches in flight; if an earlier batch loses a change to another
// writer, the lost change and every later batch in flight are decided
// again from the stored state before anything new is decided; if its
// transaction fails, the later batches are written nothing of and fail
// with [ErrAborted] (Handle submits them again). pipeline.go lists what a
// decision ahead rests on and how each is kept right. When all that is due
// is inactivity timers (a host's timer, most of the time), Advance's page of
// them is a batch of the pipeline: decided on the store's due timers with
// those of the batches in flight laid over them, written after those
// batches, the next call decided while it is written ([Engine.SubmitAdvance],
// advancepipe.go). Otherwise Advance and the other calls wait for the
// batches in flight; Advance then decides each page of a scheduled run while
// the page before it is written (advance.go, run).
//
// Time comes from the events and from the now given to [Engine.Advance]:
// the engine never reads the wall clock, so a replay, a backtest and a
// recovery after a crash are the same code path and give the same outcomes.
//
// # Guarantees, and where they live
//
//   - An event id seen again changes nothing: the store records each id
//     with a hash of its content, in the transaction of its outcomes. The
//     content is the event's meaning, not its text (meaning.go): amounts
//     as exact decimals with their currency, times as instants; an event
//     an older engine recorded with a hash of its text is recognised by it.
//   - An action runs at most once per (rule, action, player, trigger
//     hash): the store's unique key on the outcome log.
//   - A budget is never exceeded: the store reserves each amount by a
//     conditional update of the account row, or of the process's slice of
//     it (store.Slices), in the outcome's transaction. The store's
//     campaign status counts the slices, and it refuses a reward only when
//     it fits no slice nor the account. The engine predicts the store's
//     decision from that status (exactly when it is the one writer of the
//     campaign, slices or not) so that a reward the budget refused counts
//     towards no limit of the rule.
//   - A result waiting for approval under approval manual within D is
//     rejected with reason timed-out at its calculation time + D, once:
//     the store takes it out of the approval queue in the transaction
//     that voids its reservation, as an approval or a rejection does, so
//     exactly one of them wins (expire.go). Its outcome says when
//     (Outcome.Expires), and the store keeps that deadline and refuses to
//     decide the result from then on, even before Advance has run.
//   - A scheduled firing runs once per rule, zone and firing, over every
//     player of the zone, all sharing one trigger hash; after downtime, the
//     firings missed collapse into the most recent one.
//   - An offer given (give offer, offer.go) is assigned at most once per
//     (rule, action, player, trigger hash): the assignment is made before
//     the batch is written, keyed by that key in the store
//     (store.OfferGiver), so the firing decided again after a failed write
//     or a crash gets back the assignment it had. [New] stores the rule
//     set's offers; [Engine.Confirm] turns a point of sale's confirmation
//     into an event of kind offer_confirmed.
//
// The language is spec/spec.md, sections 16 and 17; the semantics,
// spec/semantics.md.
package engine
