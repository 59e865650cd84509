package bench

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/runtime"
)

// rules holds the .promo sources of workloads 1 and 2.
//
//go:embed rules/*.promo
var rules embed.FS

// Now is the evaluation time of every workload.
var Now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// compileFile compiles one rule file of rules/ as a rule set of its own.
func compileFile(name string) (*runtime.Program, error) {
	text, err := rules.ReadFile("rules/" + name)
	if err != nil {
		return nil, err
	}
	return runtime.CompileSources([]runtime.Source{{Name: name, Text: text}})
}

// promocAnswer evaluates a reward and returns its issued amount, or zero
// when it is skipped. An error outcome is an error: the inputs of the
// workloads are valid, so it would be a bug.
func promocAnswer(prog *runtime.Program, reward string, in *runtime.Prepared) (decimal.Decimal, error) {
	res, err := prog.EvaluatePrepared(context.Background(), reward, in)
	if err != nil {
		return decimal.Decimal{}, err
	}
	switch res.Outcome {
	case runtime.Calculated:
		return res.Amount(), nil
	case runtime.Skipped:
		return decimal.Zero, nil
	}
	return decimal.Decimal{}, fmt.Errorf("%s: outcome %s, %s: %s", reward, res.Outcome, res.Reason, res.Detail)
}
