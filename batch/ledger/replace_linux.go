package ledger

import (
	"errors"

	"golang.org/x/sys/unix"
)

// replaceDir exchanges the folders tmp and dir in one step
// (renameat2 RENAME_EXCHANGE), so that a reader of dir, or a kill at any
// moment, finds the old copy or the whole new one, never no copy; tmp then
// holds the old copy. A file system without the exchange falls back to
// moveAside.
func replaceDir(tmp, dir string) error {
	err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, dir, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		return moveAside(tmp, dir)
	}
	return err
}
