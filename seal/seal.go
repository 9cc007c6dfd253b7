// Package seal encrypts secrets at rest (OAuth tokens kept in a database)
// with AES-256-GCM. Keys are named by a fingerprint stored beside each
// sealed value, so keys can be rotated: new values are sealed with the
// first key of a Keyring, and values sealed with any of its keys open.
//
// A key file holds one key per line, base64 (standard encoding, 32 bytes
// decoded), the newest first; blank lines and lines starting with # are
// ignored. To rotate: add a new key as the first line, run the command
// that reseals the stored secrets, then remove the old line.
package seal

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of a key in bytes (AES-256).
const KeySize = 32

// version starts every sealed value, so the format can change later.
const version = 1

const fingerprintSize = 4

// ErrNoKey is returned when a value was sealed with a key the keyring
// does not hold (a key file replaced, or a database copied without its
// key).
var ErrNoKey = errors.New("sealed with a key this keyring does not hold")

// ErrTampered is returned when a sealed value does not open: it was
// changed, cut, or moved to another account.
var ErrTampered = errors.New("sealed value does not open (changed, cut or moved)")

type key struct {
	fp   [fingerprintSize]byte
	aead cipher.AEAD
}

// A Keyring seals with its first key and opens with any of its keys.
type Keyring struct {
	keys []key
}

// New returns a keyring of raw keys, the sealing key first.
func New(raw ...[]byte) (*Keyring, error) {
	if len(raw) == 0 {
		return nil, errors.New("seal: no key")
	}
	k := &Keyring{}
	for i, r := range raw {
		if len(r) != KeySize {
			return nil, fmt.Errorf("seal: key %d is %d bytes, want %d", i+1, len(r), KeySize)
		}
		block, err := aes.NewCipher(r)
		if err != nil {
			return nil, fmt.Errorf("seal: key %d: %w", i+1, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("seal: key %d: %w", i+1, err)
		}
		sum := sha256.Sum256(r)
		var fp [fingerprintSize]byte
		copy(fp[:], sum[:])
		k.keys = append(k.keys, key{fp: fp, aead: aead})
	}
	return k, nil
}

// Fingerprint names the sealing key (hex), for logs and messages: it
// tells keys apart without revealing them.
func (k *Keyring) Fingerprint() string { return fmt.Sprintf("%x", k.keys[0].fp) }

// Seal encrypts plaintext. context binds the value to where it is kept
// (such as an account id): Open with another context fails.
func (k *Keyring) Seal(plaintext, context []byte) ([]byte, error) {
	kk := k.keys[0]
	nonce := make([]byte, kk.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	out := make([]byte, 0, 1+fingerprintSize+len(nonce)+len(plaintext)+kk.aead.Overhead())
	out = append(out, version)
	out = append(out, kk.fp[:]...)
	out = append(out, nonce...)
	return kk.aead.Seal(out, nonce, plaintext, context), nil
}

// Open decrypts a value Seal returned with the same context.
func (k *Keyring) Open(sealed, context []byte) ([]byte, error) {
	if len(sealed) < 1+fingerprintSize || sealed[0] != version {
		return nil, ErrTampered
	}
	fp := sealed[1 : 1+fingerprintSize]
	for _, kk := range k.keys {
		if !bytes.Equal(kk.fp[:], fp) {
			continue
		}
		rest := sealed[1+fingerprintSize:]
		if len(rest) < kk.aead.NonceSize() {
			return nil, ErrTampered
		}
		nonce, ct := rest[:kk.aead.NonceSize()], rest[kk.aead.NonceSize():]
		p, err := kk.aead.Open(nil, nonce, ct, context)
		if err != nil {
			return nil, ErrTampered
		}
		return p, nil
	}
	return nil, ErrNoKey
}

// Sealed reports whether a stored value has the shape of a sealed one,
// and whether this keyring's sealing key made it (false: reseal it).
func (k *Keyring) Sealed(v []byte) (sealed, current bool) {
	if len(v) < 1+fingerprintSize || v[0] != version {
		return false, false
	}
	return true, bytes.Equal(v[1:1+fingerprintSize], k.keys[0].fp[:])
}

// Parse reads keys in the key file format.
func Parse(text []byte) (*Keyring, error) {
	var raw [][]byte
	sc := bufio.NewScanner(bytes.NewReader(text))
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != KeySize {
			// The line itself is never quoted: it is (almost) a key.
			return nil, fmt.Errorf("seal: line %d is not a base64 key of %d bytes", line, KeySize)
		}
		raw = append(raw, b)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	if len(raw) == 0 {
		return nil, errors.New("seal: no key in the key file")
	}
	return New(raw...)
}

// NewKey returns a fresh random key, base64 as the key file holds it.
func NewKey() (string, error) {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// Load reads the key file at path. A file others may read is refused:
// the key opens every sealed token.
func Load(path string) (*Keyring, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("seal: key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("seal: key file %s can be read by others (mode %v): run chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("seal: key file: %w", err)
	}
	k, err := Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return k, nil
}

// LoadOrCreate loads the key file at path, creating it (0600, in a 0700
// folder) with a new key when there is none. created reports that it did.
func LoadOrCreate(path string) (k *Keyring, created bool, err error) {
	k, err = Load(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("seal: create the key file's folder: %w", err)
	}
	s, err := NewKey()
	if err != nil {
		return nil, false, err
	}
	text := "# vitals token key: keep it private, and with your database backups.\n" +
		"# Without it the tokens in the database cannot be read (link the accounts again).\n" + s + "\n"
	// O_EXCL: two processes starting at once must not each write a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		k, err = Load(path)
		return k, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("seal: create the key file: %w", err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		os.Remove(path)
		return nil, false, fmt.Errorf("seal: write the key file: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, false, fmt.Errorf("seal: write the key file: %w", err)
	}
	k, err = Load(path)
	return k, err == nil, err
}
