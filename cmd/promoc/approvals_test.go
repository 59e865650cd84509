package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/promoc/promoc/runtime/store"
)

func TestParseKey(t *testing.T) {
	for _, k := range []store.Key{
		{Rule: "vip", Action: "give", Player: "p1", TriggerHash: "ab12"},
		{Rule: "vip", Action: "give", Player: "club/eu/p1", TriggerHash: "ab12"},
		{Rule: "vip", Action: "control", Player: "p 1", TriggerHash: "ab12"},
	} {
		got, err := parseKey(keyString(k))
		if assert.NoError(t, err) {
			assert.Equal(t, k, got)
		}
	}
	for _, bad := range []string{"", "vip", "vip/give/p1", "/give/p1/h", "vip//p1/h", "vip/give//h", "vip/give/p1/"} {
		_, err := parseKey(bad)
		assert.Error(t, err, bad)
	}
}
