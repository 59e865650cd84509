// Package runtime is the embedding API of promoc: compile a rule set once,
// evaluate its rewards many times.
//
// [Compile] reads the rule files of one directory of an [io/fs.FS] (its
// root, or [WithRoot]'s; so rules can be embedded with go:embed): its
// *.promo files except *_test.promo, as `promoc check` reads a rule set,
// each with [ReadFile] (regular files only, at most lang/limits.FileBytes).
// It parses, checks and lowers them to an immutable [Program]. A Program is
// safe for concurrent use: each evaluation borrows a VM machine from a pool,
// and nothing a run does is visible to another.
//
// [Program.Evaluate] runs one reward for one player (a service that runs the
// same reward on every event keeps a [Reward] handle from [Program.Reward]
// and a [Prepared] input from [Program.Prepare]): the [Input] holds the
// player (currency, time zone, properties), the transactions and the
// evaluation time, as Go values or decoded from the JSON document described
// in spec/spec.md with [DecodeInput]. A host that prepares inputs often
// uses a [Builder] instead (from [Program.NewBuilder]): it appends typed
// transactions, or decodes the JSON document with [Builder.Decode], straight
// into the columns the rewards read, without a map per transaction, and
// keeps appending a player's new events without preparing the history again.
// [Builder.PreparedInto] writes the input into a Prepared an earlier call
// returned, so that a host preparing input after input (the engine) makes
// no garbage for them; that Prepared's previous input is then gone, so it
// suits a host that evaluates each input at once and keeps none.
// Every reader of the input document is equally strict (spec/spec.md,
// section 12). The [Result] says whether the reward
// was calculated, skipped or ended in an error, with a machine-readable
// reason, the amount (a shopspring decimal.Decimal and its currency; only
// when calculated), the template or the points, the rule set's version
// ([Program.Version], a content hash of the rule files), and, on request, a
// trace of the evaluation. Its JSON form is the result document of
// spec/spec.md, whose JSON Schema is spec/schema/result.schema.json.
//
// Money crosses this API only as decimal.Decimal or decimal text: never as
// float64. Bad input (a missing attribute, a transaction in another currency
// without a rate) is an error outcome of the evaluation, not a Go error; Go
// errors of an evaluation are for misuse, such as an unknown reward, and are
// [*Error] values. The decoders ([DecodeInput], [Builder.Decode]) do return
// bad documents as [*InputError]s naming the field; [Program.PrepareJSON]
// and [Program.InvalidInput] turn those into the same error outcome.
//
// For the campaign engine, [Program.Rules] describes each automation rule
// and campaign of the rule set as a plain [Rule] (rules.go): its trigger
// and entrance (with parsed schedules), qualification, limits, budget per
// currency, approval, the reward it gives or its [Split], whose
// [Split.Arm] assigns a player to a group by SHA-256, and its messages.
// [Program.Holds] evaluates one condition of a rule (trigger, entrance,
// segment, qualification) on a [Prepared] input holding the player, now
// and the one event; the compiler lowers each to a hidden reward that
// [Program.Rewards] does not list. [Program.Lookback] says how much of a
// player's history the rewards the rules give can read.
package runtime
