// Package store defines the state of campaigns and automation rules that
// survives a restart, and the one interface, [Store], through which the
// engine keeps it. Two drivers implement it: runtime/store/sqlite (one
// file, embedded, the default) and runtime/store/postgres (shared by
// several engine processes). Both pass the conformance suite of
// runtime/store/storetest.
//
// # The model
//
// The engine decides; the store records. For each event the engine
// computes, from the rules, the player's state, history and the time, a
// [Change]: the event seen, the player's new per-rule states, timers and
// properties, and the outcomes. [Store.Apply] writes a batch of changes in
// one transaction, each change whole or not at all:
//
//   - Events. An event id is recorded per player with a hash of its
//     content. The same id with the same hash makes the change a
//     duplicate and nothing is written (hosts deliver at least once); with
//     another hash it is [ErrEventConflict]. [Store.Seen] asks, in one
//     query for a whole batch, which events are recorded and with which
//     hash, so that the engine can skip duplicates before it evaluates.
//   - History. An event is recorded with its kind, time and body (the
//     engine's encoding of it), so that the windows of rules can read the
//     player's past: [Store.History] lists a player's events from a time
//     on. [Store.Prune] drops the bodies older than the longest window;
//     the id and hash stay, so a redelivery of a pruned event is still a
//     duplicate. An event recorded with no body keeps no history.
//   - State. A player's state in a rule (counters, anchors, last firing)
//     is opaque bytes with a version; a write names the version it read,
//     and loses with [ErrStateConflict] when another writer came first.
//     [Store.States] reads all of a player's states at once.
//   - Timers. A player has at most one pending [Timer] per rule (an
//     inactivity deadline, say), set or cleared with the change that
//     decides it; [Store.Due] lists those due by a time, earliest first,
//     so nothing has to scan players to find what is due.
//   - Idempotency. Every outcome has a [Key] (rule, action, player,
//     trigger hash); a unique index on the key, not a read-then-write,
//     makes an action run at most once. A repeated key returns the first
//     outcome (Repeat set) and changes nothing.
//   - Budgets. A campaign's budget in a currency is a ledger account with
//     a limit. An issued or waiting outcome reserves its whole amount by
//     one conditional UPDATE of the account row (posted + reserved +
//     amount <= limit), so posted + reserved never exceeds the limit under
//     any concurrency, in one process or many; the database enforces it
//     once more with a CHECK. An amount that does not fit is not paid in
//     part: the outcome becomes skipped with reason budget-exhausted and
//     the campaign is suspended, in every currency, in the same
//     transaction. A suspended campaign skips its rewards with reason
//     campaign-suspended until [Store.Resume], or until [Store.SetBudget]
//     raises the budget that ran out. Ledger entries are never changed: a
//     reward issued at once is one post entry (reserved and posted in one
//     step); a waiting one is a reserve entry, resolved later by one post
//     entry (approved) or one void entry (rejected, timed out) pointing at
//     it. [Store.Audit] checks every account's totals against its entries.
//   - Approvals. A waiting outcome holds its reservation in the approval
//     queue until [Store.Approve] posts it or [Store.Reject] voids it.
//     After a rule change, [Store.Recalculate] replaces a waiting result's
//     amount (voiding the old reservation and reserving the new one) and
//     keeps its key and trigger; results already decided are not touched.
//     [Expiries] reads the queue by the time of each result's first
//     calculation (kept through recalculations) and rejects those whose
//     approval timeout has come with reason timed-out, a page of them in
//     one transaction. The queue keeps each result's deadline
//     ([Outcome.Expires]): deciding a result at or after it, or one that
//     timed out, is [ErrTimedOut], whoever decides.
//   - The outcome log. Every outcome is appended with a sequence number
//     that increases in commit order, so [Store.Outcomes] is a cursor
//     feed that never skips a row committed late; each is in the outbox
//     from the same transaction on, for a host that marks what it
//     delivered ([Store.Outbox], [Store.Delivered]): a row of its own in
//     PostgreSQL, the log above a mark of what was delivered in SQLite
//     (which writes nothing more an outcome). promoc serve's
//     webhooks read the log itself, each through a durable cursor
//     ([Webhooks]): the log is their outbox.
//
// Players' properties (the audience of scheduled campaigns), written by
// [Store.PutPlayers] or with a change, and listed by zone
// ([Store.Zones], [Store.PlayersIn]) for the scheduler that fires each
// zone's wall clock, and scheduled runs (one per campaign, zone and local
// date, whatever the number of players or restarts) complete the state.
// [FirstReads] reads a player's states and stored record in one query, for
// the engine's first sight of a player it does not hold (both drivers).
//
// promoc serve keeps two things more: its API keys ([APIKey]), stored as
// the SHA-256 hash of their secret, never the secret, and the requests sent
// with an Idempotency-Key ([Request]): a hash of what was sent and the
// response given, so that a repeat gets the first response ([RequestEnds]
// records a request's end in the transaction of its events, without the
// response, which the server makes again from the events); and an audit
// log of the changes made through it ([AuditEntry]), which the database
// itself keeps append-only (a trigger refuses UPDATE and DELETE).
// [Audited.WithAudit] writes a change and its entry in one transaction: its
// function makes the change through a Store whose every method runs in that
// transaction (a method that fails undoes its own writes, as a savepoint).
//
// # Leases
//
// Several promoc serve processes on one database share the scheduled work:
// each job (a scheduled firing of a rule in a zone, the inactivity timers
// due) is done by the process that holds its [Lease], a row taken by one
// conditional upsert (free, expired, or already the caller's) and renewed
// while the work goes on ([Leases]). A holder that dies stops renewing;
// when the lease expires another process takes it, with the next token,
// and finishes the job, which the engine resumes where it stopped. A
// lease only spares the processes double work: what is done once is
// still guaranteed by the unique keys above, whoever does it.
//
// Three concerns of promoc serve are interfaces of their own, which both
// drivers implement beside [Store]: [RuleSets] keeps the rule sets
// deployed through the API (each version's files under its content hash,
// and every deployment in order, the last naming the active version);
// [Eraser] erases a player (GDPR) in one transaction, removing its data
// and history and keeping the outcome log, the ledger and the budgets
// under a pseudonym; [Inbox] keeps the events accepted to be handled
// later, with one lease so that one process handles them, in order.
//
// # Budget slices
//
// [Slices] is the concern of budget slices, off unless a process asks for
// it ([Slices.UseSlices]): the process, a holder, takes its issued rewards
// from its own leased slice of each budget (a budget_slices row, used and
// granted), so that processes reserving on one campaign write their own
// rows, not the account's. A slice is granted by one conditional UPDATE
// of the account's sliced column, under the CHECK posted + reserved +
// sliced <= limit; a slice's own CHECK keeps used within granted. A slice
// is returned (what it used posted on the account, the rest freed) when
// its holder calls [Slices.ReturnSlices] (promoc does as it stops: closing
// a store does not), on the expiry of its lease, on a suspension, on a budget set,
// and when a reward would not fit otherwise: a reward is refused for its
// budget only by a transaction that holds the account with every slice
// returned, so exactly as without slices. [Store.Budgets] and
// [Store.Audit] count what the slices used as posted.
//
// # Offers and vouchers
//
// An [Offer] is given to players by [Store.Assign], one [Assignment] each,
// with a random reference. An offer that requires vouchers takes one
// imported code per assignment ([Store.ImportVouchers]: codes unique per
// offer, repeats ignored and counted); a bulk assignment that finds too
// few codes assigns nothing ([ErrNoVouchers]). A code is never assigned
// twice: PostgreSQL takes codes with FOR UPDATE SKIP LOCKED, so that
// assignments at once take different codes without waiting, and reads
// again, waiting, before it reports too few; SQLite has one writer; and
// the assignments' unique (offer, code) refuses a double whatever happens.
// On SQLite, assignments asked for at once are committed together, in one
// transaction (a group commit: one fsync for all, each call under a
// savepoint of its own, so still all or nothing): one commit each bounded
// them to about a thousand a second. [Store.Confirm] records a point of
// sale's confirmation of an assignment, with a code no other assignment of
// the offer holds ([ErrCodeTaken]; an import ignores a code confirmed so):
// confirmations and imports of one offer take turns on the offer's row
// (PostgreSQL). [OfferGiver] gives an offer once
// per key, the campaign engine's give offer: an assignment keyed by the
// firing's idempotency key, returned as it is when the key comes again.
// [VoucherCounter] counts an offer's codes and those left unassigned.
//
// # Bonuses
//
// [Bonuses], which both drivers implement beside [Store], keeps the
// lifecycle of issued bonuses. [Bonuses.Grant] records a bonus as Created
// once per (source, activity, action, player, trigger hash), a unique
// index deciding, with its references (and, for a bonus credited at an
// external CRM's request, that request's references exactly as received).
// [Bonuses.ReportStatus] applies the status events of the casino's bonus
// system: an event id seen again with the same content changes nothing;
// a terminal status is applied by one conditional UPDATE from Created, so
// at most once under any concurrency; every event not applied (its bonus
// unknown, a status after a terminal one, its id reused with other
// content, its references contradicting its bonus) is kept as a
// [BonusAnomaly]. An event of an unknown bonus takes no id, so that a
// delivery after its bonus is granted applies it (and marks its anomaly
// resolved). [Bonuses.BonusTotals] and [Bonuses.BonusDays] sum integer
// units in the database: exact.
//
// # Tracking
//
// [Tracking], beside [Store] and implemented by both drivers, keeps the
// affiliate tracking of offers: publishers, the sessions that clicks on
// tracking links open ([Tracking.Clicks], many in one transaction, all or
// none), and conversions, which [Tracking.Convert] attributes to the
// player's last click on the offer within the attribution window (half
// open), records once per attributed session, kind and advertiser
// reference (a repeat returns the first), or rejects with a [Rejection].
// Conversions are recorded one transaction at a time on both databases,
// so that a price counting the publisher's earlier conversions is exact.
// [Tracking.ErasePlayer] unties a player from sessions and conversions.
//
// # Amounts
//
// Amounts are [decimal.Decimal] at the API. Budgets are kept as integers
// of 10^-8 ([Scale]); an amount with more decimals than that is refused
// with [ErrAmount] rather than rounded. The log keeps each amount exactly
// as given. Nothing is ever a float.
//
// # Batches
//
// One transaction per reservation on one hot budget row is bounded by the
// commit (the fsync) of the database: hundreds to about a thousand per
// second on a small machine. Apply takes many changes in one transaction,
// so a writer that owns a budget and commits in batches goes several times
// faster; that is the path the engine is meant to use. A batch costs a
// handful of statements, not several a change: what it depends on (events
// seen, states' versions, keys taken, budget accounts, the accounts and
// states locked where several processes write) is read in one query each,
// the changes are decided in memory exactly as one at a time, and the
// result is written in many-row statements. When a write finds that
// another writer came in between (a row that did not exist when read
// cannot be locked), the batch is rolled back and applied again one change
// at a time, each checked as it is written.
//
// # Schema
//
// Each driver embeds its numbered migrations and applies the missing ones
// on open, in one transaction. A database written by a newer promoc
// ([ErrNewerSchema]), or one that is not promoc's ([ErrNotOurs]: not a
// database, another application's database), is refused and left as it
// was.
package store
