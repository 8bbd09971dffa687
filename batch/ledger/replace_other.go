//go:build !linux

package ledger

// replaceDir puts the new copy tmp in place of dir; off Linux there is no
// exchange in one step, so the earlier copy is moved aside (moveAside).
func replaceDir(tmp, dir string) error { return moveAside(tmp, dir) }
