// Package schedule fires scheduled triggers: it parses cron expressions and schedules in
// words, and finds their firings on the wall clock of a zone.
//
// The compiler parses the text of a `trigger schedule` with [Parse] (cron) or fills a
// [Words] value (the words form) and reports a schedule that [Schedule.NeverFires], with
// [Schedule.NeverReason] for its message; the engine asks [Schedule.Next] when to fire
// next, [Schedule.Missed] what to run after downtime, and identifies each firing by
// [Firing.Key]. The package has no state: every function is a function of its arguments,
// safe for concurrent use, and reads no clock.
//
// # Cron expressions
//
// Five fields separated by spaces: minute (0-59), hour (0-23), day of month (1-31), month
// (1-12 or jan-dec), day of week (1 is Monday ... 6 is Saturday; 0 and 7 are Sunday; or
// sun-sat). Each field is "*" or a comma-separated list of values, ranges ("1-5") and
// steps over "*" or a range ("*/15", "10-50/10"). There are no seconds, no years, no
// "@daily" and no "L" or "#".
//
// The day fields follow classic (Vixie) cron: when both are restricted, that is neither is
// written starting with "*", a day matches when either does, so "0 0 1 * 1" fires on the
// first of every month and on every Monday. Otherwise a day must match both: "0 0 * * 1"
// fires on Mondays, "0 0 */2 * 1" on the odd days that are Mondays. This is the rule crontab(5)
// states (when both fields are restricted, not "*", a day matching either runs the
// command), with "restricted" read as Vixie cron reads it, from the field's first
// character.
//
// An error is an [*Error] (matching [ErrInvalid]) that names the field and the byte
// offsets of the text at fault, which the compiler adds to the position of the string.
//
// # Words
//
// [Words] is the small set of schedules in words: every day, every weekday (Monday to
// Friday), every Monday (any one day of the week), every month on day N, each at a time
// hh:mm; [WordsAt] reads the day as the grammar writes it. Each is one cron expression
// ([Words.Cron]) and fires exactly as it does.
//
// # The wall clock of a zone
//
// A schedule names minutes of a wall clock; a zone turns them into instants. A firing is at
// the first instant at which the zone's clocks show its minute or a later time, the rule
// vm/window uses for wall-clock bounds:
//
//   - A minute the clocks skip fires at the instant of the jump: "30 2 * * *" fires on
//     2026-03-29 in Europe/Malta at 03:00 CEST, when the clocks have gone from 02:00 to
//     03:00. Minutes skipped by the same jump ("*/15 2 * * *") are one firing at that
//     instant, named by the earliest of them. A date a zone skips entirely (Pacific/Apia,
//     2011-12-30) fires at the jump too.
//   - A minute that occurs twice when the clocks go back fires once, at its first
//     occurrence: "30 2 * * *" fires on 2026-10-25 in Europe/Malta at 02:30 CEST, not again
//     at 02:30 CET.
//
// So the firings of a schedule in a zone are distinct instants, in the order of their
// minutes, each named by one minute. Next finds the first firing strictly after an instant
// by skipping over the fields (to the next month, day, hour and minute that match), never
// minute by minute, in time that does not depend on how far ahead the firing is; Prev finds
// the last at or before an instant. Firings are searched in the local years 1900 to 2199,
// the range of times promoc represents (lang/limits).
//
// # Downtime and identity
//
// After downtime the firings missed collapse into one run: [Schedule.Missed] returns the
// most recent firing between the last one run and now, and the engine evaluates it as of
// its instant. Once it has run, Missed returns nothing for the same now.
//
// A firing's [Firing.Key] is its zone's name and its nominal local date and time, such as
// "Europe/Malta 2026-03-29T02:30". One job runs per schedule and key, whatever the number
// of players in that zone, and every player's run takes its trigger from the key, so a run
// over many players shares one trigger hash and a retried job changes nothing.
package schedule
