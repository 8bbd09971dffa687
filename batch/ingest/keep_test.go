package ingest

import (
	"strings"
	"testing"
	"unsafe"
)

// within reports whether s's bytes lie inside the memory of t.
func within(s, t string) bool {
	if len(s) == 0 || len(t) == 0 {
		return false
	}
	p, lo := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(t)))
	return p >= lo && p+uintptr(len(s)) <= lo+uintptr(len(t))
}

// TestKeepSettlementOwnMemory holds the settlement's text fields to memory
// of their own (issue 17): the row's own cells in one string, the repeated
// ones shared between rows, none of them a slice of the row's line, whose
// amounts and dates would otherwise stay resident with the record.
func TestKeepSettlementOwnMemory(t *testing.T) {
	refund := settlementWith(3, map[string]string{"setl_id": "R000003", "refd_setl_flag": "1", "init_setl_id": "S000001",
		"medfee_sumamt": "-10000.00", "inscp_scp_amt": "-8000.00", "act_pay_dedc": "-1500.00", "hifp_pay": "-5850.00",
		"fund_pay_sumamt": "-5850.00", "psn_cash_pay": "-4150.00"})
	tests := []struct {
		name  string
		lines []string
	}{
		{"two rows", []string{settlementLine(1), settlementLine(2)}},
		{"empty optional cells", []string{settlementWith(1, map[string]string{"mdtrt_id": "", "psn_no": "", "psn_name": "", "psn_type": ""}), settlementLine(2)}},
		{"a refund names its original", []string{settlementLine(1), settlementLine(2), refund}},
		{"full-width name folded", []string{settlementWith(1, map[string]string{"fixmedins_name": "天津市第一中心医院（Ａ）"}), settlementLine(2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content := settlementHeader + "\n" + strings.Join(tt.lines, "\n") + "\n"
			res := mustRead(t, "s.csv", content, Options{})
			if len(res.Rejects) > 0 || len(res.Settlements) != len(tt.lines) {
				t.Fatalf("%d settlements, rejects %v", len(res.Settlements), res.Rejects)
			}
			for i, s := range res.Settlements {
				// The values are those of the cells.
				cells := strings.Split(tt.lines[i], ",")
				for _, f := range []struct{ got, cell string }{{s.SetlID, cells[0]}, {s.MdtrtID, cells[1]}, {s.PsnNo, cells[2]},
					{s.PsnName, cells[3]}, {s.Certno, cells[4]}, {s.PsnType, cells[6]}, {s.InsuplcAdmdvs, cells[7]},
					{s.MdtrtareaAdmvs, cells[8]}, {s.FixmedinsCode, cells[9]}, {s.InitSetlID, cells[25]}} {
					if f.got != f.cell {
						t.Errorf("row %d: %q, cell %q", i+1, f.got, f.cell)
					}
				}
				if want := normalize(cells[10]); s.FixmedinsName != want {
					t.Errorf("row %d: fixmedins_name %q, want %q", i+1, s.FixmedinsName, want)
				}
				// The row's own cells are one string, in order.
				own := s.SetlID + s.MdtrtID + s.PsnNo + s.PsnName + s.Certno + s.InitSetlID
				if got := unsafe.String(unsafe.StringData(s.SetlID), len(own)); got != own {
					t.Errorf("row %d: own cells kept as %q, want %q", i+1, got, own)
				}
				for _, f := range []string{s.MdtrtID, s.PsnNo, s.PsnName, s.Certno, s.InitSetlID} {
					if f != "" && !within(f, unsafe.String(unsafe.StringData(s.SetlID), len(own))) {
						t.Errorf("row %d: %q is not in the row's own string", i+1, f)
					}
				}
			}
			// The repeated cells are the same memory in every row.
			a, b := res.Settlements[0], res.Settlements[1]
			for _, f := range []struct{ a, b string }{{a.FixmedinsCode, b.FixmedinsCode}, {a.FixmedinsName, b.FixmedinsName},
				{a.InsuplcAdmdvs, b.InsuplcAdmdvs}, {a.MdtrtareaAdmvs, b.MdtrtareaAdmvs}} {
				if f.a == f.b && unsafe.StringData(f.a) != unsafe.StringData(f.b) {
					t.Errorf("%q is kept twice", f.a)
				}
			}
		})
	}
}

// TestShareBounded keeps the table of shared texts from growing past
// maxShared: a new text past it is still copied, not kept.
func TestShareBounded(t *testing.T) {
	p := &parser{res: &Result{}}
	line := strings.Repeat("x", 8)
	for i := 0; i < maxShared+10; i++ {
		s := p.share(string(rune('a'+i%26)) + strings.Repeat("y", i%7) + string(rune(i)))
		if s == "" {
			t.Fatal("empty")
		}
	}
	if len(p.shared) > maxShared {
		t.Fatalf("table holds %d texts, more than %d", len(p.shared), maxShared)
	}
	if got := p.share(line[:3]); within(got, line) {
		t.Error("a shared text is a slice of its line")
	}
	if p.share("") != "" {
		t.Error("empty text")
	}
}
