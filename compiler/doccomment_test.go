package compiler_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
)

// TestDocComments checks which comments become the doc of a declaration,
// a kind's attribute and a player property.
func TestDocComments(t *testing.T) {
	src := `// The schema.
// Two lines.
kind bet { amount: money
	// The game played.
	game: string

	// Not the doc of category: a blank line follows.

	category: string // trailing
	provider: string // still trailing
	method: string
}

player {
	// Loyalty level,
	//   from 0 to 5.
	vip_level: number default 0
}

// bare
template t "Title"
//
const limit = 10
reward r: amount {
	give 1 EUR
}
// about r2
// in three
// lines
reward r2: amount { give 2 EUR }
`
	f, diags := lang.Parse("doc.promo", []byte(src))
	require.Empty(t, diags)
	info, diags := compiler.Check([]*lang.File{f}, compiler.Config{})
	require.Empty(t, diags)
	docs := map[string]string{}
	for _, sym := range info.Defs {
		docs[sym.Name] = sym.Doc
	}
	want := map[string]string{
		"bet":       "The schema.\nTwo lines.",
		"amount":    "The schema.\nTwo lines.", // on the line of kind bet: the same lines above
		"game":      "The game played.",
		"category":  "",
		"provider":  "trailing", // a comment ending a line counts too
		"method":    "trailing\nstill trailing",
		"vip_level": "Loyalty level,\nfrom 0 to 5.",
		"t":         "bare",
		"limit":     "", // an empty comment
		"r":         "",
		"r2":        "about r2\nin three\nlines",
	}
	require.Equal(t, want, docs)
}
