package main

import (
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// linkRE finds the references to the repository's documents in help and
// package docs: spec/spec.md#15-tests, README.md#editors-promoc-lsp.
var linkRE = regexp.MustCompile(`\b((?:spec/)?[\w.-]+\.md)(#[\w-]+)?`)

// TestHelpLinks checks that every document the help of a command (and the
// package doc, which repeats it) points to exists, and that every link
// names a section of it that exists, as GitHub anchors it.
func TestHelpLinks(t *testing.T) {
	texts := map[string]string{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		texts[c.CommandPath()+" --help"] = c.Short + "\n" + c.Long + "\n" + c.Flags().FlagUsages()
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd())
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	texts["doc.go"] = string(doc)

	anchors := map[string]map[string]bool{}
	links := 0
	for where, text := range texts {
		for _, m := range linkRE.FindAllStringSubmatch(text, -1) {
			file, anchor := m[1], strings.TrimPrefix(m[2], "#")
			links++
			if anchors[file] == nil {
				src, err := os.ReadFile(path.Join("../..", file))
				if !assert.NoError(t, err, "%s links to %s", where, file) {
					continue
				}
				anchors[file] = headingAnchors(string(src))
			}
			if !assert.NotEmpty(t, anchor, "%s links to %s without a section: add #anchor", where, file) {
				continue
			}
			assert.True(t, anchors[file][anchor], "%s links to %s#%s, which is no section of it", where, file, anchor)
		}
	}
	assert.Greater(t, links, 3, "the help has links to check")
}

// headingAnchors returns the anchors GitHub gives the headings of a
// Markdown document: lowercase, spaces to hyphens, punctuation dropped, and
// -1, -2 ... after a repeated one.
func headingAnchors(md string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	fence := false
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "```") {
			fence = !fence
		}
		if fence || !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
				b.WriteRune(r)
			}
		}
		a := b.String()
		if n := seen[a]; n > 0 {
			out[a+"-"+strconv.Itoa(n)] = true
		} else {
			out[a] = true
		}
		seen[a]++
	}
	return out
}

// TestHeadingAnchors checks the anchors against ones GitHub makes.
func TestHeadingAnchors(t *testing.T) {
	got := headingAnchors("# The promo language\n## 14. Formatting\n### Input\n```\n# not a heading\n```\n## Editors: `promoc lsp`\n### Input\n")
	for _, want := range []string{"the-promo-language", "14-formatting", "input", "editors-promoc-lsp", "input-1"} {
		assert.True(t, got[want], "headingAnchors: no %s in %v", want, got)
	}
	assert.False(t, got["not-a-heading"])
}
