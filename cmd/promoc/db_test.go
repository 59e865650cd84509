package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDBName(t *testing.T) {
	for _, c := range []struct {
		db, name string
		pg       bool
	}{
		{"promoc.db", "promoc.db", false},
		{"./data//state.db", "data/state.db", false},
		{"postgres.db", "postgres.db", false},
		{"postgres://u:secret@db.local:5432/promo?sslmode=disable", "postgres://u:xxxxx@db.local:5432/promo?sslmode=disable", true},
		{"postgresql://u@/promo?host=/run/pg", "postgresql://u@/promo?host=/run/pg", true},
		{"postgres://u:secret@[bad", "postgres database", true},
	} {
		assert.Equal(t, c.pg, isPostgres(c.db), c.db)
		assert.Equal(t, c.name, dbName(c.db), c.db)
	}
}
