package lang

import (
	"bytes"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/lang/limits"
)

// sameParse fails t unless the Reparser's result equals Parse's. Empty and
// nil lists of declarations and comments count as equal.
func sameParse(t *testing.T, src []byte, gotF *File, gotD Diagnostics) {
	t.Helper()
	wantF, wantD := Parse(gotF.Name, src)
	if len(wantF.Decls) == 0 && len(gotF.Decls) == 0 {
		wantF.Decls, gotF.Decls = nil, nil
	}
	if len(wantF.Comments) == 0 && len(gotF.Comments) == 0 {
		wantF.Comments, gotF.Comments = nil, nil
	}
	if !reflect.DeepEqual(wantD, gotD) {
		t.Fatalf("diagnostics differ for\n%s\ngot  %v\nwant %v", src, gotD, wantD)
	}
	if !reflect.DeepEqual(wantF, gotF) {
		for i := range min(len(wantF.Decls), len(gotF.Decls)) {
			if !reflect.DeepEqual(wantF.Decls[i], gotF.Decls[i]) {
				t.Fatalf("declaration %d differs for\n%s\ngot  %#v\nwant %#v", i, src, gotF.Decls[i], wantF.Decls[i])
			}
		}
		t.Fatalf("files differ for\n%s\n(%d and %d declarations, %d and %d comments)", src,
			len(gotF.Decls), len(wantF.Decls), len(gotF.Comments), len(wantF.Comments))
	}
}

// exampleSource concatenates the example files, test files included.
func exampleSource(t testing.TB) []byte {
	var buf bytes.Buffer
	for _, path := range exampleFiles(t) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

// snippets are inserted by the random edits: declaration starts, brackets,
// half tokens, keywords that look like declarations inside blocks.
var snippets = []string{
	"\n", "}", "{", "\nreward r: amount {\n", "\nconst c = 1\n", "\nconst: money\n", "kind",
	"\nplayer {\n", "\nplayer.vip\n", " + ", "\"", "// x\n", "(", "2026-02-30", "\ntest \"t\" {\n",
	"\ntemplate t \"x\"\n", "\x00", "é", "\r\n", "@",
	"\rconst d = 2\r", "\xff", "// \x00\n", "\ncurrencies EUR, USD\n", ", GBP",
}

// edit applies one random edit to src.
func edit(rng *rand.Rand, src []byte) []byte {
	pos := rng.IntN(len(src) + 1)
	end := min(len(src), pos+rng.IntN(8))
	var ins string
	switch rng.IntN(3) {
	case 0:
		ins = snippets[rng.IntN(len(snippets))]
	case 1:
		ins = string(rune('a' + rng.IntN(26)))
	}
	out := append([]byte{}, src[:pos]...)
	out = append(out, ins...)
	return append(out, src[end:]...)
}

func TestReparserMatchesParse(t *testing.T) {
	base := exampleSource(t)
	for seed := range uint64(8) {
		rng := rand.New(rand.NewPCG(seed, 1))
		r := NewReparser("x.promo")
		src := base
		f, d := r.Parse(src)
		sameParse(t, src, f, d)
		for range 30 {
			if rng.IntN(4) == 0 {
				src = base // back to a file that parses, after errors
			} else {
				src = edit(rng, src)
			}
			f, d := r.Parse(src)
			sameParse(t, src, f, d)
		}
	}
}

func TestReparserCases(t *testing.T) {
	for _, src := range []string{
		"",
		"\n\n",
		"// only a comment",
		"const a = 1\nconst b = a +\nconst c = 2\n",
		"kind bet {\n  amount: money\nconst: money\n}\nconst x = 1\n",
		"kind bet {\n  amount: money\n}\nplayer {\n  vip: bool\n}\nconst v = player.vip\nplayer.x\n",
		"const a = 1\n}\nconst b = 2\n",
		"reward r: amount {\n  give 1 EUR\n}\n\nreward s: amount {\n  give 2026-02-30\n}\n// end\n",
		"const a = \"x\nconst b = 1\n",
		"const a = 1 // c\r\nconst b = 2\r\n",
		"\ufeffconst a = 1\nconst b = nope +\n",
		"const a = 1\rconst b = 2\rkind k {\r}\r",
	} {
		t.Run("", func(t *testing.T) {
			r := NewReparser("x.promo")
			f, d := r.Parse([]byte(src))
			sameParse(t, []byte(src), f, d)
			// Again, from the fragments kept, after a change at the top.
			src2 := []byte("// top\n" + src)
			f, d = r.Parse(src2)
			sameParse(t, src2, f, d)
		})
	}
}

// TestReparserLimitsOfTheFile checks that the limits Parse counts over a
// whole file are reported as Parse reports them.
func TestReparserLimitsOfTheFile(t *testing.T) {
	big := bytes.Repeat([]byte("// x\n"), limits.FileBytes/5+1)
	r := NewReparser("x.promo")
	f, d := r.Parse(big)
	sameParse(t, big, f, d)
	require.Equal(t, CodeExceededLimit, d[0].Code)

	if testing.Short() {
		t.Skip("parses 100,000 declarations")
	}
	many := bytes.Repeat([]byte("kind k {}\n"), limits.Declarations+1)
	f, d = r.Parse(many)
	require.NotEmpty(t, d)
	require.Equal(t, CodeExceededLimit, d[len(d)-1].Code, d[len(d)-1].Message)
	wantF, wantD := Parse("x.promo", many)
	require.Equal(t, wantD, d)
	require.Equal(t, len(wantF.Decls), len(f.Decls))
}

// TestReparserReusesFragments checks the point of it: after an edit inside
// one declaration, only that declaration is parsed again; those after it
// are moved, those before it reused as they are.
func TestReparserReusesFragments(t *testing.T) {
	src := exampleSource(t)
	r := NewReparser("x.promo")
	f0, _ := r.Parse(src)
	i := bytes.LastIndex(src[:len(src)/2], []byte("\nreward "))
	j := i + bytes.IndexByte(src[i+1:], '{') + 2 // inside a reward
	edited := append(append(append([]byte{}, src[:j]...), "\n// note"...), src[j:]...)
	f1, d := r.Parse(edited)
	sameParse(t, edited, f1, d)
	if r.Parsed != 1 {
		t.Errorf("%d fragments parsed after an edit of one declaration, want 1", r.Parsed)
	}
	if r.Moved == 0 {
		t.Errorf("no fragment moved after an edit that adds a line")
	}
	k := 0
	for k < len(f0.Decls) && f0.Decls[k].Span().End.Offset < i {
		k++
	}
	if k == 0 || f0.Decls[k-1] != f1.Decls[k-1] {
		t.Errorf("the declaration before the edit was not reused")
	}
	if f0.Decls[k+1] == f1.Decls[k+1] || f1.Decls[k+1].Span().Start.Line != f0.Decls[k+1].Span().Start.Line+1 {
		t.Errorf("the declaration after the edit was not moved one line down")
	}
}

func TestBeginsDecl(t *testing.T) {
	for line, want := range map[string]bool{
		"reward r: amount {": true,
		"kind bet {":         true,
		"const a = 1":        true,
		"template t \"x\"":   true,
		"test \"t\" {":       true,
		"player {":           true,
		"player\t{":          true,
		"player.vip":         false,
		"player":             false,
		"rewards":            false,
		"reward_x":           false,
		" reward r":          false,
		"let x = 1":          false,
		"constant":           false,
		"const":              true,
	} {
		if got := beginsDecl([]byte(line)); got != want {
			t.Errorf("beginsDecl(%q) = %v, want %v", line, got, want)
		}
	}
}

// FuzzReparser applies the edits of the fuzzer's bytes to the examples and
// compares each version's parse with Parse.
func FuzzReparser(f *testing.F) {
	f.Add([]byte{0, 10, 1, 'x'})
	f.Add([]byte("\x40\x00\x02\nconst a = 1 +\n"))
	f.Add([]byte("\x10\x10\x00\nkind k {\nconst: money\n}\n\x20\x00\x05}"))
	var base []byte
	for _, name := range []string{"schema.promo", "tiered_deposit.promo", "tiered_deposit_test.promo"} {
		b, err := os.ReadFile("../examples/dynamic_rewards/" + name)
		if err != nil {
			f.Fatal(err)
		}
		base = append(append(base, b...), '\n')
	}
	f.Fuzz(func(t *testing.T, ops []byte) {
		r := NewReparser("x.promo")
		src := base
		r.Parse(src)
		for len(ops) >= 3 {
			pos := (int(ops[0])<<8 | int(ops[1])) * 7 % (len(src) + 1)
			n := int(ops[2]) % 16
			ops = ops[3:]
			k := min(len(ops), int(n))
			ins := ops[:k]
			ops = ops[k:]
			end := min(len(src), pos+n/2)
			src = append(append(append([]byte{}, src[:pos]...), ins...), src[end:]...)
			f, d := r.Parse(src)
			sameParse(t, src, f, d)
		}
	})
}

// BenchmarkReparse measures the parse of a 5,000-line file after an edit
// of one declaration, against a parse of the whole file.
func BenchmarkReparse(b *testing.B) {
	src := largeFile(b, 5000)
	i := bytes.LastIndex(src[:len(src)/2], []byte("\nreward "))
	j := i + bytes.IndexByte(src[i+1:], '{') + 2
	versions := [][]byte{src, append(append(append([]byte{}, src[:j]...), "\n"...), src[j:]...)}
	b.Run("whole", func(b *testing.B) {
		for n := 0; b.Loop(); n++ {
			Parse("x.promo", versions[n%2])
		}
	})
	b.Run("reparser", func(b *testing.B) {
		r := NewReparser("x.promo")
		r.Parse(src)
		for n := 0; b.Loop(); n++ {
			r.Parse(versions[n%2])
		}
	})
}

// BenchmarkReparseError measures the parse of a 5,000-line file after an
// edit that breaks its first declaration: from there Parse runs to the
// error, reading the rest of the file's tokens.
func BenchmarkReparseError(b *testing.B) {
	src := largeFile(b, 5000)
	i := bytes.Index(src, []byte("\nreward "))
	j := i + bytes.IndexByte(src[i+1:], '{') + 2
	versions := [][]byte{src, append(append(append([]byte{}, src[:j]...), "}}"...), src[j:]...)}
	r := NewReparser("x.promo")
	r.Parse(src)
	for n := 0; b.Loop(); n++ {
		if _, d := r.Parse(versions[n%2]); (len(d) > 0) != (n%2 == 1) {
			b.Fatalf("version %d: %v", n%2, d)
		}
	}
}
