package engine

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
)

// TestConcerns: the rules an event of a kind may enter, qualify, trigger
// or set the inactivity timer of (rulesFor looks at the others' states no
// more): by trigger, by qualification, by an entrance on an event, by
// inactivity since any event or since a kind; never a scheduled trigger or
// entrance.
func TestConcerns(t *testing.T) {
	concerned := func(dir, kind string) []string {
		prog, err := runtime.Compile(os.DirFS("testdata/" + dir))
		require.NoError(t, err)
		var names []string
		for _, r := range prog.Rules() {
			if concerns(r, kind) {
				names = append(names, r.Name)
			}
		}
		return names
	}
	cases := []struct {
		dir, kind string
		want      []string
	}{
		{"basic", "deposit", []string{"first_deposit_bonus", "every_three_bets", "big_deposits"}},
		{"basic", "bet", []string{"every_three_bets"}},
		{"basic", "login", []string{"win_back"}},
		{"basic", "player", nil},
		{"triggers", "bet", []string{"every_three_slots", "idle_week", "every_two_week_bets"}},
		{"triggers", "login", []string{"idle_week", "no_login"}},
		{"campaign", "login", []string{"ab_unseeded", "joined_on_login"}},
		{"campaign", "deposit", []string{"ab", "joined_on_login", "joined_on_friday"}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, concerned(c.dir, c.kind), "%s: %s", c.dir, c.kind)
	}
}
