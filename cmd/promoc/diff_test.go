package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUnifiedDiff(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     string
	}{
		{name: "equal", old: "a\nb\n", new: "a\nb\n", want: ""},
		{
			name: "one line changed in the middle",
			old:  "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
			new:  "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			want: "--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
		},
		{
			name: "a moved line is one deletion and one insertion, not a block",
			old:  "a\nb\nc\nd\ne\n",
			new:  "b\nc\nd\ne\na\n",
			want: "--- a\n+++ b\n@@ -1,5 +1,5 @@\n-a\n b\n c\n d\n e\n+a\n",
		},
		{
			name: "two changes far apart are two hunks",
			old:  "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
			new:  "one\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\ntwelve\n",
			want: "--- a\n+++ b\n@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+twelve\n",
		},
		{
			name: "changes six lines apart share a hunk",
			old:  "1\n2\n3\n4\n5\n6\n7\n8\n",
			new:  "one\n2\n3\n4\n5\n6\n7\neight\n",
			want: "--- a\n+++ b\n@@ -1,8 +1,8 @@\n-1\n+one\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+eight\n",
		},
		{
			name: "insertion into an empty file",
			old:  "",
			new:  "a\n",
			want: "--- a\n+++ b\n@@ -0,0 +1 @@\n+a\n",
		},
		{
			name: "deletion of a line",
			old:  "a\nb\nc\n",
			new:  "a\nc\n",
			want: "--- a\n+++ b\n@@ -1,3 +1,2 @@\n a\n-b\n c\n",
		},
		{
			name: "the missing final newline",
			old:  "a\nb",
			new:  "a\nb\n",
			want: "--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(unifiedDiff("a", []byte(tt.old), "b", []byte(tt.new)))
			assert.Equal(t, tt.want, got, "unifiedDiff(%q, %q)", tt.old, tt.new)
		})
	}
}

// TestDiffLinesMinimal compares the edit scripts of random files with the
// longest common subsequence that dynamic programming finds, and checks
// that each script turns the old file into the new one.
func TestDiffLinesMinimal(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		a := randomLines(r, r.IntN(30))
		b := mutate(r, a)
		edits := diffLines(a, b)
		var got []string
		keeps := 0
		ai, bi := 0, 0
		for _, e := range edits {
			switch e.op {
			case ' ':
				require.Equal(t, a[e.a], b[e.b])
				require.Equal(t, ai, e.a)
				require.Equal(t, bi, e.b)
				got = append(got, a[e.a])
				keeps++
				ai++
				bi++
			case '-':
				require.Equal(t, ai, e.a)
				ai++
			case '+':
				require.Equal(t, bi, e.b)
				got = append(got, b[e.b])
				bi++
			}
		}
		require.Equal(t, len(a), ai, "every old line is kept or deleted: %q -> %q", a, b)
		require.Equal(t, strings.Join(b, ""), strings.Join(got, ""), "the script makes the new file: %q -> %q", a, b)
		require.Equal(t, lcs(a, b), keeps, "the script keeps a longest common subsequence: %q -> %q", a, b)
	}
}

func randomLines(r *rand.Rand, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = string(rune('a'+r.IntN(4))) + "\n"
	}
	return out
}

// mutate deletes, inserts and changes a few lines.
func mutate(r *rand.Rand, a []string) []string {
	b := append([]string{}, a...)
	for range r.IntN(6) {
		switch i := r.IntN(len(b) + 1); r.IntN(3) {
		case 0:
			if i < len(b) {
				b = append(b[:i], b[i+1:]...)
			}
		case 1:
			b = append(b[:i], append([]string{string(rune('a'+r.IntN(5))) + "\n"}, b[i:]...)...)
		case 2:
			if i < len(b) {
				b[i] = strings.ToUpper(b[i])
			}
		}
	}
	return b
}

// lcs is the length of a longest common subsequence, by dynamic
// programming.
func lcs(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

// TestDiffBudget gives up on a minimal diff of two long files with nothing
// in common past the budget, quickly, and still prints a correct one.
func TestDiffBudget(t *testing.T) {
	var a, b []string
	for i := range 20000 {
		a = append(a, string(rune('a'+i%7))+"\n")
		b = append(b, string(rune('a'+i%11))+"\n")
	}
	d := &differ{budget: 1000}
	ids := map[string]int32{}
	for _, l := range append(append([]string{}, a...), b...) {
		if _, ok := ids[l]; !ok {
			ids[l] = int32(len(ids))
		}
	}
	for _, l := range a {
		d.a = append(d.a, ids[l])
	}
	for _, l := range b {
		d.b = append(d.b, ids[l])
	}
	d.diff(0, len(a), 0, len(b))
	assert.Equal(t, strings.Join(b, ""), strings.Join(apply(a, b, d.edits), ""))
}

// TestDiffAnchored diffs a file where a fourth of the lines change, too
// many for the budget of a minimal diff: the diff between anchors (the
// unique lines) still changes those lines only.
func TestDiffAnchored(t *testing.T) {
	var a, b []string
	for i := range 50000 {
		a = append(a, fmt.Sprintf("reward r%d: points {\n", i), "  give 1\n", "}\n", "\n")
		b = append(b, fmt.Sprintf("reward r%d: points {\n", i), "\tgive 1\n", "}\n", "\n")
	}
	edits := diffLines(a, b)
	changed := 0
	for _, e := range edits {
		if e.op != ' ' {
			changed++
		}
	}
	assert.Equal(t, 2*50000, changed, "one deletion and one insertion per changed line")
	assert.Equal(t, strings.Join(b, ""), strings.Join(apply(a, b, edits), ""))
}

// apply returns the lines an edit script makes of a.
func apply(a, b []string, edits []edit) []string {
	var got []string
	for _, e := range edits {
		switch e.op {
		case ' ':
			got = append(got, a[e.a])
		case '+':
			got = append(got, b[e.b])
		}
	}
	return got
}

// TestAnchors finds the unique lines common to both files, in order.
func TestAnchors(t *testing.T) {
	tests := []struct {
		a, b []int32
		want [][2]int
	}{
		{a: []int32{1, 2, 3}, b: []int32{1, 2, 3}, want: [][2]int{{0, 0}, {1, 1}, {2, 2}}},
		{a: []int32{1, 2, 3}, b: []int32{3, 2, 1}, want: [][2]int{{2, 0}}},
		{a: []int32{9, 1, 9, 2}, b: []int32{1, 9, 2}, want: [][2]int{{1, 0}, {3, 2}}},
		{a: []int32{1, 2, 3, 4, 5}, b: []int32{1, 4, 2, 3, 5}, want: [][2]int{{0, 0}, {1, 2}, {2, 3}, {4, 4}}},
		{a: []int32{7, 7}, b: []int32{7}, want: [][2]int{}},
	}
	for _, tt := range tests {
		got := anchors(tt.a, tt.b)
		assert.Equal(t, tt.want, got, "anchors(%v, %v)", tt.a, tt.b)
	}
}
