package main

import (
	"fmt"
	goruntime "runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of promoc",
		Long: `Version prints "promoc VERSION (GOVERSION)": the module version promoc was
built from, or (devel) for a build from a working tree, and the Go version
that built it.`,
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			v, gov := version()
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "promoc %s (%s)\n", v, gov)
			return err
		}),
	}
}

// version returns the main module's version and the Go version of the
// build.
func version() (string, string) {
	v, gov := "(devel)", goruntime.Version()
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			v = info.Main.Version
		}
		if info.GoVersion != "" {
			gov = info.GoVersion
		}
	}
	return v, gov
}
