package lsp

import (
	"encoding/json"

	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/promoc/promoc/lang"
)

// publish sends the diagnostics of every file of snap whose diagnostics
// changed, and of every file changed since the last analysis (whose
// client waits for a publish of the new version), and clears those of files
// that left the rule set. Call with set.run held.
func (s *Server) publish(set *ruleSet, snap *snapshot, changed map[string]bool) {
	seen := map[protocol.DocumentUri]bool{}
	for _, f := range snap.files {
		seen[f.uri] = true
		diags := protocolDiagnostics(snap, f)
		key, _ := json.Marshal(diags)
		if !changed[f.path] && set.published[f.uri] == string(key) {
			continue
		}
		set.published[f.uri] = string(key)
		s.notify(protocol.ServerTextDocumentPublishDiagnostics, protocol.PublishDiagnosticsParams{URI: f.uri, Version: f.version, Diagnostics: diags})
	}
	for uri := range set.published {
		if !seen[uri] {
			delete(set.published, uri)
			s.notify(protocol.ServerTextDocumentPublishDiagnostics, protocol.PublishDiagnosticsParams{URI: uri, Diagnostics: []protocol.Diagnostic{}})
		}
	}
}

// protocolDiagnostics converts the diagnostics of one file. The result is
// never nil: an empty list is how a client learns that the problems are
// gone.
func protocolDiagnostics(snap *snapshot, f *sourceFile) []protocol.Diagnostic {
	out := []protocol.Diagnostic{}
	source := "promoc"
	for _, d := range f.diags {
		sev := protocol.DiagnosticSeverityError
		switch d.Severity {
		case lang.Warning:
			sev = protocol.DiagnosticSeverityWarning
		case lang.Info:
			sev = protocol.DiagnosticSeverityInformation
		}
		pd := protocol.Diagnostic{
			Range:    f.m.spanRange(d.Span),
			Severity: &sev,
			Code:     &protocol.IntegerOrString{Value: string(d.Code)},
			Source:   &source,
			Message:  d.Message,
		}
		switch d.Code {
		case lang.CodeUnusedLet, lang.CodeUnreachable:
			pd.Tags = []protocol.DiagnosticTag{protocol.DiagnosticTagUnnecessary}
		}
		for _, r := range d.Related {
			rf := f
			if r.File != "" && r.File != f.path {
				rf = snap.fileByPath(r.File)
			}
			if rf == nil {
				continue
			}
			pd.RelatedInformation = append(pd.RelatedInformation, protocol.DiagnosticRelatedInformation{
				Location: protocol.Location{URI: rf.uri, Range: rf.m.spanRange(r.Span)},
				Message:  r.Message,
			})
		}
		out = append(out, pd)
	}
	return out
}
