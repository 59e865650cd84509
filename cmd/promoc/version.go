package main

import (
	"fmt"
	goruntime "runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of promoc",
		Long: `Version prints, as promoc --version does,

	promoc VERSION (revision REVISION, TIME[, modified]) GOVERSION

from the build information Go records in the binary: the module version
promoc was built from (a tag such as v0.3.0 for go install ...@v0.3.0, or
(devel) for a build from a working tree), the VCS revision and commit time
of that working tree ("modified" when it had uncommitted changes), and the
Go version that built it. A build without VCS information (go run, or
-buildvcs=false) says "revision unknown".`,
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "promoc "+version())
			return err
		}),
	}
}

// version describes the running binary from its build information.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return formatVersion(nil)
	}
	return formatVersion(info)
}

// moduleVersion is the module version of the running binary alone, as the
// language server reports it: "v0.3.0", or "(devel)".
func moduleVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}

// formatVersion describes a build: "v0.3.0 (revision 1a2b3c4d5e6f,
// 2026-12-06T04:00:00Z) go1.26.8". A nil info is a binary without build
// information.
func formatVersion(info *debug.BuildInfo) string {
	v, gov := "(devel)", goruntime.Version()
	var rev, at string
	modified := false
	if info != nil {
		if info.Main.Version != "" {
			v = info.Main.Version
		}
		if info.GoVersion != "" {
			gov = info.GoVersion
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if rev == "" {
		return fmt.Sprintf("%s (revision unknown) %s", v, gov)
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	parts := []string{"revision " + rev}
	if at != "" {
		parts = append(parts, at)
	}
	if modified {
		parts = append(parts, "modified")
	}
	return fmt.Sprintf("%s (%s) %s", v, strings.Join(parts, ", "), gov)
}
