package tracking

import (
	"net/url"
	"strings"
)

// landing is an offer's landing page, parsed once when the offer is
// found: a click's redirect is the page with the query parameter
// "session" set to the session id, built from the two parts around the id.
// The page's own query stays as the operator wrote it, in its order and
// its encoding, a parameter Go's url.ParseQuery would refuse (a ";" in a
// value) included; only a "session" parameter of its own is taken out, and
// the click's is added last. A byte a URL's query cannot carry as it is (a
// space, a quote, <, >, a letter beyond ASCII), which url.Parse lets
// through, is percent-encoded as a browser sends it, so that the Location
// header is a URL: "utm_campaign=Black Friday" is "Black%20Friday".
type landing struct {
	ok             bool // the web page is an absolute http(s) URL
	prefix, suffix string
}

// landingOf parses a web page: an absolute http or https URL with a host,
// as an offer declaration and promoc offers add require. An offer stored
// otherwise (through the Go API, or by an older promoc) has none: a click
// is never sent to javascript:, mailto: or ftp:.
func landingOf(webPage string) landing {
	u, err := url.Parse(webPage)
	if webPage == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return landing{}
	}
	var kept []string
	for _, pair := range strings.Split(u.RawQuery, "&") {
		name, _, _ := strings.Cut(pair, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if pair != "" && name != "session" { // a session the page names is replaced
			kept = append(kept, queryEscaped(pair))
		}
	}
	frag := ""
	if u.Fragment != "" {
		frag = "#" + u.EscapedFragment()
	}
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	var p strings.Builder
	p.WriteString(u.String())
	p.WriteByte('?')
	for _, pair := range kept {
		p.WriteString(pair)
		p.WriteByte('&')
	}
	p.WriteString("session=")
	return landing{ok: true, prefix: p.String(), suffix: frag}
}

// queryEscaped percent-encodes the bytes of a query as written that a URL
// cannot carry: controls (which url.Parse refuses anyway), space, ", ', <,
// > and every byte beyond ASCII, the query's percent-encode set of a
// browser's URL parser for http and https. The rest, a "%" included, stays
// as written.
func queryEscaped(s string) string {
	const hex = "0123456789ABCDEF"
	var b []byte // nil until a byte is escaped
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > ' ' && c < 0x7f && c != '"' && c != '\'' && c != '<' && c != '>' {
			if b != nil {
				b = append(b, c)
			}
			continue
		}
		if b == nil {
			b = append(make([]byte, 0, len(s)+8), s[:i]...)
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	if b == nil {
		return s
	}
	return string(b)
}

// with is the redirect of a session: id is hex, which a query carries as
// it is.
func (l landing) with(id string) string {
	return l.prefix + id + l.suffix
}
