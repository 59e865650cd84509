package sqlcore

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMigrations reads numbered migrations in order and refuses a badly
// named file or a gap in the numbers.
func TestMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []int
		wantErr string
	}{
		{"in order", fstest.MapFS{"m/0002_b.sql": file("B"), "m/0001_a.sql": file("A")}, []int{1, 2}, ""},
		{"no number", fstest.MapFS{"m/init.sql": file("A")}, nil, "migration init.sql: want NNNN_name.sql"},
		{"not sql", fstest.MapFS{"m/0001_a.txt": file("A")}, nil, "migration 0001_a.txt: want NNNN_name.sql"},
		{"a gap", fstest.MapFS{"m/0001_a.sql": file("A"), "m/0003_c.sql": file("C")}, nil, "migration 0003_c.sql: want version 2"},
		{"no directory", fstest.MapFS{}, nil, "open m: file does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := Migrations(tt.files, "m")
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			var got []int
			for _, m := range ms {
				got = append(got, m.Version)
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, "A", ms[0].SQL)
		})
	}
}

// TestStatements splits a migration at the semicolons that end a line,
// dropping comment lines and blank statements.
func TestStatements(t *testing.T) {
	tests := []struct {
		sql  string
		want []string
	}{
		{"", nil},
		{"-- only a comment\n", nil},
		{"CREATE TABLE a (x int);\n", []string{"CREATE TABLE a (x int)"}},
		{"-- a\nCREATE TABLE a (\n\tx int\n);\n\nCREATE INDEX i ON a (x);", []string{"CREATE TABLE a (\n\tx int\n)", "CREATE INDEX i ON a (x)"}},
		{"INSERT INTO a VALUES (';');\n", []string{"INSERT INTO a VALUES (';')"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, statements(tt.sql), "statements(%q)", tt.sql)
	}
}
