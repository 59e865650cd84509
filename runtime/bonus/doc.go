// Package bonus is the lifecycle of the bonuses promoc issues, over the
// store's [store.Bonuses]: what a bonus is (an issued amount outcome of the
// engine, or a bonus credited at the request of an external CRM such as
// Fast Track), the references it carries, the status events of the
// casino's bonus system as JSON, and the reports per campaign.
//
// [Sync] takes the bonuses from the outcome log: each issued outcome with
// an amount in a currency is granted once, as Created, with its
// references (activity: the rule; action group: the A/B variant, or the
// rule; action; trigger hash; a unique id per trigger per player: the
// bonus's id; communication profile: the first message sent with it). A
// cursor kept in the same transaction as the grants makes it resumable
// and idempotent: running it twice, or in two processes, grants nothing
// twice.
//
// [DecodeEvent] and [ReadEvents] read status events strictly, naming the
// line and the field of what is wrong; the store decides what each event
// does (applied, a duplicate, or an anomaly kept and reported).
//
// [Totals] are the reports: per source, campaign and currency, the
// amounts granted and turned real, exact (never a float), and the counts
// of bonuses granted, completed, forfeited, lost and expired; [WriteTable],
// [WriteCSV] and [WriteJSON] print them. The chart is in runtime/bonus/chart.
package bonus
