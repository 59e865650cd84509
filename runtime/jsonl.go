package runtime

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// DecodeTransactions reads transactions as JSON Lines: one JSON object per
// line, each shaped like an element of the input document's transactions
// (spec/spec.md, "The input document"), read as strictly. Blank lines are
// skipped. Numbers keep their exact decimal text, and every error names the
// line and the field: "line 3: time: ...".
func DecodeTransactions(r io.Reader) ([]Transaction, error) {
	out, _, err := DecodeTransactionLines(r)
	return out, err
}

// DecodeTransactionLines is [DecodeTransactions] that also returns the
// line (from 1) each transaction is on, for a caller that names a
// transaction's line after reading it (promoc test, checking a fixture
// against the schema): the lines are counted once, here.
func DecodeTransactionLines(r io.Reader) ([]Transaction, []int, error) {
	var out []Transaction
	var lines []int
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if n == 1 {
			// A byte order mark, as Windows tools write one, at the start of
			// the file only: anywhere else it is malformed JSON.
			line = bytes.TrimPrefix(line, bom)
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		t, err := DecodeTransaction(line)
		if err != nil {
			var ie *InputError
			if errors.As(err, &ie) {
				if ie.Field == "" {
					return nil, nil, &InputError{Field: fmt.Sprintf("line %d", n), Msg: ie.Msg}
				}
				return nil, nil, &InputError{Field: fmt.Sprintf("line %d: %s", n, ie.Field), Msg: ie.Msg}
			}
			return nil, nil, err
		}
		out = append(out, t)
		lines = append(lines, n)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, &InputError{Msg: err.Error()}
	}
	return out, lines, nil
}

// DecodeTransaction reads one transaction from one JSON object, as strictly
// as [DecodeTransactions] reads a line. An error is an [*InputError] whose
// Field is the field at fault ("time", "amount") or "" for the object.
func DecodeTransaction(line []byte) (Transaction, error) {
	d := docReader{s: scanner{buf: line}}
	t, err := d.txnToInput(0)
	if err == nil && d.s.end() != nil {
		err = &InputError{Msg: "more than one JSON value on the line"}
	}
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			_, field, _ := strings.Cut(ie.Field, ".") // transactions[0].time: time
			return Transaction{}, &InputError{Field: field, Msg: ie.Msg}
		}
		return Transaction{}, err
	}
	return t, nil
}
