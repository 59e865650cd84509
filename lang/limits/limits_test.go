package limits_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/vm"
)

// TestSpecTable keeps the table of spec/limits.md equal to this package:
// every exported constant and variable of limits.go has a row, named as
// the Go name, whose value is the constant's, and every row is a limit.
// The step budget, which the VM keeps, has a row too.
func TestSpecTable(t *testing.T) {
	values := map[string]string{
		"FileBytes":    strconv.Itoa(limits.FileBytes),
		"RuleSetBytes": strconv.Itoa(limits.RuleSetBytes),
		"Tokens":       strconv.Itoa(limits.Tokens),
		"Declarations": strconv.Itoa(limits.Declarations),
		"Branches":     strconv.Itoa(limits.Branches),
		"Fields":       strconv.Itoa(limits.Fields),
		"ListElements": strconv.Itoa(limits.ListElements),
		"Nesting":      strconv.Itoa(limits.Nesting),
		"Operators":    strconv.Itoa(limits.Operators),
		"Digits":       strconv.Itoa(limits.Digits),
		"Decimals":     strconv.Itoa(limits.Decimals),
		"MinTime":      limits.MinTime.Format("2006-01-02"),
		"MaxTime":      limits.MaxTime.Format("2006-01-02"),
		"InputBytes":   strconv.Itoa(limits.InputBytes),
		"Transactions": strconv.Itoa(limits.Transactions),
		"StringBytes":  strconv.Itoa(limits.StringBytes),
		"EventBatch":   strconv.Itoa(limits.EventBatch),
		"RepeatRows":   strconv.Itoa(limits.RepeatRows),
		"Steps":        strconv.Itoa(vm.DefaultMaxSteps),
	}
	// The times of the table are dates: a time of day would not show.
	for _, tm := range []struct {
		name string
		hms  int
	}{{"MinTime", limits.MinTime.Hour() + limits.MinTime.Minute() + limits.MinTime.Second() + limits.MinTime.Nanosecond()},
		{"MaxTime", limits.MaxTime.Hour() + limits.MaxTime.Minute() + limits.MaxTime.Second() + limits.MaxTime.Nanosecond()}} {
		if tm.hms != 0 {
			t.Errorf("%s is not midnight: the table shows only its date", tm.name)
		}
	}

	// Every name limits.go exports must be in values, so that a new limit
	// cannot be added without its row.
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "limits.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, spec := range g.Specs {
			if vs, ok := spec.(*ast.ValueSpec); ok {
				for _, n := range vs.Names {
					if _, ok := values[n.Name]; n.IsExported() && !ok {
						t.Errorf("limits.%s has no row in this test, nor so in spec/limits.md", n.Name)
					}
				}
			}
		}
	}

	md, err := os.ReadFile("../../spec/limits.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("^\\| `([A-Za-z]+)` \\| ([^|]+) \\|")
	seen := map[string]bool{}
	for _, line := range strings.Split(string(md), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name, got := m[1], strings.TrimSpace(m[2])
		want, ok := values[name]
		switch {
		case !ok:
			t.Errorf("spec/limits.md has a row for %s, which is no limit", name)
		case seen[name]:
			t.Errorf("spec/limits.md has two rows for %s", name)
		case got != want:
			t.Errorf("spec/limits.md gives %s = %s, but it is %s", name, got, want)
		}
		seen[name] = true
	}
	var missing []string
	for name := range values {
		if !seen[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("spec/limits.md has no row for %s", strings.Join(missing, ", "))
	}
}
