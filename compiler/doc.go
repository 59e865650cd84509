// Package compiler checks a parsed rule set and lowers it to VM bytecode.
//
// [Check] takes the files of one rule set (all parsed without syntax
// errors) and resolves every name across them: transaction kinds and their
// attributes, player properties, templates, constants, rewards and lets. It
// gives every expression a type — Number, Count, Percent, Money with its
// currency when known at compile time, Bool, String, Time, Duration,
// Template — folds constant expressions exactly, under the limits the VM
// keeps at run time (lang/limits: decimals, digits, the time range; a
// constant beyond them is an exceeded-limit error), checks each reward's
// settings (window, rounding, cap, minimum, approval) and reports checks and
// tier branches that can never be reached. Automation rules and campaigns
// are checked too (campaign.go: names, conditions, the rewards they give,
// splits, budgets and the cron text of schedules), and so are offers
// (offer.go: references, addresses, typed custom fields, the offers rules
// give, and the kind offer_confirmed when declared); [Lower] turns their
// conditions into hidden rewards (see below). When the rule set declares the
// currencies it serves, it requires an amount in each of them wherever a
// fixed amount meets the player's money (currencies.go), so that no player
// of a served currency meets a currency error at run time. Its results are side tables in
// [Info]; the syntax tree is never modified. The checker keeps going after
// an error: an expression that fails gets type Invalid, and nothing built on
// it is reported again, so one mistake makes one diagnostic.
//
// Whatever the rule set, Check is bounded and never crashes. It enforces
// the limits of lang/limits on a rule set (bytes, declarations, fields,
// branches, list elements) as exceeded-limit diagnostics; every pass is
// linear or n log n in the rule set's size, constants are resolved in the
// order of their dependencies without recursion (constorder.go), and the
// work of "did you mean" suggestions has a budget. A panic, a bug, becomes
// an internal-error diagnostic at the expression being checked.
//
// [CheckTests] checks the test files of a checked rule set (spec/spec.md,
// section 15): names, values against the schema, the order of clauses, and
// expectations that could never pass, such as an amount with another scale
// than the reward issues or a reason the reward never gives. Event-sequence
// tests, which name an automation rule or a campaign, are checked in
// seqtests.go: their players, events tables, the time order of their steps,
// and expects against what the rule can give. Its side tables are its own;
// the rule set's Info is only read.
//
// [Lower] turns a clean Info into a [vm.Program]: constants interned,
// per-currency values as tables, where-clauses split into the simple terms
// the VM filters in tight loops (an attribute compared with a constant, a
// let, a player property without a default or a conversion's attribute)
// and filter code for the rest, a chain of ors
// that tests one attribute, let or property against constants (`game == "a"
// or game == "b"`) as one membership test, the same as `in`, jumps patched
// in one place, and each reward's stack depth computed from the opcodes'
// stack effects. The conditions of automation rules and campaigns (the
// where of a trigger, an entrance or a qualification; the segment) become
// hidden rewards, vm.Program.Conds, named by [CondName] so that no reward
// name collides and listed apart from the rewards (lowerrules.go): a
// condition on an event of a kind gives count(KIND where COND) over an
// input whose one transaction is the event, through the same terms and
// filter code as any aggregation; the segment gives 1 or skips. A lowering
// failure is a compiler bug, reported as "internal error".
//
// [Builtins] declares the builtin functions once, for the checker, the
// language server and the test that keeps them in step with the VM.
package compiler
