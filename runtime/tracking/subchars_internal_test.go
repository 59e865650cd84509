package tracking

import (
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSubOK: the table of a sub id's bytes accepts what the regular
// expression of its definition matches (ASCII letters, digits and
// SubIDChars), and nothing else: every byte alone, and random strings of
// bytes that are and are not in it (non-ASCII and invalid UTF-8 among
// them).
func TestSubOK(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9` + regexp.QuoteMeta(SubIDChars) + `]*$`)
	for c := range 256 {
		v := string([]byte{byte(c)})
		assert.Equal(t, re.MatchString(v), subOK(v), "byte %#x", c)
	}
	for _, v := range []string{"", "abc", "a b", "é", "\xff", "x\x00", "banner-1_top.~:@+=/,!*()|$"} {
		assert.Equal(t, re.MatchString(v), subOK(v), "%q", v)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("aZ09-_|$ \x00\x7f\x80\xc3\xa9\xff%&?#")
	for range 5000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		assert.Equal(t, re.MatchString(string(b)), subOK(string(b)), "%q", b)
	}
}
