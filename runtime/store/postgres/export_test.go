package postgres

import "github.com/jackc/pgx/v5/pgxpool"

// NewDialect is the dialect of a pool, for the tests of package
// postgres_test (dialect_test.go): they use pgtest, which imports this
// package to migrate its template (pgtest.Fresh).
func NewDialect(pool *pgxpool.Pool) dialect { return dialect{pool: pool} }
