package main

import (
	"slices"
	"testing"
)

// TestEnvList: -server-env's NAME=VALUE pairs, comma-separated; a pair
// without a name or an equals sign is refused.
func TestEnvList(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
		err  bool
	}{
		{"", nil, false},
		{"GOMAXPROCS=4", []string{"GOMAXPROCS=4"}, false},
		{"GOMAXPROCS=4,GOGC=off", []string{"GOMAXPROCS=4", "GOGC=off"}, false},
		{"GODEBUG=gctrace=1", []string{"GODEBUG=gctrace=1"}, false},
		{"EMPTY=", []string{"EMPTY="}, false},
		{"GOMAXPROCS", nil, true},
		{"=4", nil, true},
		{"A=1,,B=2", nil, true},
		{"MY VAR=1", nil, true},
	} {
		got, err := envList(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("envList(%q): error %v, want error %v", tt.in, err, tt.err)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("envList(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
