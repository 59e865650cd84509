package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readmeTable returns the rows of the first table of README.md whose
// header row begins with header: each row its cells, trimmed.
func readmeTable(t *testing.T, header string) [][]string {
	t.Helper()
	src, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	var rows [][]string
	in := false
	for _, line := range strings.Split(string(src), "\n") {
		switch {
		case !in && strings.HasPrefix(line, header):
			in = true
		case in && !strings.HasPrefix(line, "|"):
			require.NotEmpty(t, rows, "README.md: the table %q has no rows", header)
			return rows
		case in && strings.HasPrefix(line, "| ---"):
		case in:
			// A \| inside a cell is text, not a column.
			cells := strings.Split(strings.ReplaceAll(strings.Trim(line, "|"), `\|`, "\x00"), "|")
			for i, c := range cells {
				cells[i] = strings.ReplaceAll(strings.TrimSpace(c), "\x00", `\|`)
			}
			rows = append(rows, cells)
		}
	}
	require.True(t, in, "README.md has no table %q", header)
	return rows
}

var (
	codeSpanRE = regexp.MustCompile("`([^`]*)`")
	longFlagRE = regexp.MustCompile(`--[a-z][a-z0-9-]*`)
)

// TestReadmeServeFlags checks the table of promoc serve's flags in the
// README against the command: every flag is a row, named with its
// environment variable and its default, and every row names a flag that
// exists or an environment variable alone: the webhook secret's.
func TestReadmeServeFlags(t *testing.T) {
	serve := newServeCmd()
	serve.InheritedFlags() // merges the persistent flags (--db) into Flags
	documented := map[string]bool{}
	var envOnly []string
	for _, row := range readmeTable(t, "| flag | environment | default |") {
		require.Len(t, row, 4, "README.md: serve's flags: %q", row)
		flags := codeSpanRE.FindAllStringSubmatch(row[0], -1)
		envs := codeSpanRE.FindAllStringSubmatch(row[1], -1)
		defs := codeSpanRE.FindAllStringSubmatch(row[2], -1)
		if len(flags) == 0 {
			require.Len(t, envs, 1, "README.md: a row without a flag names its environment variable: %q", row)
			envOnly = append(envOnly, envs[0][1])
			continue
		}
		require.Len(t, envs, len(flags), "README.md: one environment variable per flag: %q", row)
		for i, m := range flags {
			name := strings.TrimPrefix(m[1], "--")
			f := serve.Flags().Lookup(name)
			if !assert.NotNil(t, f, "README.md names --%s, which promoc serve does not have", name) {
				continue
			}
			documented[name] = true
			assert.Equal(t, envName(name), envs[i][1], "--%s: its environment variable", name)
			var def string
			switch {
			case len(defs) == len(flags):
				def = defs[i][1]
			case len(defs) > 0:
				t.Errorf("README.md: --%s: one default per flag, or none: %q", name, row[2])
				continue
			}
			assert.True(t, sameDefault(f, def), "--%s: README.md says the default is %q, the flag %q", name, def, f.DefValue)
		}
	}
	serve.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name != "help" {
			assert.True(t, documented[f.Name], "promoc serve --%s is not in README.md's table of serve's flags", f.Name)
		}
	})
	assert.Equal(t, []string{webhookSecretEnv}, envOnly, "README.md: the rows of an environment variable without a flag")
}

// sameDefault: the README's default of a flag is the flag's, a duration
// written in the short way (2m for 2m0s), nothing for an empty one.
func sameDefault(f *pflag.Flag, readme string) bool {
	if f.Value.Type() == "duration" {
		want, err := time.ParseDuration(f.DefValue)
		got, rerr := time.ParseDuration(readme)
		return err == nil && rerr == nil && got == want
	}
	if f.Value.Type() == "stringSlice" || f.Value.Type() == "stringArray" {
		return readme == strings.Trim(f.DefValue, "[]")
	}
	return readme == f.DefValue
}

// TestReadmeCommandFlags checks the README's table of commands against
// the command line: each command a row names exists, and so does each
// flag it names for it. A row names a command in full (`promoc keys
// create --role ROLE`) and then its siblings alone (`list [--json]`).
func TestReadmeCommandFlags(t *testing.T) {
	root := newRootCmd()
	rows := readmeTable(t, "| command | what it does |")
	require.Greater(t, len(rows), 20)
	for _, row := range rows {
		var parent *cobra.Command
		for _, m := range codeSpanRE.FindAllStringSubmatch(row[0], -1) {
			words := strings.Fields(m[1])
			from := parent
			if len(words) > 0 && words[0] == "promoc" {
				from, words = root, words[1:]
			}
			if !assert.NotNil(t, from, "README.md: %q comes before the command it belongs to", m[1]) {
				continue
			}
			cmd, words := resolve(from, words)
			if !assert.NotSame(t, from, cmd, "README.md: %q names no command of %q", m[1], from.CommandPath()) {
				continue
			}
			parent = cmd.Parent()
			checkFlags(t, "README.md", cmd, words)
		}
	}
}

// TestDocCommandLines checks each promoc command line of the documents
// (the code spans and shell blocks of README.md, spec/, the examples' and
// bench's READMEs): the flags it gives exist on the command it names.
func TestDocCommandLines(t *testing.T) {
	root := newRootCmd()
	docs, err := filepath.Glob("../../spec/*.md")
	require.NoError(t, err)
	more, err := filepath.Glob("../../examples/*/README.md")
	require.NoError(t, err)
	docs = append(append(docs, more...), "../../README.md", "../../bench/README.md")
	lines := 0
	for _, doc := range docs {
		src, err := os.ReadFile(doc)
		require.NoError(t, err)
		for _, snippet := range commandSnippets(string(src)) {
			words := strings.Fields(snippet)
			for i, w := range words {
				if w != "promoc" && !strings.HasSuffix(w, "/promoc") {
					continue
				}
				args := words[i+1:]
				for j, a := range args {
					if a == "|" || a == "&" || a == ";" || a == "&&" || strings.HasPrefix(a, "#") || strings.HasPrefix(a, "$(") {
						args = args[:j]
						break
					}
				}
				cmd, rest := resolve(root, args)
				if cmd == root {
					continue // not a command line: promoc's, promoc@latest
				}
				lines++
				checkFlags(t, strings.TrimPrefix(doc, "../../"), cmd, rest)
			}
		}
	}
	assert.Greater(t, lines, 20, "the documents' command lines were found")
}

// commandSnippets returns the code of a Markdown document that may hold a
// command line: each code span outside fences, and each command of a sh
// block, its continued lines joined.
func commandSnippets(md string) []string {
	var out []string
	fence, sh, cont := false, false, ""
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fence = !fence
			sh = fence && strings.TrimSpace(line) == "```sh"
			continue
		}
		switch {
		case sh:
			if strings.HasSuffix(line, "\\") {
				cont += strings.TrimSuffix(line, "\\") + " "
				continue
			}
			out = append(out, cont+line)
			cont = ""
		case !fence:
			for _, m := range codeSpanRE.FindAllStringSubmatch(line, -1) {
				out = append(out, m[1])
			}
		}
	}
	return out
}

// resolve finds the command that words name below cmd: the longest run of
// subcommand names; rest is what follows them.
func resolve(cmd *cobra.Command, words []string) (_ *cobra.Command, rest []string) {
	for len(words) > 0 {
		sub := subcommand(cmd, words[0])
		if sub == nil {
			break
		}
		cmd, words = sub, words[1:]
	}
	return cmd, words
}

// checkFlags: each --flag among words is a flag of cmd (its own, or a
// persistent one of its parents').
func checkFlags(t *testing.T, doc string, cmd *cobra.Command, words []string) {
	t.Helper()
	cmd.InheritedFlags() // merges the parents' persistent flags (--db) into Flags
	for _, flag := range longFlagRE.FindAllString(strings.Join(words, " "), -1) {
		name := strings.TrimPrefix(flag, "--")
		if name != "help" {
			assert.NotNil(t, cmd.Flags().Lookup(name), "%s: %s has no flag %s", doc, cmd.CommandPath(), flag)
		}
	}
}

func subcommand(cmd *cobra.Command, name string) *cobra.Command {
	for _, c := range cmd.Commands() {
		if c.Name() == name || c.HasAlias(name) {
			return c
		}
	}
	return nil
}
