package vm

import (
	"strconv"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/vm/num"
)

// An AttrRef names column C of kind K of program P, with the attribute's
// Name for errors: what a host looks up once and then sets values by. The
// setters that take one set a value only when it is an attribute of the
// current transaction's kind in the builder's program; otherwise the
// transaction fails at Commit, naming the attribute. [Builder.SetStringOf]
// and [Builder.SetScaledOf] check the value as well, each in one call with
// no call on the common path, so that a host's typed setter that calls
// one is inlined.
type AttrRef struct {
	P    *Program
	K, C int
	Name string
}

// Of reports whether r is an attribute of the current transaction's kind
// in the builder's program. When it is not, the transaction fails at
// Commit with "attribute NAME is not an attribute of the transaction's
// kind" (unless it failed before).
func (b *Builder) Of(r *AttrRef) bool {
	if r.P == b.p && r.K == b.tx.kind {
		return true
	}
	b.FailTxn("", "attribute "+r.Name+" is not an attribute of the transaction's kind")
	return false
}

// SetStringOf sets string attribute r to s, at most limits.StringBytes
// bytes long.
func (b *Builder) SetStringOf(r *AttrRef, s string) {
	c := r.C
	if r.P != b.p || r.K != b.tx.kind || !b.col(c) || b.typ(c) != KString || len(s) > limits.StringBytes {
		b.setStringOf(r, s)
		return
	}
	// SetString's common path.
	var id int32
	if b.tx.keep[c] {
		rs := &b.tx.last[c]
		var ok bool
		if id, ok = rs.find(s); !ok {
			id = b.internRecent(rs, s)
		}
	}
	b.put(c, Value{K: KString, I: int64(id)})
}

// setStringOf is SetStringOf when something is wrong.
func (b *Builder) setStringOf(r *AttrRef, s string) {
	if !b.Of(r) {
		return
	}
	if len(s) > limits.StringBytes {
		b.Fail(r.C, "longer than "+strconv.Itoa(limits.StringBytes)+" bytes")
		return
	}
	b.SetString(r.C, s)
}

// SetScaledOf sets number or money attribute r to unscaled × 10^-scale,
// with scale from 0 to limits.Decimals.
func (b *Builder) SetScaledOf(r *AttrRef, unscaled int64, scale int32) {
	c := r.C
	if r.P != b.p || r.K != b.tx.kind || !b.col(c) || !b.typ(c).numeric() || scale < 0 || scale > limits.Decimals {
		b.setScaledOf(r, unscaled, scale)
		return
	}
	// An int64 coefficient at an allowed scale is within the size limits:
	// SetDec's check is not needed.
	b.put(c, Value{K: b.typ(c), N: num.New(unscaled, scale)})
}

// setScaledOf is SetScaledOf when something is wrong.
func (b *Builder) setScaledOf(r *AttrRef, unscaled int64, scale int32) {
	if !b.Of(r) {
		return
	}
	if scale < 0 || scale > limits.Decimals {
		b.Fail(r.C, "scale out of range: "+strconv.Itoa(int(scale)))
		return
	}
	b.SetDec(r.C, num.New(unscaled, scale))
}
