package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

func newVouchersCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "vouchers",
		Short: "Import the voucher codes of offers into a database",
		Long: `Vouchers imports the voucher codes that assignments of an offer take, and
counts those left unassigned. See promoc vouchers import --help and promoc
vouchers count --help.`,
		Args: noArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return usageErrorf("vouchers: missing command: expected import or count")
		}),
	}
	dbFlag(cmd, &db)
	cmd.AddCommand(newVouchersImportCmd(&db), newVouchersCountCmd(&db))
	return cmd
}

func newVouchersCountCmd(db *string) *cobra.Command {
	return &cobra.Command{
		Use:   "count OFFER [--db FILE|URL]",
		Short: "Count the voucher codes of an offer, and those left unassigned",
		Long: `Count prints how many voucher codes were imported into the offer OFFER (its
reference) and how many no assignment took yet: an assignment of more
players than that fails whole.

Exit codes: 0 counted; 1 an unknown offer, one without vouchers, or the
database failed; 2 bad usage.`,
		Args: oneArg("OFFER", "the reference of an offer"),
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			st, err := openStore(cmd.Context(), *db, false)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			vc, ok := st.(store.VoucherCounter)
			if !ok {
				return failf("%s: this store does not count voucher codes", dbName(*db))
			}
			c, err := vc.CountVouchers(cmd.Context(), args[0])
			if err != nil {
				return failf("%s: %v", dbName(*db), err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "offer %s: %s, %d left unassigned\n", args[0], plural(int(c.Codes), "code"), c.Unassigned)
			return nil
		}),
	}
}

func newVouchersImportCmd(db *string) *cobra.Command {
	var rules string
	cmd := &cobra.Command{
		Use:   "import OFFER FILE [--rules DIR] [--db FILE|URL]",
		Short: "Import voucher codes into an offer",
		Long: fmt.Sprintf(`Import reads voucher codes from FILE (- for stdin): UTF-8 text, one code a
line, no header; spaces around a code are not part of it (a tab is no
space), and a line may end in CRLF. A blank line, a code over %d
characters, a control character in or around a code (a tab, a NUL of
UTF-16 text), an invisible character (a byte order mark after the start of
the file, as two files joined together have; a zero-width space; a
variation selector), a code not in Unicode normal form C (e and a
combining accent for é) or text that is not UTF-8 rejects the whole file,
naming the line, and nothing is imported. Codes are compared
byte for byte: ABC and abc are two codes.

The codes are added to the offer OFFER (promoc offers add OFFER --vouchers)
in one transaction. A code repeated in the file, or imported before, is
ignored and counted. Import prints how many codes were imported, how many
ignored, and how many of the offer's codes are left unassigned. Importing
into an offer that does not require vouchers is an error.

--rules DIR stores the offers that the rule set DIR declares first, as the
campaign engine does when it starts (promoc run, promoc serve), creating
the database when missing: so the codes of a declared offer can be imported
before the rules first run. OFFER is then an offer's reference, as declared
with reference "...".

Exit codes: 0 imported; 1 a bad line, an unknown offer or one without
vouchers, or the database failed; 2 bad usage or an unreadable file.`, store.VoucherCodeChars),
		Args: func(cmd *cobra.Command, args []string) error {
			switch len(args) {
			case 0:
				return errors.New("missing OFFER: expected the reference of an offer and a file of codes")
			case 1:
				return errors.New("missing FILE: expected a file of voucher codes, one a line, or - for stdin")
			case 2:
				return nil
			}
			return fmt.Errorf("import takes OFFER and FILE, got %d arguments: %s", len(args), strings.Join(args, " "))
		},
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			codes, err := readVouchers(cmd.InOrStdin(), args[1])
			if err != nil {
				return err
			}
			var prog *runtime.Program
			if rules != "" {
				if prog, err = compileRuleSet(cmd.ErrOrStderr(), rules); err != nil {
					return err
				}
			}
			st, err := openStore(cmd.Context(), *db, prog != nil)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			if prog != nil {
				if err := engine.RegisterOffers(cmd.Context(), prog, st); err != nil {
					return failf("%s: %v", dbName(*db), err)
				}
			}
			r, err := st.ImportVouchers(cmd.Context(), args[0], codes, now())
			if err != nil {
				return failf("%s: %v; no code was imported", dbName(*db), err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "imported %s, ignored %s, %d left unassigned\n",
				plural(int(r.Imported), "code"), plural(int(r.Ignored), "duplicate"), r.Unassigned)
			return nil
		}),
	}
	cmd.Flags().StringVar(&rules, "rules", "", "store the offers the rule set `DIR` declares first")
	return cmd
}

// readVouchers reads and checks every code of the file named on the
// command line; any bad line ends the reading, and nothing is returned.
func readVouchers(stdin io.Reader, name string) ([]string, error) {
	r, shown, _, closeFn, err := openArg(stdin, name, "a file of voucher codes")
	if err != nil {
		return nil, err
	}
	defer closeFn()
	bad := func(line int, format string, args ...any) error {
		return failf("%s: line %d: %s; no code was imported", shown, line, fmt.Sprintf(format, args...))
	}
	sc := bufio.NewScanner(r)
	// A line longer than any code (4 bytes a character at most) and its
	// spaces is refused when the scanner's buffer overflows.
	sc.Buffer(make([]byte, 0, 64<<10), 64<<10)
	var codes []string
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes() // a byte order mark at the start skipped by openArg
		if !utf8.Valid(b) {
			return nil, bad(line, "not UTF-8 text")
		}
		code := store.TrimCode(string(b)) // spaces, not a tab: refused below
		if strings.TrimSpace(code) == "" {
			return nil, bad(line, "blank line: expected one voucher code a line")
		}
		if i := strings.IndexFunc(code, unicode.IsControl); i >= 0 {
			r, _ := utf8.DecodeRuneInString(code[i:])
			hint := ""
			if r == 0 {
				hint = " (a file in UTF-16?)"
			}
			return nil, bad(line, "control character %U in a code%s", r, hint)
		}
		if i := strings.IndexFunc(code, store.Invisible); i >= 0 {
			r, _ := utf8.DecodeRuneInString(code[i:])
			what, hint := "invisible character", ""
			if unicode.Is(unicode.Cf, r) {
				what = "invisible format character"
			}
			if r == '\ufeff' {
				hint = " (a byte order mark: files joined together?)"
			}
			return nil, bad(line, "%s %U in a code%s", what, r, hint)
		}
		if !store.NormalCode(code) {
			return nil, bad(line, "code not in Unicode normal form C (a letter and a combining mark where one character is usual)")
		}
		if n := utf8.RuneCountInString(code); n > store.VoucherCodeChars {
			return nil, bad(line, "code of %d characters: at most %d", n, store.VoucherCodeChars)
		}
		codes = append(codes, code)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, bad(line+1, "code over %d characters", store.VoucherCodeChars)
		}
		return nil, failf("%s: %v", shown, err)
	}
	return codes, nil
}
