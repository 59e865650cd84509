package server

import (
	"bytes"
	"context"
	"net/http"
	"strings"

	"github.com/promoc/promoc/runtime"
)

// postEval evaluates one reward (?reward=NAME, &trace=true for the trace)
// on the input document of the body, as promoc eval does, and stores
// nothing. The answer is the result document; an input the reward cannot
// read is a 422 whose details hold that document.
func (s *Server) postEval(ctx context.Context, q *request) (int, any, error) {
	p := queryOf(q, "reward", "trace")
	if p.err != nil {
		return 0, nil, p.err
	}
	prog := s.program() // one version for the whole request
	reward := p.v.Get("reward")
	if reward == "" {
		return 0, nil, errorf(http.StatusBadRequest, CodeInvalidParameter, "reward: missing: expected ?reward=NAME, one of %s",
			strings.Join(prog.Rewards(), ", ")).with("parameter", "reward").with("rewards", prog.Rewards())
	}
	if !prog.HasReward(reward) {
		return 0, nil, errorf(http.StatusNotFound, CodeNotFound, "reward %q: no such reward: expected one of %s", reward,
			strings.Join(prog.Rewards(), ", ")).with("parameter", "reward").with("rewards", prog.Rewards())
	}
	var opts []runtime.EvalOption
	switch p.v.Get("trace") {
	case "", "false":
	case "true":
		opts = append(opts, runtime.WithTrace())
	default:
		return 0, nil, errorf(http.StatusBadRequest, CodeInvalidParameter, "trace=%q: expected true or false", p.v.Get("trace")).with("parameter", "trace")
	}
	prep := prog.PrepareJSON(ctx, bytes.NewReader(q.body))
	res, err := prog.EvaluatePrepared(ctx, reward, prep, opts...)
	if err != nil {
		return 0, nil, err
	}
	if res.Outcome == runtime.Error_ && res.Reason == "invalid-input" {
		return 0, nil, errorf(http.StatusUnprocessableEntity, CodeInvalidInput, "%s", res.Detail).with("result", res)
	}
	return http.StatusOK, res, nil
}
