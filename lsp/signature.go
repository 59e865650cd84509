package lsp

import (
	"strings"

	"github.com/tliron/glsp"
	protocol "github.com/tliron/glsp/protocol_3_16"
)

// aggregationSignatures are the forms of the aggregations, as the reference
// writes them.
var aggregationSignatures = map[string]string{
	"sum":   "sum(KIND.ATTR where COND)",
	"count": "count(KIND where COND)",
	"avg":   "avg(KIND.ATTR where COND)",
	"min":   "min(KIND.ATTR where COND)",
	"max":   "max(KIND.ATTR where COND)",
	"first": "first(KIND.ATTR where COND)",
	"last":  "last(KIND.ATTR where COND)",
}

// signatureHelp shows the signature of the builtin or aggregation whose
// parentheses hold the cursor, with the argument under it. It reads the
// tokens of the text, so it works while the call is half typed.
func (s *Server) signatureHelp(_ *glsp.Context, p *protocol.SignatureHelpParams) (*protocol.SignatureHelp, error) {
	text, ok := s.text(p.TextDocument.URI)
	if !ok {
		return nil, nil
	}
	c := readContext(text, newMapper(text).offset(p.Position))
	var call *frame
	for i := len(c.frames) - 1; i >= 0; i-- {
		f := c.frames[i]
		if f.kind == frameParen && (builtin(f.name) != nil || aggregationSignatures[f.name] != "") {
			call = f
			break
		}
	}
	if call == nil {
		return nil, nil
	}
	// The argument: commas at the call's own depth.
	arg, depth, where := 0, 0, false
	for _, t := range c.toks[call.item:] {
		switch t.Text {
		case "(", "[":
			depth++
		case ")", "]":
			depth--
		case ",":
			if depth == 0 {
				arg++
			}
		case "where":
			if depth == 0 {
				where = true
			}
		}
	}
	help := &protocol.SignatureHelp{}
	if b := builtin(call.name); b != nil {
		help.Signatures = append(help.Signatures, signature(b.Signature, b.Doc, arg))
	}
	if form := aggregationSignatures[call.name]; form != "" {
		param := 0
		if where {
			param = 1
		}
		help.Signatures = append(help.Signatures, signature(form, s.spec.keyword("agg:"+call.name), param))
		if len(help.Signatures) == 2 && arg == 0 && aggregationLike(c, call) {
			active := protocol.UInteger(1)
			help.ActiveSignature = &active
		}
	}
	if help.ActiveSignature == nil {
		zero := protocol.UInteger(0)
		help.ActiveSignature = &zero
	}
	active := help.Signatures[*help.ActiveSignature].ActiveParameter
	help.ActiveParameter = active
	return help, nil
}

// aggregationLike reports whether the first argument of min or max reads
// as kind.attr or has a where: then the call is an aggregation.
func aggregationLike(c *cursorContext, call *frame) bool {
	toks := c.toks[call.item:]
	if len(toks) >= 2 && toks[1].Text == "." {
		return true
	}
	for _, t := range toks {
		if t.Text == "where" {
			return true
		}
	}
	return false
}

// signature makes the information of one signature, its parameters cut
// from the text between its parentheses.
func signature(label, doc string, active int) protocol.SignatureInformation {
	si := protocol.SignatureInformation{Label: label}
	if doc != "" {
		si.Documentation = protocol.MarkupContent{Kind: protocol.MarkupKindMarkdown, Value: doc}
	}
	open, close := strings.IndexByte(label, '('), strings.LastIndexByte(label, ')')
	if open < 0 || close < open {
		return si
	}
	var params []string
	if inner := label[open+1 : close]; strings.Contains(inner, " where ") {
		before, after, _ := strings.Cut(inner, " where ")
		params = []string{before, "where " + after}
	} else {
		params = strings.Split(inner, ", ")
	}
	for _, p := range params {
		si.Parameters = append(si.Parameters, protocol.ParameterInformation{Label: p})
	}
	// Arguments past the last parameter of min(a, b, ...) are the "...".
	if active >= len(params) {
		active = len(params) - 1
	}
	a := protocol.UInteger(max(active, 0))
	si.ActiveParameter = &a
	return si
}
