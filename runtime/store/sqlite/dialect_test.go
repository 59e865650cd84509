package sqlite

import "testing"

// TestPositional rewrites $1..$n to ? only when each appears once, in
// order, outside quotes.
func TestPositional(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"INSERT INTO t VALUES ($1, $2), ($3, $4)", "INSERT INTO t VALUES (?, ?), (?, ?)"},
		{"SELECT $1 WHERE a = '$2' AND b = $2", "SELECT ? WHERE a = '$2' AND b = ?"},
		{"SELECT json_extract(v, '$[0]') FROM json_each($1)", "SELECT json_extract(v, '$[0]') FROM json_each(?)"},
		{"UPDATE t SET a = a + $3 WHERE c = $1 AND d = $2", "UPDATE t SET a = a + $3 WHERE c = $1 AND d = $2"},
		{"SELECT $1, $1", "SELECT $1, $1"},
		{"SELECT $10", "SELECT $10"},
		{"SELECT $", "SELECT $"},
	}
	for _, tt := range tests {
		if got := positional(tt.in); got != tt.want {
			t.Errorf("positional(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
