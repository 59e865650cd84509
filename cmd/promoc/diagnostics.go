package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/runtime"
)

// sourceLines finds the lines that carets point into.
type sourceLines map[string][][]byte // file name → its lines, without "\n"

func newSourceLines(sets ...[]runtime.Source) sourceLines {
	sl := sourceLines{}
	for _, srcs := range sets {
		for _, s := range srcs {
			sl[s.Name] = bytes.Split(s.Text, []byte("\n"))
		}
	}
	return sl
}

// printText writes each diagnostic as "file:line:col: severity: message
// [code]"; each related location follows as a note. For a person at a
// terminal, each line is followed by its source line and a caret under the
// column; into a pipe or a file, the output is one diagnostic per line for
// the tools that read it. PROMOC_CARETS=always or never overrides the choice.
func printText(w io.Writer, ds lang.Diagnostics, src sourceLines) {
	if !showCarets(w) {
		src = nil
	}
	for _, d := range ds {
		fmt.Fprintln(w, d.String())
		src.caret(w, d.File, d.Span.Start)
		for _, r := range d.Related {
			fmt.Fprintf(w, "%s:%d:%d: note: %s\n", r.File, r.Span.Start.Line, r.Span.Start.Col, r.Message)
			src.caret(w, r.File, r.Span.Start)
		}
	}
}

// caret writes the line of pos, indented by four spaces, and a caret under
// its column; nothing for a blank line. Col counts bytes; the padding has a
// space for each character before the column, and keeps the tabs, so the
// caret lines up whatever the tab width.
func (sl sourceLines) caret(w io.Writer, file string, pos lang.Pos) {
	lines, ok := sl[file]
	if !ok || pos.Line < 1 || pos.Line > len(lines) {
		return
	}
	line := bytes.TrimSuffix(lines[pos.Line-1], []byte("\r"))
	if len(bytes.TrimSpace(line)) == 0 {
		return // the end of the file, after its last newline: nothing to show
	}
	col := max(pos.Col-1, 0)
	prefix := line[:min(col, len(line))]
	var pad strings.Builder
	for _, r := range string(prefix) {
		if r == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
	}
	pad.WriteString(strings.Repeat(" ", col-len(prefix)))
	fmt.Fprintf(w, "%s\n", strings.TrimRight("    "+string(line), " \t"))
	fmt.Fprintf(w, "    %s^\n", pad.String())
}

// summary counts the errors and warnings: "2 errors, 1 warning".
func summary(ds lang.Diagnostics) string {
	var errs, warns int
	for _, d := range ds {
		switch d.Severity {
		case lang.Error:
			errs++
		case lang.Warning:
			warns++
		}
	}
	return plural(errs, "error") + ", " + plural(warns, "warning")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

type jsonDiagnostic struct {
	File     string        `json:"file"`
	Line     int           `json:"line"`
	Col      int           `json:"col"`
	EndLine  int           `json:"end_line"`
	EndCol   int           `json:"end_col"`
	Severity string        `json:"severity"`
	Code     string        `json:"code"`
	Message  string        `json:"message"`
	Related  []jsonRelated `json:"related"` // never null
}

type jsonRelated struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	EndLine int    `json:"end_line"`
	EndCol  int    `json:"end_col"`
	Message string `json:"message"`
}

// printJSON writes the diagnostics as an indented JSON array, [] when there
// are none.
func printJSON(w io.Writer, ds lang.Diagnostics) error {
	out := make([]jsonDiagnostic, 0, len(ds))
	for _, d := range ds {
		jd := jsonDiagnostic{
			File: d.File, Line: d.Span.Start.Line, Col: d.Span.Start.Col,
			EndLine: d.Span.End.Line, EndCol: d.Span.End.Col,
			Severity: d.Severity.String(), Code: string(d.Code), Message: d.Message,
			Related: []jsonRelated{},
		}
		for _, r := range d.Related {
			jd.Related = append(jd.Related, jsonRelated{
				File: r.File, Line: r.Span.Start.Line, Col: r.Span.Start.Col,
				EndLine: r.Span.End.Line, EndCol: r.Span.End.Col, Message: r.Message,
			})
		}
		out = append(out, jd)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// showCarets reports whether diagnostics written to w get their source line
// and caret: when w is a terminal, unless PROMOC_CARETS says otherwise.
func showCarets(w io.Writer) bool {
	switch os.Getenv("PROMOC_CARETS") {
	case "always":
		return true
	case "never":
		return false
	}
	return isTerminal(w)
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
