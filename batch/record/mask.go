package record

import "regexp"

// MaskID hides the middle of a resident ID number: the first six digits (the
// region) and the last four stay, the rest become asterisks, so that
// 130102199001011234 reads 130102********1234. Strings too short to hold an
// ID keep only their first and last character visible.
func MaskID(id string) string {
	r := []rune(id)
	switch {
	case len(r) >= 11:
		return string(r[:6]) + stars(len(r)-10) + string(r[len(r)-4:])
	case len(r) > 2:
		return string(r[:1]) + stars(len(r)-2) + string(r[len(r)-1:])
	default:
		return id
	}
}

func stars(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '*'
	}
	return string(b)
}

// idPattern finds 15- to 18-character runs that look like resident ID
// numbers (digits, an optional final X) inside free text.
var idPattern = regexp.MustCompile(`\d{17}[\dXx]|\d{15}`)

// MaskText masks every ID-like number in s. Used on error messages, log lines
// and finding details, which may quote a cell.
func MaskText(s string) string {
	return idPattern.ReplaceAllStringFunc(s, MaskID)
}

// MaskAccount hides a bank account number but its last four characters, so
// that 6222021234567891234 reads ***************1234: enough for a person or
// an officer to tell which account is meant, never enough to pay into it
// (SPEC 2.2: the account is in full only in the payouts export). Strings of
// four characters or fewer are hidden whole.
func MaskAccount(account string) string {
	r := []rune(account)
	if len(r) <= 4 {
		return stars(len(r))
	}
	return stars(len(r)-4) + string(r[len(r)-4:])
}
