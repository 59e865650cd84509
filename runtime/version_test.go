package runtime_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
)

const (
	versionSchema = "kind deposit { amount: money }\n"
	versionReward = "reward r: amount {\n\tgive 10% of sum(deposit.amount)\n}\n"
)

// wantVersion computes the version of spec/spec.md, section 12, from its
// definition: SHA-256 over the files in order of base name, each as the
// 8-byte big-endian length of the name, the name, the 8-byte length of the
// text and the text.
func wantVersion(files ...string) string {
	h := sha256.New()
	for i := 0; i < len(files); i += 2 {
		for _, s := range files[i : i+2] {
			h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(s))))
			h.Write([]byte(s))
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

func TestVersion(t *testing.T) {
	want := wantVersion("rewards.promo", versionReward, "schema.promo", versionSchema)
	tests := []struct {
		name string
		srcs []runtime.Source
		want string
	}{
		{"sorted by name", []runtime.Source{{"rewards.promo", []byte(versionReward)}, {"schema.promo", []byte(versionSchema)}}, want},
		{"given in another order", []runtime.Source{{"schema.promo", []byte(versionSchema)}, {"rewards.promo", []byte(versionReward)}}, want},
		{"read from another directory", []runtime.Source{{"/srv/rules/schema.promo", []byte(versionSchema)}, {"rules/rewards.promo", []byte(versionReward)}}, want},
		{"one byte changed", []runtime.Source{{"rewards.promo", []byte(versionReward + "\n")}, {"schema.promo", []byte(versionSchema)}},
			wantVersion("rewards.promo", versionReward+"\n", "schema.promo", versionSchema)},
		{"a file renamed", []runtime.Source{{"a.promo", []byte(versionReward)}, {"schema.promo", []byte(versionSchema)}},
			wantVersion("a.promo", versionReward, "schema.promo", versionSchema)},
		// The lengths keep names and texts apart: moving a byte from one to
		// the other changes the version.
		{"one file", []runtime.Source{{"all.promo", []byte(versionSchema + versionReward)}},
			wantVersion("all.promo", versionSchema+versionReward)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prog, err := runtime.CompileSources(tt.srcs)
			require.NoError(t, err)
			assert.Equal(t, tt.want, prog.Version())
			assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, prog.Version())
			if tt.want != want {
				assert.NotEqual(t, want, prog.Version(), "a different rule set has the same version")
			}
		})
	}
}

// TestVersionCompile checks that Compile, which reads a directory of a file
// system, gives the version of the same files wherever the directory is, and
// that test files do not count.
func TestVersionCompile(t *testing.T) {
	fsys := fstest.MapFS{
		"a/schema.promo":        {Data: []byte(versionSchema)},
		"a/rewards.promo":       {Data: []byte(versionReward)},
		"a/rewards_test.promo":  {Data: []byte("// not part of the rule set\n")},
		"b/c/schema.promo":      {Data: []byte(versionSchema)},
		"b/c/rewards.promo":     {Data: []byte(versionReward)},
		"b/c/sub/ignored.promo": {Data: []byte("garbage that would not compile")},
	}
	want := wantVersion("rewards.promo", versionReward, "schema.promo", versionSchema)
	for _, root := range []string{"a", "b/c"} {
		prog, err := runtime.Compile(fsys, runtime.WithRoot(root))
		require.NoError(t, err)
		assert.Equal(t, want, prog.Version(), "root %s", root)
	}
}
