// Package spec embeds the language reference, spec.md, for the programs that
// show parts of it, such as the language server's hover. The markdown file
// is the one source of truth; nothing is copied out of it by hand.
package spec

import _ "embed"

// Markdown is the text of spec.md.
//
//go:embed spec.md
var Markdown string
