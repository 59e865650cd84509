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
