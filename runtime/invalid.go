package runtime

// InvalidInput returns a prepared input that every evaluation rejects with
// err, as it rejects an input that [Program.Prepare] finds bad: the result
// has outcome error, reason invalid-input, and err's message as its Detail
// (an [*InputError] names the field). A tool or service that decodes input
// documents itself, with [DecodeInput], reports a document that does not
// decode the same way as one that decodes but does not check.
func (p *Program) InvalidInput(err error) *Prepared {
	if err == nil {
		err = &InputError{Msg: "invalid input"}
	}
	return &Prepared{prog: p, err: err}
}
