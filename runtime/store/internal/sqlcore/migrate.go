package sqlcore

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migration is one numbered schema change: the file NNNN_name.sql.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations reads the migrations of a directory of fsys, numbered from 1
// without gaps.
func Migrations(fsys fs.FS, dir string) ([]Migration, error) {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range ents {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration %s: want NNNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d", m.Name, i+1)
		}
	}
	return ms, nil
}

// Apply runs the migrations above version from, in order, in the caller's
// transaction; setVersion records each new version.
func Apply(ctx context.Context, ex Execer, ms []Migration, from int, setVersion func(v int) error) error {
	for _, m := range ms {
		if m.Version <= from {
			continue
		}
		for _, stmt := range statements(m.SQL) {
			if _, err := ex.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
		}
		if err := setVersion(m.Version); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// statements splits a migration at the semicolons that end a line; the
// migrations hold no semicolon inside a statement.
func statements(sql string) []string {
	var out []string
	for _, s := range strings.Split(sql, ";\n") {
		var keep []string
		for _, line := range strings.Split(s, "\n") {
			if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "--") {
				keep = append(keep, line)
			}
		}
		if s := strings.TrimSpace(strings.TrimSuffix(strings.Join(keep, "\n"), ";")); s != "" {
			out = append(out, s)
		}
	}
	return out
}
