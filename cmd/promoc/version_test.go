package main

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFormatVersion(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"go install at a tag", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.3.0"},
			Settings: vcs("vcs", "git", "vcs.revision", "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b", "vcs.time", "2026-12-06T04:00:00Z", "vcs.modified", "false")},
			"v0.3.0 (revision 1a2b3c4d5e6f, 2026-12-06T04:00:00Z) go1.26.8"},
		{"a working tree with changes", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"},
			Settings: vcs("vcs.revision", "1a2b3c4d5e6f7a8b", "vcs.time", "2026-12-06T04:00:00Z", "vcs.modified", "true")},
			"(devel) (revision 1a2b3c4d5e6f, 2026-12-06T04:00:00Z, modified) go1.26.8"},
		{"no vcs", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.3.0"}},
			"v0.3.0 (revision unknown) go1.26.8"},
		{"a pseudo-version", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261206040000-1a2b3c4d5e6f"},
			Settings: vcs("vcs.revision", "1a2b3c4d5e6f")},
			"v0.0.0-20261206040000-1a2b3c4d5e6f (revision 1a2b3c4d5e6f) go1.26.8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, formatVersion(tt.info), "formatVersion(%s)", tt.name)
		})
	}
}
