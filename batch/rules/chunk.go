package rules

import (
	"maps"
	"slices"

	"medrecon/batch/record"
)

// A night is assessed in chunks of people (issue 17's streaming night), so
// that at most one chunk's outcome is held at a time. Evaluate of a chunk
// gives exactly what Evaluate of the whole batch gives for its people
// because a chunk is closed under everything the rules carry from one
// person to another within a run:
//
//   - rows with one setl_id (re-sends, conflicts) and a refund with its
//     original, in the batch or in the ledger (a refund row of the ledger
//     that waits for its original too);
//   - rows with one claim_id, in the batch or in the ledger, and claims
//     that share an invoice (DUPLICATE_INVOICE within the run);
//   - versions of one filing_id.
//
// Such rows join their people into one group (union–find on certno); groups
// are packed whole into chunks. What crosses people beyond that is read
// from the ledger by key (record.History) and only read, never changed, by
// a chunk. The clearing statement compares institution totals over every
// person, so it is not part of any chunk: StatementDetail gathers the
// chunks' settlements and CheckStatement compares once at the end.

// Chunk is a part of a batch and the part of its history it needs.
type Chunk struct {
	Batch   record.Batch // without the statement rows
	History record.History
}

// Chunks splits b into chunks of whole groups of people of about size
// visits (settlements and claims) each; a group larger than size is one
// chunk. Chunks are in the order of their first person's certno; a size of
// 0 or less puts everything in one chunk.
func Chunks(b record.Batch, h record.History, size int) []Chunk {
	g := newGroups()
	setlOwner := map[string]string{}
	for _, s := range b.Settlements {
		g.add(s.Certno)
		if o, ok := setlOwner[s.SetlID]; ok {
			g.union(o, s.Certno)
		} else {
			setlOwner[s.SetlID] = s.Certno
		}
		if k, ok := h.Settlements[s.SetlID]; ok {
			g.union(s.Certno, k.Settlement.Certno)
		}
	}
	for _, s := range b.Settlements {
		if s.InitSetlID == "" {
			continue
		}
		if o, ok := setlOwner[s.InitSetlID]; ok {
			g.union(s.Certno, o)
		}
		if k, ok := h.Settlements[s.InitSetlID]; ok {
			g.union(s.Certno, k.Settlement.Certno)
		}
	}
	// A refund in the ledger that waits for its original (waitingRefunds).
	for certno, vs := range h.Visits {
		for _, v := range vs {
			if o, ok := setlOwner[v.InitSetlID]; ok && v.InitSetlID != "" {
				g.union(certno, o)
			}
		}
	}
	claimOwner := map[string]string{}
	invoiceOwner := map[record.InvoiceKey]string{}
	for _, c := range b.Claims {
		g.add(c.Certno)
		if o, ok := claimOwner[c.ClaimID]; ok {
			g.union(o, c.Certno)
		} else {
			claimOwner[c.ClaimID] = c.Certno
		}
		if k, ok := h.Claims[c.ClaimID]; ok {
			g.union(c.Certno, k.Claim.Certno)
		}
		for _, inv := range c.Invoices {
			k := record.InvoiceKey{BillCode: inv.BillCode, BillNo: inv.BillNo}
			if o, ok := invoiceOwner[k]; ok {
				g.union(o, c.Certno)
			} else {
				invoiceOwner[k] = c.Certno
			}
		}
	}
	filingOwner := map[string]string{}
	for _, f := range b.Filings {
		g.add(f.Certno)
		if o, ok := filingOwner[f.FilingID]; ok {
			g.union(o, f.Certno)
		} else {
			filingOwner[f.FilingID] = f.Certno
		}
		if k, ok := h.Filings[f.FilingID]; ok {
			g.union(f.Certno, k.Certno)
		}
	}

	// Visits per group, then groups packed in certno order.
	weight := map[string]int{}
	for _, s := range b.Settlements {
		weight[g.find(s.Certno)]++
	}
	for _, c := range b.Claims {
		weight[g.find(c.Certno)]++
	}
	certnos := make([]string, 0, len(g.parent))
	for c := range g.parent {
		certnos = append(certnos, c)
	}
	slices.Sort(certnos)
	chunkOf := map[string]int{} // group root → chunk
	n, filled := 0, 0
	for _, c := range certnos {
		root := g.find(c)
		if _, ok := chunkOf[root]; ok {
			continue
		}
		if size > 0 && filled > 0 && filled+weight[root] > size {
			n++
			filled = 0
		}
		chunkOf[root] = n
		filled += weight[root]
	}
	if len(certnos) == 0 {
		return nil
	}
	chunks := make([]Chunk, n+1)
	of := func(certno string) *record.Batch { return &chunks[chunkOf[g.find(certno)]].Batch }
	for _, s := range b.Settlements {
		cb := of(s.Certno)
		cb.Settlements = append(cb.Settlements, s)
	}
	for _, c := range b.Claims {
		cb := of(c.Certno)
		cb.Claims = append(cb.Claims, c)
	}
	for _, f := range b.Filings {
		cb := of(f.Certno)
		cb.Filings = append(cb.Filings, f)
	}
	for i := range chunks {
		chunks[i].History = h.Subset(chunks[i].Batch.HistoryQuery())
	}
	return chunks
}

// groups is a union–find over certnos.
type groups struct{ parent map[string]string }

func newGroups() *groups { return &groups{parent: map[string]string{}} }

func (g *groups) add(x string) {
	if _, ok := g.parent[x]; !ok {
		g.parent[x] = x
	}
}

func (g *groups) find(x string) string {
	g.add(x)
	for g.parent[x] != x {
		g.parent[x] = g.parent[g.parent[x]]
		x = g.parent[x]
	}
	return x
}

// union joins two groups; the smaller certno stays the root, so that the
// grouping does not depend on the order of the unions.
func (g *groups) union(a, b string) {
	ra, rb := g.find(a), g.find(b)
	if ra == rb {
		return
	}
	if rb < ra {
		ra, rb = rb, ra
	}
	g.parent[rb] = ra
}

// TotalsBefore returns every running total that evaluating b may change,
// with its value before b: the totals of b's people that h holds, and
// zero for the other keys of b's visits and of the settlements its refunds
// name. The ledger replaces exactly these (ledger.Begin).
func TotalsBefore(b record.Batch, h record.History) map[record.YearKey]record.YearTotal {
	out := maps.Clone(h.Totals)
	if out == nil {
		out = map[record.YearKey]record.YearTotal{}
	}
	add := func(k record.YearKey) {
		if _, ok := out[k]; !ok {
			out[k] = record.YearTotal{}
		}
	}
	for _, s := range b.Settlements {
		if s.RefdSetlFlag {
			if k, ok := h.Settlements[s.InitSetlID]; ok {
				add(record.YearKey{Certno: k.Settlement.Certno, Year: k.Year, MedCat: k.MedCat})
			}
			continue
		}
		add(SettlementVisit(s).YearKey())
	}
	for _, c := range b.Claims {
		add(ClaimVisit(c).YearKey())
	}
	for _, c := range b.Claims {
		for _, pv := range h.Visits[c.Certno] {
			add(pv.YearKey())
		}
	}
	for _, s := range b.Settlements {
		for _, pv := range h.Visits[s.Certno] {
			add(pv.YearKey())
		}
	}
	return out
}
