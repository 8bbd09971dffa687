package rules

import (
	"fmt"

	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// yearFen is record.YearTotal in the integer form of the hot path: what a
// person's counted visits of one year and medical category consumed.
type yearFen struct {
	ded, basic, elig, serious record.Fen
	visits                    int
}

func (t yearFen) add(u yearFen) yearFen {
	return yearFen{t.ded + u.ded, t.basic + u.basic, t.elig + u.elig, t.serious + u.serious, t.visits + u.visits}
}

func (t yearFen) sub(u yearFen) yearFen {
	return yearFen{t.ded - u.ded, t.basic - u.basic, t.elig - u.elig, t.serious - u.serious, t.visits - u.visits}
}

// yearTotal is t in the decimal form the ledger stores.
func (t yearFen) yearTotal() record.YearTotal {
	return record.YearTotal{DeductibleBorne: t.ded.Decimal(), BasicPaid: t.basic.Decimal(),
		EligibleBase: t.elig.Decimal(), SeriousPaid: t.serious.Decimal(), Visits: t.visits}
}

// yearFenOf converts totals read from the ledger or summed from its
// assessments. They are whole fen (the ledger's DECIMAL(18,2) columns and
// inputs of at most two decimals), so a value that is not is a broken
// invariant, not bad input, and panics naming it.
func yearFenOf(t record.YearTotal) yearFen {
	return yearFen{mustFen(t.DeductibleBorne), mustFen(t.BasicPaid), mustFen(t.EligibleBase), mustFen(t.SeriousPaid), t.Visits}
}

func mustFen(d decimal.Decimal) record.Fen {
	f, err := record.FenOf(d)
	if err != nil {
		panic(fmt.Sprintf("rules: running total %v; the ledger and the inputs hold whole fen", err))
	}
	return f
}

// contribution is record.ContributionFen, the one definition of what a
// visit adds to the totals, in the form of the totals here.
func contribution(a record.Assessment) yearFen {
	c := record.ContributionFen(a)
	return yearFen{c.DeductibleBorne, c.BasicPaid, c.EligibleBase, c.SeriousPaid, c.Visits}
}

func (e *evaluation) total(k record.YearKey) yearFen {
	if t, ok := e.totals[k]; ok {
		return t
	}
	if t, ok := e.shared[k]; ok {
		return t
	}
	return yearFenOf(e.h.Totals[k])
}

func (e *evaluation) setTotal(k record.YearKey, t yearFen) { e.totals[k] = t }

// outTotals is the run's changed totals in the form the ledger stores.
func (e *evaluation) outTotals() map[record.YearKey]record.YearTotal {
	out := make(map[record.YearKey]record.YearTotal, len(e.totals))
	for k, t := range e.totals {
		out[k] = t.yearTotal()
	}
	return out
}
