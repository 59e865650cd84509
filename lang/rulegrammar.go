package lang

import "github.com/alecthomas/participle/v2/lexer"

// The grammar of automation rules and campaigns (see ast_campaign.go), as
// participle structs; rulebuild.go turns them into the AST. Every clause
// begins with its own word, so the grammar stays LL(1): trigger, segment,
// budget, split and schedule are reserved keywords, and the other words
// (on, inactive, entrance, qualification, variant, control, seed, send,
// with, rewards, messages, per, issued) are contextual keywords.
//
// A wall-clock time, 09:30, is read as a number, ":" and a number with no
// blank between them; rulebuild.go checks that form and its range, so the
// lexer needs no token of its own for it.

type ruleDecl struct {
	Tokens  []lexer.Token
	Kind    string        `parser:"@('automation' | 'campaign')"`
	Name    lexer.Token   `parser:"@(Ident | Contextual)"`
	Clauses []*ruleClause `parser:"'{' @@* '}'"`
}

// ruleClause chooses between the clauses of a rule.
type ruleClause struct {
	Trigger       *triggerClause       `parser:"  @@"`
	Give          *ruleGive            `parser:"| @@"`
	Segment       *segmentClause       `parser:"| @@"`
	Qualification *qualificationClause `parser:"| @@"`
	Limit         *limitClause         `parser:"| @@"`
	Budget        *budgetClause        `parser:"| @@"`
	Approval      *ruleApproval        `parser:"| @@"`
	Entrance      *entranceClause      `parser:"| @@"`
	Split         *splitClause         `parser:"| @@"`
	Send          *sendClause          `parser:"| @@"`
}

type triggerClause struct {
	Tokens []lexer.Token
	Event  *ruleEvent `parser:"'trigger' @@"`
}

type entranceClause struct {
	Tokens []lexer.Token
	Event  *ruleEvent `parser:"'entrance' @@"`
}

// ruleEvent is what fires a trigger or lets a player enter a campaign.
type ruleEvent struct {
	Tokens   []lexer.Token
	On       *onEvent       `parser:"  'on' @@"`
	Every    *everyEvent    `parser:"| 'every' @@"`
	Inactive *inactiveEvent `parser:"| 'inactive' @@"`
	Schedule *scheduleEvent `parser:"| 'schedule' @@"`
}

type onEvent struct {
	Tokens []lexer.Token
	First  bool        `parser:"@'first'?"`
	Kind   lexer.Token `parser:"@(Ident | Contextual)"`
	Where  expr        `parser:"('where' @@)?"`
}

type everyEvent struct {
	Tokens []lexer.Token
	Count  lexer.Token `parser:"@Number"`
	Kind   lexer.Token `parser:"@(Ident | Contextual)"`
	Where  expr        `parser:"('where' @@)?"`
}

type inactiveEvent struct {
	Tokens []lexer.Token
	Length lexer.Token `parser:"@Duration"`
	Since  lexer.Token `parser:"('since' @(Ident | Contextual))?"`
}

type scheduleEvent struct {
	Tokens []lexer.Token
	Cron   lexer.Token `parser:"(  @String"`
	Every  *clockTime  `parser:" | 'every' @@ )"`
	Zone   *zone       `parser:"@@?"`
}

// clockTime is the words form of a schedule: a day (day, or a weekday
// Monday ... Sunday) and a wall-clock time hh:mm.
type clockTime struct {
	Tokens []lexer.Token
	Day    lexer.Token `parser:"@(Ident | Contextual)"`
	Hour   lexer.Token `parser:"@Number"`
	Minute lexer.Token `parser:"':' @Number"`
}

type segmentClause struct {
	Tokens []lexer.Token
	Cond   expr `parser:"'segment' @@"`
}

type qualificationClause struct {
	Tokens []lexer.Token
	Kind   lexer.Token `parser:"'qualification' @(Ident | Contextual)"`
	Where  expr        `parser:"('where' @@)?"`
	Limit  *qualLimit  `parser:"('{' @@? '}')?"`
}

// qualLimit is the execution limit of a qualification: at most K rewards.
type qualLimit struct {
	Tokens []lexer.Token
	Count  lexer.Token `parser:"'at' 'most' @Number"`
	Unit   string      `parser:"@('rewards' | 'reward')"`
}

type limitClause struct {
	Tokens []lexer.Token
	Count  lexer.Token `parser:"'at' 'most' @Number"`
	Unit   string      `parser:"@('rewards' | 'reward' | 'messages' | 'message')"`
	Per    lexer.Token `parser:"'per' @Duration"`
}

type budgetClause struct {
	Tokens []lexer.Token
	Value  expr `parser:"'budget' @@"`
}

type ruleApproval struct {
	Tokens []lexer.Token
	Mode   string  `parser:"'approval' @('auto' | 'manual')"`
	Within *within `parser:"@@?"`
}

// ruleGive gives a reward, or with offer an offer (offergrammar.go).
type ruleGive struct {
	Tokens []lexer.Token
	Offer  bool        `parser:"'give' @'offer'?"`
	Reward lexer.Token `parser:"@(Ident | Contextual)"`
}

type splitClause struct {
	Tokens []lexer.Token
	Seed   lexer.Token `parser:"'split' ('seed' @String)?"`
	Arms   []*splitArm `parser:"'{' @@* '}'"`
}

type splitArm struct {
	Tokens  []lexer.Token
	Variant lexer.Token `parser:"(  'variant' @(Ident | Contextual)"`
	Share   lexer.Token `parser:"   @Percent"`
	Offer   bool        `parser:"   ':' 'give' @'offer'?"`
	Reward  lexer.Token `parser:"   @(Ident | Contextual)"`
	Control lexer.Token `parser:" | 'control' @Percent )"`
}

type sendClause struct {
	Tokens   []lexer.Token
	Outcome  string      `parser:"'on' @('calculated' | 'issued' | 'skipped')"`
	Template lexer.Token `parser:"'send' @String"`
	With     []string    `parser:"('with' @(Ident | Contextual | Keyword) (',' @(Ident | Contextual | Keyword))*)?"` // rulebuild.go takes the positions from Tokens
}
