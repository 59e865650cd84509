package compiler

import "github.com/promoc/promoc/lang"

// Suggest returns the candidate closest to name when it is close enough to
// be a likely misspelling, or "". It is [lang.Suggest], which the parser
// uses for misspelt keywords.
func Suggest(name string, candidates []string) string { return lang.Suggest(name, candidates) }

// didYouMean returns the suggestion for a message, written with %s:
// ` (did you mean bet?)`, or nothing.
func didYouMean(name string, candidates []string) hint {
	return hint{Suggest(name, candidates)}
}

// suggestBudget bounds the names that the suggestions of one check compare
// a misspelt name with, all messages together. Each undefined name is
// compared with every visible one, so without it a rule set of n undefined
// names among n declarations would cost O(n^2) edit distances. Past it,
// messages go on without "did you mean".
const suggestBudget = 1_000_000

// didYouMean is [didYouMean] over the names that names returns, within the
// checker's budget of suggestions.
func (c *checker) didYouMean(name string, names func() []string) hint {
	if c.suggested >= suggestBudget {
		return hint{}
	}
	cands := names()
	c.suggested += len(cands)
	return didYouMean(name, cands)
}

// rewardNames lists the names of the rule set's rewards, for suggestions.
func (c *checker) rewardNames() []string {
	names := make([]string, len(c.info.Rewards))
	for i, r := range c.info.Rewards {
		names[i] = r.Decl.Name.Name
	}
	return names
}

// hint is a suggestion in the arguments of a message. Formatted with %s it
// reads ` (did you mean bet?)`, or nothing when name is ""; the checker's
// errorf also sets it as the diagnostic's Suggestion.
type hint struct{ name string }

func (h hint) String() string {
	if h.name == "" {
		return ""
	}
	return " (did you mean " + h.name + "?)"
}

// suggestionOf returns the name of the hint among a message's arguments.
func suggestionOf(args []any) string {
	for _, a := range args {
		if h, ok := a.(hint); ok {
			return h.name
		}
	}
	return ""
}
