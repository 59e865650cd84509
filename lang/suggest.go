package lang

import "unicode/utf8"

// maxSuggestRunes bounds the names Suggest compares: no misspelling of a
// longer one is worth the cost of an edit distance.
const maxSuggestRunes = 200

// Suggest returns the candidate closest to name when it is close enough to
// be a likely misspelling, or "": at most one edit for names of up to four
// letters, two up to seven, three beyond, a swap of two letters counting as
// one edit. Ties go to the candidate first in alphabetical order.
func Suggest(name string, candidates []string) string {
	limit := max(1, min(3, (len(name)+1)/3))
	best, bestD := "", limit+1
	n := utf8.RuneCountInString(name)
	if n > maxSuggestRunes {
		return ""
	}
	for _, c := range candidates {
		if c == name {
			continue
		}
		// The distance is at least the difference of the lengths: skip the
		// candidates it rules out before computing it, which costs the
		// product of the lengths.
		if m := utf8.RuneCountInString(c); m > n+limit || m < n-limit {
			continue
		}
		if d := editDistance(name, c); d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Damerau-Levenshtein (optimal string alignment)
// distance, so that a swap of two letters counts as one edit.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
