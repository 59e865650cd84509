package runtime

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"path"
	"slices"
)

// versionPrefix names the hash function, so that a later version scheme can
// be told apart from this one.
const versionPrefix = "sha256:"

// ruleSetVersion returns the content hash of a rule set, as spec/spec.md
// (section 12, "The rule set's version") defines it: SHA-256 over the rule files sorted
// by base name (then by content), each written as its base name and its
// bytes, both preceded by their length as an 8-byte big-endian integer. The
// directory a file was read from does not count, nor the order the files
// were given in; a byte changed in any rule file, a file renamed, added or
// removed gives another version.
func ruleSetVersion(srcs []Source) string {
	type file struct {
		name string
		text []byte
	}
	files := make([]file, len(srcs))
	for i, s := range srcs {
		files[i] = file{path.Base(s.Name), s.Text}
	}
	slices.SortFunc(files, func(a, b file) int {
		return cmp.Or(cmp.Compare(a.name, b.name), bytes.Compare(a.text, b.text))
	})
	h := sha256.New()
	var n [8]byte
	for _, f := range files {
		binary.BigEndian.PutUint64(n[:], uint64(len(f.name)))
		h.Write(n[:])
		h.Write([]byte(f.name))
		binary.BigEndian.PutUint64(n[:], uint64(len(f.text)))
		h.Write(n[:])
		h.Write(f.text)
	}
	return versionPrefix + hex.EncodeToString(h.Sum(nil))
}
