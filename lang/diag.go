package lang

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Severity says how serious a diagnostic is.
type Severity uint8

const (
	Error Severity = iota
	Warning
	Info
)

func (s Severity) String() string {
	switch s {
	case Warning:
		return "warning"
	case Info:
		return "info"
	}
	return "error"
}

// Code identifies a kind of diagnostic. Codes are API: never rename one, add
// new ones at the end. "bad-" codes are syntax, "invalid-" codes are types.
type Code string

const (
	// CodeBadSyntax: expected a tier condition such as `above 500`, found "{".
	CodeBadSyntax Code = "bad-syntax"
	// CodeBadLiteral: invalid date 2026-02-30.
	CodeBadLiteral Code = "bad-literal"
	// CodeUndefinedName: undefined: discount.
	CodeUndefinedName Code = "undefined-name"
	// CodeUndefinedKind: unknown transaction kind "bett" (did you mean "bet"?).
	CodeUndefinedKind Code = "undefined-kind"
	// CodeUndefinedAttribute: bet has no attribute "gmae" (did you mean "game"?).
	CodeUndefinedAttribute Code = "undefined-attribute"
	// CodeUndefinedProperty: unknown player property "vip" (did you mean "vip_level"?).
	CodeUndefinedProperty Code = "undefined-property"
	// CodeUndefinedTemplate: undefined template free_spin.
	CodeUndefinedTemplate Code = "undefined-template"
	// CodeUnknownCurrency: unknown currency EUX (did you mean EUR?).
	CodeUnknownCurrency Code = "unknown-currency"
	// CodeDuplicateDecl: total declared twice.
	CodeDuplicateDecl Code = "duplicate-declaration"
	// CodeDuplicateSetting: window set twice in reward cashback.
	CodeDuplicateSetting Code = "duplicate-setting"
	// CodeInvalidType: cannot add Money and Percent.
	CodeInvalidType Code = "invalid-type"
	// CodeInvalidCurrency: cannot add EUR and USD.
	CodeInvalidCurrency Code = "invalid-currency"
	// CodeInvalidResult: reward cashback gives amount, but this is a Template.
	CodeInvalidResult Code = "invalid-result"
	// CodeInvalidSetting: round does not apply to a template reward.
	CodeInvalidSetting Code = "invalid-setting"
	// CodeInvalidWindow: window of 45 days exceeds the maximum of 31 days.
	CodeInvalidWindow Code = "invalid-window"
	// CodeInvalidZone: unknown time zone "Europe/Malt".
	CodeInvalidZone Code = "invalid-zone"
	// CodeInvalidCall: clamp takes 3 arguments, got 2.
	CodeInvalidCall Code = "invalid-call"
	// CodeInvalidConst: const bonus cannot read player properties.
	CodeInvalidConst Code = "invalid-constant"
	// CodeUnreachable: tier "above 300" can never be reached: "above 500" ... covers it.
	CodeUnreachable Code = "unreachable-code"
	// CodeMissingResult: check block must end with give or skip.
	CodeMissingResult Code = "missing-result"
	// CodeUnusedLet: let bets is never used.
	CodeUnusedLet Code = "unused-let"
	// CodeDivisionByZero: division by zero in a constant expression.
	CodeDivisionByZero Code = "division-by-zero"
	// CodeCycle: const a refers to itself through b.
	CodeCycle Code = "invalid-cycle"
	// CodeMisplacedDecl: test "big deposit" belongs in a *_test.promo file.
	CodeMisplacedDecl Code = "misplaced-declaration"
	// CodeUndefinedReward: unknown reward tiered_deposti (did you mean tiered_deposit?).
	CodeUndefinedReward Code = "undefined-reward"
	// CodeUndefinedReason: unknown skip reason no-match (did you mean no-branch-matched?).
	CodeUndefinedReason Code = "undefined-reason"
	// CodeInvalidTest: test "big deposit" has no expect.
	CodeInvalidTest Code = "invalid-test"
	// CodeInvalidFixture: cannot read fixture testdata/player.json: no such file.
	CodeInvalidFixture Code = "invalid-fixture"
	// CodeExceededLimit: too many branches in tiers: more than 10000 (limits.Branches).
	// The limits are those of lang/limits, listed in spec/limits.md.
	CodeExceededLimit Code = "exceeded-limit"
	// CodeMissingCurrency: cap 200 EUR is in EUR only, and the rule set also serves USD.
	CodeMissingCurrency Code = "missing-currency"
	// CodeUnusedZone: the zone of "last 7 days" changes nothing (did you mean "last full week"?).
	CodeUnusedZone Code = "unused-zone"
	// CodeInternalError: internal error: runtime error: index out of range (a bug of promoc:
	// a stage failed where it never should, and said so instead of crashing).
	CodeInternalError Code = "internal-error"
	// CodeInvalidRule: automation bonus has no trigger: add one, as in trigger on deposit.
	CodeInvalidRule Code = "invalid-rule"
	// CodeInvalidSplit: the groups of the split add up to 90%, not 100%.
	CodeInvalidSplit Code = "invalid-split"
	// CodeInvalidLimit: at most 0 rewards per 7 days never lets anything through.
	CodeInvalidLimit Code = "invalid-limit"
	// CodeInvalidAnchor: reward batch reads between first transaction and last
	// transaction, whose anchors only a trigger every N KIND sets.
	CodeInvalidAnchor Code = "invalid-anchor"
	// CodeInvalidBudget: budget 5000 EUR has no amount in USD, which reward welcome can pay in.
	CodeInvalidBudget Code = "invalid-budget"
	// CodeInvalidSchedule: schedule "0 0 31 2 *" never fires: February has at most 29 days ...
	CodeInvalidSchedule Code = "invalid-schedule"
	// CodeUndefinedOffer: unknown offer spa_dya (did you mean spa_day?).
	CodeUndefinedOffer Code = "undefined-offer"
	// CodeDuplicateReference: offers spa_day and spa_night have one reference "SPA-2026".
	CodeDuplicateReference Code = "duplicate-reference"
	// CodeInvalidOffer: offer spa_day has no reference: add one, as in reference "SPA-DAY".
	CodeInvalidOffer Code = "invalid-offer"
	// CodeInvalidField: field worth of offer spa_day has type money, but its value 12 is a Number.
	CodeInvalidField Code = "invalid-field"
	// CodeInvalidPayout: payouts cpa and cpa2 are both publisher payouts on conversion registration.
	CodeInvalidPayout Code = "invalid-payout"
	// CodeInvalidTimeout: approval manual within 0 days would reject every
	// result as it is calculated.
	CodeInvalidTimeout Code = "invalid-timeout"
	// CodeTimeoutOnAuto: approval auto within 7 days: an automatic result
	// never waits, so nothing times out.
	CodeTimeoutOnAuto Code = "timeout-on-auto"
	// CodeNoRoundedAmount: no amount rounded to 0 decimals lies between
	// the minimum 10.5 EUR and the cap 10.9 EUR: the reward never issues.
	CodeNoRoundedAmount Code = "no-rounded-amount"
)

// Related points at another place that explains a diagnostic.
type Related struct {
	File    string
	Span    Span
	Message string
}

// Diagnostic is one message about a source file, from any stage.
type Diagnostic struct {
	File     string
	Span     Span
	Severity Severity
	Code     Code
	Message  string
	Related  []Related
	// Suggestion is the text that fixes the diagnostic by replacing the
	// source at Span, for an editor's quick fix: the name the source likely
	// meant, from a "did you mean" of the message (for unknown-currency, the
	// currency code of the literal at Span), or another certain fix, such as
	// "==" for a "=" in a condition; "" when there is none.
	Suggestion string
}

// String renders d as "file:line:col: severity: message [code]".
func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d:%d: %s: %s [%s]", d.File, d.Span.Start.Line, d.Span.Start.Col, d.Severity, d.Message, d.Code)
}

func (d Diagnostic) Error() string { return d.String() }

// Diagnostics is a list of diagnostics, usually sorted by file and position.
type Diagnostics []Diagnostic

// Add appends a diagnostic.
func (ds *Diagnostics) Add(d Diagnostic) { *ds = append(*ds, d) }

// Errorf appends an error diagnostic.
func (ds *Diagnostics) Errorf(file string, sp Span, code Code, format string, args ...any) {
	ds.Add(Diagnostic{File: file, Span: sp, Severity: Error, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Warnf appends a warning diagnostic.
func (ds *Diagnostics) Warnf(file string, sp Span, code Code, format string, args ...any) {
	ds.Add(Diagnostic{File: file, Span: sp, Severity: Warning, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Sort orders the diagnostics by file, then position, then message, and
// removes exact duplicates.
func (ds Diagnostics) Sort() Diagnostics {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Span.Start.Offset != b.Span.Start.Offset {
			return a.Span.Start.Offset < b.Span.Start.Offset
		}
		return a.Message < b.Message
	})
	out := ds[:0]
	for i, d := range ds {
		if i > 0 && d.File == ds[i-1].File && d.Span == ds[i-1].Span && d.Message == ds[i-1].Message {
			continue
		}
		out = append(out, d)
	}
	return out
}

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Err returns the diagnostics as an error when there is at least one error,
// and nil otherwise.
func (ds Diagnostics) Err() error {
	if !ds.HasErrors() {
		return nil
	}
	return DiagnosticsError(ds)
}

// DiagnosticsError is a non-empty list of diagnostics used as an error.
type DiagnosticsError Diagnostics

func (e DiagnosticsError) Error() string {
	var b strings.Builder
	for i, d := range e {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.String())
	}
	return b.String()
}

// AsDiagnostics extracts diagnostics from an error made by [Diagnostics.Err].
func AsDiagnostics(err error) (Diagnostics, bool) {
	var de DiagnosticsError
	if errors.As(err, &de) {
		return Diagnostics(de), true
	}
	return nil, false
}
