package vm

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/promoc/promoc/lang"
)

// Disassemble writes the named reward, or every reward when name is "", as
// text: its settings, locals, branches and aggregation descriptors, then
// one instruction per line with its pc, its mnemonic and argument, what the
// argument refers to, and its source span. The output depends only on the
// program, so golden files can hold it. It reports an unknown reward name
// and write errors.
func (p *Program) Disassemble(w io.Writer, name string) error {
	return p.DisassembleSource(w, name, nil)
}

// SourceLine returns the text of a line (1-based) of a source file, and
// false when it does not have it.
type SourceLine func(file string, line int) (string, bool)

// DisassembleSource is [Program.Disassemble] with the source beside the
// code: before the instructions of each new source line, that line is
// printed as a comment, "; 8 | above 500 EUR: give ...". With a nil src it
// is Disassemble.
func (p *Program) DisassembleSource(w io.Writer, name string, src SourceLine) error {
	bw := bufio.NewWriter(w)
	found := false
	for _, r := range p.Rewards {
		if r == nil || name != "" && r.Name != name {
			continue
		}
		if found {
			bw.WriteString("\n")
		}
		found = true
		p.disassemble(bw, r, src)
	}
	if !found && name != "" {
		return fmt.Errorf("vm: no reward %q", name)
	}
	return bw.Flush()
}

func (p *Program) disassemble(w *bufio.Writer, r *Reward, src SourceLine) {
	result := r.Result.String()
	if r.Result == ResultPoints {
		result += " to " + r.Target.String()
	}
	fmt.Fprintf(w, "reward %s: %s\n", r.Name, result)
	fmt.Fprintf(w, "\tfile:     %s\n", r.File)
	fmt.Fprintf(w, "\twindow:   %s\n", r.Window)
	fmt.Fprintf(w, "\tround:    %s\n", r.Round)
	fmt.Fprintf(w, "\tcap:      %s\n", p.tableOrNone(r.Cap))
	fmt.Fprintf(w, "\tminimum:  %s\n", p.tableOrNone(r.Minimum))
	approval := "auto"
	if r.Manual {
		approval = "manual"
	}
	fmt.Fprintf(w, "\tapproval: %s\n", approval)
	fmt.Fprintf(w, "\tstack:    %d\n", r.MaxStack)
	if len(r.Locals) > 0 {
		w.WriteString("locals\n")
		for i, l := range r.Locals {
			fmt.Fprintf(w, "\t%d %s  %s\n", i, l.Name, spanText(l.Span))
		}
	}
	if len(r.Branches) > 0 {
		w.WriteString("branches\n")
		for i, b := range r.Branches {
			fmt.Fprintf(w, "\t%d %s  %s\n", i, strconv.Quote(b.Label), spanText(b.Span))
		}
	}
	if len(r.Aggs) > 0 {
		w.WriteString("aggregations\n")
		for i := range r.Aggs {
			fmt.Fprintf(w, "\t%d %s  %s\n", i, p.aggText(r, &r.Aggs[i]), spanText(r.Aggs[i].Span))
		}
	}
	w.WriteString("code\n")
	kinds := filterKinds(r)
	lastLine := 0
	for pc, in := range r.Code {
		if src != nil && pc < len(r.Spans) && r.Spans[pc].Start.Line != lastLine {
			lastLine = r.Spans[pc].Start.Line
			if text, ok := src(r.File, lastLine); ok {
				fmt.Fprintf(w, "	      ; %d | %s\n", lastLine, strings.TrimSpace(text))
			}
		}
		note := p.instrNote(r, in, kinds[pc])
		span := ""
		if pc < len(r.Spans) {
			span = spanText(r.Spans[pc])
		}
		line := fmt.Sprintf("\t%4d  %-28s %-32s %s", pc, in, note, span)
		w.WriteString(strings.TrimRight(line, " "))
		w.WriteString("\n")
	}
}

func spanText(s lang.Span) string {
	if !s.Start.IsValid() {
		return "-"
	}
	return s.String()
}

func (p *Program) tableOrNone(k int32) string {
	if k < 0 {
		return "none"
	}
	return p.formatTable(k)
}

// instrNote says what an instruction's argument refers to; kind is the
// transaction kind of filter code, -1 elsewhere.
func (p *Program) instrNote(r *Reward, in Instr, kind int) string {
	a := int(in.Arg)
	in32 := func(n int) bool { return a >= 0 && a < n }
	note := ""
	switch in.Op {
	case OpLoadConst:
		if in32(len(p.Consts)) {
			note = p.formatConst(p.Consts[a])
		}
	case OpLoadLocal, OpStoreLocal:
		if in32(len(r.Locals)) {
			note = r.Locals[a].Name
		}
	case OpLoadProp, OpHasProp:
		if in32(len(p.Props)) {
			note = p.propText(int(a))
		}
	case OpLoadPerCurrency:
		note = p.formatTable(in.Arg)
	case OpLoadAttr:
		if kind >= 0 && kind < len(p.Kinds) && in32(len(p.Kinds[kind].Attrs)) {
			note = p.Kinds[kind].Name + "." + p.Kinds[kind].Attrs[a].Name
		}
	case OpIn, OpNotIn:
		if in32(len(p.Lists)) {
			note = p.listText(p.Lists[a])
		}
	case OpAggregate:
		if in32(len(r.Aggs)) {
			note = p.aggText(r, &r.Aggs[a])
		}
	case OpMark:
		if in32(len(r.Branches)) {
			note = strconv.Quote(r.Branches[a].Label)
		}
	case OpSkip:
		if in32(len(p.Strings)) {
			note = strconv.Quote(p.Strings[a])
		}
	}
	if note == "" {
		return ""
	}
	return "; " + note
}

func (p *Program) listText(l []Value) string {
	parts := make([]string, len(l))
	for i, v := range l {
		parts[i] = p.formatConst(v)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// aggText writes an aggregation descriptor as the source would:
// sum(bet.amount where game eq "Gold Quest" and category ne "roulette").
func (p *Program) aggText(r *Reward, a *Aggregation) string {
	if a.Kind < 0 || a.Kind >= len(p.Kinds) {
		return a.Op.String() + "(kind#" + strconv.Itoa(a.Kind) + ")"
	}
	k := p.Kinds[a.Kind]
	attr := func(c int) string {
		if c >= 0 && c < len(k.Attrs) {
			return k.Attrs[c].Name
		}
		return "column#" + strconv.Itoa(c)
	}
	var b strings.Builder
	b.WriteString(a.Op.String() + "(" + k.Name)
	if a.Attr >= 0 {
		b.WriteString("." + attr(a.Attr))
	}
	var conds []string
	for _, t := range a.Terms {
		var operand string
		switch {
		case t.Prop && t.Const >= 0 && int(t.Const) < len(p.Props):
			operand = p.propText(int(t.Const))
		case t.Local >= 0 && int(t.Local) < len(r.Locals):
			operand = r.Locals[t.Local].Name
		case (t.Cond == CondIn || t.Cond == CondNotIn) && t.Const >= 0 && int(t.Const) < len(p.Lists):
			operand = p.listText(p.Lists[t.Const])
		case t.Const >= 0 && int(t.Const) < len(p.Consts):
			operand = p.formatConst(p.Consts[t.Const])
		default:
			operand = "?"
		}
		conds = append(conds, attr(t.Col)+" "+t.Cond.String()+" "+operand)
	}
	if a.Filter >= 0 {
		conds = append(conds, "filter@"+strconv.Itoa(int(a.Filter)))
	}
	if len(conds) > 0 {
		b.WriteString(" where " + strings.Join(conds, " and "))
	}
	b.WriteString(")")
	return b.String()
}

// filterKinds returns, per pc, the kind of the filter code it belongs to, or
// -1 for formula code.
func filterKinds(r *Reward) []int {
	kinds := make([]int, len(r.Code))
	for i := range kinds {
		kinds[i] = -1
	}
	for _, a := range r.Aggs {
		if a.Filter < 0 || int(a.Filter) >= len(r.Code) {
			continue
		}
		work := []int{int(a.Filter)}
		for len(work) > 0 {
			pc := work[len(work)-1]
			work = work[:len(work)-1]
			if pc < 0 || pc >= len(r.Code) || kinds[pc] >= 0 {
				continue
			}
			kinds[pc] = a.Kind
			in := r.Code[pc]
			switch in.Op {
			case OpFilterEnd, OpGive, OpSkip, OpNoBranch:
			case OpJump:
				work = append(work, int(in.Arg))
			case OpJumpIfFalse, OpJumpIfTrue, OpJumpIfFalseOrPop, OpJumpIfTrueOrPop:
				work = append(work, int(in.Arg), pc+1)
			default:
				work = append(work, pc+1)
			}
		}
	}
	return kinds
}

// propText is how code reads property i: player.NAME, or a conversion's
// attribute as its name says (conversion.amount).
func (p *Program) propText(i int) string {
	if name := p.Props[i].Name; strings.HasPrefix(name, "conversion.") {
		return name
	}
	return "player." + p.Props[i].Name
}
