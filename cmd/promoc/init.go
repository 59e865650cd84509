package main

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// starter is the rule set promoc init writes. It is a rule set of this
// repository too, checked and tested with the others (promoc test ./...).
//
//go:embed starter
var starter embed.FS

func newInitCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "init DIR",
		Short: "Write a starter rule set",
		Long: `Init writes a starter rule set into DIR, creating it if needed:

	schema.promo              the kinds of transactions and the player's properties
	welcome_bonus.promo       one reward
	welcome_bonus_test.promo  its tests
	input.json                an input document for promoc eval

The rule set passes promoc check and promoc test as written, and is
formatted; change it from there. Init never overwrites a file: it writes
nothing when one of these files exists in DIR, or when DIR holds .promo
files already (a rule set of its own, which the starter would join).

Init prints the path of each file it writes. It exits with 0 on success, 1
when a file cannot be written, and 2 on bad usage or when DIR is not empty
of these files.`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch len(args) {
			case 0:
				return errors.New("missing DIR: expected the directory of the new rule set")
			case 1:
				return nil
			}
			return fmt.Errorf("init takes one DIR, got %d: %s", len(args), strings.Join(args, " "))
		},
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			p := paths{}
			files, err := fs.ReadDir(starter, "starter")
			if err != nil {
				return err
			}
			if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
				return usageErrorf("%s: not a directory", p.display(dir))
			}
			var clash []string
			if entries, err := os.ReadDir(dir); err == nil {
				for _, e := range entries {
					if isPromoFile(e.Name()) || e.Name() == "input.json" {
						clash = append(clash, p.display(filepath.Join(dir, e.Name())))
					}
				}
			}
			if len(clash) > 0 {
				return usageErrorf("%s: holds %s already: init writes a new rule set, and overwrites nothing", p.display(dir), strings.Join(clash, ", "))
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return failf("%v", err)
			}
			for _, f := range files {
				data, err := starter.ReadFile("starter/" + f.Name())
				if err != nil {
					return err
				}
				name := filepath.Join(dir, f.Name())
				if err := writeNew(name, data); err != nil {
					return failf("%s: %v", p.display(name), errors.Unwrap(err))
				}
				fmt.Fprintln(cmd.OutOrStdout(), p.display(name))
			}
			return nil
		}),
	}
}

// writeNew writes a file that must not exist yet: O_EXCL makes sure that
// one made since the check is not overwritten either.
func writeNew(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
