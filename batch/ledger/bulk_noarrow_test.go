//go:build !duckdb_arrow

package ledger

// arrowBulkPaths: the Arrow paths of BenchmarkBulk need the duckdb_arrow
// build tag (bulk_arrow_test.go); the normal build and CI go without Arrow.
func arrowBulkPaths() []bulkPath { return nil }
