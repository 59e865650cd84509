package main

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/lang/format"
	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/runtime"
)

func newFmtCmd() *cobra.Command {
	var list, showDiff, write bool
	cmd := &cobra.Command{
		Use:   "fmt [-l] [-d] [-w] [PATH...]",
		Short: "Format promo files in the canonical layout",
		Long: `Fmt prints promo files in their one canonical layout
(spec/spec.md#14-formatting). Each PATH is one of:

	FILE.promo  the file, rule or test file
	DIR         the *.promo files of DIR, *_test.promo included, not
	            recursively
	DIR/...     the *.promo files of DIR and of every directory below it
	            (except testdata and directories beginning with . or _)

A DIR is not a tree, as for check and test: a directory without .promo
files is refused, with DIR/... suggested when the directories below it have
some. Without a PATH, fmt formats its standard input.

Without flags, fmt prints the formatted source of each file on stdout. With
-l it lists the files whose formatting differs, with -d it prints their
changes as a unified diff, and with -w it rewrites them in place (through a
temporary file in the same directory, renamed over the file, which keeps its
mode). The flags combine: -l -w lists the files it rewrites.

A file that does not parse is reported on stderr, as check reports it, and
left untouched; fmt goes on with the other files.

Fmt exits with 0 on success; 1 when a file does not parse or cannot be
written, and, with -l or -d but not -w, when some file's formatting differs
(so that CI can run promoc fmt -l); 2 on bad usage or when a PATH cannot be
read.`,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			f := &formatter{list: list, diff: showDiff, write: write, stdout: cmd.OutOrStdout(), stderr: cmd.ErrOrStderr()}
			if len(args) == 0 {
				if write {
					return usageErrorf("cannot use -w with standard input")
				}
				lr := &limitedReader{r: cmd.InOrStdin(), n: limits.FileBytes}
				src, err := io.ReadAll(lr)
				if lr.over {
					return usageErrorf("standard input: %v", &runtime.TooLargeError{Limit: limits.FileBytes, Name: "FileBytes"})
				}
				if err != nil {
					return usageErrorf("reading standard input: %v", err)
				}
				f.file("<standard input>", "", src, 0)
				return f.result()
			}
			files, err := paths{}.promoFiles(args)
			if err != nil {
				return err
			}
			for _, file := range files {
				src, err := runtime.ReadOSFile(file.osName)
				if err != nil {
					return paths{}.pathError(file.osName, err)
				}
				f.file(file.name, file.osName, src, file.mode)
			}
			return f.result()
		}),
	}
	cmd.Flags().BoolVarP(&list, "list", "l", false, "list the files whose formatting differs")
	cmd.Flags().BoolVarP(&showDiff, "diff", "d", false, "print the changes as a unified diff")
	cmd.Flags().BoolVarP(&write, "write", "w", false, "rewrite the files in place")
	return cmd
}

// formatter formats files one by one and remembers what to exit with.
type formatter struct {
	list, diff, write bool
	stdout, stderr    io.Writer
	differs           bool // some file's formatting differs
	failed            bool // some file does not parse or could not be written
}

// file formats the source of one file, named name as printed and osName
// as opened ("" for standard input), and does what the flags say.
func (f *formatter) file(name, osName string, src []byte, mode fs.FileMode) {
	out, diags := format.Source(name, src)
	if diags.HasErrors() {
		printText(f.stderr, diags, newSourceLines([]runtime.Source{{Name: name, Text: src}}))
		f.failed = true
		return
	}
	if !f.list && !f.diff && !f.write {
		f.stdout.Write(out)
		return
	}
	if bytes.Equal(src, out) {
		return
	}
	f.differs = true
	if f.list {
		fmt.Fprintln(f.stdout, name)
	}
	if f.diff {
		a, b := path.Join("a", name), path.Join("b", name) // a/tmp/x.promo for /tmp/x.promo, as git does
		fmt.Fprintf(f.stdout, "diff %s %s\n", a, b)
		f.stdout.Write(unifiedDiff(a, src, b, out))
	}
	if f.write {
		if err := writeFile(osName, out, mode); err != nil {
			fmt.Fprintf(f.stderr, "promoc: %s: %v\n", name, err)
			f.failed = true
		}
	}
}

// result is the error fmt ends with, once every file is done.
func (f *formatter) result() error {
	if f.failed || f.differs && (f.list || f.diff) && !f.write {
		return errHasErrors
	}
	return nil
}

// writeFile replaces the file name by data atomically: it writes a
// temporary file in the same directory, gives it mode, and renames it over
// the file. A symbolic link is followed, so that the link stays a link.
func writeFile(name string, data []byte, mode fs.FileMode) (err error) {
	if target, err := filepath.EvalSymlinks(name); err == nil {
		name = target
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".fmt-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Chmod(mode.Perm()); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// A promoFile is a file for fmt.
type promoFile struct {
	name   string // as printed
	osName string // as opened
	mode   fs.FileMode
}

// promoFiles resolves the arguments of fmt: .promo files, directories and
// DIR/... patterns, to their .promo files, test files included, sorted by
// name and each once.
func (p paths) promoFiles(args []string) ([]promoFile, error) {
	var files []promoFile
	add := func(osName string, fi fs.FileInfo) {
		files = append(files, promoFile{name: p.display(osName), osName: osName, mode: fi.Mode()})
	}
	for _, arg := range args {
		root, recursive := arg, isPattern(arg)
		if recursive {
			root = strings.TrimSuffix(strings.TrimSuffix(filepath.ToSlash(arg), "..."), "/")
			if root == "" {
				root = "."
			}
			root = filepath.FromSlash(root)
		}
		fi, err := os.Stat(root)
		if err != nil {
			return nil, p.pathError(root, err)
		}
		switch {
		case !fi.IsDir() && recursive:
			return nil, usageErrorf("%s: not a directory: expected DIR/...", p.display(root))
		case !fi.IsDir():
			if !isPromoFile(arg) {
				return nil, usageErrorf("%s: not a .promo file: expected a .promo file or a directory", p.display(arg))
			}
			add(arg, fi)
			continue
		}
		n := len(files)
		err = filepath.WalkDir(root, func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				return p.pathError(name, err)
			}
			if d.IsDir() {
				base := d.Name()
				if name != root && (!recursive || skippedDir(base)) {
					return filepath.SkipDir
				}
				return nil
			}
			if !isPromoFile(name) {
				return nil
			}
			// A .promo name that is not a regular file (a link to a device,
			// a named pipe) is refused when it is read, not skipped.
			fi, err := d.Info()
			if err != nil {
				return p.pathError(name, err)
			}
			add(name, fi)
			return nil
		})
		if err != nil {
			return nil, err
		}
		switch {
		case len(files) > n:
		case recursive:
			return nil, usageErrorf("%s: matched no .promo files", filepath.ToSlash(arg))
		default:
			return nil, p.noRuleFiles(root)
		}
	}
	slices.SortFunc(files, func(a, b promoFile) int { return strings.Compare(a.name, b.name) })
	return slices.CompactFunc(files, func(a, b promoFile) bool { return a.name == b.name }), nil
}

func isPromoFile(name string) bool {
	return strings.HasSuffix(name, ".promo")
}
