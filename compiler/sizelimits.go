package compiler

import (
	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/lang/limits"
)

// overLimits reports a rule set beyond limits.RuleSetBytes, limits.Tokens
// or limits.Declarations, which Check does not check further: the limits
// are what bounds the cost of checking.
func (c *checker) overLimits(files []*lang.File) bool {
	bytes, tokens, decls := 0, 0, 0
	for _, f := range files {
		bytes += f.End.Offset
		if bytes > limits.RuleSetBytes {
			c.diags.Errorf(f.Name, lang.Span{Start: f.Start, End: f.Start}, lang.CodeExceededLimit,
				"rule set too large: more than %d bytes (limits.RuleSetBytes)", limits.RuleSetBytes)
			return true
		}
		if tokens += f.Tokens; tokens > limits.Tokens {
			c.diags.Errorf(f.Name, lang.Span{Start: f.Start, End: f.Start}, lang.CodeExceededLimit,
				"rule set too large: more than %d tokens (limits.Tokens)", limits.Tokens)
			return true
		}
		if decls+len(f.Decls) > limits.Declarations {
			d := f.Decls[limits.Declarations-decls]
			c.diags.Errorf(f.Name, d.Span(), lang.CodeExceededLimit,
				"too many declarations in the rule set: more than %d (limits.Declarations)", limits.Declarations)
			return true
		}
		decls += len(f.Decls)
	}
	return false
}
