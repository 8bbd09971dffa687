package ingest

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/simplifiedchinese"

	"medrecon/batch/record"
)

// Headers of SPEC 2.7 in Chinese labels and in field names, in one order.
const (
	paymentsHeader        = "申请编号,支付金额,支付日期,银行流水号,支付结果,失败原因"
	paymentsHeaderEnglish = "claim_id,amount,paid_on,bank_ref,result,reason"
)

// paymentLine is a row of a payments file in the order of paymentsHeader.
func paymentLine(id, amount, paidOn, ref, result, reason string) string {
	return csvLine([]string{id, amount, paidOn, ref, result, reason})
}

var paymentsAsOf = record.D(2026, 4, 10)

func TestReadPayments(t *testing.T) {
	file := "\ufeff支付结果回盘\n制表：虚构市医保中心财务科,,,,,\n" + paymentsHeader + "\n" +
		paymentLine("C1", "70,650.00", "2026-04-01", "B0001", "成功", "") + "\n" +
		paymentLine("C2", "¥13200", "2026/4/2", "B0002", "失败", "账户已销户") + "\n" +
		paymentLine("C3", "-150.00", "20260403", "B0003", "success", "") + "\n" + // a recovery
		paymentLine("C4", "0.5", "2026年4月4日", "B0004", "Failed", "户名不符") + "\n" +
		paymentLine("C1", "70650", "2026-04-01", "B0001", "成功", "") + "\n" // the same payment again
	res := mustRead(t, "payments.csv", file, Options{AsOf: paymentsAsOf})
	if res.Kind != record.InputPayments || res.Rows != 5 || len(res.Rejects) != 0 {
		t.Fatalf("kind %q rows %d rejects %v", res.Kind, res.Rows, res.Rejects)
	}
	src := func(row int) record.Source { return record.Source{File: "payments.csv", Row: row} }
	want := []record.Payment{
		{ClaimID: "C1", Amount: dec("70650.00"), PaidOn: record.D(2026, 4, 1), BankRef: "B0001", Result: record.PaymentSuccess, Src: src(4)},
		{ClaimID: "C2", Amount: dec("13200"), PaidOn: record.D(2026, 4, 2), BankRef: "B0002", Result: record.PaymentFailed, Reason: "账户已销户", Src: src(5)},
		{ClaimID: "C3", Amount: dec("-150"), PaidOn: record.D(2026, 4, 3), BankRef: "B0003", Result: record.PaymentSuccess, Src: src(6)},
		{ClaimID: "C4", Amount: dec("0.5"), PaidOn: record.D(2026, 4, 4), BankRef: "B0004", Result: record.PaymentFailed, Reason: "户名不符", Src: src(7)},
		// Kept for the rules, which take it as a re-import of row 4 (SPEC 2.7).
		{ClaimID: "C1", Amount: dec("70650"), PaidOn: record.D(2026, 4, 1), BankRef: "B0001", Result: record.PaymentSuccess, Src: src(8)},
	}
	if diff := cmp.Diff(want, res.Payments, cmpDecimal); diff != "" {
		t.Errorf("payments (-want +got):\n%s", diff)
	}
}

// TestPaymentRowRejects has one row per thing a payments row can get wrong
// by itself (SPEC 2.7, 3.5), under Chinese and English headers.
func TestPaymentRowRejects(t *testing.T) {
	type bad struct{ col, value, reason string } // col: a field name
	tests := []struct {
		name  string
		cells []string // claim_id, amount, paid_on, bank_ref, result, reason
		want  []bad
	}{
		{"claim_id missing", []string{"", "100", "2026-04-01", "B9", "成功", ""}, []bad{{"claim_id", "", reasonRequired}}},
		{"amount missing", []string{"C9", "", "2026-04-01", "B9", "成功", ""}, []bad{{"amount", "", reasonRequired}}},
		{"amount with letters", []string{"C9", "100元", "2026-04-01", "B9", "成功", ""}, []bad{{"amount", "100元", reasonAmount}}},
		{"amount with a misplaced separator", []string{"C9", "1,00.00", "2026-04-01", "B9", "成功", ""}, []bad{{"amount", "1,00.00", reasonAmount}}},
		{"paid_on missing", []string{"C9", "100", "", "B9", "成功", ""}, []bad{{"paid_on", "", reasonRequired}}},
		{"paid_on impossible", []string{"C9", "100", "2026-04-31", "B9", "成功", ""}, []bad{{"paid_on", "2026-04-31", reasonDate}}},
		{"paid_on after the as-of date", []string{"C9", "100", "2026-04-11", "B9", "成功", ""}, []bad{{"paid_on", "2026-04-11", reasonPaidAfterAsOf}}},
		{"bank_ref missing", []string{"C9", "100", "2026-04-01", "", "成功", ""}, []bad{{"bank_ref", "", reasonRequired}}},
		{"result missing", []string{"C9", "100", "2026-04-01", "B9", "", ""}, []bad{{"result", "", reasonRequired}}},
		{"unknown result word", []string{"C9", "100", "2026-04-01", "B9", "处理中", ""}, []bad{{"result", "处理中", reasonCode}}},
		{"failed without a reason", []string{"C9", "100", "2026-04-01", "B9", "失败", ""}, []bad{{"reason", "", reasonFailedNoReason}}},
		{"failed with a negative amount", []string{"C9", "-100", "2026-04-01", "B9", "失败", "余额不足"}, []bad{{"amount", "-100", reasonFailedNegative}}},
		{"the same bank_ref with other content", []string{"C0", "99.00", "2026-04-01", "B0", "成功", ""}, []bad{{"bank_ref", "B0", reasonBankRefAgain(2)}}},
	}
	chinese := map[string]string{}
	for i, f := range strings.Split(paymentsHeaderEnglish, ",") {
		chinese[f] = strings.Split(paymentsHeader, ",")[i]
	}
	for _, header := range []string{paymentsHeader, paymentsHeaderEnglish} {
		for _, tt := range tests {
			t.Run(header[:4]+"/"+tt.name, func(t *testing.T) {
				file := header + "\n" + paymentLine("C0", "100.00", "2026-04-01", "B0", "成功", "") + "\n" + csvLine(tt.cells) + "\n"
				res := mustRead(t, "p.csv", file, Options{AsOf: paymentsAsOf})
				if res.Kind != record.InputPayments || res.Rows != 2 || len(res.Payments) != 1 {
					t.Fatalf("kind %q rows %d payments %d; want payments, 2 rows, 1 kept (rejects %v)", res.Kind, res.Rows, len(res.Payments), res.Rejects)
				}
				var want []record.Reject
				for _, b := range tt.want {
					col := b.col
					if header == paymentsHeader {
						col = chinese[col]
					}
					want = append(want, record.Reject{File: "p.csv", Row: 3, Col: col, Value: b.value, Reason: b.reason})
				}
				if diff := cmp.Diff(want, res.Rejects); diff != "" {
					t.Errorf("rejects (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// A bank_ref is compared with the first good row that holds it: a rejected
// row holds none, and one row's conflict does not hide a third row that is
// the first one again.
func TestPaymentBankRefAgain(t *testing.T) {
	file := paymentsHeaderEnglish + "\n" +
		paymentLine("C1", "100", "2026-04-31", "B1", "success", "") + "\n" + // rejected: bad date
		paymentLine("C1", "100", "2026-04-01", "B1", "success", "") + "\n" + // the first good B1
		paymentLine("C1", "100", "2026-04-01", "B1", "failed", "timeout") + "\n" + // conflict with row 3
		paymentLine("C1", "100.00", "2026-04-01", "B1", "success", "") + "\n" // re-import of row 3
	res := mustRead(t, "p.csv", file, Options{AsOf: paymentsAsOf})
	var rows []int
	for _, p := range res.Payments {
		rows = append(rows, p.Src.Row)
	}
	if diff := cmp.Diff([]int{3, 5}, rows); diff != "" {
		t.Errorf("payments kept from rows (-want +got):\n%s", diff)
	}
	want := []record.Reject{
		{File: "p.csv", Row: 2, Col: "paid_on", Value: "2026-04-31", Reason: reasonDate},
		{File: "p.csv", Row: 4, Col: "bank_ref", Value: "B1", Reason: reasonBankRefAgain(3)},
	}
	if diff := cmp.Diff(want, res.Rejects); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
}

// Payment files come back from finance systems saved by Chinese Excel:
// GB18030 with Chinese headers and words.
func TestReadPaymentsGB18030(t *testing.T) {
	utf8 := paymentsHeader + "\r\n" +
		paymentLine("C1", "1,000.00", "2026-04-01", "B1", "成功", "") + "\r\n" +
		paymentLine("C2", "500.00", "2026-04-02", "B2", "失败", "") + "\r\n"
	gbk, err := simplifiedchinese.GB18030.NewEncoder().String(utf8)
	if err != nil {
		t.Fatal(err)
	}
	res := mustRead(t, "支付结果.csv", gbk, Options{AsOf: paymentsAsOf})
	if res.Kind != record.InputPayments || len(res.Payments) != 1 || res.Payments[0].Result != record.PaymentSuccess || !res.Payments[0].Amount.Equal(dec("1000")) {
		t.Fatalf("kind %q payments %+v", res.Kind, res.Payments)
	}
	want := []record.Reject{{File: "支付结果.csv", Row: 3, Col: "失败原因", Reason: reasonFailedNoReason}}
	if diff := cmp.Diff(want, res.Rejects); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
}

// FuzzReadPayments reads anything as a payments file and holds every
// payment it keeps to what SPEC 2.7 lets a row say by itself, and one
// bank_ref to one content within the file.
func FuzzReadPayments(f *testing.F) {
	f.Add(paymentsHeader + "\n" + paymentLine("C1", "70,650.00", "2026-04-01", "B1", "成功", "") + "\n" +
		paymentLine("C2", "-1", "2026/4/2", "B2", "失败", "x") + "\n" + paymentLine("C1", "70650", "2026-04-01", "B1", "成功", "") + "\n")
	f.Add(paymentsHeaderEnglish + "\nC1,¥-5.00,20260401,B1,SUCCESS,\nC1,5,20260401,B1,failed,\n")
	f.Add("支付结果\n\ufeffclaim_id,amount,paid_on,bank_ref,result\n\"C\n1\",1,2026-04-11,B,成功\n")
	f.Fuzz(func(t *testing.T, content string) {
		for _, kind := range []string{"", record.InputPayments} {
			res, err := readString(t, "p.csv", content, Options{Kind: kind, AsOf: paymentsAsOf})
			if err != nil {
				var fe *FileError
				if !errors.As(err, &fe) {
					t.Fatalf("error %v is not a *FileError", err)
				}
				continue
			}
			if len(res.Payments) > res.Rows {
				t.Fatalf("%d payments from %d rows", len(res.Payments), res.Rows)
			}
			first := map[string]record.Payment{}
			for _, p := range res.Payments {
				switch {
				case p.ClaimID == "" || p.BankRef == "" || p.PaidOn.IsZero():
					t.Fatalf("payment kept without a required field: %+v", p)
				case p.PaidOn.After(paymentsAsOf):
					t.Fatalf("payment kept dated after the as-of date: %+v", p)
				case p.Result != record.PaymentSuccess && p.Result != record.PaymentFailed:
					t.Fatalf("payment kept with an unknown result: %+v", p)
				case p.Result == record.PaymentFailed && (p.Reason == "" || p.Amount.Sign() < 0):
					t.Fatalf("failed payment kept without a reason or with a negative amount: %+v", p)
				}
				if q, ok := first[p.BankRef]; ok && !q.SameAs(p) {
					t.Fatalf("bank_ref %q kept with two contents: %+v and %+v", p.BankRef, q, p)
				} else if !ok {
					first[p.BankRef] = p
				}
			}
		}
	})
}

// TestUnreportedPaymentRowsArePassedOver: a run's payments template comes
// back with the payouts the bank reported on filled in; a row still holding
// only its claim_id and amount is a payout not reported yet, neither a
// payment nor a rejected row, and not a row of the file, so a template with
// a few rows filled passes --max-reject-ratio. A row with any result column
// filled is a payment and is checked as one.
func TestUnreportedPaymentRowsArePassedOver(t *testing.T) {
	tests := []struct {
		name        string
		row         []string
		rows        int
		paid        bool
		rejectedCol []string
	}{
		{"as the template has it", []string{"C7", "1234.50", "", "", "", ""}, 1, false, nil},
		{"blank but for spaces", []string{"C7", "1234.50", " ", "\u3000", "", ""}, 1, false, nil},
		{"a date without the rest", []string{"C7", "1234.50", "2026-04-02", "", "", ""}, 2, false, []string{"银行流水号", "支付结果"}},
		{"a failure's reason alone", []string{"C7", "1234.50", "", "", "", "账号不存在"}, 2, false, []string{"支付日期", "银行流水号", "支付结果"}},
		{"filled in", []string{"C7", "1234.50", "2026-04-02", "B7", "成功", ""}, 2, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := paymentsHeader + "\n" + paymentLine("C1", "100.00", "2026-04-01", "B1", "成功", "") + "\n" + csvLine(tt.row) + "\n"
			res := mustRead(t, "p.csv", file, Options{AsOf: paymentsAsOf})
			if res.Kind != record.InputPayments || res.Rows != tt.rows {
				t.Errorf("kind %q rows %d, want payments and %d rows", res.Kind, res.Rows, tt.rows)
			}
			want := 1
			if tt.paid {
				want = 2
			}
			if len(res.Payments) != want {
				t.Errorf("%d payments, want %d: %+v", len(res.Payments), want, res.Payments)
			}
			var cols []string
			for _, r := range res.Rejects {
				cols = append(cols, r.Col)
			}
			if diff := cmp.Diff(tt.rejectedCol, cols); diff != "" {
				t.Errorf("rejected columns (-want +got):\n%s", diff)
			}
		})
	}
}
