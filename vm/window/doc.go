// Package window resolves the period a reward takes its transactions from.
//
// A rule declares its window once, and the compiler turns the declaration into a [Spec]:
// fixed dates in a zone, the last N minutes, hours, days or weeks, a calendar period
// relative to now (last full day, last full week, last weekend, last full month) in a
// fixed zone or in each player's own zone, a period between the times of an automation
// rule (first transaction, qualification, last transaction, a fixed end), or the time since
// the player entered the campaign. At evaluation, [Resolve] turns the Spec, the instant
// now, the player's zone and the rule's [Anchors] into an [Interval], which the machine uses
// to select transactions with [Interval.Contains]. A reward that declares no window has the
// kind [All], whose interval contains every instant.
//
// The package has no state: Resolve is a function of its arguments, safe for concurrent
// use, and the same arguments always give the same interval.
//
// # Half-open intervals
//
// Every interval is half-open, [Start, End): a transaction at exactly Start counts and one
// at exactly End does not, so consecutive windows (yesterday and today, one week and the
// next) never share a transaction. Windows relative to now end at now, excluded, so a
// host evaluating a reward for the event that triggered it passes an instant after that
// event when the event should count. Windows that end at the last transaction of an
// automation rule include it: they end 1 nanosecond, the smallest step of a time.Time,
// after it.
//
// # Wall clocks and time zones
//
// Fixed dates and calendar periods are read on the wall clock of a zone: the zone the rule
// names (UTC when it names none), or the player's zone. Calendar arithmetic is done on
// the wall clock and only the bounds are turned into instants, so local midnight is local
// midnight and a day with a DST change lasts 23 or 25 hours (in Europe/Malta, 2026-03-29
// and 2026-10-25). The same now can give different intervals in different zones: at
// 2026-11-23 01:30 UTC yesterday is 2026-11-22 in Asia/Tokyo and 2026-11-21 in
// America/Los_Angeles.
//
// Where the clocks jump, a wall-clock bound is the first instant at which the clocks show
// that time or later. A time skipped when summer time starts is the instant of the jump,
// so a day whose midnight is skipped (America/Santiago on 2026-09-06, America/Havana on
// 2026-03-08) starts when the clocks jump to 01:00, and the day before keeps its 24
// hours; time.Date alone would start the day at 23:00 the evening before. A time that
// occurs twice when the clocks go back is its first occurrence. A date that a zone skips
// entirely (Pacific/Apia, 2011-12-30) gives an empty day.
//
// Weeks are ISO weeks, from Monday 00:00. The last weekend is Saturday 00:00 to Monday
// 00:00 of the latest weekend that has ended by now: at Monday 00:00 exactly it is the
// weekend just ended; on a Saturday or a Sunday it is the weekend before the current one.
//
// Time-back windows are elapsed time, whatever the clocks do: a day is 24 hours and "last
// 7 days" is the 168 hours before now, not seven calendar days.
//
// # Maximum length
//
// No window is longer than [MaxLength], 31 days; exactly 31 days is allowed. Windows with
// wall-clock bounds are measured on the wall clock, from their declared bounds, so a
// calendar month and a fixed window from the first of a month to the first of the next are
// never too long, although in October in Europe that is 31 days and 1 hour of elapsed time.
// Time-back, since-entrance and transaction-to-transaction windows are measured in elapsed
// time, the last two up to the last transaction itself. When the length is known from the
// Spec alone ([Spec.StaticLength]) the compiler reports a window that is too long; when
// it depends on now or the anchors, Resolve returns an error matching [ErrTooLong], which
// is an error outcome of the reward.
//
// # Zones
//
// Zones are IANA names loaded with [LoadZone], which accepts neither "" nor "Local" (the
// machine's zone, which differs between the machines a rule runs on). The zone database
// is embedded in the package, so zones load on machines without one.
package window
