package server

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSealSecret: a sealed secret opens with the server's secret and the
// webhook's id only; a change of a byte, another id or another server
// secret fail; no server secret seals nothing.
func TestSealSecret(t *testing.T) {
	master := []byte("the server's secret, 32 bytes ok")
	secret := []byte("the webhook's own secret")
	sealed, err := sealSecret(master, "wh_1", secret)
	require.NoError(t, err)
	assert.False(t, bytes.Contains(sealed, secret))
	again, err := sealSecret(master, "wh_1", secret)
	require.NoError(t, err)
	assert.NotEqual(t, sealed, again, "a fresh nonce each time")

	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name   string
		master []byte
		id     string
		sealed []byte
		ok     bool
	}{
		{"as sealed", master, "wh_1", sealed, true},
		{"sealed again", master, "wh_1", again, true},
		{"another webhook's id", master, "wh_2", sealed, false},
		{"another server secret", []byte("another server's secret, 32 byte"), "wh_1", sealed, false},
		{"no server secret", nil, "wh_1", sealed, false},
		{"a byte changed", master, "wh_1", flipped, false},
		{"cut short", master, "wh_1", sealed[:5], false},
		{"another version", master, "wh_1", append([]byte{2}, sealed[1:]...), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := openSecret(tc.master, tc.id, tc.sealed)
			if tc.ok {
				require.NoError(t, err)
				assert.Equal(t, secret, got)
			} else {
				assert.Error(t, err)
				assert.Nil(t, got)
			}
		})
	}
	_, err = sealSecret(nil, "wh_1", secret)
	assert.Error(t, err)
}
