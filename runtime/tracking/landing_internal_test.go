package tracking

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLanding: a redirect built from the parts parsed once is the URL
// that setting the query parameter session on the parsed page writes,
// whatever the page's query and fragment; a page that is not an absolute
// URL has no landing.
func TestLanding(t *testing.T) {
	const id = "0188f0c2a3b4c5d6e7f8091a2b3c4d5e"
	for _, page := range []string{
		"https://example.com/join?lang=en",
		"https://example.com/join",
		"https://example.com/",
		"https://example.com",
		"https://example.com/join?",
		"https://example.com/join?z=1&a=2&a=1",
		"https://example.com/join?session=old&lang=en",
		"https://example.com/join?sessions=1&sess=2&session=3&Session=4",
		"https://example.com/a%20b/c?q=a+b&r=%C3%A9&s=x%26y",
		"https://example.com/join?lang=en#top",
		"https://example.com/join#frag%20ment",
		"https://user:pass@example.com:8443/p;x?y=1",
		"https://example.com/join?bad=%zz&ok=1",
		"http://[::1]:8080/?a=1",
		"custom:opaque?x=1",
	} {
		t.Run(page, func(t *testing.T) {
			u, err := url.Parse(page)
			require.NoError(t, err)
			q := u.Query()
			q.Set("session", id)
			u.RawQuery = q.Encode()
			l := landingOf(page)
			require.True(t, l.ok)
			assert.Equal(t, u.String(), l.with(id))
		})
	}
	for _, page := range []string{"", "/relative?x=1", "example.com/join", "https://exa mple.com/", "%zz"} {
		assert.False(t, landingOf(page).ok, "%q", page)
	}
}
