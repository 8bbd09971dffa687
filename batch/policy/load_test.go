package policy

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"medrecon/batch/record"
)

const (
	regionsHeader     = "insuplc_admdvs,name,emergency_filing_days,temp_filing_months,temp_filing_single_use,inpatient_deadline,outpatient_deadline,tolerance\n"
	ratesHeader       = "insuplc_admdvs,insutype,psn_cat,med_cat,hosp_lv,valid_from,deductible,deductible_basis,ratio,annual_cap\n"
	adjustmentsHeader = "insuplc_admdvs,filing_status,ratio_delta\n"
	seriousHeader     = "insuplc_admdvs,insutype,threshold,band_from,band_to,ratio,annual_cap\n"
)

// minimal is a small valid policy: one region, a few rates, the referral
// adjustment and residents' serious-illness bands.
func minimal() map[string]string {
	return map[string]string{
		"regions": regionsHeader +
			"130100,石家庄市,10,6,false,next-year-03-31,+1m,0.01\n" +
			"130500,邢台市,10,6,是,next-year-03-31,+1m,0.01\n",
		"rates": ratesHeader +
			"130100,310,active,inpatient,3,2024-01-01,1500,visit,0.90,500000\n" +
			"130100,310,active,outpatient,,2024-01-01,800,year,0.60,5000\n" +
			"130100,310,active,inpatient,3,2025-07-01,1400,visit,0.91,500000\n",
		"adjustments": adjustmentsHeader +
			"130100,referral,-0.10\n",
		"serious_illness": seriousHeader +
			"130100,390,15000,100000,200000,0.80,400000\n" +
			"130100,390,15000,0,100000,0.60,400000\n" +
			"130100,390,15000,200000,,0.90,400000\n",
	}
}

func mapFS(tables map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, text := range tables {
		fsys["pol/"+name+".csv"] = &fstest.MapFile{Data: []byte(text)}
	}
	return fsys
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestLoadMinimal(t *testing.T) {
	p, err := LoadFS(mapFS(minimal()), "pol")
	if err != nil {
		t.Fatal(err)
	}
	xt := p.Regions["130500"]
	if !xt.TempFilingSingleUse || xt.Name != "邢台市" {
		t.Errorf("130500 = %+v, want single-use 邢台市", xt)
	}
	sjz := p.Regions["130100"]
	if sjz.InpatientDeadline != (Deadline{Spec: "next-year-03-31", Month: 3, Day: 31}) ||
		sjz.OutpatientDeadline != (Deadline{Spec: "+1m", PlusMonths: 1}) ||
		!sjz.Tolerance.Equal(dec("0.01")) || sjz.EmergencyFilingDays != 10 || sjz.TempFilingMonths != 6 {
		t.Errorf("130100 = %+v", sjz)
	}
	var keys []string
	for _, r := range p.Rates {
		keys = append(keys, r.MedCat+"/"+strconv.Itoa(r.HospLv)+"/"+r.ValidFrom.String()+"/"+r.Ratio.String())
	}
	want := []string{"inpatient/3/2024-01-01/0.9", "inpatient/3/2025-07-01/0.91", "outpatient/0/2024-01-01/0.6"}
	if d := cmp.Diff(want, keys); d != "" {
		t.Errorf("rates order (-want +got):\n%s", d)
	}
	if got := p.Adjustment("130100", record.StatusReferral); !got.Equal(dec("-0.10")) {
		t.Errorf("referral adjustment = %s", got)
	}
	s, ok := p.SeriousIllnessFor("130100", "390")
	if !ok {
		t.Fatal("no serious illness for 130100/390")
	}
	var bands []string
	for _, b := range s.Bands {
		bands = append(bands, b.From.String()+"-"+b.To.String()+"@"+b.Ratio.String())
	}
	if d := cmp.Diff([]string{"0-100000@0.6", "100000-200000@0.8", "200000-0@0.9"}, bands); d != "" {
		t.Errorf("bands (-want +got):\n%s", d)
	}
	if !s.Threshold.Equal(dec("15000")) || !s.AnnualCap.Equal(dec("400000")) {
		t.Errorf("serious = %+v", s)
	}
	if len(p.SHA256) != 64 {
		t.Errorf("SHA256 = %q", p.SHA256)
	}
}

func TestLoadValidation(t *testing.T) {
	tests := []struct {
		name    string
		table   string // the table whose text is replaced
		text    string // "" removes the file
		wantErr error
		row     int
		field   string
		value   string
	}{
		{"missing table", "adjustments", "", ErrMissingTable, 0, "", ""},
		{"missing column", "rates", strings.Replace(minimal()["rates"], ",annual_cap\n", "\n", 1), ErrMissingColumn, 1, "annual_cap", ""},
		{"rate ratio above 1", "rates", ratesHeader +
			"130100,310,active,inpatient,3,2024-01-01,1500,visit,1.2,500000\n", ErrBadValue, 2, "ratio", "1.2"},
		{"rate ratio below 0", "rates", ratesHeader +
			"130100,310,active,inpatient,3,2024-01-01,1500,visit,-0.1,500000\n", ErrBadValue, 2, "ratio", "-0.1"},
		{"ratio_delta below -1", "adjustments", adjustmentsHeader + "130100,referral,-1.5\n", ErrBadValue, 2, "ratio_delta", "-1.5"},
		{"negative deductible", "rates", ratesHeader +
			"130100,310,active,inpatient,3,2024-01-01,-1,visit,0.9,500000\n", ErrBadValue, 2, "deductible", "-1"},
		{"negative annual cap", "rates", ratesHeader +
			"130100,310,active,inpatient,3,2024-01-01,1500,visit,0.9,-5\n", ErrBadValue, 2, "annual_cap", "-5"},
		{"amount not a number", "rates", ratesHeader +
			"130100,310,active,inpatient,3,2024-01-01,1,500,visit,0.9,5\n", ErrBadValue, 2, "deductible_basis", "500"},
		{"negative tolerance", "regions", regionsHeader +
			"130100,石家庄市,10,6,false,next-year-03-31,+1m,-0.01\n", ErrBadValue, 2, "tolerance", "-0.01"},
		{"negative threshold", "serious_illness", seriousHeader +
			"130100,390,-1,0,,0.6,400000\n", ErrBadValue, 2, "threshold", "-1"},
		{"negative band bound", "serious_illness", seriousHeader +
			"130100,390,15000,-100,,0.6,400000\n", ErrBadValue, 2, "band_from", "-100"},
		{"band ratio above 1", "serious_illness", seriousHeader +
			"130100,390,15000,0,,1.6,400000\n", ErrBadValue, 2, "ratio", "1.6"},
		{"unknown psn_cat", "rates", ratesHeader +
			"130100,310,worker,inpatient,3,2024-01-01,1500,visit,0.9,500000\n", ErrBadValue, 2, "psn_cat", "worker"},
		{"unknown med_cat", "rates", ratesHeader +
			"130100,310,active,dental,3,2024-01-01,1500,visit,0.9,500000\n", ErrBadValue, 2, "med_cat", "dental"},
		{"unknown deductible_basis", "rates", ratesHeader +
			"130100,310,active,inpatient,3,2024-01-01,1500,month,0.9,500000\n", ErrBadValue, 2, "deductible_basis", "month"},
		{"unknown insutype", "rates", ratesHeader +
			"130100,320,active,inpatient,3,2024-01-01,1500,visit,0.9,500000\n", ErrBadValue, 2, "insutype", "320"},
		{"unknown filing_status", "adjustments", adjustmentsHeader + "130100,holiday,-0.1\n", ErrBadValue, 2, "filing_status", "holiday"},
		{"a ratio finer than a basis point", "rates", ratesHeader +
			"130100,310,active,inpatient,3,2024-01-01,1500,visit,0.90005,500000\n", ErrBadValue, 2, "ratio", "0.90005"},
		{"a deductible finer than a fen", "rates", ratesHeader +
			"130100,310,active,inpatient,3,2024-01-01,1500.005,visit,0.9,500000\n", ErrBadValue, 2, "deductible", "1500.005"},
		{"a cap beyond what the integer form holds", "rates", ratesHeader +
			"130100,310,active,inpatient,3,2024-01-01,1500,visit,0.9,1000000000000.01\n", ErrBadValue, 2, "annual_cap", "1000000000000.01"},
		{"an adjustment finer than a basis point", "adjustments", adjustmentsHeader +
			"130100,referral,-0.100001\n", ErrBadValue, 2, "ratio_delta", "-0.100001"},
		{"a band edge finer than a fen", "serious_illness", seriousHeader +
			"130100,390,15000,0,100000.001,0.60,400000\n", ErrBadValue, 2, "band_to", "100000.001"},
		{"hosp_lv 4", "rates", ratesHeader +
			"130100,310,active,inpatient,4,2024-01-01,1500,visit,0.9,500000\n", ErrBadValue, 2, "hosp_lv", "4"},
		{"valid_from not ISO", "rates", ratesHeader +
			"130100,310,active,inpatient,3,2024/1/1,1500,visit,0.9,500000\n", ErrBadValue, 2, "valid_from", "2024/1/1"},
		{"bad deadline", "regions", regionsHeader +
			"130100,石家庄市,10,6,false,next-year-02-29,+1m,0.01\n", ErrBadValue, 2, "inpatient_deadline", "next-year-02-29"},
		{"bad outpatient deadline", "regions", regionsHeader +
			"130100,石家庄市,10,6,false,next-year-03-31,1 month,0.01\n", ErrBadValue, 2, "outpatient_deadline", "1 month"},
		{"bad boolean", "regions", regionsHeader +
			"130100,石家庄市,10,6,maybe,next-year-03-31,+1m,0.01\n", ErrBadValue, 2, "temp_filing_single_use", "maybe"},
		{"region code not 6 digits", "regions", regionsHeader +
			"13010,石家庄市,10,6,false,next-year-03-31,+1m,0.01\n", ErrBadValue, 2, "insuplc_admdvs", "13010"},
		{"blank required value", "regions", regionsHeader +
			"130100,,10,6,false,next-year-03-31,+1m,0.01\n", ErrBadValue, 2, "name", ""},
		{"region twice", "regions", regionsHeader +
			"130100,石家庄市,10,6,false,next-year-03-31,+1m,0.01\n" +
			"130100,石家庄,10,6,false,next-year-03-31,+1m,0.01\n", ErrDuplicateKey, 3, "insuplc_admdvs", "130100"},
		{"rate twice for one valid_from", "rates", ratesHeader +
			"130100,310,active,inpatient,3,2024-01-01,1500,visit,0.90,500000\n" +
			"130100,310,active,inpatient,2,2024-01-01,800,visit,0.92,500000\n" +
			"130100,310,active,inpatient,3,2024-01-01,1400,visit,0.91,500000\n", ErrDuplicateKey, 4, "valid_from", "2024-01-01"},
		{"adjustment twice", "adjustments", adjustmentsHeader +
			"130100,referral,-0.10\n130100,referral,-0.20\n", ErrDuplicateKey, 3, "filing_status", "referral"},
		{"rate of unknown region", "rates", ratesHeader +
			"130200,310,active,inpatient,3,2024-01-01,1500,visit,0.90,500000\n", ErrUnknownRegion, 2, "insuplc_admdvs", "130200"},
		{"adjustment of unknown region", "adjustments", adjustmentsHeader + "130600,referral,-0.10\n", ErrUnknownRegion, 2, "insuplc_admdvs", "130600"},
		{"serious row of unknown region", "serious_illness", seriousHeader +
			"130900,390,15000,0,,0.6,400000\n", ErrUnknownRegion, 2, "insuplc_admdvs", "130900"},
		{"overlapping bands", "serious_illness", seriousHeader +
			"130100,390,15000,0,100000,0.60,400000\n" +
			"130100,390,15000,90000,,0.80,400000\n", ErrBands, 3, "band_from", "90000"},
		{"gapped bands", "serious_illness", seriousHeader +
			"130100,390,15000,0,100000,0.60,400000\n" +
			"130100,390,15000,120000,,0.80,400000\n", ErrBands, 3, "band_from", "120000"},
		{"first band above zero", "serious_illness", seriousHeader +
			"130100,390,15000,5000,,0.60,400000\n", ErrBands, 2, "band_from", "5000"},
		{"open band below others", "serious_illness", seriousHeader +
			"130100,390,15000,0,,0.60,400000\n" +
			"130100,390,15000,100000,200000,0.80,400000\n", ErrBands, 2, "band_to", ""},
		{"band_to not above band_from", "serious_illness", seriousHeader +
			"130100,390,15000,0,0,0.60,400000\n", ErrBands, 2, "band_to", "0"},
		{"thresholds disagree", "serious_illness", seriousHeader +
			"130100,390,15000,0,100000,0.60,400000\n" +
			"130100,390,16000,100000,,0.80,400000\n", ErrDisagree, 3, "threshold", "16000"},
		{"caps disagree", "serious_illness", seriousHeader +
			"130100,390,15000,0,100000,0.60,400000\n" +
			"130100,390,15000,100000,,0.80,300000\n", ErrDisagree, 3, "annual_cap", "300000"},
		{"malformed CSV", "rates", ratesHeader + "130100,\"310\n", ErrMalformed, 2, "", ""},
		{"empty file", "regions", " ", ErrMissingColumn, 1, "insuplc_admdvs", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tables := minimal()
			if tt.text == "" {
				delete(tables, tt.table)
			} else {
				tables[tt.table] = tt.text
			}
			_, err := LoadFS(mapFS(tables), "pol")
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %T, want *ValidationError", err)
			}
			got := ValidationError{File: ve.File, Table: ve.Table, Row: ve.Row, Field: ve.Field, Value: ve.Value}
			want := ValidationError{File: tt.table + ".csv", Table: tt.table, Row: tt.row, Field: tt.field, Value: tt.value}
			if got != want {
				t.Errorf("error location = %+v, want %+v", got, want)
			}
			msg := err.Error()
			for _, part := range []string{"table " + tt.table, tt.field} {
				if !strings.Contains(msg, part) {
					t.Errorf("message %q does not name %q", msg, part)
				}
			}
			if tt.row > 0 && !strings.Contains(msg, "row "+strconv.Itoa(tt.row)) {
				t.Errorf("message %q does not name row %d", msg, tt.row)
			}
			if tt.row > 0 && tt.field != "" && tt.wantErr != ErrMissingColumn && !strings.Contains(msg, strconv.Quote(tt.value)) {
				t.Errorf("message %q does not quote value %q", msg, tt.value)
			}
		})
	}
}

func TestValidationErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  *ValidationError
		want string
	}{
		{"bad value", &ValidationError{File: "rates.csv", Table: "rates", Row: 7, Field: "ratio", Value: "1.2",
			Err: fmt.Errorf("%w: must lie between 0 and 1", ErrBadValue)},
			`policy rates.csv: table rates row 7 field ratio value "1.2": value is not allowed: must lie between 0 and 1`},
		{"missing column", &ValidationError{File: "policy.xlsx", Table: "rates", Row: 1, Field: "annual_cap", Err: ErrMissingColumn},
			`policy policy.xlsx: table rates row 1 field annual_cap: column is missing`},
		{"missing table", &ValidationError{File: "regions.csv", Table: "regions", Err: ErrMissingTable},
			`policy regions.csv: table regions: table is missing`},
		{"ID-like value masked", &ValidationError{File: "regions.csv", Table: "regions", Row: 2, Field: "name", Value: "130102197003150311",
			Err: ErrBadValue}, `policy regions.csv: table regions row 2 field name value "130102********0311": value is not allowed`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestLoadEncodings(t *testing.T) {
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(minimal()["regions"])
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		regions string
	}{
		{"UTF-8", minimal()["regions"]},
		{"UTF-8 with BOM", "\ufeff" + minimal()["regions"]},
		{"GB18030", gb},
		{"CRLF and padded header", strings.ReplaceAll(strings.Replace(minimal()["regions"], "name,", " name ,", 1), "\n", "\r\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tables := minimal()
			tables["regions"] = tt.regions
			p, err := LoadFS(mapFS(tables), "pol")
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Regions["130500"].Name; got != "邢台市" {
				t.Errorf("name = %q, want 邢台市", got)
			}
		})
	}
}

// TestLoadWorkbook builds a workbook of the minimal policy, with valid_from
// as a real date cell, and checks that it loads to the same tables as the
// CSV folder.
func TestLoadWorkbook(t *testing.T) {
	want, err := LoadFS(mapFS(minimal()), "pol")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "policy.xlsx")
	if err := os.WriteFile(path, workbook(t, minimal(), ""), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.SHA256) != 64 || got.SHA256 == want.SHA256 {
		t.Errorf("SHA256 = %q, want the workbook's own hash", got.SHA256)
	}
	got.SHA256, want.SHA256 = "", ""
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("workbook policy differs from CSV policy (-csv +xlsx):\n%s", d)
	}

	// A workbook without the adjustments sheet names the missing table.
	_, err = loadWorkbook("policy.xlsx", workbook(t, minimal(), TableAdjustments))
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrMissingTable) || ve.Table != TableAdjustments || ve.File != "policy.xlsx" {
		t.Errorf("without the adjustments sheet: err = %v", err)
	}
}

// workbook writes tables into sheets of an XLSX workbook, leaving out the
// sheet named skip. Cells of valid_from become date cells.
func workbook(t *testing.T, tables map[string]string, skip string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range tableNames {
		if name == skip {
			continue
		}
		if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(tables[name], "\n"), "\n")
		header := strings.Split(lines[0], ",")
		for r, line := range lines {
			for c, v := range strings.Split(line, ",") {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				var val any = v
				if r > 0 && header[c] == "valid_from" {
					d, err := record.ParseISO(v)
					if err != nil {
						t.Fatal(err)
					}
					val = d.Time()
					if err := f.SetCellStyle(name, cell, cell, dateStyle); err != nil {
						t.Fatal(err)
					}
				}
				if err := f.SetCellValue(name, cell, val); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := f.DeleteSheet("Sheet1"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseDeadline(t *testing.T) {
	tests := []struct {
		in   string
		want Deadline
		ok   bool
	}{
		{"next-year-03-31", Deadline{Spec: "next-year-03-31", Month: 3, Day: 31}, true},
		{"+1m", Deadline{Spec: "+1m", PlusMonths: 1}, true},
		{"+12m", Deadline{Spec: "+12m", PlusMonths: 12}, true},
		{"next-year-04-31", Deadline{}, false},
		{"next-year-3-31", Deadline{}, false},
		{"+0m", Deadline{}, false},
		{"1m", Deadline{}, false},
		{"+m", Deadline{}, false},
		{"+1d", Deadline{}, false},
	}
	for _, tt := range tests {
		got, err := ParseDeadline(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDeadline(%q) = %+v, %v; want %+v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestSamplePolicy loads the shipped sample policy and checks the numbers
// the spec and the demo rely on.
func TestSamplePolicy(t *testing.T) {
	dir := filepath.Join("..", "..", "fixtures", "policy")
	p, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"130100", "130500"} {
		if _, err := p.Region(code); err != nil {
			t.Error(err)
		}
	}
	if !p.Regions["130500"].TempFilingSingleUse || p.Regions["130100"].TempFilingSingleUse {
		t.Error("only 邢台 130500 has single-use temporary filings")
	}
	// SPEC 3.2 worked example: 130100 / 310 / active / inpatient / level 3.
	r, err := p.Rate("130100", "310", PsnActive, record.MedInpatient, 3, record.D(2025, 6, 1))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Deductible.Equal(dec("1500")) || !r.Ratio.Equal(dec("0.90")) {
		t.Errorf("worked-example rate = %+v, want deductible 1500 ratio 0.90", r)
	}
	if got := r.Ratio.Add(p.Adjustment("130100", record.StatusReferral)); !got.Equal(dec("0.80")) {
		t.Errorf("referral ratio = %s, want 0.80", got)
	}
	for _, admdvs := range []string{"130100", "130500", "130600"} {
		s, ok := p.SeriousIllnessFor(admdvs, "390")
		if !ok || !s.Threshold.Equal(dec("15000")) || len(s.Bands) != 3 || !s.AnnualCap.Equal(dec("400000")) {
			t.Errorf("serious illness of %s = %+v", admdvs, s)
		}
	}
	// Every region answers every category the demo can ask for.
	for admdvs := range p.Regions {
		for _, k := range []struct{ insutype, psnCat string }{{"310", PsnActive}, {"310", PsnRetired}, {"390", PsnResident}} {
			for _, medCat := range []string{record.MedInpatient, record.MedOutpatient, record.MedChronic} {
				for lv := 0; lv <= 3; lv++ {
					if _, err := p.Rate(admdvs, k.insutype, k.psnCat, medCat, lv, record.D(2025, 1, 1)); err != nil && (medCat != record.MedInpatient || lv > 0) {
						t.Error(err)
					}
				}
			}
		}
	}
}

// FuzzLoad feeds arbitrary bytes as rates.csv of an otherwise valid folder:
// Load must return a policy or an error, never panic.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(minimal()["rates"]))
	f.Add([]byte(ratesHeader + "130100,310,active,inpatient,,2024-01-01,1e3,visit,0.9,1e400\n"))
	f.Add([]byte(ratesHeader + "130100,310,active,inpatient,3,2024-01-01,1500,visit,0.90\n"))
	f.Add([]byte("\xef\xbb\xbf" + ratesHeader + "\"130100\",\"3\"10\n"))
	f.Add([]byte{0xff, 0xfe, 0x00})
	f.Fuzz(func(t *testing.T, rates []byte) {
		tables := minimal()
		tables["rates"] = string(rates)
		p, err := LoadFS(mapFS(tables), "pol")
		if err == nil && p == nil {
			t.Fatal("nil policy without error")
		}
		if err != nil {
			_ = err.Error()
		}
	})
}

// SPEC 3.7: payment_days is an optional regions column, 30 when the table
// lacks it or leaves it blank; a value that is not a whole number is an
// error naming the row.
func TestPaymentDays(t *testing.T) {
	p, err := LoadFS(mapFS(minimal()), "pol")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Regions["130100"].PaymentDays; got != 30 {
		t.Errorf("without the column: payment_days = %d, want 30", got)
	}
	tables := minimal()
	tables["regions"] = strings.TrimSuffix(regionsHeader, "\n") + ",payment_days\n" +
		"130100,石家庄市,10,6,false,next-year-03-31,+1m,0.01,45\n" +
		"130500,邢台市,10,6,是,next-year-03-31,+1m,0.01,\n"
	if p, err = LoadFS(mapFS(tables), "pol"); err != nil {
		t.Fatal(err)
	}
	if got := p.Regions["130100"].PaymentDays; got != 45 {
		t.Errorf("payment_days = %d, want 45", got)
	}
	if got := p.Regions["130500"].PaymentDays; got != 30 {
		t.Errorf("blank payment_days = %d, want 30", got)
	}
	tables["regions"] = strings.Replace(tables["regions"], "0.01,45", "0.01,soon", 1)
	_, err = LoadFS(mapFS(tables), "pol")
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "payment_days" || ve.Row != 2 {
		t.Errorf("err = %v, want a ValidationError of payment_days row 2", err)
	}
}
