package lsp

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// exampleDir is the rule set the fuzz test and the benchmark start from.
const exampleDir = "../examples/dynamic_rewards"

// exampleFiles returns the rule files of the examples, and their test files
// when tests is set.
func exampleFiles(tb testing.TB, tests bool) map[string]string {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join(exampleDir, "*.promo"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no examples in %s: %v", exampleDir, err)
	}
	files := map[string]string{}
	for _, p := range paths {
		if !tests && !isRuleFile(p) {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		files[filepath.Base(p)] = string(b)
	}
	return files
}

// FuzzEdits drives random edits, binary garbage included, over the
// examples through the protocol, with requests of every kind between
// them. The server must answer every request without an internal error
// (a recovered panic), publish the diagnostics of the last version, and
// never log an internal error. The diagnostics of a rule file, from
// parsing again only the declarations that changed, must be those of a
// full parse and check of the rule set.
func FuzzEdits(f *testing.F) {
	files := exampleFiles(f, true)
	var names []string
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	dir := f.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	for i := range names {
		f.Add(uint8(i), []byte{})
		f.Add(uint8(i), []byte("\x00\x10\x00\x05\x01x\x07\x20\x00\x00\x03\xff\xfe\x00"))
		f.Add(uint8(i), []byte("\x01\x05\x00\x30\x05 EUX|\x04\x40\x00\x00\x02.\x09"))
		f.Add(uint8(i), []byte("\x02\x00\x00\xff\x00\x03\x33\x00\x00\x0bwhere (((\x0a"))
		f.Add(uint8(i), []byte("\x80\x00\x20\x03\x04é🎰\x8b\x00\x21\x01\x02}\n\x8c\x00\x10\x00\x00"))
	}
	f.Fuzz(func(t *testing.T, file uint8, ops []byte) {
		if len(ops) > 4000 {
			return
		}
		name := names[int(file)%len(names)]
		text := files[name]
		c := startClient(t, dir, Options{Debounce: time.Millisecond})
		c.initialize()
		c.open(name, text)
		for len(ops) >= 5 {
			op, pos, n, size := ops[0], int(ops[1])<<8|int(ops[2]), int(ops[3]), int(ops[4])
			ops = ops[5:]
			size = min(size%32, len(ops))
			insert := ops[:size]
			ops = ops[size:]
			pos = min(pos, len(text))
			end := min(pos+n%16, len(text))
			if op&0x80 != 0 {
				// A range edit, between characters, of valid UTF-8 (what
				// JSON carries).
				for pos > 0 && pos < len(text) && !utf8.RuneStart(text[pos]) {
					pos--
				}
				for end < len(text) && !utf8.RuneStart(text[end]) {
					end++
				}
				text = c.changeRanges(name, edit{pos, end, strings.ToValidUTF8(string(insert), "\uFFFD")})
			} else {
				text = text[:pos] + string(insert) + text[end:]
				c.change(name, text)
				// Over JSON the text becomes valid UTF-8; the client's copy follows.
				text = strings.ToValidUTF8(text, "\uFFFD")
				c.mu.Lock()
				c.texts[name] = text
				c.mu.Unlock()
			}
			fuzzRequest(t, c, name, op, pos)
		}
		got := gotDiagnostics(c.diagnostics(name))
		if isRuleFile(name) {
			set := map[string]string{}
			for n, t := range files {
				if isRuleFile(n) {
					set[filepath.Join(dir, n)] = t
				}
			}
			set[filepath.Join(dir, name)] = c.text(name)
			if want := wantDiagnostics(filepath.Join(dir, name), set); !reflect.DeepEqual(want, got) {
				t.Fatalf("diagnostics of %q:\n got %q\nwant %q", c.text(name), got, want)
			}
		}
		c.shutdown()
	})
}

// fuzzRequest sends one request chosen by op at offset pos of the file.
func fuzzRequest(t *testing.T, c *client, name string, op byte, pos int) {
	text := c.text(name)
	pos = min(pos, len(text))
	at := map[string]any{"textDocument": map[string]any{"uri": c.uri(name)}, "position": newMapper(text).position(pos)}
	doc := map[string]any{"textDocument": map[string]any{"uri": c.uri(name)}}
	var method string
	params := at
	switch op % 14 {
	case 0:
		method = "textDocument/hover"
	case 1:
		method = "textDocument/completion"
	case 2:
		method = "textDocument/definition"
	case 3:
		method = "textDocument/references"
		at["context"] = map[string]any{"includeDeclaration": true}
	case 4:
		method = "textDocument/signatureHelp"
	case 5:
		method = "textDocument/prepareRename"
	case 6:
		method = "textDocument/rename"
		at["newName"] = "renamed"
	case 7:
		method, params = "textDocument/documentSymbol", doc
	case 8:
		method, params = "textDocument/formatting", doc
		doc["options"] = map[string]any{"tabSize": 4, "insertSpaces": false}
	case 9:
		method, params = "textDocument/codeAction", doc
		p := at["position"]
		doc["range"] = map[string]any{"start": p, "end": p}
		doc["context"] = map[string]any{"diagnostics": []any{}}
	case 10:
		method, params = "workspace/symbol", map[string]any{"query": "a"}
	case 11:
		method, params = "textDocument/semanticTokens/full", doc
	case 12:
		method, params = "textDocument/semanticTokens/range", doc
		p := at["position"]
		doc["range"] = map[string]any{"start": map[string]any{"line": 0, "character": 0}, "end": p}
	default:
		return // no request: edits pile up before the next analysis
	}
	r := c.request(method, params)
	if r.Error != nil && r.Error.Code == -32603 {
		t.Fatalf("%s at %d of %q: %v", method, pos, text, r.Error)
	}
}
