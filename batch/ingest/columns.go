package ingest

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"medrecon/batch/record"
)

// field is a canonical column of SPEC 2.1–2.4, 2.6 and 2.7.
type field int

const (
	fSetlID field = iota
	fMdtrtID
	fPsnNo
	fPsnName
	fCertno
	fInsutype
	fPsnType
	fInsuplc
	fMdtrtarea
	fFixCode
	fFixName
	fHospLv
	fMedType
	fBegn
	fEnd
	fSetlTime
	fMedfee
	fInscp
	fActPayDedc
	fHifpPay
	fHifmiPay
	fFundPay
	fAcctPay
	fPsnCash
	fRefdFlag
	fInitSetlID
	fClaimID
	fDesignated
	fEmergency
	fBillCode
	fBillNo
	fDclaDate
	fMaterials
	fFilingID
	fFilingKind
	fFiledDate
	fStatus
	fCancelDate
	fDiseCode
	fStmtBegn
	fStmtEnd
	fClrType
	fSetlCnt
	fBankName
	fBankAccount
	fDecision
	fAmount
	fReason
	fReviewer
	fDecidedOn
	fPaidOn
	fBankRef
	fResult
	numFields
)

// fieldNames are the English field names, as the ledger spells them.
var fieldNames = [numFields]string{
	fSetlID: "setl_id", fMdtrtID: "mdtrt_id", fPsnNo: "psn_no", fPsnName: "psn_name",
	fCertno: "certno", fInsutype: "insutype", fPsnType: "psn_type",
	fInsuplc: "insuplc_admdvs", fMdtrtarea: "mdtrtarea_admvs",
	fFixCode: "fixmedins_code", fFixName: "fixmedins_name", fHospLv: "hosp_lv",
	fMedType: "med_type", fBegn: "begndate", fEnd: "enddate", fSetlTime: "setl_time",
	fMedfee: "medfee_sumamt", fInscp: "inscp_scp_amt", fActPayDedc: "act_pay_dedc",
	fHifpPay: "hifp_pay", fHifmiPay: "hifmi_pay", fFundPay: "fund_pay_sumamt",
	fAcctPay: "acct_pay", fPsnCash: "psn_cash_pay", fRefdFlag: "refd_setl_flag",
	fInitSetlID: "init_setl_id", fClaimID: "claim_id", fDesignated: "designated",
	fEmergency: "emergency", fBillCode: "bill_code", fBillNo: "bill_no",
	fDclaDate: "dcla_date", fMaterials: "materials_complete", fFilingID: "filing_id",
	fFilingKind: "filing_kind", fFiledDate: "filed_date", fStatus: "status",
	fCancelDate: "cancel_date", fDiseCode: "dise_code", fStmtBegn: "stmt_begndate",
	fStmtEnd: "stmt_enddate", fClrType: "clr_type", fSetlCnt: "fixmedins_setl_cnt",
	fBankName: "bank_name", fBankAccount: "bank_account", fDecision: "decision", fAmount: "amount",
	fReason: "reason", fReviewer: "reviewer", fDecidedOn: "decided_on", fPaidOn: "paid_on",
	fBankRef: "bank_ref", fResult: "result",
}

// column is one column a kind of file may have: its field, whether the file
// must have it, the Chinese label of the spec first and then aliases.
type column struct {
	f        field
	required bool
	labels   []string
}

// kindSpec describes one kind of input file.
type kindSpec struct {
	kind    string
	keys    []field // columns that tell this kind from the others
	columns []column
	lookup  map[string]field // normalised header text → field
}

func req(f field, labels ...string) column { return column{f, true, labels} }
func opt(f field, labels ...string) column { return column{f, false, labels} }

// kinds lists the input kinds (SPEC 2.1–2.4, 2.6, 2.7). DetectKind tries
// their key columns in keyOrder.
var kinds = []*kindSpec{
	newKind(record.InputClaims, keys(fClaimID),
		req(fClaimID, "申请编号"),
		req(fCertno, "证件号码", "身份证号", "身份证号码"),
		opt(fPsnName, "姓名", "人员姓名"),
		req(fInsutype, "险种类型", "险种"),
		opt(fPsnType, "人员类别"),
		req(fInsuplc, "参保地", "参保地医保区划"),
		req(fMdtrtarea, "就医地", "就医地医保区划", "mdtrtarea_admdvs", "mdtrtarea"),
		req(fFixCode, "医疗机构编码", "定点医药机构编号"),
		opt(fFixName, "医疗机构名称", "定点医药机构名称"),
		opt(fHospLv, "医院等级"),
		opt(fDesignated, "是否定点"),
		req(fMedType, "医疗类别"),
		opt(fEmergency, "是否急诊"),
		req(fBegn, "入院日期", "就诊日期", "开始日期"),
		req(fEnd, "出院日期", "结束日期"),
		req(fBillCode, "票据代码"),
		req(fBillNo, "票据号码"),
		req(fMedfee, "医疗费总额"),
		req(fInscp, "符合政策范围金额"),
		req(fDclaDate, "申请日期"),
		opt(fMaterials, "材料齐全", "材料是否齐全"),
		opt(fBankName, "开户银行", "开户行"),
		opt(fBankAccount, "银行账号", "银行帐号", "收款账号"),
	),
	newKind(record.InputStatement, keys(fStmtBegn),
		req(fFixCode, "定点医药机构编号", "医疗机构编码"),
		req(fStmtBegn, "对账开始日期", "结算开始日期"),
		req(fStmtEnd, "对账结束日期", "结算结束日期"),
		req(fInsutype, "险种类型", "险种"),
		req(fClrType, "清算类别", "清算类型"),
		req(fSetlCnt, "结算笔数", "定点医药机构结算笔数"),
		req(fMedfee, "医疗费总额"),
		req(fFundPay, "基金支付总额"),
		req(fAcctPay, "个人账户支出"),
	),
	newKind(record.InputFilings, keys(fFilingID),
		req(fFilingID, "备案编号"),
		req(fCertno, "证件号码", "身份证号", "身份证号码"),
		req(fFilingKind, "备案类型"),
		req(fMdtrtarea, "备案就医地", "就医地", "mdtrtarea_admdvs", "mdtrtarea"),
		req(fBegn, "开始日期"),
		opt(fEnd, "结束日期"),
		req(fFiledDate, "办理日期", "备案日期"),
		opt(fStatus, "状态", "备案状态"),
		opt(fCancelDate, "撤销日期"),
		opt(fDiseCode, "病种", "病种编码"),
	),
	newKind(record.InputSettlements, keys(fSetlID),
		req(fSetlID, "结算ID", "结算编号"),
		opt(fMdtrtID, "就诊ID"),
		opt(fPsnNo, "人员编号"),
		opt(fPsnName, "人员姓名", "姓名"),
		req(fCertno, "证件号码", "身份证号", "身份证号码"),
		req(fInsutype, "险种类型", "险种"),
		opt(fPsnType, "人员类别"),
		req(fInsuplc, "参保地医保区划", "参保地"),
		req(fMdtrtarea, "就医地医保区划", "就医地", "mdtrtarea_admdvs", "mdtrtarea"),
		req(fFixCode, "定点医药机构编号", "医疗机构编码"),
		opt(fFixName, "定点医药机构名称", "医疗机构名称"),
		opt(fHospLv, "医院等级"),
		req(fMedType, "医疗类别"),
		req(fBegn, "开始日期", "入院日期"),
		req(fEnd, "结束日期", "出院日期"),
		req(fSetlTime, "结算时间"),
		req(fMedfee, "医疗费总额"),
		req(fInscp, "符合政策范围金额"),
		opt(fActPayDedc, "实际支付起付线"),
		req(fHifpPay, "统筹基金支出"),
		opt(fHifmiPay, "居民大病保险资金支出"),
		req(fFundPay, "基金支付总额"),
		req(fAcctPay, "个人账户支出"),
		req(fPsnCash, "个人现金支出"),
		opt(fRefdFlag, "退费结算标志"),
		opt(fInitSetlID, "原结算ID"),
	),
	// SPEC 2.6. The amount and reason columns may be absent from a file of
	// approvals only; a row that needs them is rejected (decisions.go).
	// decision and decided_on, not reviewer, are the keys: a counter's
	// claims workbook may well keep a 复核人 column of its own.
	newKind(record.InputDecisions, keys(fDecision, fDecidedOn),
		req(fClaimID, "申请编号"),
		req(fDecision, "复核结论", "复核决定"),
		opt(fAmount, "核定金额"),
		opt(fReason, "理由", "复核理由"),
		req(fReviewer, "复核人"),
		req(fDecidedOn, "复核日期"),
	),
	// SPEC 2.7. reason may be absent from a file of successes only. result
	// and reason are too common words to tell the kind.
	newKind(record.InputPayments, keys(fBankRef, fPaidOn),
		req(fClaimID, "申请编号"),
		req(fAmount, "支付金额"),
		req(fPaidOn, "支付日期"),
		req(fBankRef, "银行流水号"),
		req(fResult, "支付结果"),
		opt(fReason, "失败原因"),
	),
}

// keyOrder is the order in which DetectKind tries the kinds' key columns
// when the header alone does not settle the kind. Decisions and payments
// come first: their rows carry claim_id too, which would otherwise make
// them claims files, reported as lacking a dozen columns.
var keyOrder = []string{
	record.InputDecisions, record.InputPayments,
	record.InputClaims, record.InputStatement, record.InputFilings, record.InputSettlements,
}

func keys(f ...field) []field { return f }

func newKind(kind string, keys []field, cols ...column) *kindSpec {
	k := &kindSpec{kind: kind, keys: keys, columns: cols, lookup: map[string]field{}}
	for _, c := range cols {
		k.lookup[headerKey(fieldNames[c.f])] = c.f
		for _, l := range c.labels {
			k.lookup[headerKey(l)] = c.f
		}
	}
	return k
}

func specOf(kind string) *kindSpec {
	for _, k := range kinds {
		if k.kind == kind {
			return k
		}
	}
	return nil
}

// label returns how a column is named in messages: 申请日期 (dcla_date).
func (k *kindSpec) label(f field) string {
	for _, c := range k.columns {
		if c.f == f && len(c.labels) > 0 {
			return c.labels[0] + " (" + fieldNames[f] + ")"
		}
	}
	return fieldNames[f]
}

// headerKey normalises a header cell: spaces, BOMs and full-width forms
// removed or folded, English in lower case, inner spaces dropped.
func headerKey(s string) string {
	s = strings.ToLower(normalize(s))
	if strings.ContainsAny(s, " \t\r\n") {
		s = strings.Join(strings.Fields(s), "")
	}
	return s
}

// match finds the field a header cell names. Beside the plain name it
// understands "结算ID(setl_id)" and "setl_id（结算ID）" and a required-column
// marker "*".
func (k *kindSpec) match(cell string) (field, bool) {
	key := strings.Trim(headerKey(cell), "*")
	if key == "" {
		return 0, false
	}
	if f, ok := k.lookup[key]; ok {
		return f, true
	}
	if open := strings.IndexByte(key, '('); open > 0 && strings.HasSuffix(key, ")") {
		if f, ok := k.lookup[key[:open]]; ok {
			return f, true
		}
		if f, ok := k.lookup[key[open+1:len(key)-1]]; ok {
			return f, true
		}
	}
	return 0, false
}

// matches counts the cells of a row that name columns of k.
func (k *kindSpec) matches(row []string) int {
	n := 0
	for _, c := range row {
		if _, ok := k.match(c); ok {
			n++
		}
	}
	return n
}

// missing lists k's required columns absent from header.
func (k *kindSpec) missing(header []string) []field {
	var have [numFields]bool
	for _, c := range header {
		if f, ok := k.match(c); ok {
			have[f] = true
		}
	}
	var out []field
	for _, c := range k.columns {
		if c.required && !have[c.f] {
			out = append(out, c.f)
		}
	}
	return out
}

// DetectKind tells the kind of an input file from its header row: the one
// kind whose required columns are all present; failing that, or when
// several are, the kind named by a key column, tried in keyOrder (decision
// or decided_on, bank_ref or paid_on, claim_id, stmt_begndate, filing_id,
// setl_id). A file with a key column but missing other required columns is
// still told, so that the caller can name what is missing. A header with key
// columns of both decisions and payments is not told: which of the two it
// is cannot be guessed, and a wrong guess would misread every row.
func DetectKind(header []string) (kind string, ok bool) {
	kind, err := detectKind(header)
	return kind, err == nil
}

// detectKind is DetectKind with the reason a kind cannot be told, for the
// file's error.
func detectKind(header []string) (string, error) {
	var complete []*kindSpec
	for _, k := range kinds {
		if k.matches(header) > 0 && len(k.missing(header)) == 0 {
			complete = append(complete, k)
		}
	}
	if len(complete) == 1 {
		return complete[0].kind, nil
	}
	dec, pay := specOf(record.InputDecisions), specOf(record.InputPayments)
	if d, p := dec.keyIn(header), pay.keyIn(header); d >= 0 && p >= 0 {
		return "", fmt.Errorf("%w: it has columns of review decisions (%s) and of payment results (%s); give decisions and payments in files of their own",
			ErrUnknownKind, strings.TrimSpace(header[d]), strings.TrimSpace(header[p]))
	}
	for _, name := range keyOrder {
		if specOf(name).keyIn(header) >= 0 {
			return name, nil
		}
	}
	return "", fmt.Errorf("%w; expected columns: %s", ErrUnknownKind, expectedColumns())
}

// keyIn returns the index of the first header cell that names a key column
// of k, or -1.
func (k *kindSpec) keyIn(header []string) int {
	for i, c := range header {
		if f, ok := k.match(c); ok && slices.Contains(k.keys, f) {
			return i
		}
	}
	return -1
}

// columns maps the fields of one kind to the cells of a data row.
type columns struct {
	idx  [numFields]int    // cell index, -1 when the file lacks the column
	name [numFields]string // the header as the file writes it, for rejects
}

// Errors a caller can test with errors.Is; FileError says where.
var (
	ErrFormat          = errors.New("not a CSV or XLSX file")
	ErrNoHeader        = errors.New("no header row found")
	ErrUnknownKind     = errors.New("cannot tell what kind of file this is")
	ErrMissingColumn   = errors.New("missing required column")
	ErrDuplicateColumn = errors.New("duplicated column")
	ErrSheet           = errors.New("no such sheet")
	ErrTooLarge        = errors.New("workbook unpacks to more than the size limit")
	ErrUnclosedQuote   = errors.New("a quote opened in this cell is not closed where its row ends")
)

// mapColumns maps header to k's fields. Duplicated columns and missing
// required columns are errors; unknown columns are ignored (SPEC 2).
func mapColumns(k *kindSpec, header []string) (*columns, error) {
	c := &columns{}
	for i := range c.idx {
		c.idx[i] = -1
		c.name[i] = fieldNames[i]
	}
	for i, cell := range header {
		f, ok := k.match(cell)
		if !ok {
			continue
		}
		if c.idx[f] >= 0 {
			return nil, fmt.Errorf("%w %s: %q and %q both name it", ErrDuplicateColumn, k.label(f), c.name[f], strings.TrimSpace(cell))
		}
		c.idx[f] = i
		c.name[f] = strings.TrimSpace(strings.ReplaceAll(cell, "\ufeff", ""))
	}
	if miss := k.missing(header); len(miss) > 0 {
		names := make([]string, len(miss))
		for i, f := range miss {
			names[i] = k.label(f)
		}
		return nil, fmt.Errorf("%w %s", ErrMissingColumn, strings.Join(names, ", "))
	}
	return c, nil
}

// expectedColumns lists the required columns of every kind, for the message
// about a file whose kind cannot be told.
func expectedColumns() string {
	var b strings.Builder
	for i, k := range kinds {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(k.kind)
		b.WriteString(": ")
		first := true
		for _, c := range k.columns {
			if !c.required {
				continue
			}
			if !first {
				b.WriteString(", ")
			}
			first = false
			b.WriteString(fieldNames[c.f])
		}
	}
	return b.String()
}
