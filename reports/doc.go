// Package reports renders what the ledger holds for people: the auditors'
// run PDF, the claims office's worklist (PDF, terminal text, and XLSX with
// a fill-in sheet for reviewers), the finance office's XLSX exports and the
// plain-text explanation of one amount.
//
// Reports never recompute an amount: every figure comes from a record type
// that the ledger filled. ID numbers are masked everywhere (record.MaskID on
// certno columns, record.MaskText on free text); the full values live only
// in the ledger.
//
// Output is deterministic: the same input gives the same bytes, so that
// `medrecon report` can regenerate a past run's PDF exactly.
package reports
