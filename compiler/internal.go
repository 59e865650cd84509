package compiler

import (
	"github.com/promoc/promoc/lang"
)

// recoverInternal is deferred by the entry points of the checker. It turns
// a panic, always a bug of the checker, into a diagnostic with code
// [lang.CodeInternalError] at the expression being checked, so that no
// rule set, however broken, can crash the command line, the language
// server or a host that compiles rules.
func (c *checker) recoverInternal(diags *lang.Diagnostics) {
	r := recover()
	if r == nil {
		return
	}
	var sp lang.Span
	if c.at != nil {
		sp = c.at.Span()
	}
	c.diags.Errorf(c.file, sp, lang.CodeInternalError, "internal error: %v", r)
	*diags = c.diags.Sort()
}
