package tracking

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLanding: a redirect is the page with its query as the operator
// wrote it (a session of its own taken out) and the click's session added
// last, whatever the page's query and fragment; a page that is not an
// absolute URL has no landing.
func TestLanding(t *testing.T) {
	const id = "0188f0c2a3b4c5d6e7f8091a2b3c4d5e"
	// The page's query as written, its order and encoding kept, without a
	// session of its own; the click's session last.
	for _, tt := range []struct{ page, want string }{
		{"https://example.com/join?lang=en", "https://example.com/join?lang=en&session=ID"},
		{"https://example.com/join", "https://example.com/join?session=ID"},
		{"https://example.com/", "https://example.com/?session=ID"},
		{"https://example.com", "https://example.com?session=ID"},
		{"https://example.com/join?", "https://example.com/join?session=ID"},
		{"https://example.com/join?z=1&a=2&a=1", "https://example.com/join?z=1&a=2&a=1&session=ID"},
		{"https://example.com/join?session=old&lang=en", "https://example.com/join?lang=en&session=ID"},
		{"https://example.com/join?sess%69on=old&lang=en", "https://example.com/join?lang=en&session=ID"},
		{"https://example.com/join?sessions=1&sess=2&session=3&Session=4", "https://example.com/join?sessions=1&sess=2&Session=4&session=ID"},
		{"https://example.com/a%20b/c?q=a+b&r=%C3%A9&s=x%26y", "https://example.com/a%20b/c?q=a+b&r=%C3%A9&s=x%26y&session=ID"},
		{"https://example.com/join?q=a%20b", "https://example.com/join?q=a%20b&session=ID"},
		{"https://example.com/join?utm_source=x;y&utm_medium=cpa", "https://example.com/join?utm_source=x;y&utm_medium=cpa&session=ID"},
		{"https://example.com/join?flag&a=1&&b=", "https://example.com/join?flag&a=1&b=&session=ID"},
		{"https://example.com/join?lang=en#top", "https://example.com/join?lang=en&session=ID#top"},
		{"https://example.com/join#frag%20ment", "https://example.com/join?session=ID#frag%20ment"},
		{"https://user:pass@example.com:8443/p;x?y=1", "https://user:pass@example.com:8443/p;x?y=1&session=ID"},
		{"https://example.com/join?bad=%zz&ok=1", "https://example.com/join?bad=%zz&ok=1&session=ID"},
		{"http://[::1]:8080/?a=1", "http://[::1]:8080/?a=1&session=ID"},
		// What a URL's query cannot carry as written, which url.Parse lets
		// through, is percent-encoded as a browser sends it; the rest stays.
		{"https://example.com/join?utm_campaign=Black Friday&q=é", "https://example.com/join?utm_campaign=Black%20Friday&q=%C3%A9&session=ID"},
		{`https://example.com/join?q="<x>"&n='1'&k=a|b{c}[d]^`, "https://example.com/join?q=%22%3Cx%3E%22&n=%271%27&k=a|b{c}[d]^&session=ID"},
		{"https://example.com/join?s%C3%A9ssion=1&session%20=2#top", "https://example.com/join?s%C3%A9ssion=1&session%20=2&session=ID#top"},
	} {
		t.Run(tt.page, func(t *testing.T) {
			l := landingOf(tt.page)
			require.True(t, l.ok)
			assert.Equal(t, strings.ReplaceAll(tt.want, "ID", id), l.with(id))
		})
	}
	for _, page := range []string{"", "/relative?x=1", "example.com/join", "https://exa mple.com/", "%zz",
		"custom:opaque?x=1", "javascript:alert(1)", "mailto:a@example.com", "ftp://example.com/x", "https:///no-host", "data:text/html,x"} {
		assert.False(t, landingOf(page).ok, "%q", page)
	}
}
