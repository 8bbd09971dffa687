//go:build duckdb_arrow

package ledger

// The Arrow path of BenchmarkBulk: each chunk becomes one Arrow record
// batch in Go memory, registered with DuckDB as a view on the transaction's
// connection (go-duckdb's Arrow.RegisterView, DuckDB's arrow_scan), and
// inserted with INSERT … SELECT. Needs -tags duckdb_arrow.

import (
	"database/sql/driver"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/marcboeker/go-duckdb/v2"

	"medrecon/batch/record"
)

func arrowBulkPaths() []bulkPath {
	return []bulkPath{
		{
			name: "arrow",
			settlements: func(e *bulkEnv, rows []record.Settlement) error {
				return insertArrow(e, "settlements", bulkSettlementCols, rows)
			},
			assessments: func(e *bulkEnv, rows []record.Assessment) error {
				return insertArrow(e, "assessments", bulkAssessmentCols, rows)
			},
		},
		{
			name: "build-arrow", goOnly: true,
			settlements: func(e *bulkEnv, rows []record.Settlement) error { return buildArrow(e, bulkSettlementCols, rows) },
			assessments: func(e *bulkEnv, rows []record.Assessment) error { return buildArrow(e, bulkAssessmentCols, rows) },
		},
	}
}

func arrowType(k bulkKind) arrow.DataType {
	switch k {
	case kMoney, kNullMoney, kRatio:
		return &arrow.Decimal128Type{Precision: int32(widthOf(k)), Scale: int32(scaleOf(k))}
	case kDate:
		return arrow.FixedWidthTypes.Date32
	case kStamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case kInt:
		return arrow.PrimitiveTypes.Int32
	case kBool:
		return arrow.FixedWidthTypes.Boolean
	}
	return arrow.BinaryTypes.String
}

// arrowRecord builds rows into one record batch, column by column.
func arrowRecord[R any](cols []bulkCol[R], rows []R, run string) (arrow.RecordBatch, error) {
	fields := make([]arrow.Field, len(cols))
	for c, col := range cols {
		fields[c] = arrow.Field{Name: col.name, Type: arrowType(col.kind), Nullable: true}
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer rb.Release()
	rb.Reserve(len(rows))
	for c := range cols {
		col := &cols[c]
		switch fb := rb.Field(c).(type) {
		case *array.StringBuilder:
			for i := range rows {
				switch s := ""; col.kind {
				case kRun:
					fb.Append(run)
				case kNullText:
					if s = col.text(&rows[i]); s == "" {
						fb.AppendNull()
					} else {
						fb.Append(s)
					}
				default:
					fb.Append(col.text(&rows[i]))
				}
			}
		case *array.Decimal128Builder:
			for i := range rows {
				d := col.dec(&rows[i])
				if !d.Valid {
					fb.AppendNull()
					continue
				}
				v, err := unscaled(d.Decimal, widthOf(col.kind), scaleOf(col.kind))
				if err != nil {
					return nil, fmt.Errorf("row %d column %s: %w", i+1, col.name, err)
				}
				fb.Append(decimal128.FromI64(v))
			}
		case *array.Date32Builder:
			for i := range rows {
				if d := col.day(&rows[i]); d.IsZero() {
					fb.AppendNull()
				} else {
					fb.Append(arrow.Date32FromTime(d.Time()))
				}
			}
		case *array.TimestampBuilder:
			for i := range rows {
				if t := col.ts(&rows[i]); t.IsZero() {
					fb.AppendNull()
				} else {
					fb.Append(arrow.Timestamp(t.UnixMicro()))
				}
			}
		case *array.Int32Builder:
			for i := range rows {
				fb.Append(col.num(&rows[i]))
			}
		case *array.BooleanBuilder:
			for i := range rows {
				fb.Append(col.flag(&rows[i]))
			}
		default:
			return nil, fmt.Errorf("column %s: no Arrow builder for %T", col.name, fb)
		}
	}
	return rb.NewRecordBatch(), nil
}

func buildArrow[R any](e *bulkEnv, cols []bulkCol[R], rows []R) error {
	rec, err := arrowRecord(cols, rows, e.w.run)
	if err != nil {
		return err
	}
	rec.Release()
	return nil
}

// insertArrow registers the chunk's record batch as the temporary view
// bulk_TABLE on the transaction's connection and inserts from it.
func insertArrow[R any](e *bulkEnv, table string, cols []bulkCol[R], rows []R) error {
	rec, err := arrowRecord(cols, rows, e.w.run)
	if err != nil {
		return err
	}
	defer rec.Release()
	rdr, err := array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
	if err != nil {
		return err
	}
	defer rdr.Release()
	view := "bulk_" + table
	var release func()
	err = e.w.conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("driver connection is %T", dc)
		}
		ar, err := duckdb.NewArrowFromConn(c)
		if err != nil {
			return err
		}
		release, err = ar.RegisterView(rdr, view)
		return err
	})
	if err != nil {
		return fmt.Errorf("arrow view of %s: %w", table, err)
	}
	defer release()
	if err := e.w.exec("INSERT INTO " + table + " SELECT * FROM " + view); err != nil {
		return err
	}
	return e.w.exec("DROP VIEW " + view)
}
