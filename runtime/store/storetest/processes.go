package storetest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// childCmd is the test binary started again as a child of the suite.
func childCmd(mode, addr string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envMode+"="+mode, envAddr+"="+addr)
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// RaceProcesses makes procs separate processes race n reservations at one
// budget, each committing batches of batch changes, each with env in its
// environment.
func RaceProcesses(t *testing.T, d Driver, procs, n, batch int, env ...string) {
	ctx := context.Background()
	addr := d.New(t)
	s := d.open(t, addr)
	_, limit := raceBudget(n)
	require.NoError(t, s.SetBudget(ctx, "race", "EUR", limit, t0))
	cmds := make([]*exec.Cmd, procs)
	outs := make([]*bytes.Buffer, procs)
	for p := range procs {
		cmds[p] = childCmd("race", addr, append([]string{
			fmt.Sprintf("%s=%d", envFrom, n*p/procs), fmt.Sprintf("%s=%d", envTo, n*(p+1)/procs),
			fmt.Sprintf("%s=%d", envBatch, batch), fmt.Sprintf("%s=proc%d", envName, p)}, env...)...)
		outs[p] = new(bytes.Buffer)
		cmds[p].Stdout, cmds[p].Stderr = outs[p], outs[p]
		require.NoError(t, cmds[p].Start())
	}
	issued := 0
	for p, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("process %d: %v\n%s", p, err, outs[p])
		}
		line := strings.TrimSpace(outs[p].String())
		k, err := strconv.Atoi(strings.TrimPrefix(line, "issued "))
		require.NoError(t, err, "process %d printed %q", p, line)
		issued += k
	}
	t.Logf("%s: %d processes, batches of %d", d.Name, procs, batch)
	checkRace(t, s, n, issued)
	require.NoError(t, s.Audit(ctx))
}
