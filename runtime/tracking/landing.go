package tracking

import (
	"net/url"
	"strings"
)

// landing is an offer's landing page, parsed once when the offer is
// found: a click's redirect is the page with the query parameter
// "session" set to the session id, the query's parameters in the order of
// their names (as url.Values.Encode writes them), built from the two parts
// around the id.
type landing struct {
	ok             bool // the web page is an absolute URL
	prefix, suffix string
}

// landingOf parses a web page.
func landingOf(webPage string) landing {
	u, err := url.Parse(webPage)
	if webPage == "" || err != nil || !u.IsAbs() {
		return landing{}
	}
	before, after := url.Values{}, url.Values{}
	for name, vs := range u.Query() {
		switch {
		case name < "session":
			before[name] = vs
		case name > "session": // a session the page names is replaced
			after[name] = vs
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
	if len(before) > 0 {
		p.WriteString(before.Encode())
		p.WriteByte('&')
	}
	p.WriteString("session=")
	suffix := frag
	if len(after) > 0 {
		suffix = "&" + after.Encode() + frag
	}
	return landing{ok: true, prefix: p.String(), suffix: suffix}
}

// with is the redirect of a session: id is hex, which a query carries as
// it is.
func (l landing) with(id string) string {
	return l.prefix + id + l.suffix
}
