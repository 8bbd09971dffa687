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
//   - versions of one filing_id;
//   - a claim's life (SPEC 3.7): the decisions and payments of a claim_id
//     go with the claim, to the chunk of its person (the batch's claim, or
//     the ledger's); so does every claim of the history, among them the
//     ledger's pending claims that expire this run (PENDING_EXPIRED), whose
//     people the batch may not otherwise name. Expiry is thus assessed in
//     the chunks, like any other change of a person's claims, rather than
//     once for the night like the statement: it changes a claim's current
//     assessment, and a decision of the same night may name that claim.
//     Decisions and payments for no known claim go to a group of their own
//     (certno ""), whose chunk turns them into rejected rows. What depends
//     on the whole night, a bank_ref sent twice for claims of different
//     people, is settled before the split (NewPayments).
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
	setlOwner := make(map[string]string, len(b.Settlements))
	for _, s := range b.Settlements {
		own(g, setlOwner, s.SetlID, s.Certno)
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
		own(g, claimOwner, c.ClaimID, c.Certno)
		if k, ok := h.Claims[c.ClaimID]; ok {
			g.union(c.Certno, k.Claim.Certno)
		}
		for _, inv := range c.Invoices {
			own(g, invoiceOwner, record.InvoiceKey{BillCode: inv.BillCode, BillNo: inv.BillNo}, c.Certno)
		}
	}
	// Every claim of the history goes with its person; a decision or
	// payment with its claim's.
	for _, k := range h.Claims {
		g.add(k.Claim.Certno)
	}
	owner := func(claimID string) string {
		if o, ok := claimOwner[claimID]; ok {
			return o
		}
		if k, ok := h.Claims[claimID]; ok {
			return k.Claim.Certno
		}
		return "" // an unknown claim: rejected rows, in a chunk of their own
	}
	for _, d := range b.Decisions {
		g.add(owner(d.ClaimID))
	}
	for _, p := range b.Payments {
		g.add(owner(p.ClaimID))
	}
	filingOwner := map[string]string{}
	for _, f := range b.Filings {
		own(g, filingOwner, f.FilingID, f.Certno)
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
	for _, d := range b.Decisions {
		weight[g.find(owner(d.ClaimID))]++
	}
	for _, p := range b.Payments {
		weight[g.find(owner(p.ClaimID))]++
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
	// Each record is copied once into its chunk, whose slices are made to
	// size first: appending would copy a chunk's records again at every
	// growth, and the night's records are most of what a run holds.
	setlChunk, claimChunk, filingChunk := make([]int32, len(b.Settlements)), make([]int32, len(b.Claims)), make([]int32, len(b.Filings))
	decisionChunk, paymentChunk := make([]int32, len(b.Decisions)), make([]int32, len(b.Payments))
	counts := make([][5]int, n+1)
	at := func(certno string, kind int) int32 {
		i := chunkOf[g.find(certno)]
		counts[i][kind]++
		return int32(i)
	}
	for i, s := range b.Settlements {
		setlChunk[i] = at(s.Certno, 0)
	}
	for i, c := range b.Claims {
		claimChunk[i] = at(c.Certno, 1)
	}
	for i, f := range b.Filings {
		filingChunk[i] = at(f.Certno, 2)
	}
	for i, d := range b.Decisions {
		decisionChunk[i] = at(owner(d.ClaimID), 3)
	}
	for i, p := range b.Payments {
		paymentChunk[i] = at(owner(p.ClaimID), 4)
	}
	for i := range chunks {
		cb, c := &chunks[i].Batch, counts[i]
		cb.Settlements, cb.Claims, cb.Filings = sized[record.Settlement](c[0]), sized[record.Claim](c[1]), sized[record.Filing](c[2])
		cb.Decisions, cb.Payments = sized[record.Decision](c[3]), sized[record.Payment](c[4])
	}
	for i, s := range b.Settlements {
		cb := &chunks[setlChunk[i]].Batch
		cb.Settlements = append(cb.Settlements, s)
	}
	for i, c := range b.Claims {
		cb := &chunks[claimChunk[i]].Batch
		cb.Claims = append(cb.Claims, c)
	}
	for i, f := range b.Filings {
		cb := &chunks[filingChunk[i]].Batch
		cb.Filings = append(cb.Filings, f)
	}
	for i, d := range b.Decisions {
		cb := &chunks[decisionChunk[i]].Batch
		cb.Decisions = append(cb.Decisions, d)
	}
	for i, p := range b.Payments {
		cb := &chunks[paymentChunk[i]].Batch
		cb.Payments = append(cb.Payments, p)
	}
	// The history's claims with their people and invoices, in the query of
	// their person's chunk.
	extra := make([]record.HistoryQuery, len(chunks))
	ids := slices.Sorted(maps.Keys(h.Claims))
	for _, id := range ids {
		k := h.Claims[id]
		q := &extra[chunkOf[g.find(k.Claim.Certno)]]
		q.LifeClaimIDs = append(q.LifeClaimIDs, id)
		q.Certnos = append(q.Certnos, k.Claim.Certno)
		for _, inv := range k.Claim.Invoices {
			q.Invoices = append(q.Invoices, record.InvoiceKey{BillCode: inv.BillCode, BillNo: inv.BillNo})
		}
	}
	for i := range chunks {
		q := chunks[i].Batch.HistoryQuery()
		q.LifeClaimIDs = append(q.LifeClaimIDs, extra[i].LifeClaimIDs...)
		q.Certnos = append(q.Certnos, extra[i].Certnos...)
		q.Invoices = append(q.Invoices, extra[i].Invoices...)
		chunks[i].History = h.Subset(q)
	}
	return chunks
}

// sized is an empty slice with room for n records, nil for none.
func sized[T any](n int) []T {
	if n == 0 {
		return nil
	}
	return make([]T, 0, n)
}

// own joins certno to the person who first brought key (a setl_id, a
// claim_id, an invoice, a filing_id) in the batch, or makes it that person.
func own[K comparable](g *groups, owners map[K]string, key K, certno string) {
	g.add(certno)
	if o, ok := owners[key]; ok {
		g.union(o, certno)
	} else {
		owners[key] = certno
	}
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
	// A decision or an expiry changes what a claim of the history counts.
	for _, k := range h.Claims {
		add(ClaimVisit(k.Claim).YearKey())
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
