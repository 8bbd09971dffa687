package ledger

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
)

// ErrKey is a ledger opened with the wrong key, without the key it is
// encrypted with, or with a key when it is not encrypted. The message names
// the ledger file and, when one was given, the key file.
var ErrKey = errors.New("ledger key")

// Key is the agency's secret: the key of an encrypted ledger (SPEC 4.4),
// and the secret of the auditors' copy's person key. It prints as the file
// it came from, never as its value.
type Key struct {
	file   string
	secret string
}

// Key files hold text: an operator makes one with
// `head -c 32 /dev/urandom | base64 > key`. DuckDB derives its AES-256 key
// from the text, so the text itself must carry the entropy.
const (
	minKeyLen = 32   // characters: 32 hex digits are 128 bits, base64 of 32 random bytes is 44
	maxKeyLen = 1024 // a key file longer than this is some other file
)

// ReadKey reads the key file at path. The key is the file's text with the
// surrounding white space (a final newline) trimmed; it must be 32 to 1024
// printable ASCII characters, none of them white space, so that what an
// operator pastes into another tool is the key, and binary bytes are refused
// rather than guessed at. A key file that other users can read (any group or
// other permission bit) is refused, as ssh refuses such a private key: the
// key is all that protects the ledger. (On Windows, where Go sees no such
// bits, the folder's ACL is the operator's to set.)
func ReadKey(path string) (*Key, error) {
	if path == "" {
		return nil, errors.New("key file: no file name given")
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("key file %s is a folder", path)
	}
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return nil, fmt.Errorf("key file %s can be read by other users (mode %04o): make it the owner's only with chmod 600 %s", path, perm, path)
	}
	if fi.Size() > maxKeyLen+64 {
		return nil, fmt.Errorf("key file %s holds %d bytes, more than a key (%d characters at most): is it the right file?", path, fi.Size(), maxKeyLen)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	text := strings.TrimSpace(string(b))
	for _, c := range []byte(text) {
		if c < 0x21 || c > 0x7e {
			return nil, fmt.Errorf("key file %s holds bytes that are not printable text (or white space inside the key): write the key as text, e.g. head -c 32 /dev/urandom | base64 > %s", path, path)
		}
	}
	switch n := len(text); {
	case n == 0:
		return nil, fmt.Errorf("key file %s is empty: make a key with head -c 32 /dev/urandom | base64 > %s", path, path)
	case n < minKeyLen:
		return nil, fmt.Errorf("key file %s holds a key of %d characters; a key has at least %d (head -c 32 /dev/urandom | base64 makes one of 44)", path, n, minKeyLen)
	case n > maxKeyLen:
		return nil, fmt.Errorf("key file %s holds %d characters, more than a key (%d at most): is it the right file?", path, n, maxKeyLen)
	}
	return &Key{file: path, secret: text}, nil
}

// File is the key file the key was read from.
func (k *Key) File() string { return k.file }

// PersonSecret is the secret of the auditors' copy's person key (SPEC 4.4:
// HMAC-SHA256 of certno under the agency's key) when the ledger is
// encrypted: HMAC-SHA256 of a fixed label under the key's text, so that the
// text DuckDB encrypts with is never itself used as an HMAC key, and a
// person key reveals nothing that helps to guess the ledger's key.
func (k *Key) PersonSecret() []byte {
	m := hmac.New(sha256.New, []byte(k.secret))
	m.Write([]byte("medrecon person key v1"))
	return m.Sum(nil)
}

// String names the key by its file, so that a key printed by mistake shows
// no secret.
func (k *Key) String() string { return "key file " + k.file }

// GoString keeps %#v from printing the secret too.
func (k *Key) GoString() string { return k.String() }

// scrub removes the key's text from a message of DuckDB's, which may quote
// the statement that carried it.
func (k *Key) scrub(err error) error {
	if k == nil || err == nil || !strings.Contains(err.Error(), k.secret) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), k.secret, "(key)"))
}
