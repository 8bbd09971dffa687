// Package rules applies SPEC section 3 to a batch: filing status, the amount
// owed for a visit, settlement reconciliation, clearing statements and the
// checks on manual claims.
//
// Everything here is a pure function of its arguments: the batch, what the
// ledger already holds (record.History), the policy and the run's as-of
// date. Nothing reads a file, the ledger or the clock, so every rule is a
// table test. Each assessment carries a trace, the worked calculation in
// Chinese, so that an auditor can follow how an amount came about.
package rules
