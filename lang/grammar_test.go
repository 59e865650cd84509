package lang

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const grammarFile = "../spec/grammar.ebnf"

// TestGrammarEBNF keeps spec/grammar.ebnf equal to the parser's EBNF;
// go test ./lang -update rewrites it.
func TestGrammarEBNF(t *testing.T) {
	got := EBNF() + "\n"
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(grammarFile), 0o777))
		require.NoError(t, os.WriteFile(grammarFile, []byte(got), 0o666))
	}
	want, err := os.ReadFile(grammarFile)
	require.NoError(t, err)
	assert.Equal(t, string(want), got, "%s is out of date: run go test ./lang -update", grammarFile)
}

// TestExplainCoversGrammar checks that every production that can appear
// first in participle's "expected" has a description, so that no message
// says "expected something else".
func TestExplainCoversGrammar(t *testing.T) {
	ebnf := EBNF()
	defined := regexp.MustCompile(`(?m)^(\w+) = `).FindAllStringSubmatch(ebnf, -1)
	require.NotEmpty(t, defined)
	// Productions that always start with a literal or are only ever the
	// whole of an alternative never appear as the head of an expectation.
	starts := map[string]bool{
		"File": true, "Decl": true, "KindDecl": true, "PlayerDecl": true, "TemplateDecl": true,
		"ConstDecl": true, "RewardDecl": true, "Item": true, "WindowSetting": true, "RoundSetting": true,
		"CapSetting": true, "MinimumSetting": true, "ApprovalSetting": true, "LetStmt": true,
		"GiveStmt": true, "SkipStmt": true, "CheckStmt": true, "Block": true, "TierStmt": true,
		"OpTerm": true, "NameExpr": true, "Zone": true, "Args": true, "Arg": true, "List": true,
		"TestDecl": true, "TestClause": true, "RewardClause": true, "NowClause": true, "PlayerClause": true,
		"TransactionsClause": true, "RepeatClause": true, "LoadClause": true, "RatesClause": true,
		"AnchorsClause": true, "ExpectClause": true, "TestRuleClause": true, "EventsClause": true,
		"AdvanceClause": true, "TestBudgetClause": true, "UpdateClause": true, "DecisionClause": true,
		"RuleDecl": true, "RuleClause": true, "TriggerClause": true, "RuleGive": true, "SegmentClause": true,
		"QualificationClause": true, "LimitClause": true, "BudgetClause": true, "RuleApproval": true,
		"EntranceClause": true, "SplitClause": true, "SendClause": true,
	}
	for _, m := range defined {
		name := m[1]
		if starts[name] {
			continue
		}
		assert.NotEqual(t, "something else", describe(name), "production %s has no description in errors.go", name)
	}
	for _, tok := range regexp.MustCompile(`<\w+>`).FindAllString(ebnf, -1) {
		if tok == "<contextual>" || tok == "<keyword>" || tok == "<operator>" {
			continue
		}
		assert.False(t, strings.HasPrefix(describe(tok), "something"), "token %s has no description in errors.go", tok)
	}
}
