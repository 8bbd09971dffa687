package reports

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"medrecon/batch/record"
)

// deadlines.xlsx holds real Excel dates, formatted yyyy-mm-dd, and names
// the 医疗类别 (issue 14).
func TestDeadlinesXLSXDatesAndMedTypes(t *testing.T) {
	var states []record.ClaimState
	for i, code := range []string{"11", "13", "14", "21", "22", "24", "41", "99"} {
		s := state("C-"+strconv.Itoa(i), record.ClaimPending, record.D(2026, 3, 31).AddDays(i), record.D(2026, 1, 10), false)
		s.MedType = code
		states = append(states, s)
	}
	noDcla := state("C-9", record.ClaimPending, record.D(2026, 4, 30), record.Date{}, false)
	states = append(states, noDcla)
	l := NewOfficeWorklist(record.Worklist{AsOf: worklistAsOf, Claims: states}, 60, PaymentDays{Default: 30})
	items := l.Deadlines
	var buf bytes.Buffer
	if err := WriteDeadlinesXLSX(&buf, l); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const sheet = "申报期限"

	names := map[string]string{}
	for row := 2; row <= len(items)+1; row++ {
		id, _ := f.GetCellValue(sheet, "B"+strconv.Itoa(row))
		name, _ := f.GetCellValue(sheet, "F"+strconv.Itoa(row))
		names[id] = name
	}
	for _, tt := range []struct{ id, want string }{
		{"C-0", "普通门诊"}, {"C-1", "急诊"}, {"C-2", "门诊慢特病"}, {"C-3", "普通住院"},
		{"C-4", "外伤住院"}, {"C-5", "急诊转住院"}, {"C-6", "药店购药"},
		{"C-7", "99"}, // an unknown code is shown as it is
	} {
		if names[tt.id] != tt.want {
			t.Errorf("医疗类别 of %s = %q, want %q", tt.id, names[tt.id], tt.want)
		}
	}

	// Row 2 is C-0 (the earliest deadline): every date column is a number
	// cell holding the day's serial under a yyyy-mm-dd format.
	for _, tt := range []struct {
		name, ref string
		want      record.Date
	}{
		{"出院日期", "G2", record.D(2025, 12, 20)},
		{"申请日期", "H2", record.D(2026, 1, 10)},
		{"截止日期", "I2", record.D(2026, 3, 31)},
		{"基准日", "M2", worklistAsOf},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if id, _ := f.GetCellValue(sheet, "B2"); id != "C-0" {
				t.Fatalf("row 2 is %s, want C-0", id)
			}
			typ, err := f.GetCellType(sheet, tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			if typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
				t.Errorf("%s is cell type %v, want a number", tt.ref, typ)
			}
			raw, err := f.GetCellValue(sheet, tt.ref, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			serial, err := strconv.ParseFloat(raw, 64)
			if err != nil {
				t.Fatalf("%s holds %q, not a date serial", tt.ref, raw)
			}
			got, err := excelize.ExcelDateToTime(serial, false)
			if err != nil {
				t.Fatal(err)
			}
			if record.DateOf(got) != tt.want {
				t.Errorf("%s is %s (serial %s), want %s", tt.ref, got.Format("2006-01-02"), raw, tt.want)
			}
			styleID, err := f.GetCellStyle(sheet, tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			style, err := f.GetStyle(styleID)
			if err != nil {
				t.Fatal(err)
			}
			if style.CustomNumFmt == nil || *style.CustomNumFmt != "yyyy-mm-dd" {
				t.Errorf("%s number format %v, want yyyy-mm-dd", tt.ref, style.CustomNumFmt)
			}
			if shown, _ := f.GetCellValue(sheet, tt.ref); shown != tt.want.String() {
				t.Errorf("%s shows %q, want %q", tt.ref, shown, tt.want.String())
			}
		})
	}

	// A claim without a dcla_date leaves its 申请日期 blank, not day 0.
	last := strconv.Itoa(len(items) + 1)
	if id, _ := f.GetCellValue(sheet, "B"+last); id != "C-9" {
		t.Fatalf("last row is %s, want C-9", id)
	}
	if raw, _ := f.GetCellValue(sheet, "H"+last, excelize.Options{RawCellValue: true}); raw != "" {
		t.Errorf("blank 申请日期 holds %q", raw)
	}
}
