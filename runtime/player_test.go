package runtime_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
)

func TestDecodePlayer(t *testing.T) {
	p, err := runtime.DecodePlayer([]byte(` {"id":"p1","currency":"EUR","zone":"Europe/Malta","properties":{"vip":true,"level":"gold","cap":1200.50,"gone":null}} `))
	require.NoError(t, err)
	assert.Equal(t, runtime.Player{ID: "p1", Currency: "EUR", Zone: "Europe/Malta",
		Properties: map[string]any{"vip": true, "level": "gold", "cap": json.Number("1200.50")}}, p)

	p, err = runtime.DecodePlayer([]byte(`{"id":"p2"}`))
	require.NoError(t, err)
	assert.Equal(t, runtime.Player{ID: "p2"}, p)
}

func TestDecodePlayerErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{``, "empty record: expected a JSON object"},
		{`null`, "null: expected a JSON object"},
		{`[1]`, "must be an object, not an array"},
		{`{"id":"p1"} {}`, "more than one JSON value"},
		{`{"currency":"EUR"}`, "id: missing: every player record has an id"},
		{`{"id":"p1","id":"p2"}`, "id: repeated key"},
		{`{"id":"p1","wallet":"EUR"}`, "wallet: unknown field; expected id, currency, zone or properties"},
		{`{"id":"p1","currency":"EURO"}`, `currency: unknown currency "EURO": expected an ISO 4217 code such as EUR`},
		{`{"id":"p1","zone":"Mars/Olympus"}`, `zone: unknown time zone "Mars/Olympus": expected an IANA zone such as Europe/Malta`},
		{`{"id":"p1","zone":"Local"}`, `zone: unknown time zone "Local"`},
		{`{"id":"p1","zone":""}`, `zone: empty: expected an IANA zone such as Europe/Malta, or no zone field`},
		{`{"id":"p1","properties":{"cap":1.5e3}}`, "properties.cap: "},
		{`{"id":"p1","properties":{"cap":1,"cap":2}}`, "properties.cap: repeated key"},
		{`{"id":"p1","properties":{"tags":["a"]}}`, "properties.tags: must be a string, a number or a boolean"},
		{`{"id":7}`, "id: must be a string, not a number"},
		{`{"id":"p1"`, "malformed JSON"},
	} {
		_, err := runtime.DecodePlayer([]byte(c.in))
		var ie *runtime.InputError
		if assert.True(t, errors.As(err, &ie), "%s: %v", c.in, err) {
			assert.True(t, strings.HasPrefix(err.Error(), c.want), "%s: got %q, want %q...", c.in, err, c.want)
		}
	}
}

func TestDecodePlayers(t *testing.T) {
	in := "{\"id\":\"p1\",\"currency\":\"EUR\"}\n\n  \n{\"id\":\"p2\",\"zone\":\"UTC\"}\n"
	var lines []int
	var ids []string
	require.NoError(t, runtime.DecodePlayers(strings.NewReader(in), func(line int, p runtime.Player) error {
		lines, ids = append(lines, line), append(ids, p.ID)
		return nil
	}))
	assert.Equal(t, []int{1, 4}, lines)
	assert.Equal(t, []string{"p1", "p2"}, ids)

	err := runtime.DecodePlayers(strings.NewReader(in+"{\"id\":\"p3\",\"zone\":\"Nowhere\"}\n"), func(int, runtime.Player) error { return nil })
	assert.EqualError(t, err, `line 5: zone: unknown time zone "Nowhere": expected an IANA zone such as Europe/Malta`)
	err = runtime.DecodePlayers(strings.NewReader("{\"id\":\"p1\"}\n{\n"), func(int, runtime.Player) error { return nil })
	assert.ErrorContains(t, err, "line 2: malformed JSON")
	long := "{\"id\":\"p1\"}\n{\"id\":\"" + strings.Repeat("x", 16<<20) + "\"}\n"
	err = runtime.DecodePlayers(strings.NewReader(long), func(int, runtime.Player) error { return nil })
	assert.EqualError(t, err, "line 2: longer than 16 MiB")
	stop := errors.New("stop")
	err = runtime.DecodePlayers(strings.NewReader(in), func(int, runtime.Player) error { return stop })
	assert.ErrorIs(t, err, stop)
}

func TestEncodePlayer(t *testing.T) {
	p := runtime.Player{ID: "p\"1", Currency: "EUR", Zone: "Europe/Malta",
		Properties: map[string]any{"vip": true, "level": "gold", "cap": json.Number("-1200.50")}}
	b, err := runtime.EncodePlayer(p)
	require.NoError(t, err)
	assert.Equal(t, `{"id":"p\"1","currency":"EUR","zone":"Europe/Malta","properties":{"cap":-1200.50,"level":"gold","vip":true}}`, string(b))
	back, err := runtime.DecodePlayer(b)
	require.NoError(t, err)
	assert.Equal(t, p, back)

	b, err = runtime.EncodePlayer(runtime.Player{ID: "p2"})
	require.NoError(t, err)
	assert.Equal(t, `{"id":"p2"}`, string(b))

	// Strings are escaped as encoding/json escapes them, keys sorted past
	// the encoder's array of keys on the stack.
	odd := runtime.Player{ID: "ünï <a&b>\n\x01", Currency: "EUR", Zone: "Europe/Malta", Properties: map[string]any{"k\"ey": "v\u2028", "é": false}}
	for i := range 20 {
		odd.Properties[fmt.Sprintf("p%02d", 19-i)] = json.Number(strconv.Itoa(i))
	}
	want := func(v any) string { j, _ := json.Marshal(v); return string(j) }
	ref := `{"id":` + want(odd.ID) + `,"currency":"EUR","zone":"Europe/Malta","properties":{` + want("k\"ey") + `:` + want("v\u2028")
	for i := range 20 {
		ref += fmt.Sprintf(`,"p%02d":%d`, i, 19-i)
	}
	ref += `,` + want("é") + `:false}}`
	b, err = runtime.EncodePlayer(odd)
	require.NoError(t, err)
	assert.Equal(t, ref, string(b))
	back, err = runtime.DecodePlayer(b)
	require.NoError(t, err)
	assert.Equal(t, odd, back)

	_, err = runtime.EncodePlayer(runtime.Player{ID: "p", Properties: map[string]any{"x": 1.5}})
	assert.EqualError(t, err, "properties.x: a float64: expected a string, a json.Number or a boolean")
	_, err = runtime.EncodePlayer(runtime.Player{ID: "p", Properties: map[string]any{"x": json.Number("1e3")}})
	assert.ErrorContains(t, err, "properties.x: ")
}
