package server

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/promoc/promoc/runtime/store"
)

// Role is what an API key may do. Every endpoint names the roles it
// allows; admin is allowed everywhere.
type Role string

// The roles of API keys.
const (
	Viewer   Role = "viewer"   // reads: outcomes, approvals, campaigns, players, evaluation
	Operator Role = "operator" // sends events; suspends, resumes and funds campaigns
	Approver Role = "approver" // approves and rejects results waiting for approval
	Admin    Role = "admin"    // everything
)

// Roles lists the roles, from the least allowed.
var Roles = []Role{Viewer, Operator, Approver, Admin}

// ParseRole reads a role's name.
func ParseRole(s string) (Role, error) {
	if slices.Contains(Roles, Role(s)) {
		return Role(s), nil
	}
	return "", fmt.Errorf("unknown role %q: expected viewer, operator, approver or admin", s)
}

// keyPrefix starts every key, so that a key found in a file or a log is
// recognized for what it is.
const keyPrefix = "promoc_"

// NewKey makes an API key of a role: the secret, shown once to whoever
// creates it, and the record the store keeps (the secret's SHA-256 hash,
// never the secret). The secret holds 32 random bytes: a hash without salt
// or stretching is enough, as nothing can be guessed.
func NewKey(role Role, name string, now time.Time) (secret string, k store.APIKey, err error) {
	if _, err := ParseRole(string(role)); err != nil {
		return "", store.APIKey{}, err
	}
	if err := CheckKeyName(name); err != nil {
		return "", store.APIKey{}, err
	}
	var id [6]byte
	var sec [32]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", store.APIKey{}, err
	}
	if _, err := rand.Read(sec[:]); err != nil {
		return "", store.APIKey{}, err
	}
	k = store.APIKey{ID: hex.EncodeToString(id[:]), Role: string(role), Name: name, Created: now.UTC()}
	secret = keyPrefix + k.ID + "_" + base64.RawURLEncoding.EncodeToString(sec[:])
	k.Hash = HashKey(secret)
	return secret, k, nil
}

// CheckKeyName refuses a key's name that is not one line of printable
// text: a control character (a tab, a line break, an escape, C1) would
// break the columns of promoc keys list, or a terminal's, and a log's
// lines; so would a line or paragraph separator (U+2028, U+2029), and a
// bidirectional control (U+061C, U+200E, U+200F, U+202A-U+202E,
// U+2066-U+2069) would show the columns after it reordered. A name that is
// not UTF-8 is no text (PostgreSQL refuses to keep it). Keys made before
// the rule keep their names and work.
func CheckKeyName(name string) error {
	for i, r := range name {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(name[i:], "\uFFFD"):
			return fmt.Errorf("a byte that is not UTF-8 at byte %d: a key's name is one line of printable text", i+1)
		case unicode.IsControl(r), r == '\u2028', r == '\u2029':
			return fmt.Errorf("a control character (U+%04X) at byte %d: a key's name is one line of printable text", r, i+1)
		case isBidiControl(r):
			return fmt.Errorf("a bidirectional control character (U+%04X) at byte %d: a key's name is one line of printable text", r, i+1)
		}
	}
	return nil
}

// isBidiControl reports the characters that change the direction of the
// text shown after them.
func isBidiControl(r rune) bool {
	return r == '\u061C' || r == '\u200E' || r == '\u200F' || '\u202A' <= r && r <= '\u202E' || '\u2066' <= r && r <= '\u2069'
}

// HashKey is what the store keeps of a key's secret.
func HashKey(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// principal is the API key a request came with.
type principal struct {
	id   string
	role Role
}

// authenticate finds the key of a request: "Authorization: Bearer KEY".
// A missing, unknown or revoked key is 401, the same message for the last
// two, so that nothing tells which keys exist. A key found valid is kept
// in memory for Config.KeyCache (keycache.go): its revocation takes effect
// within that time.
func (s *Server) authenticate(r *http.Request) (principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return principal{}, errorf(http.StatusUnauthorized, CodeUnauthenticated,
			"missing API key: send it as Authorization: Bearer KEY (promoc keys create makes one)")
	}
	scheme, secret, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		return principal{}, errorf(http.StatusUnauthorized, CodeUnauthenticated, "malformed Authorization header: expected Bearer KEY")
	}
	hash := HashKey(strings.TrimSpace(secret))
	if who, ok := s.keyc.get(hash); ok {
		return who, nil
	}
	k, found, err := s.st.KeyByHash(r.Context(), hash)
	if err != nil {
		return principal{}, fmt.Errorf("looking up an API key: %w", err)
	}
	// The lookup is by hash, an index; the comparison below is for form.
	if !found || subtle.ConstantTimeCompare(k.Hash, hash) != 1 || !k.Revoked.IsZero() {
		return principal{}, errorf(http.StatusUnauthorized, CodeUnauthenticated, "unknown or revoked API key")
	}
	who := principal{id: k.ID, role: Role(k.Role)}
	s.keyc.put(hash, who)
	return who, nil
}

// allows says whether role may call an endpoint that allows roles.
func allows(roles []Role, role Role) bool {
	return role == Admin || slices.Contains(roles, role)
}
