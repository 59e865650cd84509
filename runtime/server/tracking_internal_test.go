package server

import (
	"net"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestClientIP: the address a click's hash is made of is net.IP's text
// of the remote address, whatever its form (the hashes of unique clicks
// stay those of earlier versions).
func TestClientIP(t *testing.T) {
	for _, remote := range []string{"192.0.2.7:51234", "10.0.0.1:1", "255.255.255.255:80", "[::1]:8080", "[2001:DB8::1]:443",
		"[::ffff:192.0.2.7]:80", "[fe80::1%eth0]:80", "192.0.2.7", "::1", "not an address", "", "01.2.3.4:5", "1.2.3:4"} {
		r := httptest.NewRequest("GET", "/t/casino", nil)
		r.RemoteAddr = remote
		host, _, err := net.SplitHostPort(remote)
		if err != nil {
			host = remote
		}
		want := ""
		if ip := net.ParseIP(host); ip != nil {
			want = ip.String()
		}
		assert.Equal(t, want, clientIP(r), "%q", remote)
	}
}
